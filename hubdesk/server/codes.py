"""One-time enrolment codes (only their SHA-256 is stored)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import Engine, insert

from hubdesk.core.clock import utc_now
from hubdesk.core.ids import uuid7
from hubdesk.server.db import write_tx
from hubdesk.server.hubs import find_hub
from hubdesk.server.models import CODES

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_VALID_DAYS = 7


def normalise_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code).upper()


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("utf-8")).hexdigest()


def create_enrol_code(engine: Engine, hub: str, valid_days: int = CODE_VALID_DAYS) -> str:
    """A one-time enrolment code for ``hub`` (id or name), like ``K7QM-3XPA-9RTD``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))
    now = utc_now()
    with write_tx(engine) as conn:
        found = find_hub(conn, hub)
        conn.execute(insert(CODES).values(
            id=uuid7(), code_hash=code_hash(code), hub_id=found.id, created_at=now,
            expires_at=now + timedelta(days=valid_days),
        ))
    return code
