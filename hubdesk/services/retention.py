"""Retention on the laptop (issue 8): identifying details are purged a set number of
days (default 7) after the server acknowledged them.

What is purged: a person's preferred name and contact (every local version, and
the copies in the already-sent outbox payloads) and visit notes.  What stays:
everything anonymous, every record's id, version and content hash (the server
holds the acknowledged version; its own retention rules apply there).  The local
copy is blanked in place: this is an erasure of the laptop's copy, not an edit,
so no new version is made and nothing is sent.  The coordinator sees the counts
(:func:`purge_preview`) before the purge runs, and the purge is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.errors import ValidationError
from hubdesk.services.common import Actor, Changes, audit, require_coordinator
from hubdesk.store import repositories as repo
from hubdesk.store import retention_repo
from hubdesk.store.models import OutboxItem

RETENTION_DAYS_SETTING = "retention_days"
DEFAULT_RETENTION_DAYS = 7


@dataclass(frozen=True)
class PurgePreview:
    days: int
    people: int
    notes: int

    @property
    def summary(self) -> str:
        if not self.people and not self.notes:
            return "Nothing is due to be removed."
        return (f"{self.people} name{'s' if self.people != 1 else ''} and contact details and "
                f"{self.notes} note{'s' if self.notes != 1 else ''} the server received more than "
                f"{self.days} days ago will be removed from this laptop.")


def retention_days(db: Session) -> int:
    value = repo.get_setting(db, RETENTION_DAYS_SETTING, DEFAULT_RETENTION_DAYS)
    return value if isinstance(value, int) and 1 <= value <= 365 else DEFAULT_RETENTION_DAYS


def set_retention_days(db: Session, actor: Actor, days: int) -> Changes:
    require_coordinator(actor, "change how long details are kept")
    if not 1 <= days <= 365:
        raise ValidationError({"retention_days": "Choose 1 to 365 days."})
    repo.put_setting(db, RETENTION_DAYS_SETTING, days)
    audit(db, actor, "edit", "setting", RETENTION_DAYS_SETTING, str(days))
    return Changes().add("setting", RETENTION_DAYS_SETTING)


def _cutoff(db: Session, now: datetime | None) -> tuple[int, datetime]:
    days = retention_days(db)
    return days, (now or utc_now()) - timedelta(days=days)


def purge_preview(db: Session, now: datetime | None = None) -> PurgePreview:
    days, cutoff = _cutoff(db, now)
    people = {p.record_id for p in retention_repo.people_due(db, cutoff)}
    notes = {v.record_id for v in retention_repo.notes_due(db, cutoff)}
    return PurgePreview(days, len(people), len(notes))


def purge_identifying_details(db: Session, actor: Actor, now: datetime | None = None) -> Changes:
    """Blank what :func:`purge_preview` counted (coordinators only), audited with counts."""
    require_coordinator(actor, "remove identifying details")
    days, cutoff = _cutoff(db, now)
    people = retention_repo.people_due(db, cutoff)
    visits = retention_repo.notes_due(db, cutoff)
    person_ids, visit_ids = {p.record_id for p in people}, {v.record_id for v in visits}
    for person in people:
        person.preferred_name, person.contact = "", ""
    for visit in visits:
        visit.note = ""
    _blank_payloads(retention_repo.outbox_payloads(db, "person", person_ids),
                    ("preferred_name", "contact"))
    _blank_payloads(retention_repo.outbox_payloads(db, "visit", visit_ids), ("note",))
    audit(db, actor, "purge", "person", "",
          f"{len(person_ids)} people, {len(visit_ids)} notes; acknowledged over {days} days ago")
    changes = Changes()
    for record_id in person_ids:
        changes.add("person", record_id)
    for record_id in visit_ids:
        changes.add("visit", record_id)
    return changes


def _blank_payloads(items: Sequence[OutboxItem], fields: tuple[str, ...]) -> None:
    for item in items:
        payload = dict(item.payload)
        payload["fields"] = {**payload["fields"], **{f: "" for f in fields if f in payload["fields"]}}
        item.payload = payload
