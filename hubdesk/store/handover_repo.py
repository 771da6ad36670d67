"""Queries for the end-of-day handover: drafts left in forms, and unsent records by who
recorded them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hubdesk.store.models import Draft, OutboxItem
from hubdesk.store.sync_repo import ATTENTION_STATES, UNSENT_STATES


def all_drafts(db: Session) -> Sequence[Draft]:
    return db.scalars(select(Draft).order_by(Draft.updated_at)).all()


def drafts_by_id(db: Session, draft_ids: Sequence[str]) -> Sequence[Draft]:
    return db.scalars(select(Draft).where(Draft.id.in_(list(draft_ids)))).all()


def not_received_by_volunteer(db: Session) -> dict[tuple[str, str], int]:
    """(volunteer id, "waiting" | "attention") -> records not held by the server."""
    author = func.json_extract(OutboxItem.payload, "$.created_by")
    rows = db.execute(
        select(author, OutboxItem.state, func.count())
        .where(OutboxItem.state.in_([*UNSENT_STATES, *ATTENTION_STATES]))
        .group_by(author, OutboxItem.state)
    ).all()
    counts: dict[tuple[str, str], int] = {}
    for volunteer_id, state, count in rows:
        key = (str(volunteer_id or ""), "waiting" if state in UNSENT_STATES else "attention")
        counts[key] = counts.get(key, 0) + int(count)
    return counts
