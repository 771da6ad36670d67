"""Batch ingest: the same path for ``POST /v1/batches`` and ``import-batch``.

Exactly-once comes from the database, never from check-then-insert:

* the batch row (primary key ``batch_id``) is inserted first, which claims the
  batch; a concurrent identical batch fails on that key and answers with the
  stored receipt;
* record versions go in with one bulk insert inside a SAVEPOINT (the fast path);
  on an IntegrityError the savepoint is rolled back and each item is inserted in
  its own SAVEPOINT, and a clash is classified by comparing content hashes:
  same hash = duplicate (counts as success), different = conflict.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import from_json
from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from hubdesk.core.clock import utc_now
from hubdesk.core.hashing import canonical_json
from hubdesk.protocol.schemas import (
    MAX_BATCH_ITEMS,
    RECORD_KINDS,
    BatchReceipt,
    ItemResult,
    ReceiptCounts,
    SeqRange,
    Uuid,
)
from hubdesk.server import metrics
from hubdesk.server.db import read_tx, with_retries, write_tx
from hubdesk.server.erasure import scrub_person_fields
from hubdesk.server.errors import ApiError
from hubdesk.server.identity import DeviceIdentity
from hubdesk.server.ingest_guards import (
    DEVICE_STATE,
    ERASED_REASON,
    SEQ_REASON,
    SEQ_WINDOW,
    charge_quota,
    erased_records,
    identical_versions,
)
from hubdesk.server.models import BATCHES, HELD, HUBS, RECORDS
from hubdesk.server.record_insert import (
    PAYLOAD_AT,
    RecordValues,
    insert_one,
    insert_records,
)
from hubdesk.server.sequence import Progress, device_progress, sequence_progress
from hubdesk.server.validation import (
    RECORD_TOO_LARGE,
    UUID_RE,
    CheckedItem,
    check_item,
    describe_validation_error,
    item_identity,
)


class BatchEnvelope(BaseModel):
    """The batch without its items' details: items are judged one by one so a
    malformed item is rejected on its own instead of failing the whole batch."""

    model_config = ConfigDict(strict=True, extra="forbid")
    protocol: Literal[1] = 1
    batch_id: Uuid
    device_id: Uuid
    items: Annotated[list[Any], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


def parse_json(body: bytes) -> Any:
    """The body as ``json.loads`` reads it, read by pydantic-core's parser when it can
    (about 30 % faster): where that parser accepts a body it gives the same values
    (big integers included; ``tests/server/test_fast_paths.py`` checks this), and
    anything it refuses (a lone surrogate, a BOM, too deep) is left to ``json.loads``,
    which accepts or refuses it as it always did."""
    try:
        return from_json(body, cache_strings="keys")
    except ValueError:
        pass
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise ApiError(422, "not_json", "The request body is not valid JSON.") from error


Identity = tuple[int, str, int]


def parse_batch(raw: Any) -> tuple[BatchEnvelope, list[Identity]]:
    """Check the batch envelope and read each item's (seq, record id, version);
    raise a 422 ApiError with a clear message."""
    if not isinstance(raw, dict):
        raise ApiError(422, "invalid_batch", "The batch must be a JSON object.")
    try:
        envelope = BatchEnvelope.model_validate(raw)
    except ValidationError as error:
        raise ApiError(422, "invalid_batch",
                       "The batch is not in the expected form: "
                       + describe_validation_error(error)) from error
    identities: list[Identity] = []
    for number, item in enumerate(envelope.items, start=1):
        identity = item_identity(item)
        if identity is None:
            raise ApiError(
                422, "invalid_batch",
                f"Item {number} has no readable seq, record id or version, "
                "so the batch cannot be answered.",
            )
        identities.append(identity)
    return envelope, identities


_HEX64 = re.compile(r"[0-9a-f]{64}")


def body_hash(envelope: BatchEnvelope) -> str:
    """What a replay must match: the batch's ids and each item's seq and content hash
    (the content hash stands for the payload; cheaper than re-encoding the batch).

    The text is ``json.dumps`` of the summary (so digests stored by earlier servers
    still match); ordinary items (int seq, hex hash) are written directly, the same text.
    """
    pairs = [(item.get("seq"), item.get("content_hash")) for item in envelope.items]
    if all(type(seq) is int and type(digest) is str and _HEX64.fullmatch(digest)
           for seq, digest in pairs):
        text = (f'["{envelope.batch_id}","{envelope.device_id}",['
                + ",".join(f'[{seq},"{digest}"]' for seq, digest in pairs) + "]]")
    else:
        summary = [envelope.batch_id, envelope.device_id, [list(pair) for pair in pairs]]
        text = json.dumps(summary, separators=(",", ":"), ensure_ascii=True, default=repr)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


_OTHER_HUBS = select(HUBS.c.id).where(HUBS.c.id != bindparam("hub"))


def _other_hubs(engine: Engine, own_hub_id: str) -> frozenset[str]:
    with engine.connect() as conn:
        return frozenset(conn.scalars(_OTHER_HUBS, {"hub": own_hub_id}))


def ingest_batch(engine: Engine, device: DeviceIdentity, raw: dict[str, Any],
                 *, source: str = "http") -> BatchReceipt:
    """Store a batch (exactly once) and answer with its receipt."""
    batch_id, answer, progress = _ingest(engine, device, raw, source)
    return _receipt(batch_id, device.id, answer, progress)


def ingest_batch_json(engine: Engine, device: DeviceIdentity, raw: dict[str, Any],
                      *, source: str = "http") -> bytes:
    """``ingest_batch`` with the receipt as JSON, made from plain values (the same
    text as ``BatchReceipt.model_dump_json()``, without building ~1,000 models)."""
    batch_id, answer, progress = _ingest(engine, device, raw, source)
    return receipt_json(batch_id, device.id, answer, progress)


_CLAIM_BATCH = insert(BATCHES)
_STORE_ANSWER = (update(BATCHES).where(BATCHES.c.batch_id == bindparam("batch"))
                 .values(results=bindparam("answer")))


def _ingest(engine: Engine, device: DeviceIdentity, raw: dict[str, Any],
            source: str) -> tuple[str, dict[str, Any], Progress]:
    envelope, identities = parse_batch(raw)
    if envelope.device_id != device.id:
        raise ApiError(403, "device_mismatch",
                       "This batch was made by a different laptop from the one sending it.")
    digest = body_hash(envelope)
    other_hubs = _other_hubs(engine, device.hub_id)
    checked = [check_item(item, device.id, device.hub_id, other_hubs) for item in envelope.items]
    progress: list[Progress] = []

    def attempt() -> dict[str, Any]:
        progress.clear()
        with write_tx(engine) as conn:
            stored = _stored_answer(conn, envelope.batch_id)
            if stored is not None:
                return _replay(stored, device, digest)
            now = utc_now()
            conn.execute(_CLAIM_BATCH, {
                "batch_id": envelope.batch_id, "device_id": device.id, "body_hash": digest,
                "item_count": len(checked), "results": "{}", "received_at": now,
                "source": source,
            })
            answer = _ingest_items(conn, device, envelope, identities, checked, now)
            conn.execute(_STORE_ANSWER, {"batch": envelope.batch_id,
                                         "answer": orjson.dumps(answer).decode("utf-8")})
            # progress as this transaction sees it; the hint it stores is only ever a
            # lower bound of what is held once it commits
            progress.append(sequence_progress(conn, device.id, update_hint=True))
            return answer

    started = time.perf_counter()
    try:
        answer = with_retries(attempt)
    except IntegrityError:
        # the batch id was claimed by a concurrent request (PostgreSQL): its answer stands
        with read_tx(engine) as conn:
            stored = _stored_answer(conn, envelope.batch_id)
        if stored is None:
            raise
        answer = _replay(stored, device, digest)
        progress.clear()
    metrics.record_batch(answer["counts"], time.perf_counter() - started,
                         replay=not progress)
    if not progress:  # a replay: progress as now
        return envelope.batch_id, answer, device_progress(engine, device.id)
    return envelope.batch_id, answer, progress[-1]


def stored_receipt(engine: Engine, device: DeviceIdentity, batch_id: str) -> BatchReceipt:
    """The stored answer to a batch of this device (404 when never received)."""
    if not UUID_RE.match(batch_id):
        raise ApiError(422, "invalid_batch_id", "The batch id is not a UUID.")
    with read_tx(engine) as conn:
        stored = _stored_answer(conn, batch_id)
    if stored is None or stored["device_id"] != device.id:
        raise ApiError(404, "batch_not_found", "The server has never received this batch.")
    return _receipt(batch_id, device.id, stored["answer"], device_progress(engine, device.id))


_STORED_ANSWER = (select(BATCHES.c.device_id, BATCHES.c.body_hash, BATCHES.c.results)
                  .where(BATCHES.c.batch_id == bindparam("batch")))


def _stored_answer(conn: Connection, batch_id: str) -> dict[str, Any] | None:
    row = conn.execute(_STORED_ANSWER, {"batch": batch_id}).first()
    if row is None:
        return None
    return {"device_id": row.device_id, "body_hash": row.body_hash,
            "answer": orjson.loads(row.results)}


def _replay(stored: dict[str, Any], device: DeviceIdentity, digest: str) -> dict[str, Any]:
    if stored["device_id"] != device.id:
        raise ApiError(409, "batch_id_in_use", "This batch id was already used by another laptop.")
    if stored["body_hash"] != digest:
        raise ApiError(409, "batch_id_reused",
                       "This batch id was already used for different records; "
                       "send them in a new batch.")
    answer: dict[str, Any] = stored["answer"]
    return answer


def _held_row(raw: Any, identity: Identity, checked: CheckedItem, status: str, reason: str,
              device: DeviceIdentity, batch_id: str, now: datetime) -> dict[str, Any]:
    seq, record_id, version = identity
    payload = raw.get("payload", {})
    kind = payload.get("kind")
    content = raw.get("content_hash")
    # when the payload could not be read, an ASCII-safe copy: whatever text arrived is kept
    stored_payload = checked.canonical or json.dumps(payload, sort_keys=True,
                                                     ensure_ascii=True, default=str)
    if reason in (ERASED_REASON, RECORD_TOO_LARGE):
        stored_payload = "{}"  # nothing of an erased record; nothing of a flood
    return {
        "device_id": device.id,
        "hub_id": device.hub_id,
        "seq": seq,
        "kind": kind if kind in RECORD_KINDS else "unknown",
        "record_id": record_id,
        "version": version,
        "status": status,
        "reason": reason[:200],
        "content_hash": content if isinstance(content, str) and len(content) == 64
        and all(c in "0123456789abcdef" for c in content) else "",
        "payload": stored_payload,
        "batch_id": batch_id,
        "received_at": now,
    }


def _foreign_records(conn: Connection, record_ids: set[str], hub_id: str,
                     kind: str | None = None) -> set[str]:
    """Which of ``record_ids`` the server holds for another hub."""
    if not record_ids:
        return set()
    if kind is None:
        return set(conn.scalars(_FOREIGN, {"ids": sorted(record_ids), "hub": hub_id}))
    return set(conn.scalars(_FOREIGN_OF_KIND,
                            {"ids": sorted(record_ids), "hub": hub_id, "kind": kind}))


_FOREIGN = (select(RECORDS.c.record_id).distinct()
            .where(RECORDS.c.record_id.in_(bindparam("ids", expanding=True)))
            .where(RECORDS.c.hub_id != bindparam("hub")))
_FOREIGN_OF_KIND = _FOREIGN.where(RECORDS.c.kind == bindparam("kind"))


def _ingest_items(conn: Connection, device: DeviceIdentity, envelope: BatchEnvelope,
                  identities: list[Identity], checked: list[CheckedItem],
                  now: datetime) -> dict[str, Any]:
    count = len(checked)
    statuses: list[str] = [""] * count
    reasons: list[str | None] = [None] * count

    device_row = conn.execute(DEVICE_STATE, {"device": device.id}).one()
    for index, item in enumerate(checked):
        if identities[index][0] > device_row.contiguous_seq + SEQ_WINDOW:
            statuses[index], reasons[index] = "rejected", SEQ_REASON
        elif item.reason is not None:
            statuses[index], reasons[index] = "rejected", item.reason

    # a device writes only to its own hub: edits of another hub's records, and
    # visits in another hub's session, are refused
    edited = {c.item.record_id for c in checked
              if c.reason is None and c.item is not None and c.item.version > 1}
    foreign_edits = _foreign_records(conn, edited, device.hub_id)
    # any copy of an erased record (right to erasure), a first version included, is
    # refused and none of it is kept, unless it is the very version already held
    # (a duplicate); the laptop learns of the erasure from the hub's changes feed
    erased = erased_records(conn, {record_id for _, record_id, _ in identities})
    if erased:
        candidates = [(index, c.item) for index, c in enumerate(checked)
                      if c.item is not None and c.item.record_id in erased]
        identical = identical_versions(conn, [
            (view.kind, view.record_id, view.version, view.content_hash)
            for _, view in candidates])
        for position, (index, _view) in enumerate(candidates):
            if position not in identical:
                statuses[index], reasons[index] = "rejected", ERASED_REASON
    # a copy naming an erased person is kept without the person's details (its
    # anonymous answers still count); the laptop scrubs its own copies when the
    # person's tombstone arrives from the changes feed
    erased_people = erased_records(conn, {
        person for c in checked if c.item is not None
        and isinstance(person := c.item.fields.get("person_id"), str)})
    sessions = {str(c.item.fields.get("session_id")) for c in checked
                if c.reason is None and c.item is not None and c.item.kind == "visit"}
    foreign_sessions = _foreign_records(conn, sessions, device.hub_id, kind="session")

    rows: list[RecordValues] = []
    row_index: list[int] = []
    hub_id, device_id, batch_id = device.hub_id, device.id, envelope.batch_id
    for index, item in enumerate(checked):
        if statuses[index] or item.item is None:
            continue
        payload = item.item
        if payload.record_id in foreign_edits:
            statuses[index] = "rejected"
            reasons[index] = "This record belongs to another hub; this laptop cannot change it."
            continue
        if payload.kind == "visit" and payload.fields.get("session_id") in foreign_sessions:
            statuses[index] = "rejected"
            reasons[index] = "This visit names a session of another hub."
            continue
        stored = item.canonical
        if payload.fields.get("person_id") in erased_people:
            stored = canonical_json(scrub_person_fields(json.loads(stored)))
        # in the order of RECORD_ROW_KEYS
        rows.append((payload.kind, payload.record_id, payload.version, payload.base_version,
                     payload.deleted, hub_id, device_id, payload.seq, payload.content_hash,
                     stored, "device", False, batch_id, now))
        row_index.append(index)

    if rows:
        try:
            with conn.begin_nested():
                insert_records(conn, rows)
            for index in row_index:
                statuses[index] = "accepted"
        except IntegrityError:
            for index, values in zip(row_index, rows, strict=True):
                statuses[index], reasons[index] = insert_one(conn, values)

    # a sequence number outside the window is not held: it would poison the gaps
    held_index = [index for index in range(count) if statuses[index] in ("conflict", "rejected")
                  and reasons[index] != SEQ_REASON]
    held = [
        _held_row(envelope.items[index], identities[index], checked[index], statuses[index],
                  reasons[index] or "", device, envelope.batch_id, now)
        for index in held_index
    ]
    for held_row, index in zip(held, held_index, strict=True):
        view = checked[index].item
        if held_row["record_id"] in erased or (  # whatever else was wrong with it
                view is not None and view.fields.get("person_id") in erased_people):
            held_row["payload"] = "{}"
    if held:
        conn.execute(insert(HELD), held)
    kept_bytes = sum(len(values[PAYLOAD_AT])
                     for values, index in zip(rows, row_index, strict=True)
                     if statuses[index] == "accepted")
    charge_quota(conn, device.id, device_row.stored_bytes,
                  kept_bytes + sum(len(row["payload"]) for row in held))

    results = []
    counts = {"accepted": 0, "duplicate": 0, "conflict": 0, "rejected": 0}
    for index, (seq, record_id, version) in enumerate(identities):
        # every result names its reason (None for most), as the receipt shows it, so the
        # receipt is this list as it is (``receipt_json``)
        reason = reasons[index]
        if reason and len(reason) > 200:
            reason = reason[:199] + "…"
        counts[statuses[index]] += 1
        results.append({"seq": seq, "record_id": record_id, "version": version,
                        "status": statuses[index], "reason": reason or None})
    return {"results": results, "counts": counts}


def _receipt(batch_id: str, device_id: str, answer: dict[str, Any],
             progress: Progress) -> BatchReceipt:
    """The receipt, built without re-validation: every part was made (and checked)
    by this server; ``model_construct`` saves ~10 % of a large batch's time."""
    high, gaps, _missing = progress
    return BatchReceipt.model_construct(
        batch_id=batch_id,
        device_id=device_id,
        results=[ItemResult.model_construct(**result) for result in answer["results"]],
        counts=ReceiptCounts.model_construct(**answer["counts"]),
        high_seq=high,
        gaps=[SeqRange.model_construct(first=first, last=last) for first, last in gaps],
        server_time=datetime.now(UTC),
    )


def receipt_json(batch_id: str, device_id: str, answer: dict[str, Any],
                 progress: Progress, server_time: datetime | None = None) -> bytes:
    """The receipt as JSON straight from plain values: the same text as
    ``_receipt(...).model_dump_json()`` (field order, ``"reason":null``, a UTC time
    ending in ``Z``), checked by ``tests/server/test_fast_paths.py``."""
    high, gaps, _missing = progress
    counts = answer["counts"]
    document = {
        "batch_id": batch_id,
        "device_id": device_id,
        # answers stored by earlier servers leave out a missing reason
        "results": [result if "reason" in result else {**result, "reason": None}
                    for result in answer["results"]],
        "counts": {key: counts.get(key, 0)
                   for key in ("accepted", "duplicate", "conflict", "rejected")},
        "high_seq": high,
        "gaps": [{"first": first, "last": last} for first, last in gaps],
        "server_time": server_time or datetime.now(UTC),
    }
    return orjson.dumps(document, option=orjson.OPT_UTC_Z)
