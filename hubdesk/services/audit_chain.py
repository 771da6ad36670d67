"""The laptop's own check of its audit trail (DESIGN §9), and its links for the server.

Each event is hashed with the one before it (``protocol.trust.audit_link_hash``);
positions are the events' ids, 1, 2, 3 … with no gaps.  The chain is broken when
a link does not hash, does not follow the one before, a position is missing (a
row deleted in the middle), or the newest event is not the head recorded with
it (a deleted tail).  The server keeps its own copy of the links it verified, so
even someone holding the database key cannot rewrite what was already sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hubdesk.protocol.trust import GENESIS_HASH, first_break
from hubdesk.store import repositories as repo
from hubdesk.store.models import AuditEvent

_PAGE = 5000


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    first_break: int | None = None  # the position of the first bad link

    @property
    def summary(self) -> str:
        if self.ok:
            return f"Audit trail intact: {self.events} events."
        return f"Audit trail broken at event {self.first_break}: it was edited or deleted."


def link(event: AuditEvent) -> dict[str, Any]:
    """One event as an ``AuditLink`` (field names of protocol/trust.py); no personal data."""
    return {"seq": event.id, "at": event.at, "actor": event.actor_id, "device": event.device_id,
            "action": event.action, "kind": event.entity_kind, "entity": event.entity_id,
            "detail": event.detail, "prev_hash": event.prev_hash, "hash": event.hash}


def verify_chain(db: Session) -> ChainCheck:
    previous, after, count = GENESIS_HASH, 0, 0
    while True:
        page = db.scalars(select(AuditEvent).where(AuditEvent.id > after)
                          .order_by(AuditEvent.id).limit(_PAGE)).all()
        if not page:
            break
        if page[0].id != after + 1:
            return ChainCheck(False, count, after + 1)
        links = [link(e) for e in page]
        broken = first_break(links, previous)
        if broken is not None:
            return ChainCheck(False, count, broken)
        previous, after, count = page[-1].hash, page[-1].id, count + len(page)
    head = repo.get_setting(db, repo.AUDIT_HEAD_SETTING)
    if head is not None and (head.get("seq") != after or head.get("hash") != previous):
        return ChainCheck(False, count, after + 1 if after < int(head.get("seq", 0)) else after)
    return ChainCheck(True, count)


def links_after(db: Session, seq: int, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` links after position ``seq``, oldest first (for ``POST /v1/audit``)."""
    events = db.scalars(select(AuditEvent).where(AuditEvent.id > seq)
                        .order_by(AuditEvent.id).limit(limit)).all()
    return [link(e) for e in events]
