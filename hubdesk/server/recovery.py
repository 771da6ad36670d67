"""Key recovery, the server's half (``protocol/trust.py``, DESIGN section 9).

``hubdesk-server recovery-code --device ID`` issues a one-time code bound to that
device (only its SHA-256 is stored; audited).  ``POST /v1/recovery`` takes the
code, the laptop's sealed recovery slot and a one-off reply key: the server opens
the slot with its recovery private key and seals the database key again to the
reply key.  The slot is bound to the device id it was made for (the AEAD's
associated data), so a slot copied from another laptop does not open.  Never for a
revoked device; failures are rate-limited per address and per device.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import Engine, insert, select, update

from hubdesk.core.clock import utc_now
from hubdesk.core.ids import uuid7
from hubdesk.protocol import trust
from hubdesk.server import limits
from hubdesk.server.codes import CODE_ALPHABET, code_hash
from hubdesk.server.db import with_retries, write_tx
from hubdesk.server.devices import REVOKED_MESSAGE
from hubdesk.server.errors import AdminError, ApiError
from hubdesk.server.keys import ServerKeys
from hubdesk.server.models import DEVICES, RECOVERY_CODES
from hubdesk.server.security_log import record_event, record_event_now

RECOVERY_CODE_VALID = timedelta(days=2)
BAD_CODE = ApiError(401, "recovery_code_invalid",
                    "This recovery code is not valid for this laptop, or has expired or been "
                    "used. Ask the council team for a new one.")


def create_recovery_code(engine: Engine, device_id: str,
                         valid: timedelta = RECOVERY_CODE_VALID) -> str:
    """A one-time recovery code for ``device_id``, like ``R7QM-3XPA-9RTD-KW4M``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    code = "-".join(raw[i:i + 4] for i in range(0, 16, 4))
    now = utc_now()
    with write_tx(engine) as conn:
        device = conn.execute(select(DEVICES.c.hub_id, DEVICES.c.revoked_at)
                              .where(DEVICES.c.id == device_id)).first()
        if device is None:
            raise AdminError(f"no device with id {device_id!r}")
        if device.revoked_at is not None:
            raise AdminError(f"device {device_id} is revoked; reinstate it first")
        conn.execute(insert(RECOVERY_CODES).values(
            id=uuid7(), code_hash=code_hash(code), device_id=device_id, created_at=now,
            expires_at=now + valid, used_at=None))
        record_event(conn, "recovery_code_issued", device_id=device_id, hub_id=device.hub_id)
    return code


def recover(engine: Engine, keys: ServerKeys, request: trust.RecoveryRequest,
            address: str | None = None) -> trust.RecoveryResponse:
    """Open the laptop's recovery slot and seal its key to the reply key (one use)."""
    rate_keys = [limits.address_key("recovery", address),
                 limits.device_key("recovery", request.device_id)]
    limits.refuse_if_blocked(engine, rate_keys)
    try:
        return with_retries(lambda: _recover(engine, keys, request, address))
    except ApiError as refused:
        limits.note_failure(engine, rate_keys, "recovery", request.device_id, address)
        record_event_now(engine, "bad_recovery_code" if refused is BAD_CODE else "enrol_refused",
                         device_id=request.device_id, address=address, detail=refused.code)
        raise


def _recover(engine: Engine, keys: ServerKeys, request: trust.RecoveryRequest,
             address: str | None) -> trust.RecoveryResponse:
    now = utc_now()
    with write_tx(engine) as conn:
        code = conn.execute(select(RECOVERY_CODES)
                            .where(RECOVERY_CODES.c.code_hash == code_hash(request.code))).first()
        if code is None or code.device_id != request.device_id or code.used_at is not None \
                or code.expires_at < now:
            raise BAD_CODE
        device = conn.execute(select(DEVICES.c.hub_id, DEVICES.c.revoked_at)
                              .where(DEVICES.c.id == request.device_id)).first()
        if device is None:
            raise BAD_CODE
        if device.revoked_at is not None:
            raise ApiError(403, "device_revoked", REVOKED_MESSAGE)
        try:
            slot = trust.unb64(request.sealed_key)
            database_key = trust.open_sealed(
                keys.recovery_private, slot, allow_legacy=True,
                context=trust.recovery_slot_context(request.device_id))
            reply_key = trust.unb64(request.reply_public_key)
            if trust.sealed_version(slot) == trust.LEGACY_SEALED_VERSION:
                # a laptop not unlocked since slots were bound (it re-seals at its next
                # unlock): answered in its own form, and logged
                sealed = trust.seal_legacy(reply_key, database_key)
                record_event(conn, "legacy_recovery_slot", device_id=request.device_id,
                             hub_id=device.hub_id, address=address)
            else:
                sealed = trust.seal(reply_key, database_key,
                                    context=trust.recovery_reply_context(request.device_id))
        except ValueError as error:  # includes binascii.Error
            raise ApiError(422, "recovery_slot_unreadable",
                           "The laptop's recovery slot does not open with this server's key "
                           "(it was made for another server or another laptop, or altered).") from error
        conn.execute(update(RECOVERY_CODES).where(RECOVERY_CODES.c.id == code.id)
                     .values(used_at=now))
        record_event(conn, "recovery", device_id=request.device_id, hub_id=device.hub_id,
                     address=address)
    return trust.RecoveryResponse(sealed_key=trust.b64(sealed))
