"""The capture form's draft/edit state: one small object with named states (no Qt).

``CaptureState`` holds what used to be a dozen flags on the form: what the form is
doing now (``Phase``), which saved visit it edits and on which version (``EditTarget``),
and the autosaved draft's id.  Moves between phases go through its methods, so an
impossible move (saving twice, typing counted as a change while loading) is refused
in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from hubdesk.core.ids import uuid7


class Phase(Enum):
    READY = "ready"        # the volunteer is filling in the form (a new visit or an edit)
    LOADING = "loading"    # the program is filling the widgets: their changes are not edits
    ASKING = "asking"      # asked "no topic and no signpost: save anyway?" and waiting
    PICKING = "picking"    # Enter came before the signpost search answered: save once it has
    SAVING = "saving"      # the save is on the database lane


@dataclass(frozen=True)
class EditTarget:
    """The saved visit being edited and the version the form was opened on."""

    visit_id: str
    base_version: int


@dataclass(frozen=True)
class Snapshot:
    """What was on screen (for Undo and for drafts): the form as a dict, the edit, names."""

    form: dict[str, Any]
    edit: EditTarget | None
    names: dict[str, str] = field(default_factory=dict)


class CaptureState:
    """Phase, edit target and draft id of the one visit on the form."""

    def __init__(self) -> None:
        self.phase = Phase.READY
        self.edit: EditTarget | None = None
        self.draft_id = uuid7()
        self.draft_stored = False

    @property
    def editing(self) -> bool:
        return self.edit is not None

    @property
    def base_version(self) -> int:
        """The version an edit was opened on (0 for a new visit)."""
        return self.edit.base_version if self.edit is not None else 0

    @contextmanager
    def loading(self) -> Iterator[None]:
        """Widgets are being filled by the program; changes inside are not the volunteer's."""
        previous, self.phase = self.phase, Phase.LOADING
        try:
            yield
        finally:
            self.phase = previous if previous is not Phase.LOADING else Phase.READY

    @property
    def is_loading(self) -> bool:
        return self.phase is Phase.LOADING

    def new_draft(self) -> None:
        """What the form holds next gets a draft of its own (the old one is left alone)."""
        self.draft_id = uuid7()
        self.draft_stored = False

    def ask(self) -> None:
        self.phase = Phase.ASKING

    def wait_for_pick(self) -> None:
        self.phase = Phase.PICKING

    def start_saving(self) -> bool:
        """Move to SAVING; False when a save is already running (a second Enter)."""
        if self.phase is Phase.SAVING:
            return False
        self.phase = Phase.SAVING
        return True

    def back_to_ready(self) -> None:
        self.phase = Phase.READY
