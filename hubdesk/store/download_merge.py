"""A downloaded version meets unsent work on this laptop: merge, never overwrite.

DESIGN §4 applied to downloads.  This laptop's current version and the server's
version both descend from a version the server holds (their common ancestor).
The fields are merged (``core.merge``) into a new version made on this laptop,
based on the server's version, finalised into the outbox so the server gets it.
Clashing fields keep the server's value in that version and both values in a
``RecordConflict`` for a coordinator.  The server's version itself is kept in
``held_server_versions`` (already resolved: it was merged), so nothing is dropped,
and this laptop's versions the server refused as conflicting leave the
needs-attention list: the merged version carries their changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from hubdesk.core.clock import local_offset_minutes
from hubdesk.core.merge import three_way_merge
from hubdesk.store import conflict_repo
from hubdesk.store.models import VERSIONED_KINDS, HeldServerVersion, OutboxItem
from hubdesk.store.outbox import (
    finalise,
    keep_local_only_fields,
    record_payload,
    version_from_payload,
)

MERGED_REASON = "Merged with this laptop's unsent changes into version {version}."


def merge_download(db: Session, kind: str, payload: dict[str, Any], digest: str,
                   device_id: str, now: datetime, *, compare_all: bool = False) -> str:
    """Merge one downloaded version into this laptop's unsent work on the record.

    Returns ``merged``, ``same`` (nothing newer than what this laptop built on) or
    ``unknown`` (no common ancestor known here: the caller holds the version).  With
    ``compare_all`` (a coordinator deals with a held version) an unknown ancestor
    counts as empty: every answer the two copies disagree on is kept for a choice.
    """
    model = VERSIONED_KINDS[kind]
    record_id = str(payload["record_id"])
    version = int(payload["version"])
    current = conflict_repo.current_row(db, kind, record_id)
    ancestor = conflict_repo.common_ancestor(db, kind, current) if current else None
    if ancestor is None and compare_all:
        ancestor = (0, {})
    if current is None or ancestor is None:
        return "unknown"
    ancestor_version, base = ancestor
    if version <= ancestor_version:
        return "same"
    ours_payload = record_payload(current)
    ours = conflict_repo.comparable_fields(ours_payload)
    theirs = conflict_repo.comparable_fields(payload)
    keep_local_only_fields(db, kind, theirs, ours)
    result = three_way_merge(base, ours, theirs)
    merged_version = max(current.version, version) + 1
    _keep_server_copy(db, kind, payload, digest, merged_version, now)
    deleted = bool(result.merged.pop("deleted", False))
    new_payload = {
        **ours_payload,
        "version": merged_version,
        "base_version": version,
        "deleted": deleted,
        "device_id": device_id,
        "created_at": now.isoformat(timespec="microseconds"),
        "utc_offset_min": local_offset_minutes(now),
        "fields": result.merged,
    }
    row = version_from_payload(new_payload)
    row.origin = "local"
    db.execute(update(model).where(model.record_id == record_id, model.is_current.is_(True))
               .values(is_current=False))
    row.is_current = True
    db.add(row)
    finalise(db, row)
    db.execute(update(OutboxItem).where(
        OutboxItem.kind == kind, OutboxItem.record_id == record_id,
        OutboxItem.state == "conflict").values(state="resolved"))
    if result.clashes:
        conflict_repo.add_conflict(
            db, kind=kind, record_id=record_id, level="record", merged_version=merged_version,
            fields={name: {"this_laptop": clash.ours, "other": clash.theirs}
                    for name, clash in result.clashes.items()},
            this_laptop_by=current.created_by, other_by=str(payload.get("created_by") or ""),
            now=now)
    db.flush()
    return "merged"


def _keep_server_copy(db: Session, kind: str, payload: dict[str, Any], digest: str,
                      merged_version: int, now: datetime) -> None:
    record_id, version = str(payload["record_id"]), int(payload["version"])
    held = db.query(HeldServerVersion).filter_by(
        kind=kind, record_id=record_id, version=version, tombstone=False).one_or_none()
    reason = MERGED_REASON.format(version=merged_version)
    if held is None:
        db.add(HeldServerVersion(kind=kind, record_id=record_id, version=version,
                                 tombstone=False, payload=payload, content_hash=digest,
                                 reason=reason, received_at=now, resolved_at=now))
    elif held.resolved_at is None:
        held.reason, held.resolved_at = reason, now
    db.flush()


def merged_away(db: Session, kind: str, record_id: str, version: int) -> bool:
    """True when the server's own copy of ``version`` was already merged here, so this
    laptop's refused copy of that version needs no one's attention."""
    held = db.query(HeldServerVersion).filter_by(
        kind=kind, record_id=record_id, version=version, tombstone=False).one_or_none()
    return held is not None and held.resolved_at is not None and held.reason.startswith("Merged")
