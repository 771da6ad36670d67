"""Recording and editing visits: the volunteer's main job, in well under a minute.

A visit is anonymous by default.  Identity (a preferred name, a phone number) is
kept only when a purpose needs it *and* the person's agreement for that purpose
is recorded.  Editing never changes a finalised version: it finalises version
n+1 of each record that changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hubdesk.core.clock import local_today, utc_now
from hubdesk.core.days import day_bounds_utc, hub_today, to_hub_time
from hubdesk.core.errors import NotFoundError, ValidationError
from hubdesk.core.ids import uuid7
from hubdesk.core.merge import Clash
from hubdesk.services import visit_parts
from hubdesk.services.common import Actor, Changes, audit, stamp
from hubdesk.services.merge import (
    comparable,
    form_from_parts,
    merge_stale_edit,
    record_form_conflict,
    visit_form_at,
)
from hubdesk.services.session_resume import require_today
from hubdesk.services.time_zone import hub_time_zone
from hubdesk.services.visit_form import (
    MAX_NOTE,
    POSTCODE_DISTRICT,
    VISITOR_CODE,
    AgreementAnswer,
    SignpostAnswer,
    TopicAnswer,
    VisitForm,
    normalise,
    validate_visit,
)
from hubdesk.store import repositories as repo
from hubdesk.store.models import (
    Alert,
    Draft,
    FollowUp,
    HubSession,
    Person,
    Visit,
)
from hubdesk.store.outbox import finalise

RETENTION = timedelta(days=365)

__all__ = [  # the form's types live in visit_form; callers know them from here
    "MAX_NOTE", "POSTCODE_DISTRICT", "VISITOR_CODE", "AgreementAnswer", "SignpostAnswer",
    "TopicAnswer", "VisitForm", "normalise", "validate_visit",
]


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
    sync_state: str  # pending / sent / rejected / conflict / resolved


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
    visit = visit_parts.new_visit(actor, visit_id, 1, None, session_id, form, person_id, utc_now())
    db.add(visit)
    finalise(db, visit)
    conversation_ids = {}
    for answer in form.topics:
        conversation = visit_parts.new_conversation(actor, uuid7(), 1, None, visit_id, answer)
        db.add(conversation)
        finalise(db, conversation)
        conversation_ids[answer.topic] = conversation.record_id
        changes.add("conversation", conversation.record_id)
    for signpost in form.signposts:
        outcome = visit_parts.new_outcome(actor, uuid7(), 1, None, visit_id, signpost, form,
                               conversation_ids.get(signpost.topic or ""))
        db.add(outcome)
        finalise(db, outcome)
        changes.add("outcome", outcome.record_id)
    for agreement_answer in form.agreements:
        agreement = visit_parts.new_agreement(actor, uuid7(), 1, None, visit_id, person_id, agreement_answer)
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
    person = repo.person(db, visit.person_id) if visit.person_id else None
    return form_from_parts(visit, repo.conversations_for(db, [visit_id]),
                           repo.outcomes_for(db, [visit_id]), repo.agreements_for(db, visit_id),
                           person, repo.follow_ups_for(db, visit_id))


def visit_version(db: Session, visit_id: str) -> int:
    visit = repo.current_version(db, Visit, visit_id)
    if visit is None:
        raise NotFoundError("That visit no longer exists.")
    return visit.version


def edit_visit(db: Session, actor: Actor, visit_id: str, form: VisitForm, *,
               base_version: int) -> Changes:
    """Save an edit as new versions of whatever changed (nothing changes in place).

    ``base_version`` is the visit version the form was opened on (required: an edit
    without it could silently revert newer changes).  When the visit has moved on
    since, the edit is merged field by field (``services.merge``); a field changed
    on both sides keeps the current value and both values go to the Conflicts list
    (``Changes`` then names a ``conflict``).  A purpose left out of
    ``form.agreements`` counts as not given: one given before is withdrawn.
    """
    now = utc_now()
    form = normalise(form)
    old = repo.current_version(db, Visit, visit_id)
    if old is None or old.deleted:
        raise NotFoundError("That visit no longer exists.")
    if not 1 <= base_version <= old.version:
        raise ValidationError({"visit": "This visit's history does not match the form; "
                                        "close the form and open the visit again."})
    _check(db, form)
    current = get_visit_form(db, visit_id)
    clashes: dict[str, Clash] = {}
    if base_version != old.version:
        form, clashes = merge_stale_edit(visit_form_at(db, visit_id, base_version), form, current)
        _check(db, form)
    if comparable(current) == comparable(form):
        if not clashes:
            return Changes()
        # every change clashed: the visit stays as it is, both answers go to the list
        conflict_id = record_form_conflict(db, visit_id, old.version, clashes,
                                           actor.volunteer_id, old.created_by, now)
        audit(db, actor, "edit", "visit", visit_id,
              f"no new version, merged from version {base_version}, "
              f"{len(clashes)} fields kept for a coordinator")
        return Changes().add("conflict", str(conflict_id))
    changes = Changes()
    # the visit's version is stamped first, so every part-record of this edit is made
    # at or after it (``services.merge`` rebuilds an old form from these times)
    visit = visit_parts.new_visit(actor, visit_id, old.version + 1, old.version, old.session_id, form,
                       old.person_id, old.visited_at)
    visit.created_at = now
    visit.person_id = _save_person(db, actor, form, old.person_id, changes)
    repo.retire_current(db, Visit, visit_id)
    db.add(visit)
    finalise(db, visit)
    changes.add("visit", visit_id)
    conversation_ids = visit_parts.edit_conversations(db, actor, visit_id, form, changes)
    visit_parts.edit_outcomes(db, actor, visit_id, form, conversation_ids, changes)
    visit_parts.edit_agreements(db, actor, visit_id, visit.person_id, form, changes, now)
    if form.safeguarding and not old.safeguarding:
        _raise_alert(db, actor, visit_id)
        changes.kinds.add("alert")
    detail = f"version {visit.version}"
    if base_version != old.version:
        detail += f", merged from version {base_version}"
    if clashes:
        conflict_id = record_form_conflict(db, visit_id, visit.version, clashes,
                                           actor.volunteer_id, old.created_by, now)
        changes.add("conflict", str(conflict_id))
        detail += f", {len(clashes)} fields kept for a coordinator"
    audit(db, actor, "edit", "visit", visit_id, detail)
    return changes


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
               draft_id: str | None = None, base_visit_id: str | None = None,
               base_version: int | None = None) -> str:
    """Autosave the unfinished form (local only; never synced, never audited per keystroke)."""
    draft = db.get(Draft, draft_id) if draft_id else None
    if draft is None:
        draft = Draft(id=draft_id or uuid7(), volunteer_id=actor.volunteer_id)
        db.add(draft)
    draft.session_id = session_id
    draft.base_visit_id = base_visit_id
    draft.base_version = base_version if base_visit_id else None
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
    base_version: int | None = None  # the visit version an edit draft was opened on


def load_draft(db: Session, actor: Actor) -> DraftInfo | None:
    draft = repo.latest_draft(db, actor.volunteer_id)
    if draft is None:
        return None
    return DraftInfo(draft.id, draft.session_id, draft.base_visit_id, dict(draft.form),
                     draft.updated_at, draft.base_version)


def discard_draft(db: Session, draft_id: str) -> None:
    draft = db.get(Draft, draft_id)
    if draft is not None:
        db.delete(draft)
        db.flush()
