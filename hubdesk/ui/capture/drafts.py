"""Autosaving the unfinished visit as a draft, and bringing it back after an unlock.

The draft is written on the database lane ~500 ms after the last change, so it survives
the app being killed.  An edit's draft carries the visit id *and the version the form
was opened on*, so a restored edit still saves on its own base (never on whatever the
current version is by then).

Signals:
    saved(str): a draft (its id) is committed to the database.
    restored(object): a ``RestoredDraft`` arrived for the volunteer now unlocked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy.orm import Session

from hubdesk.core.errors import NotFoundError
from hubdesk.services import directory, visits
from hubdesk.services.common import Actor
from hubdesk.services.visits import VisitForm
from hubdesk.ui.capture.state import CaptureState, EditTarget, Phase, Snapshot
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import alive_only

DRAFT_DEBOUNCE_MS = 500


def is_blank(form: dict[str, Any]) -> bool:
    return form == VisitForm().to_dict()


@dataclass(frozen=True)
class RestoredDraft:
    """A draft read back for the form: what to show, and which edit (if any) it continues."""

    draft: visits.DraftInfo
    snapshot: Snapshot


class DraftKeeper(QObject):
    saved = Signal(str)
    restored = Signal(object)

    def __init__(self, context: AppContext, state: CaptureState,
                 snapshot: Callable[[], Snapshot], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._state = state
        self._snapshot = snapshot
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DRAFT_DEBOUNCE_MS)
        self._timer.timeout.connect(lambda: self.save_now())

    @property
    def waiting(self) -> bool:
        return self._timer.isActive()

    def schedule(self) -> None:
        if not self._state.is_loading and self.context.actor is not None:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def flush(self) -> None:
        """Save now if a change is waiting (before locking, closing or switching visits)."""
        if self._timer.isActive():
            self._timer.stop()
            self.save_now()

    def save_now(self, actor: Actor | None = None) -> None:
        actor = actor or self.context.actor
        if actor is None or self._state.phase is Phase.SAVING:
            return
        snapshot = self._snapshot()
        if snapshot.edit is None and is_blank(snapshot.form):
            self.discard()
            return
        state = self._state
        draft_id, session_id, edit = state.draft_id, self.context.session_id, snapshot.edit

        def stored(saved_id: str) -> None:
            if saved_id == state.draft_id:
                state.draft_stored = True
            self.saved.emit(saved_id)

        self.context.runner.run_db(
            lambda db: visits.save_draft(
                db, actor, snapshot.form, session_id=session_id, draft_id=draft_id,
                base_visit_id=edit.visit_id if edit else None,
                base_version=edit.base_version if edit else None),
            alive_only(self, stored))

    def discard(self) -> None:
        """Forget the current draft (after a save, or when the form is cleared)."""
        self._timer.stop()
        if not self._state.draft_stored:
            return
        draft_id = self._state.draft_id
        self._state.draft_stored = False
        self.context.runner.run_db(lambda db: visits.discard_draft(db, draft_id))

    def restore(self, actor: Actor) -> None:
        """Read the volunteer's latest draft; ``restored`` fires if there is one."""

        def load(db: Session) -> RestoredDraft | None:
            draft = visits.load_draft(db, actor)
            if draft is None:
                return None
            form = VisitForm.from_dict(draft.form)
            names = directory.services_by_ids(db, [s.service_id for s in form.signposts])
            edit = None
            if draft.base_visit_id:
                base = draft.base_version
                if base is None:  # a draft from before base versions were kept
                    try:
                        base = visits.visit_version(db, draft.base_visit_id)
                    except NotFoundError:
                        base = None
                if base:
                    edit = EditTarget(draft.base_visit_id, base)
            return RestoredDraft(draft, Snapshot(draft.form, edit, names))

        def loaded(result: RestoredDraft | None) -> None:
            if result is not None and self.context.actor == actor:
                self.restored.emit(result)

        self.context.runner.run_db(load, alive_only(self, loaded))
