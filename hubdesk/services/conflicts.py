"""Conflicts: the same field changed on two sides, kept for a coordinator to settle.

DESIGN §4: an edit on a stale base that touches different fields merges; when both
sides changed the same field, both values are kept (nothing dropped) and the record
appears here.  The coordinator sees both values side by side, field by field, and
the choice is saved as a new version (audited, synced like any edit).

Shapes (plain values for the UI):

- :func:`list_conflicts` returns :class:`ConflictInfo` rows, oldest first.  Each
  has ``id`` (pass it to :func:`resolve_conflict`), the record (``kind``,
  ``record_id``), a plain ``title`` ("Visit at 10:02 on Tue 1 Dec"), who made each
  side, and ``fields``: one :class:`ConflictField` per clashing field with its
  ``name`` (the key to choose by), a plain ``label`` ("Age band") and each side's
  value in plain words (``this_laptop`` / ``other``).
- :func:`resolve_conflict` takes ``choices``: field name -> :data:`KEEP_THIS_LAPTOP`
  or :data:`KEEP_OTHER`; every clashing field must be chosen.  It writes a new
  version of the record with the chosen values and returns :class:`Changes`
  (``visit`` and ``conflict``).

Both are coordinator-only (``PermissionDenied`` for a volunteer).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hubdesk.services.common import Actor, Changes

#: choice values for :func:`resolve_conflict`
KEEP_THIS_LAPTOP, KEEP_OTHER = "this_laptop", "other"


@dataclass(frozen=True)
class ConflictField:
    """One field both sides changed: its key, plain label and both values in words."""

    name: str
    label: str
    this_laptop: str
    other: str


@dataclass(frozen=True)
class ConflictInfo:
    """One record with clashing fields."""

    id: int
    kind: str
    record_id: str
    title: str
    this_laptop_by: str
    other_by: str
    fields: tuple[ConflictField, ...]


def list_conflicts(db: Session, actor: Actor) -> list[ConflictInfo]:
    """Unresolved conflicts, oldest first (coordinators only)."""
    raise NotImplementedError  # API skeleton: implemented in the next commits


def resolve_conflict(db: Session, actor: Actor, conflict_id: int,
                     choices: Mapping[str, str]) -> Changes:
    """Save the coordinator's choice per field as a new version (coordinators only)."""
    raise NotImplementedError  # API skeleton: implemented in the next commits
