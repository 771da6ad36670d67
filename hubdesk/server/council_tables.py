"""Tables of the council's web page (issue 12): its users, their areas, their signed-in
sessions, and the decisions on coordinators' directory suggestions.

Passwords are kept only as scrypt hashes and sessions only as SHA-256 hashes of
the cookie's random token, so nothing in the database lets anyone sign in. The
tables live in the database (not in a worker's memory) so several workers agree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hubdesk.server.models import ID, RECORDS, BigId, ServerBase, table_of

#: the kinds of area a council user may be given (DESIGN §9)
AREA_KINDS = ("hub", "district")


class CouncilUser(ServerBase):
    """A council user of the web page; ``county`` users see every hub."""

    __tablename__ = "council_users"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    county: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime)


class CouncilUserArea(ServerBase):
    """One hub (by id) or one district (by name, lower case) a user may see."""

    __tablename__ = "council_user_areas"
    user_id: Mapped[str] = mapped_column(ForeignKey("council_users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # hub / district
    area: Mapped[str] = mapped_column(String(120), primary_key=True)


class CouncilSession(ServerBase):
    """A signed-in browser: only the SHA-256 of its cookie token is stored."""

    __tablename__ = "council_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("council_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class SuggestionDecision(ServerBase):
    """A council user's answer to one version of a directory suggestion: decided once
    (the unique key makes two users deciding at the same moment answer one, refuse one)."""

    __tablename__ = "suggestion_decisions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ID)
    version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(10))  # accepted / rejected
    service_id: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str] = mapped_column(ID)
    decided_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("record_id", "version"),
                      Index("ix_suggestion_decisions_decided_at", "decided_at"))


USERS = table_of(CouncilUser)
USER_AREAS = table_of(CouncilUserArea)
WEB_SESSIONS = table_of(CouncilSession)
DECISIONS = table_of(SuggestionDecision)

# Pending suggestions are read on every visit of the suggestions page: a partial index
# holds only the (few) suggestion rows, so ingest of ordinary records pays nothing.

SUGGESTION_ROWS = Index("ix_records_suggestions", RECORDS.c.record_id, RECORDS.c.version,
                        sqlite_where=RECORDS.c.kind == "suggestion",
                        postgresql_where=RECORDS.c.kind == "suggestion")
