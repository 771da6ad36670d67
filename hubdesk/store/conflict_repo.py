"""Queries for field conflicts kept for a coordinator (``RecordConflict``) and for the
versions a merge reads: the copy of a version the server is known to hold."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hubdesk.store.models import (
    VERSIONED_KINDS,
    HeldServerVersion,
    OutboxItem,
    RecordConflict,
    VersionedMixin,
    Visit,
)
from hubdesk.store.outbox import record_payload


def add_conflict(db: Session, *, kind: str, record_id: str, level: str, merged_version: int,
                 fields: dict[str, dict[str, Any]], this_laptop_by: str | None,
                 other_by: str | None, now: datetime) -> RecordConflict:
    conflict = RecordConflict(kind=kind, record_id=record_id, level=level,
                              merged_version=merged_version, fields=fields,
                              this_laptop_by=this_laptop_by, other_by=other_by, created_at=now)
    db.add(conflict)
    db.flush()
    return conflict


def open_conflicts(db: Session, limit: int = 500) -> list[RecordConflict]:
    return list(db.scalars(
        select(RecordConflict).where(RecordConflict.resolved_at.is_(None))
        .order_by(RecordConflict.id).limit(limit)))


def conflict(db: Session, conflict_id: int) -> RecordConflict | None:
    return db.get(RecordConflict, conflict_id)


#: a visit form's answers that identify the person (kept only with their agreement)
IDENTITY_FIELDS = ("preferred_name", "contact")


def scrub_conflicts(db: Session, kind: str, record_id: str, now: datetime) -> None:
    """An erasure reaches the values kept aside too: the record's conflicts lose their
    values (and leave the list); a person's erasure takes their name and contact out of
    the conflicts of the visits that named them."""
    for row in db.scalars(select(RecordConflict).where(RecordConflict.record_id == record_id)):
        row.fields = {}
        row.resolved_at = row.resolved_at or now
    if kind != "person":
        return
    visits = select(Visit.record_id).where(Visit.person_id == record_id)
    for row in db.scalars(select(RecordConflict).where(RecordConflict.record_id.in_(visits),
                                                       RecordConflict.level == "form")):
        kept = {name: values for name, values in row.fields.items()
                if name not in IDENTITY_FIELDS}
        if kept != row.fields:
            row.fields = kept
            if not kept:
                row.resolved_at = row.resolved_at or now


def version_row(db: Session, kind: str, record_id: str, version: int) -> VersionedMixin | None:
    model = VERSIONED_KINDS[kind]
    return db.scalar(select(model).where(model.record_id == record_id, model.version == version))


def current_row(db: Session, kind: str, record_id: str) -> VersionedMixin | None:
    model = VERSIONED_KINDS[kind]
    return db.scalar(select(model).where(model.record_id == record_id,
                                         model.is_current.is_(True)))


def comparable_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """A version's domain fields plus ``deleted``: what a merge compares."""
    return {**payload.get("fields", {}), "deleted": bool(payload.get("deleted", False))}


def server_copy(db: Session, kind: str, record_id: str, version: int) -> dict[str, Any] | None:
    """The fields of ``version`` as the server holds it, when this laptop knows them: a
    server version kept in ``held_server_versions``, a downloaded row, or this laptop's
    own version the server accepted.  None when unknown."""
    held = db.scalar(select(HeldServerVersion.payload).where(
        HeldServerVersion.kind == kind, HeldServerVersion.record_id == record_id,
        HeldServerVersion.version == version, HeldServerVersion.tombstone.is_(False)))
    if held is not None:
        return comparable_fields(held)
    row = version_row(db, kind, record_id, version)
    if row is None:
        return None
    if row.origin != "server":
        state = db.scalar(select(OutboxItem.state).where(
            OutboxItem.kind == kind, OutboxItem.record_id == record_id,
            OutboxItem.version == version))
        if state != "sent":
            return None
    return comparable_fields(record_payload(row))


def common_ancestor(db: Session, kind: str, current: VersionedMixin
                    ) -> tuple[int, dict[str, Any]] | None:
    """The newest version the server holds that this laptop's ``current`` descends
    from (its version and fields), walking back through this laptop's unsent versions."""
    row: VersionedMixin | None = current
    while row is not None and row.base_version is not None:
        fields = server_copy(db, kind, current.record_id, row.base_version)
        if fields is not None:
            return row.base_version, fields
        row = version_row(db, kind, current.record_id, row.base_version)
    return None


def versions_as_of(db: Session, kind: str, visit_id: str, before: datetime) -> list[VersionedMixin]:
    """The versions of a visit's part-records (conversations, outcomes, agreements,
    follow-ups) as they stood just before ``before``: the newest version of each made
    earlier, deleted ones left out."""
    model = VERSIONED_KINDS[kind]
    rows = db.scalars(select(model).where(
        model.visit_id == visit_id, model.created_at < before  # type: ignore[attr-defined]
    ).order_by(model.record_id, model.version))
    newest: dict[str, VersionedMixin] = {}
    for row in rows:
        newest[row.record_id] = row
    return [row for row in newest.values() if not row.deleted]


def record_as_of(db: Session, kind: str, record_id: str, before: datetime) -> VersionedMixin | None:
    model = VERSIONED_KINDS[kind]
    row = db.scalar(select(model).where(model.record_id == record_id, model.created_at < before)
                    .order_by(model.version.desc()).limit(1))
    return None if row is None or row.deleted else row
