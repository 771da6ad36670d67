"""Enrolment, device tokens and heartbeats.

A device token is derived, not stored: ``HMAC(server secret, code id + device id)``.
So a repeated enrolment from the same laptop with the same (still valid) code
gets the very same working token, whichever answer it finally receives; only the
token's SHA-256 is kept, for look-up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from sqlalchemy import Engine, func, insert, select, update
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
from hubdesk.protocol.text import clean_text
from hubdesk.server.codes import code_hash
from hubdesk.server.db import read_tx, with_retries, write_tx
from hubdesk.server.errors import AdminError, ApiError
from hubdesk.server.identity import DeviceIdentity
from hubdesk.server.models import CODES, DEVICES, HUBS
from hubdesk.server.seed import token_secret
from hubdesk.server.sequence import device_holdings

TOKEN_PREFIX = "hd1_"


def derive_token(secret: bytes, code_id: str, device_id: str) -> str:
    digest = hmac.new(secret, f"{code_id}:{device_id}".encode(), hashlib.sha256).digest()
    return TOKEN_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def enrol(engine: Engine, request: EnrolRequest) -> EnrolResponse:
    """Enrol a laptop with a one-time code (safe to repeat from the same laptop)."""
    hashed = code_hash(request.code)

    def attempt() -> EnrolResponse:
        now = utc_now()
        with write_tx(engine) as conn:
            code = conn.execute(select(CODES).where(CODES.c.code_hash == hashed)).first()
            if code is None or code.expires_at < now:
                raise ApiError(401, "enrol_code_invalid",
                               "This enrolment code is not valid or has expired. "
                               "Ask the council team for a new one.")
            device = conn.execute(select(DEVICES).where(DEVICES.c.id == request.device_id)).first()
            # A revoked laptop's token is dead for good.  It comes back only with a
            # NEW code, which the council issues on purpose (its kept records can
            # then be sent); the code it was enrolled with can never revive it.
            if device is not None and device.revoked_at is not None \
                    and code.id == device.enrol_code_id:
                raise ApiError(403, "device_revoked",
                               "This laptop has been switched off from the server. "
                               "Ask the council team for a new enrolment code.")
            claimed = conn.execute(
                update(CODES)
                .where(CODES.c.id == code.id)
                .where((CODES.c.used_by_device_id.is_(None))
                       | (CODES.c.used_by_device_id == request.device_id))
                .values(used_by_device_id=request.device_id, used_at=now)
            )
            if claimed.rowcount == 0:
                raise ApiError(409, "enrol_code_used",
                               "This enrolment code has already been used by another laptop. "
                               "Ask the council team for a new one.")
            token = derive_token(token_secret(conn), code.id, request.device_id)
            values = {
                "revoked_at": None,
                "hub_id": code.hub_id,
                "name": clean_text(request.device_name, 80),
                "token_hash": token_hash(token),
                "enrol_code_id": code.id,
                "app_version": clean_text(request.app_version, 40),
            }
            if device is None:
                conn.execute(insert(DEVICES).values(id=request.device_id, enrolled_at=now,
                                                    contiguous_seq=0, **values))
            else:
                conn.execute(update(DEVICES).where(DEVICES.c.id == request.device_id)
                             .values(**values))
            hub = conn.execute(select(HUBS).where(HUBS.c.id == code.hub_id)).one()
        return EnrolResponse(
            device_id=request.device_id,
            device_token=token,
            hub=HubInfo(id=hub.id, name=hub.name, district=hub.district, tier=hub.tier),
            server_time=datetime.now(UTC),
        )

    try:
        return with_retries(attempt)
    except IntegrityError:  # the same laptop enrolled at the same moment: answer again
        return with_retries(attempt)


def authenticate(engine: Engine, authorization: str | None) -> DeviceIdentity:
    """The device behind an ``Authorization: Bearer`` header (401 / 403 otherwise)."""
    if not authorization:
        raise ApiError(401, "missing_token", "This request needs the laptop's device token.",
                       {"WWW-Authenticate": "Bearer"})
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise ApiError(401, "bad_token", "The device token is not in the expected form.",
                       {"WWW-Authenticate": "Bearer"})
    with read_tx(engine) as conn:
        row = conn.execute(
            select(DEVICES.c.id, DEVICES.c.hub_id, DEVICES.c.revoked_at)
            .where(DEVICES.c.token_hash == token_hash(token))
        ).first()
    if row is None:
        raise ApiError(401, "bad_token", "The server does not know this device token.",
                       {"WWW-Authenticate": "Bearer"})
    if row.revoked_at is not None:
        raise ApiError(403, "device_revoked",
                       "This laptop has been switched off from the server. Its records stay "
                       "on the laptop; ask the council team.")
    return DeviceIdentity(row.id, row.hub_id)


def device_token(engine: Engine, device_id: str) -> str:
    """Re-derive a device's current token (used to check signed batch files)."""
    with read_tx(engine) as conn:
        row = conn.execute(select(DEVICES.c.enrol_code_id, DEVICES.c.revoked_at)
                           .where(DEVICES.c.id == device_id)).first()
        if row is None:
            raise AdminError(f"no enrolled device {device_id}")
        if row.revoked_at is not None:
            raise AdminError(f"device {device_id} has been revoked")
        return derive_token(token_secret(conn), row.enrol_code_id, device_id)


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
    """Revoke a device: its token stops working at once (403 device_revoked)."""
    with write_tx(engine) as conn:
        result = conn.execute(update(DEVICES).where(DEVICES.c.id == device_id)
                              .values(revoked_at=func.coalesce(DEVICES.c.revoked_at, utc_now())))
        if result.rowcount == 0:
            raise AdminError(f"no device with id {device_id!r}")
