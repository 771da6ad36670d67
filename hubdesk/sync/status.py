"""What the status bar, the "needs attention" list and the end-of-day receipt show.

Plain functions over a DB session (no Qt, no network), re-exported by
``hubdesk.sync.engine``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from hubdesk.services.conflicts import FIELD_LABELS
from hubdesk.store import sync_repo

#: ``NeedsAttentionItem.source`` of a field conflict kept for a coordinator
CONFLICT = "conflict"

_KIND_LABELS = {
    "session": "Session",
    "visit": "Visit",
    "conversation": "Conversation",
    "outcome": "Signposting outcome",
    "follow_up": "Follow-up",
    "agreement": "Agreement",
    "person": "Person",
}


@dataclass(frozen=True)
class SyncStatus:
    unsent: int
    needs_attention: int
    oldest_unsent_at: datetime | None  # naive UTC
    last_sync_at: datetime | None  # naive UTC, last complete run
    revoked: bool
    enrolled: bool
    last_error: str | None
    unsent_visits: int = 0  # distinct visits among ``unsent`` (which counts versions)

    def summary(self, now: datetime | None = None) -> str:
        """"All sent · 17:42" / "12 waiting (oldest 2 h)" / "3 need attention"."""
        parts: list[str] = []
        if self.revoked:
            return "This laptop has been disconnected from the server"
        if self.unsent:
            text = f"{self.unsent} waiting"
            if self.oldest_unsent_at is not None:
                text += f" (oldest {_age(self.oldest_unsent_at, now)})"
            parts.append(text)
        if self.needs_attention:
            verb = "needs" if self.needs_attention == 1 else "need"
            parts.append(f"{self.needs_attention} {verb} attention")
        if not parts:
            if self.last_sync_at is None:
                return "Not synced yet"
            local = self.last_sync_at.replace(tzinfo=UTC).astimezone()
            return f"All sent · {local:%H:%M}"
        return " · ".join(parts)


def _age(since: datetime, now: datetime | None) -> str:
    seconds = max(0.0, ((now or datetime.now(UTC).replace(tzinfo=None)) - since).total_seconds())
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def sync_status(db: Session) -> SyncStatus:
    counts = sync_repo.outbox_counts(db)
    state = sync_repo.device_state(db)
    return SyncStatus(
        unsent=counts.unsent,
        needs_attention=counts.needs_attention,
        oldest_unsent_at=counts.oldest_unsent_at,
        last_sync_at=state.last_sync_at if state else None,
        revoked=bool(state and state.revoked),
        enrolled=bool(state and state.device_token),
        last_error=state.last_sync_error if state else None,
        unsent_visits=sync_repo.unsent_visit_count(db) if counts.unsent else 0,
    )


@dataclass(frozen=True)
class NeedsAttentionItem:
    """One line of the "needs attention" list.  ``ref`` identifies it for resolving:
    the outbox ``seq`` (``sync_repo.resolve_outbox_item``) or the held version's id
    (``sync_repo.resolve_held_version``)."""

    source: str  # "outbox" (this laptop's version), "server" (a held server version) or
    # "conflict" (fields changed in two places, settled on the Conflicts screen; ref: its id)
    ref: int
    kind: str
    kind_label: str
    record_id: str
    version: int
    state: str  # rejected / conflict / held / erasure (a held server erasure)
    reason: str
    what_to_do: str


def needs_attention_items(db: Session) -> list[NeedsAttentionItem]:
    """Records the server would not take, conflicts, and server versions kept aside."""
    items: list[NeedsAttentionItem] = []
    for row in sync_repo.attention_outbox_items(db):
        if row.state == "conflict":
            todo = ("A coordinator changed this record on the server too. Both versions are "
                    "kept: open the record and choose which answers are right.")
        else:
            todo = ("Open the record, check the answers named in the reason and save it "
                    "again; the corrected copy will be sent. Nothing has been lost.")
        items.append(NeedsAttentionItem(
            "outbox", row.seq, row.kind, _KIND_LABELS.get(row.kind, row.kind), row.record_id,
            row.version, row.state, row.reason or "", todo,
        ))
    for held in sync_repo.held_server_versions(db):
        if held.tombstone:
            state, reason = "erasure", ("The server has erased this record (for example at the "
                                        "person's request) while this laptop had unsent changes to it.")
            todo = ("A coordinator marks it as dealt with: the record is then erased from this "
                    "laptop too, and its unsent changes are not sent.")
        else:
            state, reason = "held", held.reason
            todo = ("The server sent a change to a record this laptop also changed. Both are "
                    "kept: a coordinator marks it as dealt with to merge them, then chooses "
                    "any answer they disagree on.")
        items.append(NeedsAttentionItem(
            "server", held.id, held.kind, _KIND_LABELS.get(held.kind, held.kind), held.record_id,
            held.version, state, reason, todo,
        ))
    for conflict in sync_repo.open_record_conflicts(db):
        labels = ", ".join(FIELD_LABELS.get(name, name.replace("_", " "))
                           for name in conflict.fields)
        items.append(NeedsAttentionItem(
            CONFLICT, conflict.id, conflict.kind, _KIND_LABELS.get(conflict.kind, conflict.kind),
            conflict.record_id, conflict.merged_version, "conflict",
            f"Changed in two places: {labels}. Both answers are kept.",
            "A coordinator chooses which answer to keep (Go ▸ Conflicting changes…).",
        ))
    return items


@dataclass(frozen=True)
class EndOfDayReceipt:
    day: date
    recorded: int  # finalised on this laptop that day
    received: int  # confirmed held by the server
    waiting: int  # not yet sent (or sent, answer not yet in)
    needs_attention: int  # rejected or in conflict (kept on both sides)
    missing: int  # recorded but not received: waiting + needs attention + dealt with
    duplicated: int
    dealt_with: int = 0  # refused, then marked as dealt with by a coordinator (not sent)

    def sentence(self) -> str:
        return (f"{self.recorded} recorded on this laptop on {self.day:%d %B}, "
                f"{self.received} received by the server, {self.missing} missing, "
                f"{self.duplicated} duplicated")


def _local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time()).astimezone().astimezone(UTC).replace(tzinfo=None)
    end_local = datetime.combine(day + timedelta(days=1), time()).astimezone()
    return start, end_local.astimezone(UTC).replace(tzinfo=None)


def end_of_day_receipt(db: Session, day: date) -> EndOfDayReceipt:
    """"37 recorded on this laptop today, 37 received by the server, 0 missing, 0 duplicated"."""
    start, end = _local_day_bounds(day)
    states = sync_repo.outbox_states_between(db, start, end)
    recorded = sum(states.values())
    received = states.get("sent", 0)
    waiting = sum(states.get(s, 0) for s in sync_repo.UNSENT_STATES)
    attention = sum(states.get(s, 0) for s in sync_repo.ATTENTION_STATES)
    return EndOfDayReceipt(
        day=day,
        recorded=recorded,
        received=received,
        waiting=waiting,
        needs_attention=attention,
        missing=recorded - received,
        duplicated=sync_repo.duplicated_versions_between(db, start, end),
        dealt_with=states.get(sync_repo.RESOLVED_STATE, 0),
    )
