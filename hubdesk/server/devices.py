"""Enrolment, device tokens and heartbeats (DESIGN section 9).

A laptop is a key pair: it enrols with a one-time code, its device id and its
Ed25519 public key, signing the request with the private half.  A code enrols a
NEW device id only; a repeat from the same laptop (same code, same key, a fresh
signature) while the code is valid gets a new working token, so a lost answer
never strands it.  Tokens are random; only their SHA-256 is stored, and nothing in
the database can mint one.  Revocation is final: only ``reinstate-device`` undoes it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from hubdesk.core.clock import utc_now
from hubdesk.protocol.schemas import (
    EnrolRequest,
    EnrolResponse,
    Heartbeat,
    HeartbeatAck,
    HubInfo,
    SeqRange,
)
from hubdesk.protocol.signing import enrolment_message, verify
from hubdesk.protocol.text import clean_text
from hubdesk.server import limits
from hubdesk.server.codes import code_hash
from hubdesk.server.db import read_tx, with_retries, write_tx
from hubdesk.server.errors import AdminError, ApiError
from hubdesk.server.identity import DeviceIdentity
from hubdesk.server.models import CODES, DEVICES, HUBS
from hubdesk.server.security_log import record_event, record_event_now
from hubdesk.server.sequence import device_holdings

TOKEN_PREFIX = "hd2_"
REVOKED_MESSAGE = ("This laptop has been switched off from the server. Its records stay "
                   "on the laptop; ask the council team.")


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def enrol(engine: Engine, request: EnrolRequest, public_key_b64: str,
          address: str | None = None) -> EnrolResponse:
    """Enrol a NEW laptop with a one-time code (safe to repeat from the same laptop).

    ``public_key_b64`` is the server's recovery public key, handed to the laptop.
    Failures count towards the rate limits of the caller's address and the device id.
    """
    keys = [limits.address_key("enrol", address), limits.device_key("enrol", request.device_id)]
    limits.refuse_if_blocked(engine, keys)
    try:
        return _enrol(engine, request, public_key_b64)
    except ApiError as refused:
        if refused.status in (401, 403, 409, 422):
            limits.note_failure(engine, keys, "enrol", request.device_id, address)
            event = "bad_enrol_code" if refused.code == "enrol_code_invalid" else "enrol_refused"
            record_event_now(engine, event, device_id=request.device_id, address=address,
                             detail=refused.code)
        raise


def _enrol(engine: Engine, request: EnrolRequest, recovery_public_key: str) -> EnrolResponse:
    hashed = code_hash(request.code)
    signed = enrolment_message(request.code, request.device_id, request.device_public_key)
    if not verify(request.device_public_key, signed, request.enrol_signature):
        raise ApiError(422, "bad_enrol_signature",
                       "The enrolment is not signed with the laptop's key.")

    def attempt() -> EnrolResponse:
        now = utc_now()
        with write_tx(engine) as conn:
            code = conn.execute(select(CODES).where(CODES.c.code_hash == hashed)).first()
            if code is None or code.expires_at < now:
                raise ApiError(401, "enrol_code_invalid",
                               "This enrolment code is not valid or has expired. "
                               "Ask the council team for a new one.")
            device = conn.execute(select(DEVICES).where(DEVICES.c.id == request.device_id)
                                  ).first()
            token = new_token()
            if device is not None:
                # a code never takes over a known device id, nor revives a revoked one
                if device.revoked_at is not None:
                    raise ApiError(403, "device_revoked", REVOKED_MESSAGE)
                if device.enrol_code_id != code.id or device.public_key != \
                        request.device_public_key:
                    raise ApiError(409, "device_already_enrolled",
                                   "A laptop with this id is already enrolled; an enrolment "
                                   "code enrols new laptops only.")
                conn.execute(update(DEVICES).where(DEVICES.c.id == device.id)
                             .values(token_hash=token_hash(token)))
                record_event(conn, "enrolment_repeated", device_id=device.id,
                             hub_id=device.hub_id)
            else:
                claimed = conn.execute(
                    update(CODES).where(CODES.c.id == code.id)
                    .where(CODES.c.used_by_device_id.is_(None))
                    .values(used_by_device_id=request.device_id, used_at=now))
                if claimed.rowcount == 0:
                    raise ApiError(409, "enrol_code_used",
                                   "This enrolment code has already been used by another "
                                   "laptop. Ask the council team for a new one.")
                conn.execute(insert(DEVICES).values(
                    id=request.device_id, enrolled_at=now, contiguous_seq=0, revoked_at=None,
                    hub_id=code.hub_id, name=clean_text(request.device_name, 80),
                    token_hash=token_hash(token), enrol_code_id=code.id,
                    public_key=request.device_public_key, stored_bytes=0,
                    audit_verified_through=0, app_version=clean_text(request.app_version, 40)))
                record_event(conn, "enrolled", device_id=request.device_id, hub_id=code.hub_id)
            hub = conn.execute(select(HUBS).where(HUBS.c.id == code.hub_id)).one()
        return EnrolResponse(
            device_id=request.device_id,
            device_token=token,
            hub=HubInfo(id=hub.id, name=hub.name, district=hub.district, tier=hub.tier),
            server_time=datetime.now(UTC),
            recovery_public_key=recovery_public_key,
        )

    try:
        return with_retries(attempt)
    except IntegrityError:  # the same laptop enrolled at the same moment: answer again
        return with_retries(attempt)


def authenticate(engine: Engine, authorization: str | None,
                 address: str | None = None) -> DeviceIdentity:
    """The device behind an ``Authorization: Bearer`` header (401 / 403 otherwise).

    An unknown token counts towards the caller address's rate limit (429 once past
    it); a valid token is answered whatever its neighbours did."""
    if not authorization:
        raise ApiError(401, "missing_token", "This request needs the laptop's device token.",
                       {"WWW-Authenticate": "Bearer"})
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    row = None
    if scheme.lower() == "bearer" and token and len(token) <= 200:
        with read_tx(engine) as conn:
            row = conn.execute(
                select(DEVICES.c.id, DEVICES.c.hub_id, DEVICES.c.revoked_at)
                .where(DEVICES.c.token_hash == token_hash(token))
            ).first()
    if row is None:
        keys = [limits.address_key("token", address)]
        limits.refuse_if_blocked(engine, keys)
        limits.note_failure(engine, keys, "token", address=address)
        record_event_now(engine, "bad_token", address=address)
        raise ApiError(401, "bad_token", "The server does not know this device token.",
                       {"WWW-Authenticate": "Bearer"})
    if row.revoked_at is not None:
        record_event_now(engine, "revoked_device_refused", device_id=row.id, hub_id=row.hub_id,
                         address=address)
        raise ApiError(403, "device_revoked", REVOKED_MESSAGE)
    return DeviceIdentity(row.id, row.hub_id)


def device_public_key(engine: Engine, device_id: str) -> str:
    """The public key a device registered (to check its signed batch files)."""
    with read_tx(engine) as conn:
        row = conn.execute(select(DEVICES.c.public_key, DEVICES.c.revoked_at, DEVICES.c.hub_id)
                           .where(DEVICES.c.id == device_id)).first()
    if row is None:
        raise AdminError(f"no enrolled device {device_id}")
    if row.revoked_at is not None:
        raise AdminError(f"device {device_id} has been revoked")
    if not row.public_key:
        raise AdminError(f"device {device_id} enrolled before laptop keys; enrol it again "
                         "to import its batch files")
    return str(row.public_key)


def device_identity(engine: Engine, device_id: str) -> DeviceIdentity:
    """An enrolled, not revoked device (for a batch file whose signature was checked)."""
    with read_tx(engine) as conn:
        row = conn.execute(select(DEVICES.c.hub_id, DEVICES.c.revoked_at)
                           .where(DEVICES.c.id == device_id)).first()
    if row is None or row.revoked_at is not None:
        raise AdminError(f"no enrolled device {device_id}")
    return DeviceIdentity(device_id, row.hub_id)


def _naive_utc(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    except (OverflowError, ValueError) as error:
        raise ApiError(422, "invalid_body", f"{name} is out of range.") from error


def heartbeat(engine: Engine, device: DeviceIdentity, beat: Heartbeat) -> HeartbeatAck:
    """Store the laptop's sync health (unsent, needs attention, clock skew...)."""
    now = utc_now()
    client_time = _naive_utc(beat.client_time, "client_time")
    assert client_time is not None
    try:
        skew = (client_time - now).total_seconds()
    except OverflowError:  # pragma: no cover - naive datetimes cannot overflow here
        skew = 0.0
    values = {
        "unsent": beat.unsent,
        "needs_attention": beat.needs_attention,
        "oldest_unsent_at": _naive_utc(beat.oldest_unsent_at, "oldest_unsent_at"),
        "last_success_at": _naive_utc(beat.last_success_at, "last_success_at"),
        "app_version": clean_text(beat.app_version, 40),
        "clock_skew_s": round(skew, 3),
        "last_heartbeat_at": now,
    }

    def attempt() -> None:
        with write_tx(engine) as conn:
            conn.execute(update(DEVICES).where(DEVICES.c.id == device.id).values(**values))

    with_retries(attempt)
    high, gaps, top = device_holdings(engine, device.id)
    return HeartbeatAck(server_time=datetime.now(UTC), high_seq=high, max_seq=top,
                        gaps=[SeqRange(first=first, last=last) for first, last in gaps])


