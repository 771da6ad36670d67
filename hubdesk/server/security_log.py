"""The security log (DESIGN section 9): enrolments, revocations, reinstatements, bad
tokens and codes, rate-limit hits, erasures, exports, recovery, audit-chain breaks.

Each event is a row of ``security_events`` (the durable log: ``hubdesk-server
security-log`` prints it) and a line on the ``hubdesk.server.security`` logger.
No personal data: events name devices, hubs and record ids, never what a person
typed; a caller's network address is kept only as a short digest.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select

from hubdesk.core.clock import utc_now
from hubdesk.server.db import read_tx, with_retries, write_tx
from hubdesk.server.models import SECURITY_EVENTS

log = logging.getLogger("hubdesk.server.security")

#: events that are refusals or alarms (logged at WARNING; the rest at INFO)
ALARMS = frozenset({"bad_token", "bad_enrol_code", "bad_recovery_code", "rate_limited",
                    "revoked_device_refused", "enrol_refused", "audit_chain_break",
                    "bad_batch_signature", "council_login_failed"})


def address_digest(address: str | None) -> str | None:
    """A short stable pseudonym of a network address (for counting, not tracing)."""
    if not address:
        return None
    return hashlib.sha256(f"hubdesk-address:{address}".encode()).hexdigest()[:16]


def record_event(conn: Connection, event: str, *, device_id: str | None = None,
                 hub_id: str | None = None, address: str | None = None,
                 detail: str = "") -> None:
    """Add an event to the log inside the caller's transaction (so an audited change
    and its log line commit together)."""
    digest = address_digest(address)
    conn.execute(insert(SECURITY_EVENTS).values(
        at=utc_now(), event=event[:40], device_id=device_id, hub_id=hub_id, address=digest,
        detail=detail[:200]))
    _log_line(event, device_id, hub_id, digest, detail)


def record_event_now(engine: Engine, event: str, **fields: str | None) -> None:
    """:func:`record_event` in a transaction of its own (for refusals, which roll back
    whatever else they touched)."""

    def attempt() -> None:
        with write_tx(engine) as conn:
            record_event(conn, event, **fields)  # type: ignore[arg-type]

    with_retries(attempt)


def _log_line(event: str, device_id: str | None, hub_id: str | None, digest: str | None,
              detail: str) -> None:
    level = logging.WARNING if event in ALARMS else logging.INFO
    log.log(level, "security %s device=%s hub=%s address=%s %s", event, device_id or "-",
            hub_id or "-", digest or "-", detail,
            extra={"security_event": event, "device_id": device_id, "hub_id": hub_id})


@dataclass(frozen=True)
class SecurityEventView:
    at: datetime
    event: str
    device_id: str | None
    hub_id: str | None
    address: str | None
    detail: str


def security_events(engine: Engine, limit: int = 1000) -> Iterator[SecurityEventView]:
    """The latest ``limit`` events, oldest first."""
    with read_tx(engine) as conn:
        rows = conn.execute(select(SECURITY_EVENTS).order_by(SECURITY_EVENTS.c.id.desc())
                            .limit(limit)).all()
    for row in reversed(rows):
        yield SecurityEventView(row.at, row.event, row.device_id, row.hub_id, row.address,
                                row.detail)
