"""The versions one visit is made of: building them, and an edit's new versions of the
part-records (conversations, signposts, agreements) that changed.

Nothing here changes a finalised version: a change is version n+1 naming its base
(``_supersede``); a part-record left out of the form gets a deleted version.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hubdesk.core.ids import uuid7
from hubdesk.services.common import Actor, Changes, stamp
from hubdesk.services.visit_form import AgreementAnswer, SignpostAnswer, TopicAnswer, VisitForm
from hubdesk.store import repositories as repo
from hubdesk.store.models import Agreement, Conversation, SignpostingOutcome, VersionedMixin, Visit
from hubdesk.store.outbox import finalise


def new_visit(actor: Actor, record_id: str, version: int, base: int | None, session_id: str,
               form: VisitForm, person_id: str | None, visited_at: datetime) -> Visit:
    visit = stamp(Visit(), actor, record_id=record_id, version=version, base_version=base)
    visit.session_id = session_id
    visit.visited_at = visited_at
    visit.contact_mode = form.contact_mode
    visit.referral_source = form.referral_source
    visit.age_band = form.age_band
    visit.sex = form.sex
    visit.postcode_district = form.postcode_district or None
    visit.first_visit = form.first_visit
    visit.visitor_code = form.visitor_code or None
    visit.topics = [t.topic for t in form.topics]
    visit.safeguarding = form.safeguarding
    visit.note = form.note
    visit.person_id = person_id
    visit.deleted = False
    return visit


def new_conversation(actor: Actor, record_id: str, version: int, base: int | None,
                      visit_id: str, answer: TopicAnswer, *, deleted: bool = False) -> Conversation:
    conversation = stamp(Conversation(), actor, record_id=record_id, version=version, base_version=base)
    conversation.visit_id = visit_id
    conversation.topic = answer.topic
    conversation.furthest_step = answer.furthest_step
    conversation.intervention_level = answer.intervention_level
    conversation.response = answer.response
    conversation.action = answer.action
    conversation.deleted = deleted
    return conversation


def new_outcome(actor: Actor, record_id: str, version: int, base: int | None, visit_id: str,
                 signpost: SignpostAnswer, form: VisitForm, conversation_id: str | None,
                 *, deleted: bool = False) -> SignpostingOutcome:
    outcome = stamp(SignpostingOutcome(), actor, record_id=record_id, version=version, base_version=base)
    outcome.visit_id = visit_id
    outcome.conversation_id = conversation_id
    outcome.service_id = signpost.service_id
    outcome.kind = signpost.kind
    outcome.status = signpost.status
    outcome.agreement_recorded = form.agreed("share_partner") or form.agreed("follow_up")
    outcome.deleted = deleted
    return outcome


def new_agreement(actor: Actor, record_id: str, version: int, base: int | None, visit_id: str,
                   person_id: str | None, answer: AgreementAnswer) -> Agreement:
    agreement = stamp(Agreement(), actor, record_id=record_id, version=version, base_version=base)
    agreement.visit_id = visit_id
    agreement.person_id = person_id
    agreement.purpose = answer.purpose
    agreement.given = answer.given
    agreement.method = answer.method
    agreement.notice_version = "1"
    agreement.withdrawn_at = None
    return agreement


def edit_conversations(db: Session, actor: Actor, visit_id: str, form: VisitForm,
                        changes: Changes) -> dict[str, str]:
    conversations = {c.topic: c for c in repo.conversations_for(db, [visit_id])}
    wanted = {t.topic: t for t in form.topics}
    conversation_ids = {topic: c.record_id for topic, c in conversations.items()}
    for topic, existing in conversations.items():
        answer = wanted.get(topic)
        if answer is None:
            supersede(db, Conversation, existing,
                       new_conversation(actor, existing.record_id, existing.version + 1,
                                         existing.version, visit_id, TopicAnswer(topic), deleted=True))
            changes.add("conversation", existing.record_id)
        elif (existing.furthest_step, existing.intervention_level, existing.response,
              existing.action) != (answer.furthest_step, answer.intervention_level,
                                   answer.response, answer.action):
            supersede(db, Conversation, existing,
                       new_conversation(actor, existing.record_id, existing.version + 1,
                                         existing.version, visit_id, answer))
            changes.add("conversation", existing.record_id)
    for topic, answer in wanted.items():
        if topic not in conversations:
            conversation = new_conversation(actor, uuid7(), 1, None, visit_id, answer)
            db.add(conversation)
            finalise(db, conversation)
            conversation_ids[topic] = conversation.record_id
            changes.add("conversation", conversation.record_id)
    return conversation_ids


def edit_outcomes(db: Session, actor: Actor, visit_id: str, form: VisitForm,
                   conversation_ids: dict[str, str], changes: Changes) -> None:
    outcomes = {o.service_id: o for o in repo.outcomes_for(db, [visit_id])}
    wanted_signposts = {s.service_id: s for s in form.signposts}
    for service_id, existing_outcome in outcomes.items():
        signpost = wanted_signposts.get(service_id)
        replacement: SignpostingOutcome | None = None
        if signpost is None:
            replacement = new_outcome(
                actor, existing_outcome.record_id, existing_outcome.version + 1,
                existing_outcome.version, visit_id,
                SignpostAnswer(service_id, existing_outcome.kind, None, existing_outcome.status),
                form, existing_outcome.conversation_id, deleted=True)
        else:
            conversation_id = conversation_ids.get(signpost.topic or "")
            if (existing_outcome.kind, existing_outcome.status, existing_outcome.conversation_id) != (
                    signpost.kind, signpost.status, conversation_id):
                replacement = new_outcome(actor, existing_outcome.record_id,
                                           existing_outcome.version + 1, existing_outcome.version,
                                           visit_id, signpost, form, conversation_id)
        if replacement is not None:
            supersede(db, SignpostingOutcome, existing_outcome, replacement)
            changes.add("outcome", existing_outcome.record_id)
    for service_id, signpost in wanted_signposts.items():
        if service_id not in outcomes:
            outcome = new_outcome(actor, uuid7(), 1, None, visit_id, signpost, form,
                                   conversation_ids.get(signpost.topic or ""))
            db.add(outcome)
            finalise(db, outcome)
            changes.add("outcome", outcome.record_id)


def edit_agreements(db: Session, actor: Actor, visit_id: str, person_id: str | None,
                     form: VisitForm, changes: Changes, now: datetime) -> None:
    """Diff every purpose: one given before and not given now (unticked, or left out of
    the form) is withdrawn in a new version saying when and by whom."""
    answers = {a.purpose: a for a in form.agreements}
    existing = {a.purpose: a for a in repo.agreements_for(db, visit_id) if not a.deleted}
    for purpose, agreement in existing.items():
        answer = answers.get(purpose) or AgreementAnswer(purpose, False, agreement.method)
        if (agreement.given, agreement.method, agreement.person_id) == (
                answer.given, answer.method if answer.given else agreement.method, person_id):
            continue
        if not answer.given:
            answer = AgreementAnswer(purpose, False, agreement.method)
        replacement = new_agreement(actor, agreement.record_id, agreement.version + 1,
                                     agreement.version, visit_id, person_id, answer)
        if agreement.given and not answer.given:
            replacement.withdrawn_at = now  # who: the version's created_by
        supersede(db, Agreement, agreement, replacement)
        changes.add("agreement", agreement.record_id)
    for purpose, answer in answers.items():
        if purpose not in existing:
            new = new_agreement(actor, uuid7(), 1, None, visit_id, person_id, answer)
            db.add(new)
            finalise(db, new)
            changes.add("agreement", new.record_id)


def supersede(db: Session, model: type[VersionedMixin], old: VersionedMixin,
               new: VersionedMixin) -> None:
    repo.retire_current(db, model, old.record_id)
    db.add(new)
    finalise(db, new)
