"""Recording and editing visits: the volunteer's main job, in well under a minute.

A visit is anonymous by default.  Identity (a preferred name, a phone number) is
kept only when a purpose needs it *and* the person's agreement for that purpose
is recorded.  Editing never changes a finalised version: it finalises version
n+1 of each record that changed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hubdesk.core.clock import local_today, utc_now
from hubdesk.core.days import day_bounds_utc, hub_today, to_hub_time
from hubdesk.core.errors import NotFoundError, ValidationError
from hubdesk.core.ids import uuid7
from hubdesk.core.vocab import vocabularies
from hubdesk.services.common import Actor, Changes, audit, stamp
from hubdesk.services.session_resume import require_today
from hubdesk.services.time_zone import hub_time_zone
from hubdesk.store import repositories as repo
from hubdesk.store.models import (
    Agreement,
    Alert,
    Conversation,
    Draft,
    FollowUp,
    HubSession,
    Person,
    SignpostingOutcome,
    VersionedMixin,
    Visit,
)
from hubdesk.store.outbox import finalise

MAX_NOTE = 500
VISITOR_CODE = re.compile(r"^[A-Z0-9-]{3,16}$")
POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
RETENTION = timedelta(days=365)


@dataclass
class TopicAnswer:
    topic: str
    furthest_step: str = "ask"
    intervention_level: str = "very_brief"
    response: str | None = None
    action: str | None = None


@dataclass
class SignpostAnswer:
    service_id: str
    kind: str = "signpost"
    topic: str | None = None
    status: str = "offered"


@dataclass
class AgreementAnswer:
    purpose: str
    given: bool
    method: str = "verbal"


@dataclass
class VisitForm:
    """Everything the capture form collects; also the shape of an autosaved draft."""

    contact_mode: str = ""
    referral_source: str | None = None
    age_band: str = "not_asked"
    sex: str = "not_asked"
    first_visit: bool | None = None
    visitor_code: str = ""
    postcode_district: str = ""
    topics: list[TopicAnswer] = field(default_factory=list)
    signposts: list[SignpostAnswer] = field(default_factory=list)
    agreements: list[AgreementAnswer] = field(default_factory=list)
    preferred_name: str = ""
    contact: str = ""
    follow_up_due: date | None = None
    follow_up_method: str = "phone"
    safeguarding: bool = False
    note: str = ""

    @property
    def has_identity(self) -> bool:
        return bool(self.preferred_name.strip() or self.contact.strip())

    def agreed(self, purpose: str) -> bool:
        return any(a.purpose == purpose and a.given for a in self.agreements)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["follow_up_due"] = self.follow_up_due.isoformat() if self.follow_up_due else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VisitForm:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["topics"] = [TopicAnswer(**t) for t in known.get("topics", [])]
        known["signposts"] = [SignpostAnswer(**s) for s in known.get("signposts", [])]
        known["agreements"] = [AgreementAnswer(**a) for a in known.get("agreements", [])]
        due = known.get("follow_up_due")
        known["follow_up_due"] = date.fromisoformat(due) if isinstance(due, str) and due else None
        return cls(**known)


@dataclass(frozen=True)
class VisitRow:
    """One line of today's list (plain values for the UI)."""

    id: str
    version: int
    session_id: str
    local_time: datetime
    contact_mode: str
    age_band: str
    sex: str
    topics: tuple[str, ...]
    signposts: int
    safeguarding: bool
    visitor_code: str
    sync_state: str  # pending / sending / sent / rejected / conflict


def normalise(form: VisitForm) -> VisitForm:
    """Trim and upper-case what the volunteer typed (codes, postcode districts)."""
    form.visitor_code = form.visitor_code.strip().upper()
    form.postcode_district = form.postcode_district.strip().upper().replace(" ", "")
    form.preferred_name = " ".join(form.preferred_name.split())
    form.contact = form.contact.strip()
    form.note = form.note.strip()
    return form


