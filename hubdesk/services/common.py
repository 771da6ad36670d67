"""Small shared pieces of the service layer: who acts, what changed, audit, versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from hubdesk.core.clock import local_offset_minutes, utc_now
from hubdesk.core.errors import UserFacingError
from hubdesk.store import repositories as repo
from hubdesk.store.models import AuditEvent, VersionedMixin

V = TypeVar("V", bound=VersionedMixin)


@dataclass(frozen=True)
class Actor:
    """The unlocked volunteer and this laptop: every record names both."""

    volunteer_id: str
    device_id: str
    display_name: str = ""
    role: str = "volunteer"

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"


CHANGE_KINDS = frozenset({
    "visit", "conversation", "outcome", "person", "agreement", "follow_up", "alert",
    "session", "hub", "venue", "volunteer", "service", "setting", "suggestion",
    "outbox", "held_version", "conflict", "sync",
})
"""What kinds of thing a mutation can say it changed (views reload on the kinds they show).
Checked when a kind is added (record kinds also arrive as data, from sync), so a typo
cannot silently stop a view from reloading."""


@dataclass
class Changes:
    """What a mutation changed, so each view can decide whether to reload (Anki's OpChanges).

    A service returns it (or a result with a ``changes`` field); the UI's task runner
    announces it once as ``data_changed``, so no caller emits that signal by hand.
    """

    kinds: set[str] = field(default_factory=set)
    ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        unknown = self.kinds - CHANGE_KINDS
        if unknown:
            raise ValueError(f"unknown change kinds: {sorted(unknown)}")

    def add(self, kind: str, record_id: str) -> Changes:
        if kind not in CHANGE_KINDS:
            raise ValueError(f"unknown change kind: {kind!r}")
        self.kinds.add(kind)
        self.ids.append(record_id)
        return self

    @property
    def primary_id(self) -> str:
        """The first record added: the one the mutation is about (e.g. the visit)."""
        return self.ids[0] if self.ids else ""


def audit(
    db: Session,
    actor: Actor | None,
    action: str,
    entity_kind: str = "",
    entity_id: str = "",
    detail: str = "",
    *,
    device_id: str | None = None,
) -> None:
    """Append a hash-chained audit event (never personal data in ``detail``)."""
    device = device_id or (actor.device_id if actor else "")
    if not device:
        state = repo.device_state(db)
        device = state.device_id if state else "unknown"
    repo.add_audit_event(
        db,
        AuditEvent(
            at=utc_now(),
            actor_id=actor.volunteer_id if actor else None,
            device_id=device,
            action=action,
            entity_kind=entity_kind,
            entity_id=entity_id,
            detail=detail[:200],
        ),
    )


def stamp(record: V, actor: Actor, *, record_id: str, version: int = 1,
          base_version: int | None = None, at: datetime | None = None,
          offset_minutes: int | None = None) -> V:
    """Fill the envelope columns every synced version carries (``at``: naive UTC, now
    by default; the demo generator back-dates records)."""
    now = at or utc_now()
    record.record_id = record_id
    record.version = version
    record.base_version = base_version
    record.is_current = True
    record.deleted = False
    record.device_id = actor.device_id
    record.created_by = actor.volunteer_id
    record.created_at = now
    record.utc_offset_min = local_offset_minutes(now) if offset_minutes is None else offset_minutes
    record.origin = "local"
    return record


class PermissionDenied(UserFacingError):
    """A volunteer tried a coordinator-only action (the UI hides these; if one gets
    through, the message is shown plainly, not as a crash)."""


def require_coordinator(actor: Actor, what: str) -> None:
    """The one check behind every coordinator-only use case (DESIGN §9)."""
    if not actor.is_coordinator:
        raise PermissionDenied(f"Only a coordinator can {what}.")
