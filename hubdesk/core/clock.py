"""Time: stored in UTC with the local offset; never used to order records."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc_now() -> datetime:
    """Naive UTC datetime (how the store keeps times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_offset_minutes(at: datetime | None = None) -> int:
    """The laptop's UTC offset in minutes at ``at`` (naive UTC) or now."""
    moment = (at or utc_now()).replace(tzinfo=UTC).astimezone()
    offset = moment.utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def local_today() -> date:
    return datetime.now().astimezone().date()


def to_local(at_utc: datetime, offset_minutes: int) -> datetime:
    from datetime import timedelta

    return at_utc + timedelta(minutes=offset_minutes)