def validate_visit(form: VisitForm, known_service_ids: set[str] | None = None) -> dict[str, str]:
    """Field name -> plain-English message; empty when the visit can be saved."""
    vocab = vocabularies()
    errors: dict[str, str] = {}
    if form.contact_mode not in vocab.contact_modes:
        errors["contact_mode"] = "Choose how the person came to you."
    if form.contact_mode == "referred_in" and form.referral_source not in vocab.referral_sources:
        errors["referral_source"] = "Choose who referred the person."
    if form.referral_source and form.referral_source not in vocab.referral_sources:
        errors["referral_source"] = "Choose who referred the person."
    if form.age_band not in vocab.age_bands:
        errors["age_band"] = "Choose an age band (or Not asked)."
    if form.sex not in vocab.sexes:
        errors["sex"] = "Choose an answer for sex (or Not asked)."
    if form.visitor_code and not VISITOR_CODE.match(form.visitor_code):
        errors["visitor_code"] = "A visitor code is 3 to 16 letters, numbers or dashes."
    if form.postcode_district and not POSTCODE_DISTRICT.match(form.postcode_district):
        errors["postcode_district"] = "Enter only the first half of the postcode, like SG1."
    seen: set[str] = set()
    for answer in form.topics:
        if answer.topic not in vocab.mecc_topics or answer.topic in seen:
            errors["topics"] = "Each topic can be chosen once."
        seen.add(answer.topic)
        if answer.furthest_step not in vocab.mecc_steps:
            errors[f"topic:{answer.topic}"] = "Choose how far the conversation went."
        if answer.intervention_level not in vocab.intervention_levels:
            errors[f"topic:{answer.topic}"] = "Choose how long the conversation was."
        if answer.response is not None and answer.response not in vocab.responses:
            errors[f"topic:{answer.topic}"] = "Choose the person's response."
        if answer.action is not None and answer.action not in vocab.actions:
            errors[f"topic:{answer.topic}"] = "Choose what was done."
    for signpost in form.signposts:
        if signpost.kind not in vocab.signpost_kinds:
            errors["signposts"] = "Choose information, signpost, warm handover or referral."
        if signpost.status not in vocab.outcome_statuses:
            errors["signposts"] = "Choose the signpost's status."
        if known_service_ids is not None and signpost.service_id not in known_service_ids:
            errors["signposts"] = "A chosen service is no longer in the directory."
        if signpost.topic and signpost.topic not in seen:
            errors["signposts"] = "A signpost names a topic that was not discussed."
    for agreement in form.agreements:
        if agreement.purpose not in vocab.agreement_purposes:
            errors["agreements"] = "Choose what the person agreed to."
        if agreement.method not in vocab.agreement_methods:
            errors["agreements"] = "Choose how the person agreed."
    if len(form.preferred_name) > 80:
        errors["preferred_name"] = "Keep the name under 80 characters."
    if len(form.contact) > 120:
        errors["contact"] = "Keep the contact details under 120 characters."
    if form.has_identity and not (form.agreed("follow_up") or form.agreed("share_partner")):
        errors["agreements"] = (
            "A name or contact details can only be kept when the person agrees: "
            "record their agreement to follow-up or to sharing, or clear the details."
        )
    if form.follow_up_due is not None:
        if not form.contact.strip():
            errors["contact"] = "A follow-up needs a phone number or email."
        if not form.agreed("follow_up"):
            errors["agreements"] = "A follow-up needs the person's agreement to be contacted."
        if form.follow_up_method not in vocab.follow_up_methods:
            errors["follow_up_method"] = "Choose how to follow up."
    if any(s.kind == "referral" for s in form.signposts) and form.has_identity \
            and not form.agreed("share_partner"):
        errors["agreements"] = "A referral that shares details needs the person's agreement to share."
    if len(form.note) > MAX_NOTE:
        errors["note"] = f"Keep the note under {MAX_NOTE} characters."
    return errors


def _check(db: Session, form: VisitForm) -> None:
    services = repo.services_by_id(db, [s.service_id for s in form.signposts])
    errors = validate_visit(form, set(services))
    if errors:
        raise ValidationError(errors)


