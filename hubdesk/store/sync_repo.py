"""Every query the sync engine needs (outbox, batches, cursors, downloads, status).

The engine calls these inside its own units of work: one transaction to store a
batch and name it in its items (they stay ``pending`` until the receipt); one to
apply a receipt; one per downloaded page together with its cursor.  Nothing here
talks to the network.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, or_, select, text, update
from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.hashing import content_hash
from hubdesk.core.ids import uuid7
from hubdesk.store.directory_repo import set_search_columns
from hubdesk.store.download_merge import merge_download, merged_away
from hubdesk.store.erasures import (
    apply_erasure,
    erase_versions,
    erased_here,
    scrub_person,
    withdraw_refused,
)
from hubdesk.store.erasures import erased_payload as erased_payload  # re-exported
from hubdesk.store.erasures import is_erased_payload as is_erased_payload
from hubdesk.store.models import ATTENTION_STATES as ATTENTION_STATES  # re-exported
from hubdesk.store.models import RESOLVED_STATE as RESOLVED_STATE  # re-exported
from hubdesk.store.models import UNSENT_STATES as UNSENT_STATES  # re-exported
from hubdesk.store.models import (
    VERSIONED_KINDS,
    DeviceState,
    HeldServerVersion,
    Hub,
    OutboxItem,
    OutboxPayload,
    RecordConflict,
    Service,
    SyncBatch,
    SyncCursor,
    Venue,
    Volunteer,
)
from hubdesk.store.outbox import keep_local_only_fields, record_payload, version_from_payload
from hubdesk.store.repositories import get_setting as get_setting  # re-exported for the engine
from hubdesk.store.repositories import put_setting

_CHUNK = 500
#: The outbox and the batches as Core tables.  A batch's state changes (``store_batch``,
#: ``apply_receipt``, ``_close_batch``) run as Core statements on the session's
#: connection: those units of work hold no loaded ``OutboxItem`` or ``SyncBatch`` whose
#: state they could leave stale, and the ORM's bulk-update bookkeeping (a ``RETURNING``
#: of the 1,000 keys and identity-map checks) was ~20 % of the laptop's share of a sync
#: (bench/outbox_steps.py).
_OUTBOX: Table = OutboxItem.__table__  # type: ignore[assignment]
_BATCHES: Table = SyncBatch.__table__  # type: ignore[assignment]


# -- device ------------------------------------------------------------------------


log = logging.getLogger("hubdesk.sync")

def device_state(db: Session) -> DeviceState | None:
    return db.get(DeviceState, 1)


def ensure_device_state(db: Session) -> DeviceState:
    """The singleton row (normally made by ``services.setup.ensure_device``)."""
    state = db.get(DeviceState, 1)
    if state is None:
        state = DeviceState(id=1, device_id=uuid7())
        db.add(state)
        db.flush()
    return state


def save_enrolment(
    db: Session, *, server_url: str, token: str, hub: dict[str, Any], now: datetime
) -> DeviceState:
    """Record a (re-)enrolment and the server's hub (``from_server``); safe to repeat."""
    state = ensure_device_state(db)
    upsert_hub(db, hub)
    state.server_url = server_url
    state.device_token = token
    state.hub_id = str(hub["id"])
    state.enrolled_at = now
    state.revoked = False
    state.last_sync_error = None
    db.flush()
    return state


def record_sync_outcome(
    db: Session, *, success_at: datetime | None, error: str | None, revoked: bool = False
) -> None:
    state = ensure_device_state(db)
    if success_at is not None:
        state.last_sync_at = success_at
        state.revoked = False  # the server took our token again: reinstated
    state.last_sync_error = error[:300] if error else None
    if revoked:
        state.revoked = True


# -- outbox and batches ---------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingItem:
    """An outbox item on its way out; ``payload_json`` is the stored JSON text as is
    (never decoded and re-encoded, so a resent batch carries the same bytes)."""

    seq: int
    kind: str
    record_id: str
    version: int
    content_hash: str
    payload_json: str

    @property
    def payload(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.payload_json)
        return value


