"""Every query of the client lives here (services call these; the UI never does)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, String, func, literal, select, update
from sqlalchemy.orm import Session

from hubdesk.protocol.trust import GENESIS_HASH, audit_link_hash
from hubdesk.store.models import (
    Agreement,
    Alert,
    AuditEvent,
    Conversation,
    DeviceState,
    Draft,
    FollowUp,
    Hub,
    HubSession,
    OutboxItem,
    Person,
    Service,
    Setting,
    SignpostingOutcome,
    Venue,
    VersionedMixin,
    Visit,
    Volunteer,
)

V = TypeVar("V", bound=VersionedMixin)


# --- device, settings -------------------------------------------------------

def device_state(db: Session) -> DeviceState | None:
    return db.get(DeviceState, 1)


def get_setting(db: Session, key: str, default: Any = None) -> Any:
    row = db.get(Setting, key)
    return default if row is None else row.value


def put_setting(db: Session, key: str, value: Any) -> None:
    row = db.get(Setting, key)
    if row is None:
        db.add(Setting(key=key, value=value))
    else:
        row.value = value


# --- audit ------------------------------------------------------------------

def last_audit_hash(db: Session) -> str:
    latest = db.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return latest or GENESIS_HASH


AUDIT_HEAD_SETTING = "audit_head"
"""``{"seq", "hash"}`` of the newest audit event, written with it: a deleted tail of
the chain no longer matches it (see services/audit_chain.py)."""


def add_audit_event(db: Session, event: AuditEvent) -> AuditEvent:
    event.prev_hash = last_audit_hash(db)
    event.hash = audit_link_hash(
        prev_hash=event.prev_hash, at=event.at, actor=event.actor_id, device=event.device_id,
        action=event.action, kind=event.entity_kind, entity=event.entity_id, detail=event.detail)
    db.add(event)
    db.flush()
    put_setting(db, AUDIT_HEAD_SETTING, {"seq": event.id, "hash": event.hash})
    return event


# --- hubs, venues, volunteers ----------------------------------------------

def hubs(db: Session) -> Sequence[Hub]:
    return db.scalars(select(Hub).where(Hub.active).order_by(Hub.name)).all()


def venues(db: Session, hub_id: str | None = None) -> Sequence[Venue]:
    query = select(Venue).where(Venue.active).order_by(Venue.name)
    if hub_id:
        query = query.where(Venue.hub_id == hub_id)
    return db.scalars(query).all()


def all_venues(db: Session) -> Sequence[Venue]:
    """Every venue, retired ones too (active first, then by name)."""
    return db.scalars(select(Venue).order_by(Venue.active.desc(), Venue.name)).all()


def volunteers(db: Session, *, include_inactive: bool = False) -> Sequence[Volunteer]:
    query = select(Volunteer).order_by(Volunteer.display_name)
    if not include_inactive:
        query = query.where(Volunteer.active)
    return db.scalars(query).all()


def volunteer_by_name(db: Session, name: str) -> Volunteer | None:
    return db.scalar(
        select(Volunteer).where(func.lower(Volunteer.display_name) == name.strip().lower())
    )


def count_volunteers(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Volunteer)) or 0


# --- versioned records ------------------------------------------------------

def current_version(db: Session, model: type[V], record_id: str) -> V | None:
    return db.scalar(
        select(model).where(model.record_id == record_id, model.is_current)
    )


def retire_current(db: Session, model: type[V], record_id: str) -> None:
    """Flip the local ``is_current`` index flag (the row's content never changes)."""
    db.execute(
        update(model)
        .where(model.record_id == record_id, model.is_current)
        .values(is_current=False)
    )


def current_children(db: Session, model: type[V], visit_id: str) -> Sequence[V]:
    return db.scalars(
        select(model)
        .where(model.visit_id == visit_id, model.is_current, ~model.deleted)  # type: ignore[attr-defined]
        .order_by(model.row_id)
    ).all()


# --- sessions ---------------------------------------------------------------

def open_sessions(db: Session) -> Sequence[HubSession]:
    return db.scalars(
        select(HubSession)
        .where(HubSession.is_current, HubSession.status == "open", ~HubSession.deleted)
        .order_by(HubSession.started_at.desc())
    ).all()


def sessions_on(db: Session, day: date) -> Sequence[HubSession]:
    return db.scalars(
        select(HubSession)
        .where(HubSession.is_current, HubSession.session_date == day)
        .order_by(HubSession.started_at)
    ).all()


def session_visit_ids(db: Session, session_id: str) -> list[str]:
    return list(
        db.scalars(
            select(Visit.record_id).where(
                Visit.session_id == session_id, Visit.is_current, ~Visit.deleted
            )
        )
    )


def session_topic_counts(db: Session, session_id: str) -> dict[str, int]:
    visit_ids = select(Visit.record_id).where(
        Visit.session_id == session_id, Visit.is_current, ~Visit.deleted
    )
    rows = db.execute(
        select(Conversation.topic, func.count())
        .where(Conversation.visit_id.in_(visit_ids), Conversation.is_current, ~Conversation.deleted)
        .group_by(Conversation.topic)
    ).all()
    return {topic: count for topic, count in rows}


def session_signpost_counts(db: Session, session_id: str) -> dict[str, int]:
    visit_ids = select(Visit.record_id).where(
        Visit.session_id == session_id, Visit.is_current, ~Visit.deleted
    )
    rows = db.execute(
        select(SignpostingOutcome.kind, func.count())
        .where(
            SignpostingOutcome.visit_id.in_(visit_ids),
            SignpostingOutcome.is_current,
            ~SignpostingOutcome.deleted,
        )
        .group_by(SignpostingOutcome.kind)
    ).all()
    return {kind: count for kind, count in rows}


# --- visits -----------------------------------------------------------------

def visit_list_rows(
    db: Session, start: datetime, end: datetime, *, text: str = "", topic: str | None = None,
    session_id: str | None = None, limit: int = 500,
) -> Sequence[Any]:
    """Columns for the visits list only (no ORM objects: the list must stay fast)."""
    query = select(
        Visit.record_id, Visit.version, Visit.session_id, Visit.visited_at, Visit.utc_offset_min,
        Visit.contact_mode, Visit.age_band, Visit.sex, Visit.topics, Visit.safeguarding,
        Visit.visitor_code,
    ).where(Visit.is_current, ~Visit.deleted, Visit.visited_at >= start, Visit.visited_at < end)
    query = _visit_filters(query, text=text, topic=topic, session_id=session_id)
    return db.execute(query.order_by(Visit.visited_at.desc()).limit(limit)).all()


def visit_places(db: Session, visit_ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
    """Visit id -> (venue name, session type, who recorded it) for a list of visits.

    The recorder is the volunteer of the visit's first version (an edit does not change
    who saw the person).
    """
    if not visit_ids:
        return {}
    places = db.execute(
        select(Visit.record_id, Venue.name, HubSession.session_type)
        .join(HubSession, (HubSession.record_id == Visit.session_id) & HubSession.is_current)
        .join(Venue, Venue.id == HubSession.venue_id)
        .where(Visit.record_id.in_(visit_ids), Visit.is_current)
    ).all()
    recorders = dict(db.execute(
        select(Visit.record_id, Volunteer.display_name)
        .join(Volunteer, Volunteer.id == Visit.created_by)
        .where(Visit.record_id.in_(visit_ids), Visit.version == 1)
    ).tuples().all())
    found = {record_id: (venue, session_type, recorders.get(record_id, ""))
             for record_id, venue, session_type in places}
    for record_id, name in recorders.items():
        found.setdefault(record_id, ("", "", name))
    return found


def signpost_counts(db: Session, visit_ids: Sequence[str]) -> dict[str, int]:
    if not visit_ids:
        return {}
    rows = db.execute(
        select(SignpostingOutcome.visit_id, func.count())
        .where(SignpostingOutcome.visit_id.in_(visit_ids), SignpostingOutcome.is_current,
               ~SignpostingOutcome.deleted)
        .group_by(SignpostingOutcome.visit_id)
    ).all()
    return {visit_id: count for visit_id, count in rows}


def _visit_filters(query: Any, *, text: str, topic: str | None, session_id: str | None) -> Any:
    if session_id:
        query = query.where(Visit.session_id == session_id)
    if topic:
        query = query.where(func.json_extract(Visit.topics, "$").like(f'%"{topic}"%'))
    if text:
        needle = f"%{text.strip().lower()}%"
        query = query.where(
            func.lower(func.coalesce(Visit.visitor_code, "")).like(needle)
            | func.lower(func.coalesce(Visit.postcode_district, "")).like(needle)
            | func.lower(Visit.contact_mode).like(needle)
            | func.lower(func.json_extract(Visit.topics, "$")).like(needle)
        )
    return query


def visits_between(
    db: Session,
    start: datetime,
    end: datetime,
    *,
    text: str = "",
    topic: str | None = None,
    session_id: str | None = None,
    limit: int = 500,
) -> Sequence[Visit]:
    """Current visits with ``start <= visited_at < end`` (UTC), newest first."""
    query: Select[tuple[Visit]] = select(Visit).where(
        Visit.is_current, ~Visit.deleted, Visit.visited_at >= start, Visit.visited_at < end
    )
    query = _visit_filters(query, text=text, topic=topic, session_id=session_id)
    return db.scalars(query.order_by(Visit.visited_at.desc()).limit(limit)).all()


def count_current_visits(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Visit).where(Visit.is_current, ~Visit.deleted)) or 0


def conversations_for(db: Session, visit_ids: Iterable[str]) -> Sequence[Conversation]:
    ids = list(visit_ids)
    if not ids:
        return []
    return db.scalars(
        select(Conversation).where(
            Conversation.visit_id.in_(ids), Conversation.is_current, ~Conversation.deleted
        )
    ).all()


def outcomes_for(db: Session, visit_ids: Iterable[str]) -> Sequence[SignpostingOutcome]:
    ids = list(visit_ids)
    if not ids:
        return []
    return db.scalars(
        select(SignpostingOutcome).where(
            SignpostingOutcome.visit_id.in_(ids),
            SignpostingOutcome.is_current,
            ~SignpostingOutcome.deleted,
        )
    ).all()


def agreements_for(db: Session, visit_id: str) -> Sequence[Agreement]:
    return db.scalars(
        select(Agreement).where(Agreement.visit_id == visit_id, Agreement.is_current)
    ).all()


def person(db: Session, person_id: str) -> Person | None:
    return current_version(db, Person, person_id)


def follow_ups_for(db: Session, visit_id: str) -> Sequence[FollowUp]:
    return db.scalars(
        select(FollowUp).where(FollowUp.visit_id == visit_id, FollowUp.is_current, ~FollowUp.deleted)
    ).all()


# --- alerts -----------------------------------------------------------------

def open_alerts(db: Session) -> Sequence[Alert]:
    return db.scalars(
        select(Alert).where(Alert.acknowledged_at.is_(None)).order_by(Alert.raised_at)
    ).all()


def open_alert_rows(db: Session, *, with_note: bool) -> Sequence[Any]:
    """Open alerts, oldest first, with what a coordinator needs to follow each up: the
    raising volunteer's name, the visit's current version and its session and venue.

    The visit's restricted note is read only when ``with_note`` is set.
    """
    note = Visit.note if with_note else literal(None, String).label("note")
    query = (
        select(
            Alert.id, Alert.visit_id, Alert.raised_at, Volunteer.display_name,
            HubSession.session_type, Venue.name.label("venue_name"), Visit.age_band, Visit.sex,
            Visit.topics, note,
        )
        .outerjoin(Volunteer, Volunteer.id == Alert.raised_by)
        .outerjoin(Visit, (Visit.record_id == Alert.visit_id) & Visit.is_current)
        .outerjoin(HubSession, (HubSession.record_id == Visit.session_id) & HubSession.is_current)
        .outerjoin(Venue, Venue.id == HubSession.venue_id)
        .where(Alert.acknowledged_at.is_(None))
        .order_by(Alert.raised_at, Alert.id)
    )
    return db.execute(query).all()


def get_alert(db: Session, alert_id: str) -> Alert | None:
    return db.get(Alert, alert_id)


# --- drafts -----------------------------------------------------------------

def latest_draft(db: Session, volunteer_id: str) -> Draft | None:
    return db.scalar(
        select(Draft).where(Draft.volunteer_id == volunteer_id).order_by(Draft.updated_at.desc()).limit(1)
    )


# --- directory ----------------------------------------------------------------

def count_services(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Service)) or 0


def services_by_id(db: Session, ids: Iterable[str]) -> dict[str, Service]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {s.id: s for s in db.scalars(select(Service).where(Service.id.in_(wanted)))}


# --- outbox / status ----------------------------------------------------------

def outbox_counts(db: Session) -> dict[str, int]:
    rows = db.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state)).all()
    return {state: count for state, count in rows}


def outbox_states_for(db: Session, kind: str, record_ids: Iterable[str]) -> dict[str, str]:
    """Latest outbox state per record id (for per-record badges)."""
    ids = list(record_ids)
    if not ids:
        return {}
    rows = db.execute(
        select(OutboxItem.record_id, OutboxItem.state, OutboxItem.version)
        .where(OutboxItem.kind == kind, OutboxItem.record_id.in_(ids))
        .order_by(OutboxItem.version)
    ).all()
    return {record_id: state for record_id, state, _ in rows}


def day_bounds(day: date, offset_minutes: int) -> tuple[datetime, datetime]:
    """UTC bounds of a local calendar day."""
    start = datetime.combine(day, datetime.min.time()) - timedelta(minutes=offset_minutes)
    return start, start + timedelta(days=1)
