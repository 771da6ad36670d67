"""Queries of the services directory and of this laptop's directory suggestions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from hubdesk.core.vocab import vocabularies
from hubdesk.store.models import OutboxItem, Service, Suggestion

#: the order services are listed in: crisis services first, then active before paused
#: before closed, then by name (so a limit never drops a crisis service off the top)
_STATUS_ORDER = case((Service.status == "active", 0), (Service.status == "paused", 1), else_=2)


def service_search_text(service: Service) -> str:
    """What type-ahead search looks in: name, organisation, category names,
    description and area, lower-cased."""
    labels = vocabularies().service_categories
    category_words = " ".join(labels.label(code) for code in service.categories)
    return " ".join([service.name, service.organisation, category_words, service.description,
                     service.area]).lower()


def _has_category(code: str) -> Any:
    return func.json_extract(Service.categories, "$").like(f'%"{code}"%')


def _crisis_first() -> Any:
    crisis = sorted(vocabularies().crisis_categories)
    if not crisis:
        return case((Service.id.is_(None), 0), else_=1)
    return case((or_(*(_has_category(code) for code in crisis)), 0), else_=1)


def _matching(query: Any, words: Sequence[str], category: str | None, area: str | None,
              include_closed: bool) -> Any:
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Service.search_text.like(f"%{escaped}%", escape="\\"))
    if category:
        query = query.where(_has_category(category))
    if area:
        query = query.where(Service.area == area)
    if not include_closed:
        query = query.where(Service.status != "closed")
    return query.order_by(_crisis_first(), _STATUS_ORDER, func.lower(Service.name), Service.id)


def find_services(db: Session, words: Sequence[str], category: str | None = None,
                  area: str | None = None, *, include_closed: bool = True,
                  limit: int | None = 50) -> Sequence[Service]:
    """Services whose search text holds every word, crisis services first (see above)."""
    query = _matching(select(Service), words, category, area, include_closed)
    if limit is not None:
        query = query.limit(limit)
    return db.scalars(query).all()


def count_matching(db: Session, words: Sequence[str], category: str | None = None,
                   area: str | None = None, *, include_closed: bool = True) -> int:
    query = _matching(select(Service.id), words, category, area, include_closed)
    return int(db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)


def matching_times(db: Session, words: Sequence[str], category: str | None = None,
                   area: str | None = None, *, include_closed: bool = True
                   ) -> Sequence[tuple[str, str, str]]:
    """(id, opening times, status) of every match, in list order: enough to judge
    "open now" without loading whole entries."""
    query = _matching(select(Service.id, Service.opening_times, Service.status), words,
                      category, area, include_closed)
    return [(row[0], row[1], row[2]) for row in db.execute(query)]


def services_in_order(db: Session, ids: Sequence[str]) -> list[Service]:
    found = {s.id: s for s in db.scalars(select(Service).where(Service.id.in_(list(ids))))}
    return [found[i] for i in ids if i in found]


def service_areas(db: Session) -> list[str]:
    """Every area named in the directory, A to Z."""
    rows = db.scalars(select(Service.area).where(Service.area != "").distinct()
                      .order_by(Service.area))
    return list(rows)


def current_suggestions(db: Session, service_ids: Iterable[str] | None = None
                        ) -> Sequence[Suggestion]:
    """This laptop's suggestions (current versions), newest first; only those about
    ``service_ids`` when given (additions have no service)."""
    query = select(Suggestion).where(Suggestion.is_current.is_(True),
                                     Suggestion.deleted.is_(False))
    if service_ids is not None:
        wanted = list(service_ids)
        if not wanted:
            return []
        query = query.where(Suggestion.service_id.in_(wanted))
    return db.scalars(query.order_by(Suggestion.created_at.desc())).all()


def sent_times(db: Session, record_ids: Iterable[str]) -> dict[str, tuple[str, Any]]:
    """Suggestion record id -> (outbox state, sent_at) of its latest version."""
    ids = list(record_ids)
    if not ids:
        return {}
    rows = db.execute(select(OutboxItem.record_id, OutboxItem.state, OutboxItem.sent_at)
                      .where(OutboxItem.kind == "suggestion", OutboxItem.record_id.in_(ids))
                      .order_by(OutboxItem.version)).all()
    return {record_id: (state, sent_at) for record_id, state, sent_at in rows}
