"""Realistic synthetic hub data for ``hubdesk demo`` (DESIGN.md section 7).

Looks like a real hub's month: several venues (council offices, a high-street
unit, the leisure centre, a foodbank, a library, a church-hall lunch club),
sessions that pop up for an afternoon, a Stevenage-like visitor mix (55 %
female, about half aged 45-64 at the drop-ins, lunch clubs skewing 65+), about
35 % of walk-ins needing mental-health support and about 40 % referred on.

Every record is a finalised version exactly as a real save makes it (same
payload, hash and gap-free device sequence), but written in bulk so that
100,000 visits take seconds, not hours.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlalchemy.orm import Session

from hubdesk.core.clock import local_offset_minutes, local_today
from hubdesk.core.hashing import content_hash
from hubdesk.core.ids import uuid7
from hubdesk.services.common import Actor, audit, stamp
from hubdesk.services.setup import add_venue, create_volunteer, load_sample_directory
from hubdesk.store import directory_repo
from hubdesk.store import repositories as repo
from hubdesk.store.models import (
    Agreement,
    Conversation,
    FollowUp,
    Hub,
    HubSession,
    Person,
    SignpostingOutcome,
    VersionedMixin,
    Visit,
)
from hubdesk.store.outbox import insert_outbox_rows, next_device_seq, record_payload

Progress = Callable[[int, int], None]
R = TypeVar("R", bound=VersionedMixin)
CHUNK = 5000

VENUES = [
    ("Council Offices, Daneshill House", "council_office", "SG1"),
    ("Healthy Hub, Queensway (high street)", "high_street", "SG1"),
    ("Stevenage Leisure Centre", "leisure_centre", "SG1"),
    ("Foodbank at the Citadel", "foodbank", "SG2"),
    ("Central Library", "library", "SG1"),
    ("St Mary's Church Hall", "church_hall", "SG4"),
]
SESSION_TYPE_BY_VENUE = {
    "council_office": "drop_in", "high_street": "drop_in", "leisure_centre": "pop_up",
    "foodbank": "foodbank", "library": "pop_up", "church_hall": "lunch_club",
}
# every few sessions, a venue hosts something else (so every session type is exercised)
SPECIAL_SESSIONS = ((5, "warm_space"), (7, "group_activity"), (11, "outreach"))
ACTIVITIES = {
    "lunch_club": [("Chair exercise", 6, 20, 0, 0)],
    "warm_space": [("Homework club", 4, 12, 3, 10), ("Hot drinks and games", 5, 18, 0, 4)],
    "group_activity": [("Family cook-along", 6, 16, 2, 8), ("Walking group", 5, 14, 0, 2)],
    "pop_up": [("Blood pressure checks", 5, 25, 0, 0)],
}
RESULTS = {"engaged": "Went along and found it useful", "not_engaged": "Decided not to go",
           "unknown": "Could not reach them after three tries"}
VOLUNTEER_NAMES = ["Ann Baker", "Raj Patel", "Sue Morgan", "Tom Okafor", "Grace Liu", "Bill Evans"]
FIRST_NAMES = ["Jean", "Mo", "Sandra", "Dev", "Eileen", "Kofi", "Linda", "Paul", "Amira", "Terry"]
POSTCODES = ["SG1", "SG2", "SG3", "SG4", "SG5", "SG6", "AL1", "LU1"]

# topic -> service categories it is usually signposted to
TOPIC_SERVICES = {
    "smoking": ["stop_smoking"], "alcohol": ["alcohol_drugs"], "physical_activity": ["activity"],
    "healthy_weight": ["weight", "activity"], "mental_wellbeing": ["mental_health", "social_prescribing"],
    "money": ["money"], "fuel": ["energy"], "food": ["food"], "housing": ["housing"],
    "employment": ["employment"], "loneliness": ["social", "social_prescribing"], "carer": ["carers"],
    "falls": ["falls"], "long_term_condition": ["nhs", "social_prescribing"],
    "support_at_home": ["adult_social_care"], "forms_digital": ["digital"], "bereavement": ["bereavement"],
}


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class DemoResult:
    visits: int
    sessions: int
    records: int
    days: int


class _Writer:
    """Collects finalised versions and writes them (and their outbox rows) in chunks."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.seq = next_device_seq(db)
        self.rows: dict[type[VersionedMixin], list[dict[str, Any]]] = {}
        self.outbox: list[dict[str, Any]] = []
        self.written = 0

    def add(self, record: VersionedMixin, finalised_at: datetime) -> None:
        payload = record_payload(record)
        digest = content_hash(payload)
        record.device_seq = self.seq
        record.content_hash = digest
        table = record.__table__  # type: ignore[attr-defined]
        self.rows.setdefault(type(record), []).append(
            {c.key: getattr(record, c.key) for c in table.columns if c.key != "row_id"}
        )
        self.outbox.append({
            "seq": self.seq, "kind": payload["kind"], "record_id": record.record_id,
            "version": record.version, "payload": payload, "content_hash": digest,
            "state": "pending", "batch_id": None, "reason": None, "attempts": 0,
            "finalised_at": finalised_at, "sent_at": None,
        })
        self.seq += 1
        if len(self.outbox) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for model, rows in self.rows.items():
            if rows:
                self.db.execute(insert(model), rows)
        if self.outbox:
            insert_outbox_rows(self.db, self.outbox)
        self.written += len(self.outbox)
        self.rows = {}
        self.outbox = []


