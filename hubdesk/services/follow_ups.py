"""Follow-ups: the coordinator's list of check-backs, and recording how each went.

* The list: follow-ups to do (overdue, due today, coming up: by the hub's day,
  ``core.days``) or done.  Coordinators only (DESIGN §9).
* The person's agreed contact is shown only on request, only to a coordinator and
  only while the follow-up agreement stands (given, not withdrawn); every showing is
  a ``view`` audit event.
* Recording an attempt or a result writes new versions (never in place) of the
  follow-up (attempts, result, done) and, when a status is chosen, of the signposting
  outcome; all are finalised for sync in the same transaction as their audit events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from hubdesk.core.days import hub_today, to_hub_time
from hubdesk.core.errors import NotFoundError, ValidationError
from hubdesk.core.vocab import vocabularies
from hubdesk.services.common import Actor, Changes, PermissionDenied, audit, require_coordinator, stamp
from hubdesk.services.time_zone import hub_time_zone
from hubdesk.services.visit_parts import supersede
from hubdesk.store import follow_up_repo
from hubdesk.store import repositories as repo
from hubdesk.store.models import FollowUp, SignpostingOutcome

#: the outcome statuses a follow-up can find (vocabulary ``outcome_statuses``)
FOLLOW_UP_STATUSES = ("engaged", "not_engaged", "unknown", "closed")
MAX_RESULT = 300
LIST_LIMIT = 500
RESULT_FIELD = "result"
STATUS_FIELD = "status"
DUE_FIELD = "next_due"


@dataclass(frozen=True)
class SignpostInfo:
    outcome_id: str
    version: int
    service_name: str
    kind: str
    status: str

    @property
    def text(self) -> str:
        vocab = vocabularies()
        return (f"{self.service_name} ({vocab.signpost_kinds.label(self.kind).lower()}): "
                f"{vocab.outcome_statuses.label(self.status)}")


@dataclass(frozen=True)
class FollowUpRow:
    """One follow-up, as plain values (no personal data: the contact is asked for apart)."""

    id: str
    version: int
    due_date: date
    state: str  # overdue / due / upcoming / done
    method: str
    attempts: int
    result: str
    visit_id: str
    visited_on: date | None
    place: str  # "Lunch club, St Mary's Hall" ("" when the visit is not on this laptop)
    signposts: tuple[SignpostInfo, ...]
    has_contact: bool  # the visit names a person (the details are shown only on request)

    @property
    def state_text(self) -> str:
        return STATE_WORDS[self.state]


STATE_WORDS = {"overdue": "Overdue", "due": "Due today", "upcoming": "Coming up", "done": "Done"}


@dataclass(frozen=True)
class FollowUpList:
    today: date
    rows: tuple[FollowUpRow, ...]

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.rows if row.state == "overdue")

    @property
    def due(self) -> int:
        return sum(1 for row in self.rows if row.state == "due")


@dataclass(frozen=True)
class AgreedContact:
    preferred_name: str
    contact: str


def _state(due: date, done: bool, today: date) -> str:
    if done:
        return "done"
    if due < today:
        return "overdue"
    return "due" if due == today else "upcoming"


def list_follow_ups(db: Session, actor: Actor, *, done: bool = False,
                    limit: int = LIST_LIMIT) -> FollowUpList:
    """Follow-ups to do (oldest due first) or done (latest due first); coordinators only."""
    require_coordinator(actor, "see the follow-ups")
    zone = hub_time_zone(db)
    today = hub_today(zone)
    rows = follow_up_repo.follow_up_rows(db, done=done, limit=limit)
    visit_ids = [row.visit_key for row in rows if row.visit_key]
    signposts: dict[str, list[SignpostInfo]] = {}
    for visit_id, outcome_id, version, kind, status, name in follow_up_repo.signposts_of_visits(
            db, visit_ids):
        signposts.setdefault(visit_id, []).append(SignpostInfo(outcome_id, version, name, kind,
                                                               status))
    visits = follow_up_repo.follow_up_visits(db, visit_ids)
    session_types = vocabularies().session_types
    found = []
    for row in rows:
        own = [s for s in signposts.get(row.visit_key, []) if s.outcome_id == row.outcome_id]
        visit = visits.get(row.visit_key)
        visited_at = visit.visited_at if visit else None
        place = ", ".join(part for part in (
            session_types.label(visit.session_type) if visit and visit.session_type else "",
            visit.venue if visit else "") if part)
        found.append(FollowUpRow(
            id=row.record_id, version=row.version, due_date=row.due_date,
            state=_state(row.due_date, row.done, today), method=row.method or "phone",
            attempts=row.attempts or 0, result=row.result or "", visit_id=row.visit_key or "",
            visited_on=to_hub_time(visited_at, zone).date() if visited_at else None,
            place=place, signposts=tuple(own or signposts.get(row.visit_key, [])),
            has_contact=bool(visit and visit.names_a_person)))
    return FollowUpList(today, tuple(found))


def count_due(db: Session) -> int:
    """Follow-ups due today or overdue (for the main window's button)."""
    return follow_up_repo.count_follow_ups_due(db, hub_today(hub_time_zone(db)))


def _current(db: Session, follow_up_id: str) -> FollowUp:
    row = repo.current_version(db, FollowUp, follow_up_id)
    if row is None or row.deleted:
        raise NotFoundError("That follow-up no longer exists.")
    return row


def _visit_of(db: Session, row: FollowUp) -> str | None:
    if row.visit_id:
        return row.visit_id
    if row.outcome_id:
        outcome = repo.current_version(db, SignpostingOutcome, row.outcome_id)
        return outcome.visit_id if outcome is not None else None
    return None


def show_contact(db: Session, actor: Actor, follow_up_id: str) -> AgreedContact:
    """The person's agreed name and contact, for a coordinator making the follow-up call.

    Refused to a volunteer, and when the follow-up agreement was never given or has been
    withdrawn; each showing is audited (``view``, no personal data in the event)."""
    require_coordinator(actor, "see a person's contact details")
    row = _current(db, follow_up_id)
    visit_id = _visit_of(db, row)
    person = follow_up_repo.visit_person(db, visit_id) if visit_id else None
    if person is None or not (person.contact or person.preferred_name):
        raise PermissionDenied("No contact details were kept for this follow-up.")
    if not follow_up_repo.follow_up_agreement_stands(db, visit_id or ""):
        raise PermissionDenied(
            "The person has not agreed to be contacted (or has withdrawn their agreement), "
            "so their details are not shown.")
    audit(db, actor, "view", "follow_up", follow_up_id, "identifying details")
    return AgreedContact(person.preferred_name, person.contact)


@dataclass(frozen=True)
class FollowUpAnswer:
    """What the coordinator says after a try: ``done`` for a result, else an attempt
    (``next_due`` moves the follow-up to another day)."""

    result: str = ""
    done: bool = False
    outcome_id: str | None = None
    status: str | None = None
    next_due: date | None = None


def check_answer(answer: FollowUpAnswer, today: date) -> dict[str, str]:
    """Field errors ({} when the answer can be saved)."""
    errors: dict[str, str] = {}
    text = answer.result.strip()
    if answer.done and not text:
        errors[RESULT_FIELD] = "Say what happened, for example “She went to the foodbank”."
    elif len(text) > MAX_RESULT:
        errors[RESULT_FIELD] = f"Keep it to {MAX_RESULT} characters or fewer (you have {len(text)})."
    if answer.status is not None and answer.status not in FOLLOW_UP_STATUSES:
        errors[STATUS_FIELD] = "Choose what happened with the signpost."
    if answer.next_due is not None and not answer.done and answer.next_due < today:
        errors[DUE_FIELD] = "Choose today or a later day to try again."
    return errors


def record_follow_up(db: Session, actor: Actor, follow_up_id: str, answer: FollowUpAnswer, *,
                     base_version: int) -> Changes:
    """Record one attempt (``answer.done`` False) or the result (True) of a follow-up.

    Writes version n+1 of the follow-up (one more attempt, the result, done) and, when
    ``answer.status`` is given, version n+1 of the chosen signposting outcome with that
    status.  ``base_version`` is the follow-up version the coordinator saw: a follow-up
    changed since (by another laptop's sync) is refused with a message to look again.
    """
    require_coordinator(actor, "record a follow-up")
    errors = check_answer(answer, hub_today(hub_time_zone(db)))
    if errors:
        raise ValidationError(errors)
    old = _current(db, follow_up_id)
    if old.version != base_version:
        raise ValidationError({"follow_up": "This follow-up was updated meanwhile (perhaps on "
                                            "another laptop). Look at it again, then save."})
    if old.done:
        raise ValidationError({"follow_up": "This follow-up is already done."})
    changes = Changes().add("follow_up", follow_up_id)
    new = stamp(FollowUp(), actor, record_id=follow_up_id, version=old.version + 1,
                base_version=old.version)
    new.outcome_id, new.visit_id, new.method = old.outcome_id, old.visit_id, old.method
    new.assigned_to = old.assigned_to or actor.volunteer_id
    new.due_date = answer.next_due if (answer.next_due and not answer.done) else old.due_date
    new.attempts = (old.attempts or 0) + 1
    new.result = answer.result.strip() or old.result
    new.done = answer.done
    supersede(db, FollowUp, old, new)
    audit(db, actor, "edit", "follow_up", follow_up_id,
          f"attempt {new.attempts}{', done' if new.done else ''}")
    if answer.status is not None:
        _set_outcome_status(db, actor, old, answer, changes)
    return changes


def _set_outcome_status(db: Session, actor: Actor, follow_up: FollowUp, answer: FollowUpAnswer,
                        changes: Changes) -> None:
    outcome_id = answer.outcome_id or follow_up.outcome_id
    outcome = repo.current_version(db, SignpostingOutcome, outcome_id) if outcome_id else None
    visit_id = _visit_of(db, follow_up)
    if outcome is None or outcome.deleted or outcome.visit_id != visit_id:
        raise ValidationError({STATUS_FIELD: "Choose one of this visit's signposts."})
    if outcome.status == answer.status:
        return
    new = stamp(SignpostingOutcome(), actor, record_id=outcome.record_id,
                version=outcome.version + 1, base_version=outcome.version)
    for name in ("visit_id", "conversation_id", "service_id", "kind", "agreement_recorded"):
        setattr(new, name, getattr(outcome, name))
    new.status = answer.status or outcome.status
    supersede(db, SignpostingOutcome, outcome, new)
    audit(db, actor, "edit", "outcome", outcome.record_id, f"status {new.status}")
    changes.add("outcome", outcome.record_id)

