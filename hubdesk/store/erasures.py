"""An erasure from the server reaching this laptop (DESIGN §9, issues 8 and 9).

The server publishes an erasure as a tombstone in the hub's changes feed:

* a record's erasure (``hubdesk-server erase --kind K --record ID``): every version
  of the record goes from this laptop, with an unfinished edit of it, and every copy
  kept aside (queued outbox payloads, server versions held or merged, conflict
  values) loses its content;
* a person's erasure (a ``person`` tombstone, ``erase --person ID``): the person's
  versions go as above, and every record naming them (visits, agreements) loses its
  identifying fields in every copy, while its anonymous answers stay, so the hub's
  figures do not change.  Drafts editing those visits lose the same fields.

An erasure wins over this laptop's unsent work: it is applied at once, even when
the record has unsent or refused versions here.  Those versions are not lost
silently: the erasure is kept as a held server row (tombstone) for a coordinator to
see ("Erased on the server: this laptop's unsent changes to it were erased too").
Without unsent work the row is kept already dealt with.  Either way the row stays
for good: it is how this laptop knows the record is erased and keeps nothing of
any later copy of it (:func:`erased_here`).

Erasure is the one case where stored versions change in place: the person's right
comes before the append-only rule.  Queued copies keep their rows (the device's
sequence never reuses a number); a queued copy of an erased record is sent as an
identity-only placeholder the server refuses, and a copy that only named an erased
person is sent without the identifying fields (its hash recomputed, as it is not
sent yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hubdesk.core.hashing import content_hash
from hubdesk.store import conflict_repo, repositories
from hubdesk.store.models import (
    ATTENTION_STATES,
    RESOLVED_STATE,
    UNSENT_STATES,
    VERSIONED_KINDS,
    Agreement,
    AuditEvent,
    Draft,
    HeldServerVersion,
    OutboxItem,
    OutboxPayload,
    Visit,
)

#: a record's fields that identify the person it names (the server's
#: ``erasure.IDENTIFYING_FIELDS`` less the person's own record, which goes whole)
PERSON_FIELDS = ("person_id", "visitor_code", "note", "preferred_name", "contact")
#: the models whose versions name a person by ``person_id``
_NAMING_MODELS: tuple[type[Visit] | type[Agreement], ...] = (Visit, Agreement)

SHOWN_REASON = ("Erased on the server (for example at the person's request) while this "
                "laptop had unsent changes to it: they were erased too and are not sent.")
QUIET_REASON = "Erased on the server (for example at the person's request)."


def erased_payload(kind: str, record_id: str, version: int) -> dict[str, Any]:
    """What an erasure leaves of a queued copy: its identity only.  The row stays so the
    sequence never reuses a number, and a copy still waiting can be sent as an empty
    placeholder the server refuses (so the sequence has no gap there either)."""
    return {"erased": True, "kind": kind, "record_id": record_id, "version": version}


def is_erased_payload(payload: Any) -> bool:
    return isinstance(payload, dict) and payload.get("erased") is True


def erased_here(db: Session, kind: str, record_id: str) -> bool:
    """This laptop has applied (or holds) the server's erasure of the record."""
    return bool(db.scalar(select(func.count()).select_from(HeldServerVersion).where(
        HeldServerVersion.kind == kind, HeldServerVersion.record_id == record_id,
        HeldServerVersion.tombstone.is_(True))))


def apply_erasure(db: Session, kind: str, record_id: str, version: int, now: datetime) -> bool:
    """Apply the server's erasure of ``kind``/``record_id`` now, over any unsent work.

    Returns True when this laptop had unsent or refused versions of it: the erasure
    is then listed for a coordinator to see (nothing is left to undo)."""
    had_local_work = bool(db.scalar(select(func.count()).select_from(OutboxItem).where(
        OutboxItem.kind == kind, OutboxItem.record_id == record_id,
        OutboxItem.state.in_((*UNSENT_STATES, *ATTENTION_STATES)))))
    withdraw_refused(db, kind, record_id)
    erase_versions(db, kind, record_id, now)
    scrubbed = scrub_person(db, record_id) if kind == "person" else set()
    _audit_purge(db, kind, record_id, now, f"erased on the server; {len(scrubbed)} records "
                 f"naming it made anonymous; unsent changes erased: {'yes' if had_local_work else 'no'}")
    known = db.scalar(select(HeldServerVersion).where(
        HeldServerVersion.kind == kind, HeldServerVersion.record_id == record_id,
        HeldServerVersion.tombstone.is_(True)))
    if known is None:
        db.add(HeldServerVersion(
            kind=kind, record_id=record_id, version=version, tombstone=True, payload=None,
            content_hash=None, reason=SHOWN_REASON if had_local_work else QUIET_REASON,
            received_at=now, resolved_at=None if had_local_work else now))
    db.flush()
    return had_local_work


