"""What the status bar, the "needs attention" list and the end-of-day receipt show.

Plain functions over a DB session (no Qt, no network), re-exported by
``hubdesk.sync.engine``; ``hubdesk.sync.status_text`` puts them into words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from hubdesk.core.days import DEFAULT_TIME_ZONE, day_bounds_utc
from hubdesk.services.conflicts import FIELD_LABELS
from hubdesk.services.time_zone import hub_time_zone, hub_time_zone_name
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
    "suggestion": "Directory suggestion",
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
    zone: str = DEFAULT_TIME_ZONE  # the hub's IANA zone: times are shown in it


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
        zone=hub_time_zone_name(db),
    )


@dataclass(frozen=True)
class SyncSnapshot:
    """What the status line and the sync panel show, read in one transaction."""

    status: SyncStatus
    server_url: str | None
    hub_name: str | None


def read_snapshot(db: Session) -> SyncSnapshot:
    state = sync_repo.device_state(db)
    return SyncSnapshot(
        status=sync_status(db),
        server_url=state.server_url if state is not None else None,
        hub_name=sync_repo.hub_name(db, state.hub_id) if state is not None else None,
    )


def server_connection(db: Session) -> tuple[str, str | None]:
    """The server's address and this laptop's token ("" and None before enrolment)."""
    state = sync_repo.device_state(db)
    if state is None:
        return "", None
    return state.server_url or "", state.device_token


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
            todo = ("It is erased from this laptop too, with those unsent changes, which are "
                    "not sent. Nothing can bring it back: a coordinator marks it as seen.")
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


def end_of_day_receipt(db: Session, day: date) -> EndOfDayReceipt:
    """"37 recorded on this laptop today, 37 received by the server, 0 missing, 0 duplicated"."""
    start, end = day_bounds_utc(day, zone=hub_time_zone(db))
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
