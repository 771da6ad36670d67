"""Rate limits on failures (enrolment codes, device tokens, recovery codes).

Failures are counted per key (an address digest or a device id) in a fixed window
in the ``rate_limits`` table, so every worker process, on any machine, agrees.
Past ``FAILURE_LIMIT`` failures in ``WINDOW`` the key is blocked for ``BLOCK``:
requests it makes that need a code or an unknown token are answered 429 with
``Retry-After`` before the code or token is even looked at, so guessing learns
nothing.  A laptop with a valid token is never blocked by its neighbours' failures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from hubdesk.core.clock import utc_now
from hubdesk.server.db import read_tx, with_retries, write_tx
from hubdesk.server.errors import ApiError
from hubdesk.server.models import RATE_LIMITS
from hubdesk.server.security_log import address_digest, record_event

FAILURE_LIMIT = 10
WINDOW = timedelta(minutes=1)
BLOCK = timedelta(minutes=5)


def address_key(scope: str, address: str | None) -> str:
    return f"{scope}:addr:{address_digest(address) or 'unknown'}"


def device_key(scope: str, device_id: str) -> str:
    return f"{scope}:device:{device_id}"


def _retry_after(blocked_until: datetime, now: datetime) -> int:
    return max(1, math.ceil((blocked_until - now).total_seconds()))


def too_many(retry_after: int) -> ApiError:
    return ApiError(429, "too_many_attempts",
                    "Too many failed attempts from here; wait a few minutes and try again.",
                    {"Retry-After": str(retry_after)})


def refuse_if_blocked(engine: Engine, keys: Sequence[str]) -> None:
    """429 with Retry-After when any of ``keys`` is blocked now."""
    now = utc_now()
    with read_tx(engine) as conn:
        blocked = conn.execute(select(RATE_LIMITS.c.blocked_until)
                               .where(RATE_LIMITS.c.key.in_(list(keys)))
                               .where(RATE_LIMITS.c.blocked_until > now)).scalars().all()
    if blocked:
        raise too_many(_retry_after(max(blocked), now))


def note_failure(engine: Engine, keys: Sequence[str], scope: str,
                 device_id: str | None = None, address: str | None = None) -> None:
    """Count one failure against each key; a key past the limit is blocked (and the
    block goes to the security log)."""

    def attempt() -> None:
        now = utc_now()
        with write_tx(engine) as conn:
            for key in keys:
                row = conn.execute(select(RATE_LIMITS).where(RATE_LIMITS.c.key == key)
                                   .with_for_update()).first()
                if row is None:
                    conn.execute(insert(RATE_LIMITS).values(key=key, window_start=now,
                                                            failures=1, blocked_until=None))
                    continue
                if row.window_start + WINDOW <= now:
                    failures, window_start = 1, now
                else:
                    failures, window_start = row.failures + 1, row.window_start
                blocked_until = row.blocked_until
                if failures > FAILURE_LIMIT and (blocked_until is None or blocked_until <= now):
                    blocked_until = now + BLOCK
                    record_event(conn, "rate_limited", device_id=device_id, address=address,
                                 detail=f"{scope}: more than {FAILURE_LIMIT} failures a minute")
                conn.execute(update(RATE_LIMITS).where(RATE_LIMITS.c.key == key).values(
                    failures=failures, window_start=window_start, blocked_until=blocked_until))

    try:
        with_retries(attempt)
    except IntegrityError:  # two workers counted a new key's first failure at once
        with_retries(attempt)