def revoke_device(engine: Engine, device_id: str) -> None:
    """Revoke a device for good: its token stops working at once (403 device_revoked)
    and no enrolment code can bring it back (only :func:`reinstate_device`)."""
    with write_tx(engine) as conn:
        row = conn.execute(select(DEVICES.c.hub_id, DEVICES.c.revoked_at)
                           .where(DEVICES.c.id == device_id)).first()
        if row is None:
            raise AdminError(f"no device with id {device_id!r}")
        if row.revoked_at is None:
            conn.execute(update(DEVICES).where(DEVICES.c.id == device_id)
                         .values(revoked_at=utc_now()))
            record_event(conn, "revoked", device_id=device_id, hub_id=row.hub_id)


def reinstate_device(engine: Engine, device_id: str) -> None:
    """The only way back for a revoked laptop (audited): its own token works again,
    and its next sync sends what it kept."""
    with write_tx(engine) as conn:
        row = conn.execute(select(DEVICES.c.hub_id, DEVICES.c.revoked_at)
                           .where(DEVICES.c.id == device_id)).first()
        if row is None:
            raise AdminError(f"no device with id {device_id!r}")
        if row.revoked_at is None:
            raise AdminError(f"device {device_id} is not revoked")
        conn.execute(update(DEVICES).where(DEVICES.c.id == device_id)
                     .values(revoked_at=None, reinstated_at=utc_now()))
        record_event(conn, "reinstated", device_id=device_id, hub_id=row.hub_id)