def record_visit(db: Session, actor: Actor, session_id: str, form: VisitForm,
                 *, draft_id: str | None = None) -> Changes:
    """Save a new visit with its conversations, signposts, agreements and follow-up."""
    form = normalise(form)
    session = repo.current_version(db, HubSession, session_id)
    if session is None:
        raise ValidationError({"session": "Open a session before recording visits."})
    if session.status != "open":
        raise ValidationError({"session": "This session is closed; open a new one."})
    require_today(db, session)  # a session left open from an earlier day takes no visits
    _check(db, form)
    visit_id = uuid7()
    changes = Changes().add("visit", visit_id)  # primary_id is the visit's
    person_id = _save_person(db, actor, form, None, changes)
    visit = _new_visit(actor, visit_id, 1, None, session_id, form, person_id, utc_now())
    db.add(visit)
    finalise(db, visit)
    conversation_ids = {}
    for answer in form.topics:
        conversation = _new_conversation(actor, uuid7(), 1, None, visit_id, answer)
        db.add(conversation)
        finalise(db, conversation)
        conversation_ids[answer.topic] = conversation.record_id
        changes.add("conversation", conversation.record_id)
    for signpost in form.signposts:
        outcome = _new_outcome(actor, uuid7(), 1, None, visit_id, signpost, form,
                               conversation_ids.get(signpost.topic or ""))
        db.add(outcome)
        finalise(db, outcome)
        changes.add("outcome", outcome.record_id)
    for agreement_answer in form.agreements:
        agreement = _new_agreement(actor, uuid7(), 1, None, visit_id, person_id, agreement_answer)
        db.add(agreement)
        finalise(db, agreement)
        changes.add("agreement", agreement.record_id)
    if form.follow_up_due is not None:
        follow_up = stamp(FollowUp(), actor, record_id=uuid7())
        follow_up.visit_id = visit_id
        follow_up.outcome_id = None
        follow_up.due_date = form.follow_up_due
        follow_up.method = form.follow_up_method
        follow_up.assigned_to = None
        follow_up.attempts = 0
        follow_up.done = False
        db.add(follow_up)
        finalise(db, follow_up)
        changes.add("follow_up", follow_up.record_id)
    if form.safeguarding:
        _raise_alert(db, actor, visit_id)
        changes.kinds.add("alert")
    if draft_id:
        discard_draft(db, draft_id)
    if actor.volunteer_id not in session.volunteers_present:
        session.volunteers_present = [*session.volunteers_present, actor.volunteer_id]
    detail = f"{len(form.topics)} topics, {len(form.signposts)} signposts"
    audit(db, actor, "create", "visit", visit_id, detail)
    return changes


