"""Queries of the laptop's retention purge (services/retention.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from hubdesk.store.models import OutboxItem, Person, Visit


def _acknowledged_before(kind: str, cutoff: datetime) -> Select[tuple[str]]:
    """Record ids of ``kind`` whose every version the server acknowledged before ``cutoff``."""
    waiting = select(OutboxItem.record_id).where(
        OutboxItem.kind == kind, or_(OutboxItem.state != "sent", OutboxItem.sent_at > cutoff))
    return select(OutboxItem.record_id).where(
        OutboxItem.kind == kind, OutboxItem.state == "sent", OutboxItem.sent_at <= cutoff,
        OutboxItem.record_id.not_in(waiting)).distinct()


def people_due(db: Session, cutoff: datetime) -> Sequence[Person]:
    return db.scalars(select(Person).where(
        Person.record_id.in_(_acknowledged_before("person", cutoff)),
        or_(Person.preferred_name != "", Person.contact != ""))).all()


def notes_due(db: Session, cutoff: datetime) -> Sequence[Visit]:
    return db.scalars(select(Visit).where(
        Visit.record_id.in_(_acknowledged_before("visit", cutoff)), Visit.note != "")).all()


def outbox_payloads(db: Session, kind: str, record_ids: set[str]) -> Sequence[OutboxItem]:
    if not record_ids:
        return []
    return db.scalars(select(OutboxItem).where(
        and_(OutboxItem.kind == kind, OutboxItem.record_id.in_(record_ids)))).all()