def _envelope(record: R, actor: Actor, at: datetime, offset: int) -> R:
    return stamp(record, actor, record_id=uuid7(), at=at, offset_minutes=offset)


def generate_demo(db: Session, actor: Actor, *, visits: int, seed: int = 1, days: int = 30,
                  progress: Progress | None = None) -> DemoResult:
    """Add ``visits`` synthetic visits over the last ``days`` days (today included)."""
    if visits < 0 or days < 1:
        raise ValueError("visits must be >= 0 and days >= 1")
    rng = random.Random(seed)
    load_sample_directory(db)
    state = repo.device_state(db)
    hub_id = state.hub_id if state and state.hub_id else None
    if hub_id is None:
        hub_id = uuid7()
        db.add(Hub(id=hub_id, name="Stevenage Healthy Hub (demo)", district="Stevenage",
                   tier="universal", active=True))
        if state is not None:
            state.hub_id = hub_id
        db.flush()
    venues = list(repo.venues(db, hub_id))
    if len(venues) < 3:
        for name, venue_type, district in VENUES:
            add_venue(db, hub_id, name, venue_type, district)
        venues = list(repo.venues(db, hub_id))
    team = [actor]
    for name in VOLUNTEER_NAMES:
        existing = repo.volunteer_by_name(db, name)
        if existing is None:
            existing = create_volunteer(db, name, "135790", role="volunteer")
        team.append(Actor(existing.id, actor.device_id, existing.display_name, existing.role))

    services_by_category: dict[str, list[str]] = {}
    found = directory_repo.find_services(db, [], include_closed=False, limit=10_000)
    for service in sorted(found, key=lambda s: s.name):  # by name: the same data for a seed
        if service.status != "active":
            continue
        for category in service.categories:
            services_by_category.setdefault(category, []).append(service.id)

    per_session = 25
    codes = max(20, visits // 4)  # visitor cards in circulation: many people come back
    session_count = max(days, math.ceil(visits / per_session)) if visits else days
    today = local_today()
    offset = local_offset_minutes()
    writer = _Writer(db)
    made = 0
    sessions_made = 0
    for index in range(session_count):
        day = today - timedelta(days=(session_count - 1 - index) * days // session_count)
        venue = venues[index % len(venues)]
        session_type = _session_type(index, venue.venue_type)
        start_local = datetime.combine(day, time(10 if session_type != "lunch_club" else 12))
        start = start_local - timedelta(minutes=offset)
        remaining_sessions = session_count - index
        count = (visits - made) // remaining_sessions if remaining_sessions else 0
        staff = rng.sample(team, k=min(len(team), rng.randint(2, 4)))
        session = _envelope(HubSession(), staff[0], start, offset)
        session_is_today = day == today
        session.hub_id = hub_id
        session.venue_id = venue.id
        session.session_type = session_type
        session.session_date = day
        session.started_at = start
        session.ended_at = None if session_is_today else start + timedelta(hours=3)
        session.volunteers_present = [s.volunteer_id for s in staff]
        session.headcount = rng.randint(0, 15)
        session.activities = _activities(rng, session_type)
        session.volunteer_shifts = _shifts(rng, staff, start, session.ended_at)
        session.warm_space = session_type == "warm_space"
        session.status = "open" if session_is_today else "closed"
        if session_is_today:  # an open session is working state, not yet finalised
            writer.rows.setdefault(HubSession, []).append(
                {c.key: getattr(session, c.key) for c in HubSession.__table__.columns if c.key != "row_id"})
        else:
            writer.add(session, session.ended_at or start)
        sessions_made += 1
        for _ in range(count):
            _demo_visit(writer, rng, staff, session, session_type, start, offset,
                        services_by_category, codes, today)
            made += 1
        if progress is not None:
            progress(made, visits)
    writer.flush()
    audit(db, actor, "create", "demo", "", f"demo data: {made} visits, {sessions_made} sessions")
    return DemoResult(visits=made, sessions=sessions_made, records=writer.written, days=days)


def _demo_visit(writer: _Writer, rng: random.Random, staff: list[Actor], session: HubSession,
                session_type: str, start: datetime, offset: int,
                services_by_category: dict[str, list[str]], codes: int, today: date) -> None:
    volunteer = rng.choice(staff)
    at = start + timedelta(minutes=rng.randint(0, 175), seconds=rng.randint(0, 59))
    visit = _envelope(Visit(), volunteer, at, offset)
    lunch = session_type == "lunch_club"
    visit.session_id = session.record_id
    visit.visited_at = at
    visit.contact_mode = _pick(rng, {"walk_in": 45, "referred_in": 18, "pre_booked": 10,
                                     "approached": 10, "returning": 14, "phone": 3})
    visit.referral_source = (
        _pick(rng, {"gp": 35, "social_prescriber": 25, "council": 15, "housing_provider": 8,
                    "voluntary_sector": 10, "jobcentre": 4, "family_friend": 3})
        if visit.contact_mode == "referred_in" else "self" if visit.contact_mode == "walk_in" else None
    )
    visit.age_band = _pick(rng, (
        {"50_64": 10, "65_74": 35, "75_84": 38, "85_plus": 15, "not_asked": 2} if lunch else
        {"16_24": 6, "25_34": 10, "35_49": 24, "50_64": 27, "65_74": 16, "75_84": 9, "85_plus": 3,
         "0_15": 1, "prefer_not": 2, "not_asked": 2}))
    visit.sex = _pick(rng, {"female": 55, "male": 42, "prefer_not": 1, "not_asked": 2})
    visit.postcode_district = rng.choice(POSTCODES) if rng.random() < 0.6 else None
    visit.first_visit = visit.contact_mode != "returning" and rng.random() < 0.6
    carries_code = rng.random() < (0.8 if visit.contact_mode == "returning" else 0.3)
    visit.visitor_code = f"SG-{rng.randrange(codes):04d}" if carries_code else None
    topic_weights = {
        "mental_wellbeing": 35 if visit.contact_mode in ("walk_in", "pre_booked") else 20,
        "money": 30, "loneliness": 40 if lunch else 12, "physical_activity": 18, "healthy_weight": 15,
        "smoking": 8, "alcohol": 5, "fuel": 12, "food": 14 if session_type == "foodbank" else 6,
        "housing": 8, "employment": 6, "carer": 6, "falls": 12 if lunch else 3,
        "long_term_condition": 8, "support_at_home": 5, "forms_digital": 7, "bereavement": 3, "other": 2,
    }
    topics: list[str] = []
    for _ in range(rng.choices([1, 2, 3], weights=[50, 35, 15])[0]):
        topic = _pick(rng, topic_weights)
        if topic not in topics:
            topics.append(topic)
    visit.topics = topics
    visit.safeguarding = rng.random() < 0.005
    visit.note = ""
    referred_on = rng.random() < 0.4
    wants_follow_up = referred_on and rng.random() < 0.25
    person: Person | None = None
    if wants_follow_up:
        person = _envelope(Person(), volunteer, at, offset)
        person.preferred_name = rng.choice(FIRST_NAMES)
        person.contact = f"07700 9{rng.randint(10000, 99999)}"
        person.visitor_code = visit.visitor_code
        person.retention_due = at.date() + timedelta(days=365)
        writer.add(person, at)
    visit.person_id = person.record_id if person else None
    writer.add(visit, at)
    conversation_ids: dict[str, str] = {}
    for topic in topics:
        conversation = _envelope(Conversation(), volunteer, at, offset)
        conversation.visit_id = visit.record_id
        conversation.topic = topic
        conversation.furthest_step = _pick(rng, {"ask": 20, "assess": 25, "advise": 35, "assist": 20})
        conversation.intervention_level = _pick(rng, {"very_brief": 55, "brief": 35, "info_only": 10})
        conversation.response = _pick(rng, {"not_now": 15, "thinking": 25, "made_plan": 15,
                                            "intends_service": 25, "already_using": 10, "declined": 10})
        conversation.action = _pick(rng, {"verbal_info": 30, "leaflet": 20, "signposted": 30,
                                          "warm_handover": 8, "referral_made": 8, "none": 4})
        writer.add(conversation, at)
        conversation_ids[topic] = conversation.record_id
    if referred_on:
        topic = topics[0]
        candidates = [sid for category in TOPIC_SERVICES.get(topic, [])
                      for sid in services_by_category.get(category, [])]
        if candidates:
            outcome = _envelope(SignpostingOutcome(), volunteer, at, offset)
            outcome.visit_id = visit.record_id
            outcome.conversation_id = conversation_ids.get(topic)
            outcome.service_id = rng.choice(candidates)
            outcome.kind = _pick(rng, {"information": 20, "signpost": 50, "warm_handover": 15,
                                       "referral": 15})
            outcome.agreement_recorded = wants_follow_up
            outcome.status = _pick(rng, {"offered": 40, "accepted": 35, "sent": 15, "declined": 10})
            due = at.date() + timedelta(days=14)
            # a follow-up that fell due was mostly made: the outcome then gets a newer version
            followed_up = wants_follow_up and due < today and rng.random() < 0.8
            status = _pick(rng, {"engaged": 55, "not_engaged": 25, "unknown": 20})
            outcome.is_current = not followed_up
            writer.add(outcome, at)
            if wants_follow_up:
                agreement = _envelope(Agreement(), volunteer, at, offset)
                agreement.visit_id = visit.record_id
                agreement.person_id = visit.person_id
                agreement.purpose = "follow_up"
                agreement.given = True
                agreement.method = "verbal"
                agreement.notice_version = "1"
                agreement.withdrawn_at = None
                writer.add(agreement, at)
                follow_up = _envelope(FollowUp(), volunteer, at, offset)
                follow_up.outcome_id = outcome.record_id
                follow_up.visit_id = visit.record_id
                follow_up.due_date = due
                follow_up.method = "phone"
                follow_up.assigned_to = None
                follow_up.result = RESULTS[status] if followed_up else None
                follow_up.attempts = (
                    (3 if status == "unknown" else rng.randint(1, 2)) if followed_up else 0)
                follow_up.done = followed_up
                writer.add(follow_up, at)
                if followed_up:
                    _add_new_version(writer, outcome, status, at + timedelta(days=14))


def _session_type(index: int, venue_type: str) -> str:
    for every, session_type in SPECIAL_SESSIONS:
        if index % every == every - 1:
            return session_type
    return SESSION_TYPE_BY_VENUE.get(venue_type, "drop_in")


def _activities(rng: random.Random, session_type: str) -> list[dict[str, Any]]:
    chosen = ACTIVITIES.get(session_type, [])
    if session_type in ("pop_up", "drop_in") and rng.random() < 0.7:
        chosen = []
    made = []
    for name, low, high, young_low, young_high in chosen:
        attendance = rng.randint(low, high)
        made.append({"name": name, "attendance": attendance,
                     "attendance_under_18": min(attendance, rng.randint(young_low, young_high))})
    return made


def _shifts(rng: random.Random, staff: list[Actor], start: datetime,
            end: datetime | None) -> list[dict[str, Any]]:
    """Each volunteer signs in a little before the session opens and out after it ends
    (no sign-out yet while the session is still open)."""
    shifts: list[dict[str, Any]] = []
    for person in staff:
        shift: dict[str, Any] = {
            "volunteer_id": person.volunteer_id,
            "signed_in_at": (start - timedelta(minutes=rng.choice([0, 10, 15, 30])))
            .isoformat(timespec="seconds")}
        if end is not None:
            shift["signed_out_at"] = (end + timedelta(minutes=rng.choice([0, 15, 20, 30])))\
                .isoformat(timespec="seconds")
        shifts.append(shift)
    return shifts


def _add_new_version(writer: _Writer, outcome: SignpostingOutcome, status: str,
                     at: datetime) -> None:
    """The outcome's next version after the follow-up (versions are never changed in place)."""
    newer = SignpostingOutcome()
    for column in SignpostingOutcome.__table__.columns:
        if column.key != "row_id":
            setattr(newer, column.key, getattr(outcome, column.key))
    newer.version = outcome.version + 1
    newer.base_version = outcome.version
    newer.status = status
    newer.created_at = at
    newer.is_current = True
    writer.add(newer, at)


def demo_is_sensible(visits: int, days: int) -> str | None:
    """A plain message for arguments that make no sense, else None."""
    if visits < 0:
        return "--visits must be zero or more"
    if visits > 2_000_000:
        return "--visits must be at most 2,000,000"
    if not 1 <= days <= 3660:
        return "--days must be between 1 and 3660"
    return None