def _new_visit(actor: Actor, record_id: str, version: int, base: int | None, session_id: str,
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


def _new_conversation(actor: Actor, record_id: str, version: int, base: int | None,
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


def _new_outcome(actor: Actor, record_id: str, version: int, base: int | None, visit_id: str,
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


def _new_agreement(actor: Actor, record_id: str, version: int, base: int | None, visit_id: str,
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


def _save_person(db: Session, actor: Actor, form: VisitForm, existing_id: str | None,
                 changes: Changes) -> str | None:
    """Keep identity only when given (validation has checked the agreement)."""
    if not form.has_identity:
        if existing_id is not None:  # details cleared on edit: a deleted version erases them
            old = repo.person(db, existing_id)
            if old is not None:
                repo.retire_current(db, Person, existing_id)
                blank = stamp(Person(), actor, record_id=existing_id, version=old.version + 1,
                              base_version=old.version)
                blank.preferred_name, blank.contact, blank.visitor_code = "", "", None
                blank.retention_due = None
                blank.deleted = True
                db.add(blank)
                finalise(db, blank)
                changes.add("person", existing_id)
        return None
    old = repo.person(db, existing_id) if existing_id else None
    if old is not None and (old.preferred_name, old.contact, old.visitor_code) == (
        form.preferred_name, form.contact, form.visitor_code or None
    ):
        return old.record_id
    record_id = existing_id or uuid7()
    if old is not None:
        repo.retire_current(db, Person, record_id)
    person = stamp(Person(), actor, record_id=record_id,
                   version=old.version + 1 if old else 1, base_version=old.version if old else None)
    person.preferred_name = form.preferred_name
    person.contact = form.contact
    person.visitor_code = form.visitor_code or None
    person.retention_due = local_today() + RETENTION
    db.add(person)
    finalise(db, person)
    changes.add("person", record_id)
    return record_id


def _raise_alert(db: Session, actor: Actor, visit_id: str) -> None:
    db.add(Alert(id=uuid7(), kind="safeguarding", visit_id=visit_id,
                 raised_by=actor.volunteer_id, raised_at=utc_now()))
    audit(db, actor, "create", "alert", visit_id, "safeguarding flag raised")


def get_visit_form(db: Session, visit_id: str) -> VisitForm:
    """The current version of a visit as a form, for editing."""
    visit = repo.current_version(db, Visit, visit_id)
    if visit is None or visit.deleted:
        raise NotFoundError("That visit no longer exists.")
    conversations = {c.topic: c for c in repo.conversations_for(db, [visit_id])}
    topic_by_conversation = {c.record_id: c.topic for c in conversations.values()}
    person = repo.person(db, visit.person_id) if visit.person_id else None
    follow_ups = repo.follow_ups_for(db, visit_id)
    return VisitForm(
        contact_mode=visit.contact_mode,
        referral_source=visit.referral_source,
        age_band=visit.age_band,
        sex=visit.sex,
        first_visit=visit.first_visit,
        visitor_code=visit.visitor_code or "",
        postcode_district=visit.postcode_district or "",
        topics=[
            TopicAnswer(t, conversations[t].furthest_step, conversations[t].intervention_level,
                        conversations[t].response, conversations[t].action)
            if t in conversations else TopicAnswer(t)
            for t in visit.topics
        ],
        signposts=[
            SignpostAnswer(o.service_id, o.kind, topic_by_conversation.get(o.conversation_id or ""),
                           o.status)
            for o in repo.outcomes_for(db, [visit_id])
        ],
        agreements=[AgreementAnswer(a.purpose, a.given, a.method)
                    for a in repo.agreements_for(db, visit_id) if not a.deleted],
        preferred_name=person.preferred_name if person and not person.deleted else "",
        contact=person.contact if person and not person.deleted else "",
        follow_up_due=follow_ups[0].due_date if follow_ups else None,
        follow_up_method=follow_ups[0].method if follow_ups else "phone",
        safeguarding=visit.safeguarding,
        note=visit.note,
    )


def visit_version(db: Session, visit_id: str) -> int:
    visit = repo.current_version(db, Visit, visit_id)
    if visit is None:
        raise NotFoundError("That visit no longer exists.")
    return visit.version


def edit_visit(db: Session, actor: Actor, visit_id: str, form: VisitForm) -> Changes:
    """Save an edit as new versions of whatever changed (nothing changes in place)."""
    form = normalise(form)
    old = repo.current_version(db, Visit, visit_id)
    if old is None or old.deleted:
        raise NotFoundError("That visit no longer exists.")
    _check(db, form)
    before = get_visit_form(db, visit_id)
    if before.to_dict() == form.to_dict():
        return Changes()
    changes = Changes()
    person_id = _save_person(db, actor, form, old.person_id, changes)
    repo.retire_current(db, Visit, visit_id)
    visit = _new_visit(actor, visit_id, old.version + 1, old.version, old.session_id, form,
                       person_id, old.visited_at)
    db.add(visit)
    finalise(db, visit)
    changes.add("visit", visit_id)

    conversations = {c.topic: c for c in repo.conversations_for(db, [visit_id])}
    wanted = {t.topic: t for t in form.topics}
    conversation_ids = {topic: c.record_id for topic, c in conversations.items()}
    for topic, existing in conversations.items():
        answer = wanted.get(topic)
        if answer is None:
            _supersede(db, Conversation, existing,
                       _new_conversation(actor, existing.record_id, existing.version + 1,
                                         existing.version, visit_id, TopicAnswer(topic), deleted=True))
            changes.add("conversation", existing.record_id)
        elif (existing.furthest_step, existing.intervention_level, existing.response,
              existing.action) != (answer.furthest_step, answer.intervention_level,
                                   answer.response, answer.action):
            _supersede(db, Conversation, existing,
                       _new_conversation(actor, existing.record_id, existing.version + 1,
                                         existing.version, visit_id, answer))
            changes.add("conversation", existing.record_id)
    for topic, answer in wanted.items():
        if topic not in conversations:
            conversation = _new_conversation(actor, uuid7(), 1, None, visit_id, answer)
            db.add(conversation)
            finalise(db, conversation)
            conversation_ids[topic] = conversation.record_id
            changes.add("conversation", conversation.record_id)

    outcomes = {o.service_id: o for o in repo.outcomes_for(db, [visit_id])}
    wanted_signposts = {s.service_id: s for s in form.signposts}
    for service_id, existing_outcome in outcomes.items():
        signpost = wanted_signposts.get(service_id)
        replacement: SignpostingOutcome | None = None
        if signpost is None:
            replacement = _new_outcome(
                actor, existing_outcome.record_id, existing_outcome.version + 1,
                existing_outcome.version, visit_id,
                SignpostAnswer(service_id, existing_outcome.kind, None, existing_outcome.status),
                form, existing_outcome.conversation_id, deleted=True)
        else:
            conversation_id = conversation_ids.get(signpost.topic or "")
            if (existing_outcome.kind, existing_outcome.status, existing_outcome.conversation_id) != (
                    signpost.kind, signpost.status, conversation_id):
                replacement = _new_outcome(actor, existing_outcome.record_id,
                                           existing_outcome.version + 1, existing_outcome.version,
                                           visit_id, signpost, form, conversation_id)
        if replacement is not None:
            _supersede(db, SignpostingOutcome, existing_outcome, replacement)
            changes.add("outcome", existing_outcome.record_id)
    for service_id, signpost in wanted_signposts.items():
        if service_id not in outcomes:
            outcome = _new_outcome(actor, uuid7(), 1, None, visit_id, signpost, form,
                                   conversation_ids.get(signpost.topic or ""))
            db.add(outcome)
            finalise(db, outcome)
            changes.add("outcome", outcome.record_id)

    agreements = {a.purpose: a for a in repo.agreements_for(db, visit_id)}
    for agreement_answer in form.agreements:
        existing_agreement = agreements.get(agreement_answer.purpose)
        if existing_agreement is None:
            agreement = _new_agreement(actor, uuid7(), 1, None, visit_id, person_id, agreement_answer)
            db.add(agreement)
            finalise(db, agreement)
            changes.add("agreement", agreement.record_id)
        elif (existing_agreement.given, existing_agreement.method) != (
                agreement_answer.given, agreement_answer.method):
            _supersede(db, Agreement, existing_agreement,
                       _new_agreement(actor, existing_agreement.record_id,
                                      existing_agreement.version + 1, existing_agreement.version,
                                      visit_id, person_id, agreement_answer))
            changes.add("agreement", existing_agreement.record_id)
    if form.safeguarding and not old.safeguarding:
        _raise_alert(db, actor, visit_id)
        changes.kinds.add("alert")
    audit(db, actor, "edit", "visit", visit_id, f"version {visit.version}")
    return changes


def _supersede(db: Session, model: type[VersionedMixin], old: VersionedMixin,
               new: VersionedMixin) -> None:
    repo.retire_current(db, model, old.record_id)
    db.add(new)
    finalise(db, new)


def list_visits(db: Session, day: date | None = None, *, text: str = "", topic: str | None = None,
                session_id: str | None = None, limit: int = 500) -> list[VisitRow]:
    """Visits of one of the hub's days (today by default), newest first.

    The day and each row's local time are the hub's (``services.time_zone``), whatever
    the laptop's clock zone or the offset in force when the visit was recorded."""
    zone = hub_time_zone(db)
    start, end = day_bounds_utc(day or hub_today(zone), zone=zone)
    rows = repo.visit_list_rows(db, start, end, text=text, topic=topic, session_id=session_id,
                                limit=limit)
    ids = [row.record_id for row in rows]
    signposts = repo.signpost_counts(db, ids)
    states = repo.outbox_states_for(db, "visit", ids)
    return [
        VisitRow(
            id=row.record_id,
            version=row.version,
            session_id=row.session_id,
            local_time=to_hub_time(row.visited_at, zone).replace(tzinfo=None),
            contact_mode=row.contact_mode,
            age_band=row.age_band,
            sex=row.sex,
            topics=tuple(row.topics),
            signposts=signposts.get(row.record_id, 0),
            safeguarding=row.safeguarding,
            visitor_code=row.visitor_code or "",
            sync_state=states.get(row.record_id, "pending"),
        )
        for row in rows
    ]


# --- drafts -----------------------------------------------------------------

def save_draft(db: Session, actor: Actor, form: dict[str, Any], *, session_id: str | None,
               draft_id: str | None = None, base_visit_id: str | None = None) -> str:
    """Autosave the unfinished form (local only; never synced, never audited per keystroke)."""
    draft = db.get(Draft, draft_id) if draft_id else None
    if draft is None:
        draft = Draft(id=draft_id or uuid7(), volunteer_id=actor.volunteer_id)
        db.add(draft)
    draft.session_id = session_id
    draft.base_visit_id = base_visit_id
    draft.form = form
    draft.updated_at = utc_now()
    db.flush()
    return draft.id


@dataclass(frozen=True)
class DraftInfo:
    id: str
    session_id: str | None
    base_visit_id: str | None
    form: dict[str, Any]
    updated_at: datetime


def load_draft(db: Session, actor: Actor) -> DraftInfo | None:
    draft = repo.latest_draft(db, actor.volunteer_id)
    if draft is None:
        return None
    return DraftInfo(draft.id, draft.session_id, draft.base_visit_id, dict(draft.form),
                     draft.updated_at)


def discard_draft(db: Session, draft_id: str) -> None:
    draft = db.get(Draft, draft_id)
    if draft is not None:
        db.delete(draft)
        db.flush()