def _outgoing(rows: Iterable[Any]) -> list[OutgoingItem]:
    # rows of _OUTGOING_SELECT, in OutgoingItem's field order: unpacked by position,
    # which is ~2x faster than reading each Row attribute by name (a batch has ~1,000)
    return [OutgoingItem(*row) for row in rows]


#: OutgoingItem's fields, read as the driver gives them (the payload as its stored JSON
#: text): a third faster than a Core select's result processing, for ~1,000 rows a batch
_OUTGOING_SELECT = "SELECT {} FROM {} JOIN {} USING (seq)".format(
    ", ".join("payload" if field.name == "payload_json" else field.name
              for field in fields(OutgoingItem)),
    OutboxItem.__tablename__, OutboxPayload.__tablename__)
_PENDING_SQL = (f"{_OUTGOING_SELECT} WHERE state = 'pending' AND batch_id IS NULL "
                "ORDER BY seq LIMIT ?")
#: a batch's items lie between its first and last sequence numbers: walked on the primary
#: key (``state || ''`` keeps SQLite off the state index, whose ``pending`` entries are
#: every unsent item, not this batch's); a batch never stored here: every item
_IN_BATCH = ("batch_id = :batch AND state || '' = 'pending' AND seq BETWEEN "
             "coalesce((SELECT first_seq FROM sync_batches WHERE batch_id = :batch), 0) AND "
             "coalesce((SELECT last_seq FROM sync_batches WHERE batch_id = :batch), "
             "9223372036854775807)")
_BATCH_SQL = f"{_OUTGOING_SELECT} WHERE {_IN_BATCH} ORDER BY seq"


def pending_items(db: Session, limit: int) -> list[OutgoingItem]:
    """The first ``limit`` pending items in no stored batch, in sequence order."""
    return _outgoing(db.connection().exec_driver_sql(_PENDING_SQL, (limit,)))


def batch_items(db: Session, batch_id: str) -> list[OutgoingItem]:
    """A stored batch's items still waiting for its answer, in sequence order."""
    return _outgoing(db.connection().exec_driver_sql(_BATCH_SQL, {"batch": batch_id}))


def open_batches(db: Session) -> list[SyncBatch]:
    """Batches stored but never answered (a crash or a lost answer), oldest first."""
    return list(db.scalars(
        select(SyncBatch).where(SyncBatch.state == "sending").order_by(SyncBatch.first_seq)
    ))


def store_batch(db: Session, batch_id: str, seqs: Sequence[int], now: datetime) -> SyncBatch:
    """Store the batch and name it in its items (caller commits once).

    The items stay ``pending``: their state changes once, when the receipt comes.  A
    state change moves an item's entries in both state indexes, where naming the batch
    rewrites only its row (``bench/outbox_steps.py``: the ``sending_state`` variant)."""
    batch = SyncBatch(batch_id=batch_id, state="sending", created_at=now,
                      first_seq=min(seqs), last_seq=max(seqs), item_count=len(seqs))
    db.add(batch)
    for seq_condition in _seq_conditions(seqs):
        db.connection().execute(
            update(_OUTBOX)
            .where(seq_condition, _OUTBOX.c.state == "pending", _OUTBOX.c.batch_id.is_(None))
            .values(batch_id=batch_id, attempts=_OUTBOX.c.attempts + 1)
        )
    db.flush()
    return batch


def reject_locally(db: Session, reasons: dict[int, str]) -> None:
    """Quarantine items that cannot even be put on the wire (never block the rest)."""
    for seq, reason in reasons.items():
        db.execute(
            update(OutboxItem).where(OutboxItem.seq == seq)
            .values(state="rejected", reason=reason[:300], batch_id=None)
        )


@dataclass(frozen=True)
class ItemOutcome:
    seq: int
    status: str  # accepted / duplicate / conflict / rejected
    reason: str | None


