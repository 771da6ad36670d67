"""The main window's entries for a coordinator's day (issue 10, part 2), kept out of
``main_window.py``: Follow-ups… (Go, Ctrl+Shift+U) and the "N follow-ups due" button in
the status bar; Past sessions… (Session, Ctrl+Shift+P); Sign volunteers in or out…
(Session, Ctrl+Shift+I, everyone); Venues… (HubDesk menu).

The follow-ups count comes with the window's status counts (``StatusCounts``), which
reload after every ``data_changed``, so it follows each change and each sync.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton

from hubdesk.services.common import Actor
from hubdesk.services.status import StatusCounts

if TYPE_CHECKING:
    from hubdesk.ui.main_window import MainWindow

COORDINATORS_ONLY = "Follow-ups, past sessions and venues are for coordinators."
NO_SESSION = "Open a session first: volunteers sign in to the open session."


def follow_ups_text(due: int) -> str:
    if not due:
        return "No follow-ups due"
    return f"{due} follow-up{'s' if due != 1 else ''} due"


class CoordinatorTools(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.follow_ups_action = window._action(
            "go", "&Follow-ups…", "Ctrl+Shift+U", self.show_follow_ups,
            "Follow-ups to do and done")
        window._menus["session"].addSeparator()
        self.shifts_action = window._action(
            "session", "Sign volunteers &in or out…", "Ctrl+Shift+I", self.show_shifts,
            "Sign in when you arrive and out when you leave (volunteer hours)")
        self.past_sessions_action = window._action(
            "session", "&Past sessions…", "Ctrl+Shift+P", self.show_past_sessions,
            "Past sessions' figures: reopen or print")
        self.venues_action = QAction("V&enues…", window)  # beside Volunteers, before Quit
        self.venues_action.setToolTip("Rename or retire venues")
        self.venues_action.triggered.connect(lambda _checked=False: self.show_venues())
        menu_actions = window._menus["hubdesk"].actions()
        before = menu_actions[max(0, menu_actions.index(window.quit_action) - 1)]  # the separator
        window._menus["hubdesk"].insertAction(before, self.venues_action)
        window._work_actions += [self.follow_ups_action, self.shifts_action,
                                 self.past_sessions_action, self.venues_action]
        self.follow_ups_button = QPushButton(follow_ups_text(0))
        self.follow_ups_button.setObjectName("followUpsButton")
        self.follow_ups_button.setFlat(True)
        self.follow_ups_button.setAutoDefault(False)
        self.follow_ups_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.follow_ups_button.setToolTip("Follow-ups due today or overdue (Ctrl+Shift+U)")
        self.follow_ups_button.clicked.connect(self.show_follow_ups)
        self.follow_ups_button.hide()
        window.statusBar().addPermanentWidget(self.follow_ups_button)
        self.due = 0
        window.context.actor_changed.connect(self._actor_changed)
        window.locked_changed.connect(lambda _locked: self._show_button())

    def _actor_changed(self, actor: Actor | None) -> None:
        coordinator = bool(actor and actor.is_coordinator)
        for action in (self.follow_ups_action, self.past_sessions_action, self.venues_action):
            action.setVisible(coordinator)
        if not coordinator:
            self.follow_ups_button.hide()

    def show_counts(self, counts: StatusCounts) -> None:
        """Called with the window's status counts (after every change)."""
        self.due = counts.follow_ups_due
        self._show_button()

    def _show_button(self) -> None:
        """Coordinators see the count while the window is unlocked."""
        actor = self.window.context.actor
        text = follow_ups_text(self.due)
        self.follow_ups_button.setText(text)
        self.follow_ups_button.setAccessibleName(text)
        self.follow_ups_button.setVisible(bool(actor and actor.is_coordinator)
                                          and not self.window.is_locked)

    def _coordinator(self) -> bool:
        actor = self.window.context.actor
        if self.window.is_locked or actor is None:
            return False
        if not actor.is_coordinator:
            self.window.statusBar().showMessage(COORDINATORS_ONLY, 10_000)
            self.window.context.errors.user_error.emit(COORDINATORS_ONLY)
            return False
        return True

    def show_follow_ups(self) -> None:
        from hubdesk.ui.follow_ups_dialog import FollowUpsDialog

        if self._coordinator():
            self.window._open_dialog(FollowUpsDialog(self.window.context, self.window))

    def show_past_sessions(self) -> None:
        from hubdesk.ui.past_sessions_dialog import PastSessionsDialog

        if self._coordinator():
            dialog = PastSessionsDialog(self.window.context, self.window)
            dialog.reopened.connect(self._reopened)
            self.window._open_dialog(dialog)

    def _reopened(self, session_id: str) -> None:
        """A reopened session of today becomes the one being worked in (if none is)."""
        if self.window.context.session_id is None:
            self.window.context.set_session(session_id)
            self.window.session_panel.reload()
            self.window.headcount_bar.reload()

    def show_venues(self) -> None:
        from hubdesk.ui.venues_dialog import VenuesDialog

        if self._coordinator():
            self.window._open_dialog(VenuesDialog(self.window.context, self.window))

    def show_shifts(self) -> None:
        from hubdesk.ui.shifts_dialog import ShiftsDialog

        session_id = self.window.context.session_id
        if self.window.is_locked or self.window.context.actor is None:
            return
        if session_id is None:
            self.window.statusBar().showMessage(NO_SESSION, 10_000)
            self.window.context.errors.user_error.emit(NO_SESSION)
            return
        self.window._open_dialog(ShiftsDialog(self.window.context, session_id, self.window))
