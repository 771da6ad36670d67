"""Sync protocol v1: strict, bounded pydantic models (DESIGN.md section 4).

Every field is bounded (lengths, list sizes, integer ranges) so a fuzzer finds
no 500s from coercion or unbounded integers.  Payload ``fields`` are checked per
kind by the server, which answers ``rejected`` with a plain-English reason.

Endpoints (all JSON: a request body must be ``Content-Type: application/json``;
``Authorization: Bearer <device token>`` except enrol, recovery and health):

* ``POST /v1/enrol``                     EnrolRequest -> EnrolResponse (safe to repeat)
* ``POST /v1/batches``                   UploadBatch -> BatchReceipt (replay = same answer)
* ``GET  /v1/batches/{batch_id}``        -> BatchReceipt, 404 if never received
* ``GET  /v1/reference?cursor=&limit=``  -> ReferencePage (directory, hubs, venues, roster, vocabularies)
* ``GET  /v1/changes?cursor=&limit=``    -> ChangesPage (coordinator edits, tombstones for the hub)
* ``POST /v1/heartbeat``                 Heartbeat -> HeartbeatAck
* ``POST /v1/audit``                     trust.AuditUpload -> trust.AuditReceipt
* ``POST /v1/recovery``                  trust.RecoveryRequest -> trust.RecoveryResponse (no token)
* ``GET  /v1/health``                    -> {"status": "ok", "service": "hubdesk-server"} (no auth;
  lets the client tell the real server from a captive portal)
* ``GET  /v1/ready``                     -> 200 when the database answers and its schema is
  current, else 503 (for load balancers; no auth)
* ``GET  /metrics``                      -> Prometheus text (operations; no auth, keep it internal)
* errors: ErrorBody with a 4xx/5xx status; 429/503 carry ``Retry-After``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

PROTOCOL_VERSION = 1
MAX_BATCH_ITEMS = 1000
MAX_PAGE_ITEMS = 1000
MAX_SEQ = 2**53 - 1
#: the bounds of a record version; the server's validation fast path reads these too
MAX_VERSION = 1_000_000
MAX_UTC_OFFSET_MIN = 24 * 60
MAX_CREATED_AT_CHARS = 40
MAX_FIELDS = 60
MAX_FIELD_NAME_CHARS = 40
MAX_FIELD_TEXT_CHARS = 4000
MAX_FIELD_INT = 2**53  # integers in fields lie in -MAX_FIELD_INT..MAX_FIELD_INT
MAX_FIELD_LIST_ITEMS = 50
MAX_FIELD_LIST_TEXT_CHARS = 200
MAX_REASON_CHARS = 200
#: the canonical JSON of one record version may not exceed this (bounded free text:
#: 60 fields of 4,000 characters each would be 240 KB)
MAX_RECORD_BYTES = 16 * 1024
MAX_RECEIPT_GAPS = 100

#: ``suggestion`` is a coordinator's proposed addition or correction to the services
#: directory (fields: ``protocol.services.suggestion_problem``); the server keeps it
#: for a council user to accept or reject, and an accepted one reaches every laptop
#: through the ``services`` reference stream
RECORD_KINDS = ("session", "visit", "conversation", "outcome", "follow_up", "agreement", "person",
                "suggestion")
RecordKind = Literal["session", "visit", "conversation", "outcome", "follow_up", "agreement",
                     "person", "suggestion"]
ItemStatus = Literal["accepted", "duplicate", "conflict", "rejected"]
ReferenceStream = Literal["services", "hubs", "venues", "volunteers", "vocabularies"]

Uuid = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        min_length=36,
        max_length=36,
    ),
]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Cursor = Annotated[str, StringConstraints(max_length=200, pattern=r"^[A-Za-z0-9_\-=.]*$")]
Seq = Annotated[int, Field(ge=1, le=MAX_SEQ)]
#: a raw 32-byte key (Ed25519 or X25519) in base64, and a 64-byte Ed25519 signature
Base64Key = Annotated[str, StringConstraints(min_length=44, max_length=44,
                                             pattern=r"^[A-Za-z0-9+/]{43}=$")]
Base64Signature = Annotated[str, StringConstraints(min_length=88, max_length=88,
                                                   pattern=r"^[A-Za-z0-9+/]{86}==$")]
VersionNumber = Annotated[int, Field(ge=1, le=MAX_VERSION)]
def _not_an_int(value: Any) -> Any:
    if isinstance(value, int):
        raise ValueError("a whole number outside the allowed range")
    return value


# JSON scalars and small lists only: payload fields never nest deeper than that
FieldValue = (
    None
    | bool
    | Annotated[int, Field(ge=-MAX_FIELD_INT, le=MAX_FIELD_INT)]
    # an int never passes as a float: one past the int bound is refused, not coerced
    | Annotated[float, BeforeValidator(_not_an_int), Field(allow_inf_nan=False)]
    | Annotated[str, StringConstraints(max_length=MAX_FIELD_TEXT_CHARS)]
    | Annotated[list[Annotated[str, StringConstraints(max_length=MAX_FIELD_LIST_TEXT_CHARS)]],
                Field(max_length=MAX_FIELD_LIST_ITEMS)]
    | Annotated[list[dict[str, Annotated[str, StringConstraints(
        max_length=MAX_FIELD_LIST_TEXT_CHARS)] | int]], Field(max_length=MAX_FIELD_LIST_ITEMS)]
)


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class RecordPayload(Strict):
    """One record version as the client froze it (see ``store/outbox.py``)."""

    kind: RecordKind
    record_id: Uuid
    version: VersionNumber
    base_version: VersionNumber | None = None
    deleted: bool = False
    device_id: Uuid
    created_by: Uuid
    created_at: Annotated[str, StringConstraints(max_length=MAX_CREATED_AT_CHARS)]
    utc_offset_min: Annotated[int, Field(ge=-MAX_UTC_OFFSET_MIN, le=MAX_UTC_OFFSET_MIN)]
    fields: Annotated[dict[Annotated[str, StringConstraints(max_length=MAX_FIELD_NAME_CHARS)],
                           FieldValue],
                      Field(max_length=MAX_FIELDS)]


class UploadItem(Strict):
    seq: Seq
    content_hash: Sha256Hex
    payload: RecordPayload


class UploadBatch(Strict):
    protocol: Literal[1] = 1
    batch_id: Uuid
    device_id: Uuid
    items: Annotated[list[UploadItem], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class ItemResult(Strict):
    seq: Seq
    record_id: Uuid
    version: VersionNumber
    status: ItemStatus
    reason: Annotated[str, StringConstraints(max_length=MAX_REASON_CHARS)] | None = None


class SeqRange(Strict):
    first: Seq
    last: Seq


class ReceiptCounts(Strict):
    accepted: Annotated[int, Field(ge=0)] = 0
    duplicate: Annotated[int, Field(ge=0)] = 0
    conflict: Annotated[int, Field(ge=0)] = 0
    rejected: Annotated[int, Field(ge=0)] = 0


class BatchReceipt(Strict):
    """The server's answer to a batch; replaying the batch returns the same receipt
    (``results`` and ``counts`` as first answered; ``high_seq`` and ``gaps`` as now)."""

    batch_id: Uuid
    device_id: Uuid
    results: Annotated[list[ItemResult], Field(max_length=MAX_BATCH_ITEMS)]
    counts: ReceiptCounts
    high_seq: Annotated[int, Field(ge=0, le=MAX_SEQ)]  # contiguous 1..high_seq held
    gaps: Annotated[list[SeqRange], Field(max_length=MAX_RECEIPT_GAPS)]
    server_time: datetime


class EnrolRequest(Strict):
    """A one-time code enrols a NEW device id; ``device_public_key`` is the laptop's
    Ed25519 public half and ``enrol_signature`` its signature of
    ``protocol.signing.enrolment_message(code, device_id, device_public_key)``."""

    code: Annotated[str, StringConstraints(min_length=6, max_length=64)]
    device_id: Uuid
    device_public_key: Base64Key
    enrol_signature: Base64Signature
    device_name: Annotated[str, StringConstraints(max_length=80)] = ""
    app_version: Annotated[str, StringConstraints(max_length=40)] = ""


class HubInfo(Strict):
    id: Uuid
    name: ShortText
    district: ShortText
    tier: Annotated[str, StringConstraints(max_length=20)]


class EnrolResponse(Strict):
    device_id: Uuid
    device_token: Annotated[str, StringConstraints(min_length=20, max_length=200)]
    hub: HubInfo
    server_time: datetime
    #: the server's X25519 recovery public key (``protocol/trust.py``, the recovery slot)
    recovery_public_key: Base64Key


class ReferenceItem(Strict):
    stream: ReferenceStream
    id: Annotated[str, StringConstraints(max_length=64)]
    deleted: bool = False
    data: dict[str, Any]


class ReferencePage(Strict):
    items: Annotated[list[ReferenceItem], Field(max_length=MAX_PAGE_ITEMS)]
    next_cursor: Cursor
    has_more: bool


class ChangeItem(Strict):
    """A change made on the server for this hub: a coordinator's new version of a
    record, or an erasure tombstone (``payload`` None, ``tombstone`` True)."""

    kind: RecordKind
    record_id: Uuid
    version: VersionNumber
    tombstone: bool = False
    payload: RecordPayload | None = None
    content_hash: Sha256Hex | None = None  # SHA-256 of ``payload`` (canonical JSON)


class ChangesPage(Strict):
    items: Annotated[list[ChangeItem], Field(max_length=MAX_PAGE_ITEMS)]
    next_cursor: Cursor
    has_more: bool


class Heartbeat(Strict):
    unsent: Annotated[int, Field(ge=0, le=MAX_SEQ)]
    needs_attention: Annotated[int, Field(ge=0, le=MAX_SEQ)]
    oldest_unsent_at: datetime | None = None
    last_success_at: datetime | None = None
    app_version: Annotated[str, StringConstraints(max_length=40)]
    client_time: datetime


class HeartbeatAck(Strict):
    """``high_seq`` / ``max_seq`` / ``gaps``: which of the device's sequence numbers
    the server holds now.  After the server is restored from an older backup, a
    laptop re-sends every version it had marked sent that the server lacks."""

    server_time: datetime
    high_seq: Annotated[int, Field(ge=0, le=MAX_SEQ)] | None = None  # contiguous 1..high_seq held
    max_seq: Annotated[int, Field(ge=0, le=MAX_SEQ)] | None = None  # the highest held
    gaps: Annotated[list[SeqRange], Field(max_length=MAX_RECEIPT_GAPS)] = []


class ErrorBody(Strict):
    error: Annotated[str, StringConstraints(max_length=40)]  # machine code, e.g. "device_revoked"
    message: Annotated[str, StringConstraints(max_length=300)]  # plain English