def apply_receipt(
    db: Session, batch_id: str, outcomes: Sequence[ItemOutcome], receipt: dict[str, Any],
    now: datetime, *, overlapping: Sequence[str] = (),
) -> dict[str, int]:
    """Apply the server's per-item answers; items it did not mention go back to pending.

    ``overlapping``: batches that were on the wire with this one.  The server may have
    written them after this batch, so this receipt's gaps can name their items although
    nothing was lost: those are not sent again on this receipt's word.
    """
    sent = [o.seq for o in outcomes if o.status in ("accepted", "duplicate")]
    held = [o for o in outcomes if o.status in ("conflict", "rejected")]
    for seq_condition in _seq_conditions(sent):
        db.connection().execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.batch_id == batch_id, seq_condition)
            .values(state="sent", sent_at=now, reason=None)
        )
    erased = _erased_seqs(db, [o.seq for o in held]) | _merged_seqs(db, held)
    for outcome in held:
        # a copy scrubbed by an erasure after it was queued, or one whose clash with
        # the server's copy was already merged here: its refusal needs no one
        state = RESOLVED_STATE if outcome.seq in erased else outcome.status
        db.execute(
            update(OutboxItem)
            .where(OutboxItem.batch_id == batch_id, OutboxItem.seq == outcome.seq)
            .values(state=state, reason=(outcome.reason or "")[:300] or None)
        )
    _close_batch(db, batch_id, "done", now, receipt)
    gaps = [(int(gap["first"]), int(gap["last"])) for gap in receipt.get("gaps") or []]
    requeue_lost(db, gaps=gaps, unless_in=overlapping)
    counts = {"sent": len(sent), "rejected": 0, "conflict": 0}
    for outcome in held:
        if outcome.seq not in erased:
            counts[outcome.status] += 1
    return counts


def _erased_seqs(db: Session, seqs: Sequence[int]) -> set[int]:
    """Which of ``seqs`` carry the scrubbed payload of an erasure (``erasures.erase_versions``)."""
    if not seqs:
        return set()
    rows = db.execute(select(OutboxItem.seq, OutboxItem.payload).where(OutboxItem.seq.in_(seqs)))
    return {seq for seq, payload in rows if is_erased_payload(payload)}


def _merged_seqs(db: Session, held: Sequence[ItemOutcome]) -> set[int]:
    """Which refused ``conflict`` items clash with a server copy already merged here."""
    found: set[int] = set()
    for outcome in held:
        if outcome.status != "conflict":
            continue
        item = db.get(OutboxItem, outcome.seq)
        if item is not None and merged_away(db, item.kind, item.record_id, item.version):
            found.add(outcome.seq)
    return found


def requeue_lost(db: Session, *, gaps: Sequence[tuple[int, int]] = (),
                 above: int | None = None, unless_in: Sequence[str] = ()) -> int:
    """Versions marked sent that the server says it does not hold go back to pending.

    That happens only when the server lost them (restored from an older backup):
    a ``sent`` item's sequence number is in one of the server's ``gaps``, or above
    the highest one it holds.  Sending them again is safe (the server dedupes).
    Returns how many were re-queued; none of the batches ``unless_in``.
    """
    ranges = [(first, last) for first, last in gaps]
    if above is not None:
        ranges.append((above + 1, 2**63 - 1))
    lost = 0
    for first, last in ranges:
        lost_items = (update(OutboxItem)
                      .where(OutboxItem.state == "sent", OutboxItem.seq >= first,
                             OutboxItem.seq <= last))
        if unless_in:
            lost_items = lost_items.where(or_(OutboxItem.batch_id.is_(None),
                                              OutboxItem.batch_id.not_in(unless_in)))
        result = db.execute(lost_items.values(state="pending", batch_id=None, sent_at=None))
        lost += int(getattr(result, "rowcount", 0) or 0)
    if lost:
        log.warning("the server lacks %d versions it had acknowledged; sending them again", lost)
    return lost


