"""Volunteer hours: one session's sign-ins and sign-outs as lines a coordinator reads.

Signing in and out is in ``services.sessions`` (``sign_in``, ``sign_out``,
``sign_out_all``); this module only reads a session's ``volunteer_shifts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hubdesk.core.days import to_hub_time
from hubdesk.services.time_zone import hub_time_zone
from hubdesk.store import repositories as repo
from hubdesk.store.models import HubSession


@dataclass(frozen=True)
class ShiftLine:
    """One volunteer's sign-in (and sign-out) in a session, in the hub's local time."""

    volunteer_id: str
    name: str
    signed_in: datetime
    signed_out: datetime | None

    @property
    def minutes(self) -> int | None:
        if self.signed_out is None:
            return None
        return max(0, int((self.signed_out - self.signed_in).total_seconds() // 60))

    @property
    def text(self) -> str:
        """"Pat: 10:02 to 13:30 (3 h 28 min)" or "Pat: signed in 10:02, not signed out"."""
        if self.signed_out is None:
            return f"{self.name}: signed in {self.signed_in:%H:%M}, not signed out yet"
        return (f"{self.name}: {self.signed_in:%H:%M} to {self.signed_out:%H:%M} "
                f"({hours_text(self.minutes or 0)})")


def hours_text(minutes: int) -> str:
    """"3 h 28 min", "45 min", "2 h"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def shift_lines(db: Session, row: HubSession) -> tuple[ShiftLine, ...]:
    zone = hub_time_zone(db)
    names = {v.id: v.display_name for v in repo.volunteers(db, include_inactive=True)}
    lines = []
    for shift in row.volunteer_shifts or []:
        signed_out = shift.get("signed_out_at")
        lines.append(ShiftLine(
            volunteer_id=str(shift["volunteer_id"]),
            name=names.get(str(shift["volunteer_id"]), "A volunteer no longer on this laptop"),
            signed_in=_local(datetime.fromisoformat(shift["signed_in_at"]), zone),
            signed_out=_local(datetime.fromisoformat(signed_out), zone) if signed_out else None))
    return tuple(lines)


def _local(at_utc: datetime, zone: ZoneInfo) -> datetime:
    return to_hub_time(at_utc, zone).replace(tzinfo=None)


@dataclass(frozen=True)
class ShiftBoardRow:
    """One active volunteer and where they stand in a session."""

    volunteer_id: str
    name: str
    signed_in: bool  # signed in now
    lines: tuple[ShiftLine, ...]  # their shifts in this session, earliest first

    @property
    def text(self) -> str:
        """"Pat — signed in since 10:02" / "Sam — signed out 12:30 (2 h 28 min)"."""
        if not self.lines:
            return f"{self.name} — not signed in"
        last = self.lines[-1]
        if self.signed_in:
            return f"{self.name} — signed in since {last.signed_in:%H:%M}"
        total = sum(line.minutes or 0 for line in self.lines)
        return f"{self.name} — signed out {last.signed_out:%H:%M} ({hours_text(total)})"


@dataclass(frozen=True)
class ShiftBoard:
    session_id: str
    rows: tuple[ShiftBoardRow, ...]

    @property
    def minutes(self) -> int:
        return sum(line.minutes or 0 for row in self.rows for line in row.lines)


def shift_board(db: Session, session_id: str) -> ShiftBoard:
    """Every active volunteer with their sign-ins in this session (signed-in first)."""
    row = repo.current_version(db, HubSession, session_id)
    lines = shift_lines(db, row) if row is not None else ()
    board = []
    for volunteer in repo.volunteers(db):
        own = tuple(line for line in lines if line.volunteer_id == volunteer.id)
        board.append(ShiftBoardRow(volunteer.id, volunteer.display_name,
                                   bool(own) and own[-1].signed_out is None, own))
    board.sort(key=lambda r: (not r.signed_in, not r.lines, r.name.lower()))
    return ShiftBoard(session_id, tuple(board))
