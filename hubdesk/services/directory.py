"""The services directory: type-ahead search with a category filter."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from hubdesk.core.vocab import vocabularies
from hubdesk.store import repositories as repo

MAX_QUERY = 100


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

    @property
    def access_label(self) -> str:
        return vocabularies().service_access.label(self.access)


def search_directory(db: Session, text: str = "", category: str | None = None,
                     *, include_closed: bool = False, limit: int = 50) -> list[ServiceRow]:
    """Services whose text contains every typed word; crisis services first."""
    words = [w for w in text.lower()[:MAX_QUERY].split() if w]
    crisis = vocabularies().crisis_categories
    rows = [
        ServiceRow(
            id=s.id, name=s.name, organisation=s.organisation, categories=tuple(s.categories),
            description=s.description, access=s.access, phone=s.phone, web=s.web,
            opening_times=s.opening_times, status=s.status, is_sample=s.is_sample,
            is_crisis=bool(crisis & set(s.categories)),
        )
        for s in repo.search_services(db, words, category, include_closed=include_closed, limit=limit)
    ]
    rows.sort(key=lambda r: (not r.is_crisis, r.status != "active", r.name.lower()))
    return rows


def crisis_services(db: Session) -> list[ServiceRow]:
    """Always shown prominently in the signposting picker."""
    return [row for row in search_directory(db, "", "crisis") if row.status == "active"]


def services_by_ids(db: Session, ids: list[str]) -> dict[str, str]:
    """Service id -> name (for showing chosen signposts)."""
    return {sid: s.name for sid, s in repo.services_by_id(db, ids).items()}