def abandon_batch(db: Session, batch_id: str, now: datetime) -> None:
    """The server definitely did not store this batch (413 / 4xx): items go back to
    pending so they can travel in smaller batches (the server dedupes by
    (record, version) and (device, seq), so a re-batched item is never duplicated)."""
    _close_batch(db, batch_id, "abandoned", now)


def _close_batch(db: Session, batch_id: str, state: str, now: datetime,
                 receipt: dict[str, Any] | None = None) -> None:
    """Items of the batch the server did not settle leave it (pending, in no batch, so
    the next batch takes them); the batch ends."""
    db.connection().execute(
        update(_OUTBOX).where(text(_IN_BATCH).bindparams(batch=batch_id)).values(batch_id=None))
    ended: dict[str, Any] = {"state": state, "completed_at": now}
    if receipt is not None:
        ended["receipt"] = receipt
    db.connection().execute(
        update(_BATCHES).where(_BATCHES.c.batch_id == batch_id).values(**ended))


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _seq_conditions(seqs: Sequence[int]) -> Iterable[ColumnElement[bool]]:
    """Conditions that together select exactly the outbox rows numbered ``seqs``.

    A batch's numbers are usually consecutive (``min..max`` with none missing): then
    one range, which SQLite walks on the primary key (half the CPU time of 1,000
    bound parameters in ``IN`` lists, measured in bench/README.md); else ``IN``
    lists of at most ``_CHUNK`` numbers."""
    distinct = set(seqs)
    if distinct and len(distinct) == max(distinct) - min(distinct) + 1:
        yield _OUTBOX.c.seq.between(min(distinct), max(distinct))
        return
    for chunk in _chunks(sorted(distinct)):
        yield _OUTBOX.c.seq.in_(chunk)


# -- settings and cursors ------------------------------------------------------------


def get_cursor(db: Session, stream: str) -> str:
    row = db.get(SyncCursor, stream)
    return row.cursor if row else ""


def set_cursor(db: Session, stream: str, cursor: str, now: datetime) -> None:
    row = db.get(SyncCursor, stream)
    if row is None:
        db.add(SyncCursor(stream=stream, cursor=cursor, updated_at=now))
    else:
        row.cursor = cursor
        row.updated_at = now


# -- reference data --------------------------------------------------------------------


def _text(data: dict[str, Any], key: str, default: str = "", limit: int = 300) -> str:
    value = data.get(key)
    return default if value is None else str(value)[:limit]


def upsert_hub(db: Session, data: dict[str, Any], deleted: bool = False) -> None:
    hub = db.get(Hub, str(data["id"]))
    if hub is None:
        hub = Hub(id=str(data["id"]), from_server=True)
        db.add(hub)
    hub.name = _text(data, "name", hub.name or "Hub", 120)
    hub.district = _text(data, "district", hub.district or "", 120)
    hub.tier = _text(data, "tier", hub.tier or "universal", 20)
    hub.active = bool(data.get("active", True)) and not deleted
    hub.from_server = True
    db.flush()


def _upsert_venue(db: Session, data: dict[str, Any], deleted: bool) -> None:
    hub_id = str(data.get("hub_id") or "")
    if not hub_id:
        return
    if db.get(Hub, hub_id) is None:  # venue page arrived before its hub's page
        upsert_hub(db, {"id": hub_id, "name": "Hub", "district": ""})
    venue = db.get(Venue, str(data["id"]))
    if venue is None:
        venue = Venue(id=str(data["id"]), hub_id=hub_id, from_server=True)
        db.add(venue)
    venue.hub_id = hub_id
    venue.name = _text(data, "name", venue.name or "Venue", 120)
    venue.venue_type = _text(data, "venue_type", venue.venue_type or "other", 40)
    postcode = data.get("postcode_district")
    venue.postcode_district = str(postcode)[:8] if postcode else None
    venue.active = bool(data.get("active", True)) and not deleted
    venue.from_server = True


