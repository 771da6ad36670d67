"""The services directory: type-ahead search (the signposting picker) and browsing
with category, area and "open now" filters (the directory screen).

Crisis services (vocabulary ``crisis_categories``) always come first, then active
before paused before closed, then by name; the database sorts, so a limit never
drops a crisis service.  "Open now" is read from each entry's opening times at the
hub's local time (``core.opening_times``); times it cannot read say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from hubdesk.core.days import to_hub_time
from hubdesk.core.opening_times import CLOSED, OPEN, UNKNOWN, OpenNow, open_now
from hubdesk.core.vocab import vocabularies
from hubdesk.services.time_zone import hub_time_zone
from hubdesk.store import directory_repo
from hubdesk.store import repositories as repo
from hubdesk.store.models import Service

MAX_QUERY = 100
#: rows the directory screen lists at once (type to narrow; the count says how many match)
BROWSE_LIMIT = 150


@dataclass(frozen=True)
class ServiceRow:
    id: str
    name: str
    organisation: str
    categories: tuple[str, ...]
    description: str
    access: str
    phone: str
    web: str
    opening_times: str
    status: str
    is_sample: bool
    is_crisis: bool
    area: str = ""
    eligibility: str = ""
    email: str = ""
    last_verified: date | None = None
    opening: OpenNow = field(default_factory=lambda: OpenNow(UNKNOWN, ""))

    @property
    def access_label(self) -> str:
        return vocabularies().service_access.label(self.access)

    @property
    def status_words(self) -> str:
        """Active, paused or closed, in words (never shown by colour alone)."""
        return {"active": "Running", "paused": "Paused", "closed": "Closed"}.get(
            self.status, self.status.capitalize())

    @property
    def verified_words(self) -> str:
        if self.last_verified is None:
            return "Not checked yet"
        return f"{self.last_verified.day} {self.last_verified:%b %Y}"


def _row(service: Service, crisis: set[str] | frozenset[str],
         now_local: datetime | None = None) -> ServiceRow:
    opening = OpenNow(UNKNOWN, "")
    if now_local is not None:  # a paused or closed service is not open, whatever its times
        opening = {"paused": OpenNow(CLOSED, "Not taking people now (paused)"),
                   "closed": OpenNow(CLOSED, "No: this service has closed")}.get(
            service.status) or open_now(service.opening_times, now_local)
    return ServiceRow(
        id=service.id, name=service.name, organisation=service.organisation,
        categories=tuple(service.categories), description=service.description,
        access=service.access, phone=service.phone, web=service.web,
        opening_times=service.opening_times, status=service.status,
        is_sample=service.is_sample, is_crisis=bool(crisis & set(service.categories)),
        area=service.area, eligibility=service.eligibility, email=service.email or "",
        last_verified=service.last_verified, opening=opening)


def _words(text: str) -> list[str]:
    return [w for w in text.lower()[:MAX_QUERY].split() if w]


def search_directory(db: Session, text: str = "", category: str | None = None,
                     *, include_closed: bool = False, limit: int = 50) -> list[ServiceRow]:
    """Services whose text contains every typed word; crisis services first."""
    crisis = vocabularies().crisis_categories
    found = directory_repo.find_services(db, _words(text), category,
                                         include_closed=include_closed, limit=limit)
    return [_row(s, crisis) for s in found]


@dataclass(frozen=True)
class DirectoryPage:
    """What the directory screen shows for one search: the rows (at most ``limit``),
    how many matched in all, and the areas to filter by."""

    rows: list[ServiceRow]
    matched: int
    areas: list[str]
    checked_at: datetime  # the hub's local time "open now" was judged at


def browse_directory(db: Session, text: str = "", category: str | None = None,
                     area: str | None = None, *, open_now_only: bool = False,
                     limit: int = BROWSE_LIMIT, now_utc: datetime | None = None) -> DirectoryPage:
    """The directory screen's rows: closed services included (said in words), crisis
    services first; ``open_now_only`` keeps those whose opening times say open now."""
    crisis = vocabularies().crisis_categories
    now_local = to_hub_time(now_utc or datetime.now(UTC), hub_time_zone(db))
    words = _words(text)
    times: list[str] | None = None
    if open_now_only:  # judged once per wording of opening times, then filtered in SQL
        times = [wording for wording in directory_repo.running_opening_times(db)
                 if open_now(wording, now_local).state == OPEN]
    found = list(directory_repo.find_services(db, words, category, area or None, limit=limit,
                                              opening_times=times))
    matched = len(found) if len(found) < limit else directory_repo.count_matching(
        db, words, category, area or None, opening_times=times)
    rows = [_row(service, crisis, now_local) for service in found]
    return DirectoryPage(rows, matched, directory_repo.service_areas(db), now_local)


def crisis_services(db: Session) -> list[ServiceRow]:
    """Always shown prominently in the signposting picker."""
    return [row for row in search_directory(db, "", "crisis") if row.status == "active"]


def services_by_ids(db: Session, ids: list[str]) -> dict[str, str]:
    """Service id -> name (for showing chosen signposts)."""
    return {sid: s.name for sid, s in repo.services_by_id(db, ids).items()}
