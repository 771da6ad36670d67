"""The end-of-day handover, Qt-free: what is left to do today, and the day in figures.

:func:`handover_day` reads everything the wizard shows (``ui/handover``): unfinished
forms (drafts), today's open sessions, volunteers still signed in, the server's receipt
in words (DESIGN §4), who has records the server does not hold yet and what to do, what
the retention purge will remove, and each of the day's session summaries (the PDF's
figures).  :func:`discard_drafts` is the one mutation here (audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from hubdesk.core.days import to_hub_time
from hubdesk.core.errors import ValidationError
from hubdesk.services.common import Actor, Changes, audit, require_coordinator
from hubdesk.services.retention import PurgePreview, purge_preview
from hubdesk.services.sessions import SessionInfo, SessionSummary, session_info, session_summary
from hubdesk.services.time_zone import hub_time_zone, hub_today_for
from hubdesk.store import handover_repo, sync_repo
from hubdesk.store import repositories as repo
from hubdesk.sync.status import EndOfDayReceipt, end_of_day_receipt
from hubdesk.sync.status_text import plural, receipt_detail, receipt_sentence


@dataclass(frozen=True)
class DraftLine:
    id: str
    volunteer: str
    saved_at: datetime  # the hub's local time (naive)
    is_mine: bool
    is_edit: bool

    @property
    def text(self) -> str:
        what = "A change to a visit" if self.is_edit else "A visit"
        return f"{what} started by {self.volunteer}, last saved {self.saved_at:%H:%M}"


@dataclass(frozen=True)
class ShiftLine:
    session_title: str
    volunteer: str
    signed_in_at: datetime  # the hub's local time (naive)

    @property
    def text(self) -> str:
        return f"{self.volunteer}: signed in at {self.signed_in_at:%H:%M} ({self.session_title})"


@dataclass(frozen=True)
class Unsent:
    """One volunteer's records the server does not hold yet."""

    volunteer: str
    waiting: int
    attention: int

    @property
    def text(self) -> str:
        parts = []
        if self.waiting:
            parts.append(f"{plural(self.waiting, 'record')} waiting to be sent: sync again "
                         "where the Wi-Fi works, or take the batch file to the council")
        if self.attention:
            parts.append(f"{plural(self.attention, 'record')} the server did not accept: open "
                         "Sync ▸ Needs attention to see why and put them right")
        return f"{self.volunteer}: " + "; ".join(parts) + "."


@dataclass(frozen=True)
class SessionFigures:
    """One session's summary and its volunteers' hours (from sign-in and sign-out)."""

    summary: SessionSummary
    volunteers: int
    volunteer_hours: float


@dataclass(frozen=True)
class HandoverDay:
    day: date
    drafts: tuple[DraftLine, ...]
    open_sessions: tuple[SessionInfo, ...]
    shifts: tuple[ShiftLine, ...]
    shift_session_ids: tuple[str, ...]
    receipt: EndOfDayReceipt
    receipt_text: str
    receipt_detail: str
    unsent: tuple[Unsent, ...]
    purge: PurgePreview
    sessions: tuple[SessionFigures, ...]
    enrolled: bool
    hub_name: str


def _local(db: Session, at_utc: datetime) -> datetime:
    return to_hub_time(at_utc, hub_time_zone(db)).replace(tzinfo=None)


def _names(db: Session) -> dict[str, str]:
    return {v.id: v.display_name for v in repo.volunteers(db, include_inactive=True)}


def shift_hours(shifts: list[dict[str, str]]) -> float:
    """Hours between sign-in and sign-out, summed (a shift still open counts nothing)."""
    total = 0.0
    for shift in shifts:
        start, end = shift.get("signed_in_at"), shift.get("signed_out_at")
        if start and end:
            seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
            total += max(0.0, seconds) / 3600
    return total


def handover_day(db: Session, actor: Actor) -> HandoverDay:
    """Everything the handover shows for today (coordinators only)."""
    require_coordinator(actor, "do the end of day handover")
    today = hub_today_for(db)
    names = _names(db)
    drafts = tuple(
        DraftLine(d.id, names.get(d.volunteer_id, "Someone"), _local(db, d.updated_at),
                  d.volunteer_id == actor.volunteer_id, d.base_visit_id is not None)
        for d in handover_repo.all_drafts(db))
    day_rows = repo.sessions_on(db, today)
    open_sessions = tuple(session_info(db, row.record_id) for row in day_rows
                          if row.status == "open")
    shifts: list[ShiftLine] = []
    shift_sessions: list[str] = []
    figures: list[SessionFigures] = []
    for row in day_rows:
        summary = session_summary(db, row.record_id)
        for shift in row.volunteer_shifts or []:
            if not shift.get("signed_out_at"):
                shifts.append(ShiftLine(summary.session.title,
                                        names.get(str(shift.get("volunteer_id")), "Someone"),
                                        _local(db, datetime.fromisoformat(shift["signed_in_at"]))))
                if row.record_id not in shift_sessions:
                    shift_sessions.append(row.record_id)
        people = {str(s.get("volunteer_id")) for s in row.volunteer_shifts or []}
        people |= set(row.volunteers_present or [])
        figures.append(SessionFigures(summary, len(people), shift_hours(row.volunteer_shifts)))
    receipt = end_of_day_receipt(db, today)
    not_received = handover_repo.not_received_by_volunteer(db)
    unsent = tuple(
        Unsent(names.get(volunteer_id, "Someone no longer on this laptop"),
               not_received.get((volunteer_id, "waiting"), 0),
               not_received.get((volunteer_id, "attention"), 0))
        for volunteer_id in sorted({key[0] for key in not_received},
                                   key=lambda vid: names.get(vid, "~")))
    state = sync_repo.device_state(db)
    hubs = {hub.id: hub.name for hub in repo.hubs(db)}
    return HandoverDay(
        day=today, drafts=drafts, open_sessions=open_sessions, shifts=tuple(shifts),
        shift_session_ids=tuple(shift_sessions), receipt=receipt,
        receipt_text=receipt_sentence(receipt, today), receipt_detail=receipt_detail(receipt),
        unsent=unsent, purge=purge_preview(db), sessions=tuple(figures),
        enrolled=bool(state is not None and state.device_token),
        hub_name=hubs.get(state.hub_id or "", "") if state is not None else "",
    )


def discard_drafts(db: Session, actor: Actor, draft_ids: list[str]) -> Changes:
    """Throw away unfinished forms (coordinators only; audited, no content logged)."""
    require_coordinator(actor, "discard unfinished visits")
    found = handover_repo.drafts_by_id(db, draft_ids)
    if not found:
        raise ValidationError({"drafts": "Choose an unfinished visit to discard."})
    for draft in found:
        db.delete(draft)
    db.flush()
    audit(db, actor, "delete", "draft", "", f"{len(found)} unfinished visits discarded at handover")
    return Changes().add("visit", "")