def _upsert_volunteer(db: Session, data: dict[str, Any], deleted: bool, now: datetime) -> None:
    """Roster volunteers arrive without a PIN: inactive here until a coordinator sets
    one on this laptop.  A local PIN is never overwritten."""
    volunteer_id = str(data["id"])
    name = " ".join(_text(data, "display_name", _text(data, "name"), 80).split())
    volunteer = db.get(Volunteer, volunteer_id)
    if volunteer is None:
        if deleted or not name:
            return
        clash = db.scalar(select(Volunteer.id).where(Volunteer.display_name == name))
        if clash is not None:
            return  # a local volunteer already has this name: keep ours
        volunteer = Volunteer(id=volunteer_id, display_name=name, pin_hash="",
                              failed_attempts=0, created_at=now)
        db.add(volunteer)
    elif name and name != volunteer.display_name:
        clash = db.scalar(select(Volunteer.id).where(
            Volunteer.display_name == name, Volunteer.id != volunteer_id))
        if clash is None:
            from hubdesk.store.engine import vault_of

            vault = vault_of(db)
            if vault is not None:  # the key slot follows the name (services.volunteers)
                vault.ring.rename_slot(volunteer.display_name, name)
            volunteer.display_name = name
    role = _text(data, "role", volunteer.role or "volunteer", 20)
    volunteer.role = role if role in ("volunteer", "coordinator") else "volunteer"
    wanted_active = bool(data.get("active", True)) and not deleted
    volunteer.active = wanted_active and bool(volunteer.pin_hash)


def _upsert_service(db: Session, data: dict[str, Any], deleted: bool) -> None:
    service = db.get(Service, str(data["id"]))
    if service is None:
        service = Service(id=str(data["id"]))
        db.add(service)
    service.name = _text(data, "name", service.name or "Service", 160)
    service.organisation = _text(data, "organisation", limit=160)
    categories = data.get("categories") or []
    service.categories = [str(c) for c in categories] if isinstance(categories, list) else []
    service.description = _text(data, "description", limit=4000)
    service.access = _text(data, "access", "signpost_only", 20)
    service.phone = _text(data, "phone", limit=40)
    service.web = _text(data, "web", limit=200)
    service.opening_times = _text(data, "opening_times", limit=200)
    service.area = _text(data, "area", limit=120)
    service.eligibility = _text(data, "eligibility", limit=300)
    verified = data.get("last_verified")
    try:
        service.last_verified = date.fromisoformat(str(verified)[:10]) if verified else None
    except ValueError:
        service.last_verified = None
    service.status = "closed" if deleted else _text(data, "status", "active", 12)
    service.is_sample = bool(data.get("is_sample", False))
    service.email = _text(data, "email", limit=120)
    set_search_columns(service)
    service.updated_at = utc_now()  # suggestions made before this no longer wait


_STREAM_ORDER = {"hubs": 0, "venues": 1, "volunteers": 2, "services": 3, "vocabularies": 4}


def apply_reference_items(db: Session, items: Sequence[Any], now: datetime) -> int:
    """Apply one page of ``ReferenceItem``s (hubs before venues within the page)."""
    ordered = sorted(items, key=lambda item: _STREAM_ORDER.get(item.stream, 9))
    for item in ordered:
        data = dict(item.data)
        data.setdefault("id", item.id)
        if item.stream == "hubs":
            upsert_hub(db, data, item.deleted)
        elif item.stream == "venues":
            _upsert_venue(db, data, item.deleted)
        elif item.stream == "volunteers":
            _upsert_volunteer(db, data, item.deleted, now)
        elif item.stream == "services":
            _upsert_service(db, data, item.deleted)
        elif item.stream == "vocabularies":
            put_setting(db, f"vocabulary.{item.id}", None if item.deleted else data)
        db.flush()
    return len(items)


