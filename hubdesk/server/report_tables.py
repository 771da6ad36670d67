"""Report tables: the latest version of each record, as typed columns (issue 11).

``records`` keeps every version as canonical JSON text, which SQL cannot
aggregate quickly on both SQLite and PostgreSQL. These tables hold the anonymous
fields of the *latest* version of each record (never notes, names or contacts),
kept up to date by ``report_refresh`` before each report. Erasure blanks a
record's payload in ``records`` but leaves its row here: an erased record still
counts in anonymous totals (DESIGN §8).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hubdesk.server.models import ID, BigId, ServerBase, table_of

CODE = String(40)


class ReportWatermark(ServerBase):
    """How far each source has been read into the report tables."""

    __tablename__ = "report_watermarks"
    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportVisit(ServerBase):
    __tablename__ = "report_visits"
    record_id: Mapped[str] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    hub_id: Mapped[str] = mapped_column(ID)
    session_id: Mapped[str | None] = mapped_column(ID)
    visited_at: Mapped[datetime] = mapped_column(DateTime)
    contact_mode: Mapped[str | None] = mapped_column(CODE)
    referral_source: Mapped[str | None] = mapped_column(CODE)
    age_band: Mapped[str | None] = mapped_column(CODE)
    sex: Mapped[str | None] = mapped_column(CODE)
    first_visit: Mapped[bool | None] = mapped_column(Boolean)
    visitor_code: Mapped[str | None] = mapped_column(String(16))
    safeguarding: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(ID)
    __table_args__ = (Index("ix_report_visits_visited_at", "visited_at"),)


class ReportVisitTopic(ServerBase):
    __tablename__ = "report_visit_topics"
    visit_id: Mapped[str] = mapped_column(ID, primary_key=True)
    topic: Mapped[str] = mapped_column(CODE, primary_key=True)


class ReportSession(ServerBase):
    __tablename__ = "report_sessions"
    record_id: Mapped[str] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    hub_id: Mapped[str] = mapped_column(ID)
    venue_id: Mapped[str | None] = mapped_column(ID)
    session_type: Mapped[str | None] = mapped_column(CODE)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_report_sessions_started_at", "started_at"),)


class ReportSessionActivity(ServerBase):
    __tablename__ = "report_session_activities"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ID, index=True)
    attendance: Mapped[int] = mapped_column(Integer, default=0)
    attendance_0_17: Mapped[int] = mapped_column(Integer, default=0)


class ReportSessionShift(ServerBase):
    __tablename__ = "report_session_shifts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ID, index=True)
    volunteer_id: Mapped[str] = mapped_column(ID)
    minutes: Mapped[float | None] = mapped_column(Float)


class ReportConversation(ServerBase):
    __tablename__ = "report_conversations"
    record_id: Mapped[str] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    visit_id: Mapped[str] = mapped_column(ID, index=True)
    topic: Mapped[str | None] = mapped_column(CODE)
    furthest_step: Mapped[str | None] = mapped_column(CODE)
    response: Mapped[str | None] = mapped_column(CODE)
    action: Mapped[str | None] = mapped_column(CODE)


class ReportOutcome(ServerBase):
    __tablename__ = "report_outcomes"
    record_id: Mapped[str] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    visit_id: Mapped[str] = mapped_column(ID, index=True)
    service_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(CODE)
    status: Mapped[str | None] = mapped_column(CODE)


class ReportFollowUp(ServerBase):
    __tablename__ = "report_follow_ups"
    record_id: Mapped[str] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    visit_id: Mapped[str | None] = mapped_column(ID)
    outcome_id: Mapped[str | None] = mapped_column(ID)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class ReportService(ServerBase):
    __tablename__ = "report_services"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(160), default="")


class ReportServiceCategory(ServerBase):
    __tablename__ = "report_service_categories"
    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(CODE, primary_key=True)


class ReportDailyCount(ServerBase):
    """The daily roll-up (``reports.figures.daily``): one additive count per hub, local
    day (in the county's zone), figure and code. Kept by ``report_rollup`` in the
    transaction that changes the rows it sums."""

    __tablename__ = "report_daily_counts"
    hub_id: Mapped[str] = mapped_column(ID, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    figure: Mapped[str] = mapped_column(CODE, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (Index("ix_report_daily_counts_day", "day"),)


class ReportDailyVisitor(ServerBase):
    """Each visitor code seen at a hub on a local day (distinct visitors stay exact)."""

    __tablename__ = "report_daily_visitors"
    hub_id: Mapped[str] = mapped_column(ID, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    __table_args__ = (Index("ix_report_daily_visitors_day", "day"),)


class ReportDailyVolunteer(ServerBase):
    """Each volunteer who recorded a visit at a hub on a local day."""

    __tablename__ = "report_daily_volunteers"
    hub_id: Mapped[str] = mapped_column(ID, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(ID, primary_key=True)
    __table_args__ = (Index("ix_report_daily_volunteers_day", "day"),)


class ReportMonthlyCount(ServerBase):
    """The monthly level beside the daily roll-up (``report_monthly``): the sum of a
    hub's daily counts over a local month (``month``: its first day). A report reads
    it for the whole months of its period and the daily rows for the rest."""

    __tablename__ = "report_monthly_counts"
    hub_id: Mapped[str] = mapped_column(ID, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    figure: Mapped[str] = mapped_column(CODE, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (Index("ix_report_monthly_counts_month", "month"),)


class ReportMonthlyVisitor(ServerBase):
    """Each visitor code seen at a hub in a local month, with the first and last day it
    was seen (a repeat visitor over a period stays exact: first day != last day)."""

    __tablename__ = "report_monthly_visitors"
    hub_id: Mapped[str] = mapped_column(ID, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    __table_args__ = (Index("ix_report_monthly_visitors_month", "month"),)


class ReportMonthlyVolunteer(ServerBase):
    """Each volunteer who recorded a visit at a hub in a local month."""

    __tablename__ = "report_monthly_volunteers"
    hub_id: Mapped[str] = mapped_column(ID, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(ID, primary_key=True)
    __table_args__ = (Index("ix_report_monthly_volunteers_month", "month"),)


WATERMARKS = table_of(ReportWatermark)
R_VISITS = table_of(ReportVisit)
R_TOPICS = table_of(ReportVisitTopic)
R_SESSIONS = table_of(ReportSession)
R_ACTIVITIES = table_of(ReportSessionActivity)
R_SHIFTS = table_of(ReportSessionShift)
R_CONVERSATIONS = table_of(ReportConversation)
R_OUTCOMES = table_of(ReportOutcome)
R_FOLLOW_UPS = table_of(ReportFollowUp)
R_SERVICES = table_of(ReportService)
R_CATEGORIES = table_of(ReportServiceCategory)
R_DAILY_COUNTS = table_of(ReportDailyCount)
R_DAILY_VISITORS = table_of(ReportDailyVisitor)
R_DAILY_VOLUNTEERS = table_of(ReportDailyVolunteer)
R_MONTHLY_COUNTS = table_of(ReportMonthlyCount)
R_MONTHLY_VISITORS = table_of(ReportMonthlyVisitor)
R_MONTHLY_VOLUNTEERS = table_of(ReportMonthlyVolunteer)
