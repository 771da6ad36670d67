"""Counts for ``hubdesk status`` and the status bar."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hubdesk.services.time_zone import hub_today_for
from hubdesk.store import follow_up_repo, sync_repo
from hubdesk.store import repositories as repo


@dataclass(frozen=True)
class StatusCounts:
    visits: int
    unsent: int  # record versions waiting to be sent
    unsent_visits: int
    needs_attention: int
    sent: int
    oldest_unsent: datetime | None
    last_sync: datetime | None
    enrolled: bool
    server_url: str | None
    device_id: str | None
    open_alerts: int
    follow_ups_due: int = 0  # due today or overdue, by the hub's day


    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("oldest_unsent", "last_sync"):
            value = data[key]
            data[key] = value.isoformat() + "Z" if value else None
        return data


def status_counts(db: Session) -> StatusCounts:
    """The same counts the sync engine reports (one source: ``sync_repo.outbox_counts``)."""
    counts = sync_repo.outbox_counts(db)
    state = repo.device_state(db)
    return StatusCounts(
        visits=repo.count_current_visits(db),
        unsent=counts.unsent,
        unsent_visits=sync_repo.unsent_visit_count(db),
        needs_attention=counts.needs_attention,
        sent=repo.outbox_counts(db).get("sent", 0),
        oldest_unsent=counts.oldest_unsent_at,
        last_sync=state.last_sync_at if state else None,
        enrolled=bool(state and state.device_token),
        server_url=state.server_url if state else None,
        device_id=state.device_id if state else None,
        open_alerts=len(repo.open_alerts(db)),
        follow_ups_due=follow_up_repo.count_follow_ups_due(db, hub_today_for(db)),
    )
