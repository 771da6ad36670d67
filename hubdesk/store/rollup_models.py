"""The laptop's daily roll-up of the report figures (issue 11), per venue and local day.

What the rows mean is defined in ``hubdesk.reports.figures.daily``; they are kept by
``hubdesk.reports.laptop_rollup``. Triggers (migration 0007_rollup) note in
``report_dirty_times`` the visit time of every visit, conversation, signpost, session
or service row written, changed or removed, in the writer's own transaction, whatever
wrote it (capture, edits, downloads, erasure); a report first recomputes those days.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from sqlalchemy import BigInteger, Date, DateTime, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from hubdesk.store.base import Base

ID = String(36)


class ReportDailyCount(Base):
    __tablename__ = "report_daily_counts"
    venue_id: Mapped[str] = mapped_column(ID, primary_key=True)  # "" when not known
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    figure: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


class ReportDailyVisitor(Base):
    __tablename__ = "report_daily_visitors"
    venue_id: Mapped[str] = mapped_column(ID, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor_code: Mapped[str] = mapped_column(String(16), primary_key=True)


class ReportDailyVolunteer(Base):
    __tablename__ = "report_daily_volunteers"
    venue_id: Mapped[str] = mapped_column(ID, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(ID, primary_key=True)


class ReportDirtyTime(Base):
    """A visit time whose local day's roll-up must be recomputed (written by triggers)."""

    __tablename__ = "report_dirty_times"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime | None] = mapped_column(DateTime)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


DAILY_COUNTS = _table(ReportDailyCount)
DAILY_VISITORS = _table(ReportDailyVisitor)
DAILY_VOLUNTEERS = _table(ReportDailyVolunteer)
DIRTY_TIMES = _table(ReportDirtyTime)