# -- hub changes (coordinator edits, tombstones) -----------------------------------


def _has_local_work(db: Session, kind: str, record_id: str) -> bool:
    """Unsent or conflicting local versions of the record."""
    return bool(db.scalar(
        select(func.count()).select_from(OutboxItem).where(
            OutboxItem.kind == kind, OutboxItem.record_id == record_id,
            OutboxItem.state.in_((*UNSENT_STATES, *ATTENTION_STATES)),
        )
    ))


def _has_held_version(db: Session, kind: str, record_id: str) -> bool:
    """A server version (or erasure) of the record is waiting for a coordinator."""
    return bool(db.scalar(
        select(func.count()).select_from(HeldServerVersion).where(
            HeldServerVersion.kind == kind, HeldServerVersion.record_id == record_id,
            HeldServerVersion.resolved_at.is_(None),
        )
    ))


def _hold(db: Session, item: Any, reason: str, now: datetime) -> None:
    exists = db.scalar(select(HeldServerVersion.id).where(
        HeldServerVersion.kind == item.kind, HeldServerVersion.record_id == item.record_id,
        HeldServerVersion.version == item.version, HeldServerVersion.tombstone == item.tombstone,
    ))
    if exists is not None:
        return
    payload = item.payload.model_dump(mode="json") if item.payload is not None else None
    db.add(HeldServerVersion(
        kind=item.kind, record_id=item.record_id, version=item.version,
        tombstone=item.tombstone, payload=payload,
        content_hash=content_hash(payload) if payload is not None else None,
        reason=reason, received_at=now,
    ))


def apply_change_items(db: Session, items: Sequence[Any], now: datetime) -> dict[str, int]:
    """Apply one page of ``ChangeItem``s as versions with ``origin='server'`` (no outbox).

    Downloads never overwrite local work: a version of a record with unsent or
    conflicting local versions is merged with them (``download_merge``, DESIGN §4);
    anything arriving while a version of the record is held for a coordinator is
    held.  An erasure is the exception: it wins over unsent work and is applied at
    once (``erasures.apply_erasure``, which says how it is shown), and nothing of a
    later copy of an erased record is kept (``refused``).  The caller's unit of work
    begins IMMEDIATE, so no save can slip in between these checks and the writes.
    """
    counts = {"applied": 0, "held": 0, "same": 0, "merged": 0, "erased": 0, "refused": 0}
    device_id = ensure_device_state(db).device_id if items else ""
    for item in items:
        if item.tombstone:
            apply_erasure(db, item.kind, item.record_id, item.version, now)
            counts["erased"] += 1
            continue
        if item.payload is None:
            continue
        if erased_here(db, item.kind, item.record_id):
            counts["refused"] += 1  # a later copy of an erased record: nothing of it kept
            continue
        model = VERSIONED_KINDS[item.kind]
        local_work = _has_local_work(db, item.kind, item.record_id)
        if _has_held_version(db, item.kind, item.record_id):
            _hold(db, item, "Changed on the server while this laptop had unsent changes.", now)
            counts["held"] += 1
            continue
        payload = item.payload.model_dump(mode="json")
        digest = content_hash(payload)
        existing = db.scalar(select(model).where(
            model.record_id == item.record_id, model.version == item.version))
        if existing is not None and existing.content_hash == digest:
            counts["same"] += 1
            continue
        if local_work:
            outcome = merge_download(db, item.kind, payload, digest, device_id, now)
            if outcome == "unknown":
                _hold(db, item, "Changed on the server while this laptop had unsent changes.", now)
                outcome = "held"
            counts[outcome] += 1
            continue
        if existing is not None:
            _hold(db, item, "The server has a different copy of this version.", now)
            counts["held"] += 1
            continue
        latest = db.scalar(select(func.max(model.version)).where(
            model.record_id == item.record_id))
        mine = db.scalar(select(model).where(model.record_id == item.record_id,
                                             model.is_current.is_(True)))
        if mine is not None:
            keep_local_only_fields(db, item.kind, payload["fields"],
                                   record_payload(mine)["fields"])
        row = version_from_payload(payload)
        row.origin = "server"
        row.content_hash = digest
        row.device_seq = None
        row.is_current = latest is None or item.version > latest
        if row.is_current:
            db.execute(update(model).where(
                model.record_id == item.record_id, model.is_current.is_(True)
            ).values(is_current=False))
        db.add(row)
        db.flush()
        counts["applied"] += 1
    return counts


