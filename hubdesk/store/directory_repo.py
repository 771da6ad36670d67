"""Queries of the services directory and of this laptop's directory suggestions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hubdesk.core.vocab import vocabularies
from hubdesk.store.models import OutboxItem, Service, Suggestion

_STATUS_RANK = {"active": "0", "paused": "1"}


def service_search_text(service: Service) -> str:
    """What type-ahead search looks in: name, organisation, category names,
    description and area, lower-cased."""
    labels = vocabularies().service_categories
    category_words = " ".join(labels.label(code) for code in service.categories)
    return " ".join([service.name, service.organisation, category_words, service.description,
                     service.area]).lower()


def service_sort_key(service: Service) -> str:
    """The order services are listed in: crisis services first, then running before
    paused before closed, then by name (so a limit never drops a crisis service off the
    top).  Kept in an indexed column, so the first screenful needs no sort."""
    crisis = "0" if vocabularies().crisis_categories & set(service.categories) else "1"
    return crisis + _STATUS_RANK.get(service.status, "2") + service.name.lower()[:190]


def set_search_columns(service: Service) -> None:
    """Fill the columns derived from an entry (search text, list order) after a change."""
    service.search_text = service_search_text(service)
    service.sort_key = service_sort_key(service)


def _has_category(code: str) -> Any:
    return func.json_extract(Service.categories, "$").like(f'%"{code}"%')


def _matching(query: Any, words: Sequence[str], category: str | None, area: str | None,
              include_closed: bool, opening_times: Sequence[str] | None = None) -> Any:
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Service.search_text.like(f"%{escaped}%", escape="\\"))
    if category:
        query = query.where(_has_category(category))
    if area:
        query = query.where(Service.area == area)
    if not include_closed:
        query = query.where(Service.status != "closed")
    if opening_times is not None:  # running services with these opening times only
        query = query.where(Service.status == "active",
                            Service.opening_times.in_(list(opening_times)))
    return query.order_by(Service.sort_key, Service.id)


def find_services(db: Session, words: Sequence[str], category: str | None = None,
                  area: str | None = None, *, include_closed: bool = True,
                  limit: int | None = 50, opening_times: Sequence[str] | None = None
                  ) -> Sequence[Service]:
    """Services whose search text holds every word, in list order (``service_sort_key``);
    ``opening_times``: only running services whose opening times are one of these."""
    query = _matching(select(Service), words, category, area, include_closed, opening_times)
    if limit is not None:
        query = query.limit(limit)
    return db.scalars(query).all()


def count_matching(db: Session, words: Sequence[str], category: str | None = None,
                   area: str | None = None, *, include_closed: bool = True,
                   opening_times: Sequence[str] | None = None) -> int:
    query = _matching(select(Service.id), words, category, area, include_closed, opening_times)
    return int(db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)


def running_opening_times(db: Session) -> list[str]:
    """Every wording of opening times among running services (read off an index: far
    fewer than the services, so "open now" is judged once per wording)."""
    query = select(Service.opening_times).where(Service.status == "active").distinct()
    return list(db.scalars(query))


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