def _audit_purge(db: Session, kind: str, record_id: str, now: datetime, detail: str) -> None:
    """The erasure in this laptop's audit trail (ids only, never personal data)."""
    state = repositories.device_state(db)
    repositories.add_audit_event(db, AuditEvent(
        at=now, actor_id=None, device_id=state.device_id if state else "unknown",
        action="purge", entity_kind=kind, entity_id=record_id, detail=detail[:200]))


def withdraw_refused(db: Session, kind: str, record_id: str) -> int:
    """The record's versions the server refused leave the needs-attention list."""
    result = db.execute(update(OutboxItem).where(
        OutboxItem.kind == kind, OutboxItem.record_id == record_id,
        OutboxItem.state.in_(ATTENTION_STATES)).values(state=RESOLVED_STATE))
    return int(result.rowcount)  # type: ignore[attr-defined]


def erase_versions(db: Session, kind: str, record_id: str, now: datetime) -> None:
    """The record's versions (and a draft editing it) go; queued outbox payloads become
    identity-only placeholders (the rows stay so the device sequence never reuses a number); server
    copies held or merged and the values of its conflicts lose their content."""
    model = VERSIONED_KINDS[kind]
    db.execute(delete(model).where(model.record_id == record_id))
    if kind == "visit":  # an unfinished edit of it has nothing left to edit
        db.execute(delete(Draft).where(Draft.base_visit_id == record_id))
    queued = db.execute(select(OutboxItem.seq, OutboxItem.version).where(
        OutboxItem.kind == kind, OutboxItem.record_id == record_id)).all()
    for seq, version in queued:
        db.execute(update(OutboxPayload).where(OutboxPayload.seq == seq)
                   .values(payload=erased_payload(kind, record_id, version)))
    # a server version held for a coordinator has nothing left to merge: off the list
    db.execute(update(HeldServerVersion).where(
        HeldServerVersion.kind == kind, HeldServerVersion.record_id == record_id,
        HeldServerVersion.tombstone.is_(False)).values(
            payload=None, content_hash=None,
            resolved_at=func.coalesce(HeldServerVersion.resolved_at, now)))
    conflict_repo.scrub_conflicts(db, kind, record_id, now)


def scrub_person(db: Session, person_id: str) -> set[str]:
    """Every copy of every record naming ``person_id`` loses its identifying fields;
    the anonymous answers stay.  Returns the ids of the records scrubbed."""
    scrubbed: set[str] = set()
    for model in _NAMING_MODELS:
        ids = set(db.scalars(select(model.record_id).where(model.person_id == person_id)))
        if not ids:
            continue
        blank: dict[str, Any] = {"person_id": None}
        if model is Visit:
            blank.update(visitor_code=None, note="")
        db.execute(update(model).where(model.person_id == person_id).values(**blank))
        scrubbed |= ids
    for item in _naming(db, OutboxItem, person_id):
        payload = _scrubbed(item.payload)
        item.payload = payload
        scrubbed.add(item.record_id)
        if item.state in UNSENT_STATES:
            # not sent yet: it goes without the person's details, under its own hash
            item.content_hash = content_hash(payload)
    for held in _naming(db, HeldServerVersion, person_id):
        held.payload = _scrubbed(held.payload)
        held.content_hash = content_hash(held.payload)
    _scrub_drafts(db, scrubbed)
    db.flush()
    return scrubbed


def _naming(db: Session, model: type[OutboxItem] | type[HeldServerVersion],
            person_id: str) -> Iterable[Any]:
    """Rows of ``model`` whose JSON payload names ``person_id`` (one scan of the
    visits' and agreements' copies; an erasure is rare)."""
    rows: list[Any] = list(db.scalars(select(model).where(model.kind.in_(("visit", "agreement")))))
    for row in rows:
        payload = row.payload
        if isinstance(payload, dict) and (payload.get("fields") or {}).get("person_id") == person_id:
            yield row


def _scrubbed(payload: dict[str, Any]) -> dict[str, Any]:
    fields = {name: (_blank(value) if name in PERSON_FIELDS else value)
              for name, value in (payload.get("fields") or {}).items()}
    if "person_id" in fields:
        fields["person_id"] = None
    return {**payload, "fields": fields}


def _blank(value: Any) -> Any:
    return "" if isinstance(value, str) else None


def _scrub_drafts(db: Session, visit_ids: set[str]) -> None:
    """Unfinished edits of those visits lose the same details (the draft stays)."""
    if not visit_ids:
        return
    for draft in db.scalars(select(Draft).where(Draft.base_visit_id.in_(sorted(visit_ids)))):
        form = dict(draft.form)
        for name in ("preferred_name", "contact", "visitor_code", "note"):
            if name in form:
                form[name] = ""
        draft.form = form