# -- resolving what needs attention ---------------------------------------------------


def resolve_outbox_item(db: Session, seq: int) -> bool:
    """A coordinator has dealt with a rejected / conflicting version (typically by saving
    a corrected new version): it leaves the "needs attention" list.  The server keeps
    its copy; nothing is deleted.  True when an item changed."""
    result = db.execute(
        update(OutboxItem)
        .where(OutboxItem.seq == seq, OutboxItem.state.in_(ATTENTION_STATES))
        .values(state=RESOLVED_STATE)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def outbox_item(db: Session, seq: int) -> OutboxItem | None:
    """One outbox row by its sequence number (None when there is none)."""
    return db.get(OutboxItem, seq)


def held_version(db: Session, held_id: int) -> HeldServerVersion | None:
    """One held server version by its id (None when there is none)."""
    return db.get(HeldServerVersion, held_id)


def apply_held_erasure(db: Session, held_id: int, now: datetime) -> int:
    """A coordinator marks a listed erasure as seen (the server erased a record, for
    example at the person's request, while this laptop had unsent work on it).

    A download applies an erasure at once (``erasures.apply_erasure``); a row held by
    an older HubDesk, which waited for a coordinator, is applied here the same way.
    The record's versions the server refused leave the list (state ``resolved``);
    versions still waiting are sent as scrubbed placeholders, so the device's sequence
    stays gap-free on the server, which refuses them (see :func:`apply_receipt`).  The
    held row is resolved (and stays: it marks the record as erased here).  Returns how
    many refused versions left the list."""
    held = db.get(HeldServerVersion, held_id)
    if held is None or not held.tombstone or held.resolved_at is not None:
        return 0
    withdrawn = withdraw_refused(db, held.kind, held.record_id)
    erase_versions(db, held.kind, held.record_id, now)
    if held.kind == "person":
        scrub_person(db, held.record_id)
    held.resolved_at = now
    return withdrawn


def merge_held_version(db: Session, held_id: int, now: datetime) -> str:
    """A coordinator deals with a held server version (not an erasure): it is merged
    with this laptop's copy as a download would be, the answers the two disagree on
    kept for a choice on the Conflicts screen, and the merged version queued for the
    server, so laptop and server end with the same record.  The held row stays,
    resolved.  Returns ``merged``, ``same`` or ``gone`` (nothing to merge with)."""
    held = db.get(HeldServerVersion, held_id)
    if held is None or held.tombstone or held.resolved_at is not None or held.payload is None:
        return "gone"
    payload = dict(held.payload)
    outcome = merge_download(db, held.kind, payload, held.content_hash or content_hash(payload),
                             ensure_device_state(db).device_id, now, compare_all=True)
    if outcome != "merged":  # (a merge resolves the held row itself)
        held.resolved_at = now
        return "same" if outcome == "same" else "gone"
    return outcome


def resolve_held_version(db: Session, held_id: int, now: datetime) -> bool:
    """A coordinator has compared a held server version with this laptop's and acted
    on it; it stays in the table (nothing dropped) but leaves the list."""
    held = db.get(HeldServerVersion, held_id)
    if held is None or held.resolved_at is not None:
        return False
    held.resolved_at = now
    return True


# -- status -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxCounts:
    unsent: int
    needs_attention: int
    held_server_versions: int
    oldest_unsent_at: datetime | None


def outbox_counts(db: Session) -> OutboxCounts:
    """Counts by state through the (state, seq) index: never a scan of sent items."""
    rows = dict(db.execute(
        select(OutboxItem.state, func.count())
        .where(OutboxItem.state.in_(UNSENT_STATES + ATTENTION_STATES))
        .group_by(OutboxItem.state)
    ).tuples().all())
    oldest = db.scalar(
        select(func.min(OutboxItem.finalised_at)).where(OutboxItem.state.in_(UNSENT_STATES))
    )
    held = db.scalar(select(func.count()).select_from(HeldServerVersion).where(
        HeldServerVersion.resolved_at.is_(None))) or 0
    conflicts = db.scalar(select(func.count()).select_from(RecordConflict).where(
        RecordConflict.resolved_at.is_(None))) or 0
    return OutboxCounts(
        unsent=sum(rows.get(s, 0) for s in UNSENT_STATES),
        needs_attention=sum(rows.get(s, 0) for s in ATTENTION_STATES) + held + conflicts,
        held_server_versions=held,
        oldest_unsent_at=oldest,
    )


def hub_name(db: Session, hub_id: str | None) -> str | None:
    """The name of the hub this laptop is enrolled with (None when not known here)."""
    hub = db.get(Hub, hub_id) if hub_id else None
    return hub.name if hub is not None else None


def unsent_visit_count(db: Session) -> int:
    """Distinct visits with a version still waiting to be sent (the status bar counts
    visits; ``OutboxCounts.unsent`` counts record versions)."""
    # ``kind || ''`` keeps SQLite off the (kind, record_id, version) index, which would
    # read the row of every visit ever sent to test its state; this way it reads only
    # the unsent items' short rows, found through ix_outbox_state_seq (32 ms for 97,000
    # unsent items: the covering index store 0012 removed took 35 ms)
    count = db.scalar(
        select(func.count(func.distinct(OutboxItem.record_id)))
        .where((OutboxItem.kind + "") == "visit", OutboxItem.state.in_(UNSENT_STATES))
    )
    return int(count or 0)


def attention_outbox_items(db: Session, limit: int = 500) -> list[OutboxItem]:
    return list(db.scalars(
        select(OutboxItem).where(OutboxItem.state.in_(ATTENTION_STATES))
        .order_by(OutboxItem.seq).limit(limit)
    ))


def open_record_conflicts(db: Session, limit: int = 500) -> list[RecordConflict]:
    """Fields changed in two places, waiting for a coordinator (oldest first)."""
    return list(db.scalars(
        select(RecordConflict).where(RecordConflict.resolved_at.is_(None))
        .order_by(RecordConflict.id).limit(limit)))


def held_server_versions(db: Session, limit: int = 500) -> list[HeldServerVersion]:
    return list(db.scalars(
        select(HeldServerVersion).where(HeldServerVersion.resolved_at.is_(None))
        .order_by(HeldServerVersion.id).limit(limit)
    ))


def outbox_states_between(db: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Outbox items finalised in [start, end) (naive UTC), counted by state."""
    rows = db.execute(
        select(OutboxItem.state, func.count())
        .where(and_(OutboxItem.finalised_at >= start, OutboxItem.finalised_at < end))
        .group_by(OutboxItem.state)
    ).tuples().all()
    return dict(rows)


def duplicated_versions_between(db: Session, start: datetime, end: datetime) -> int:
    """(kind, record, version) finalised more than once in the window (should be 0)."""
    grouped = (
        select(OutboxItem.kind, OutboxItem.record_id, OutboxItem.version,
               func.count().label("n"))
        .where(and_(OutboxItem.finalised_at >= start, OutboxItem.finalised_at < end))
        .group_by(OutboxItem.kind, OutboxItem.record_id, OutboxItem.version)
        .subquery()
    )
    return int(db.scalar(select(func.coalesce(func.sum(grouped.c.n - 1), 0))) or 0)
