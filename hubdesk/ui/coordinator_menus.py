"""The coordinator's day in the main window's menus: End of day handover, Settings, and
the Help menu's guide.  One block, installed by :func:`install_coordinator_menus`.

Settings and the handover are for coordinators: the actions are hidden from volunteers,
and the services refuse anyone else too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from hubdesk.services.common import Actor

if TYPE_CHECKING:
    from hubdesk.ui.main_window import MainWindow

HANDOVER_SHORTCUT = "Ctrl+Shift+E"
SETTINGS_SHORTCUT = "Ctrl+,"
COORDINATORS_ONLY = "The end of day handover and Settings are for coordinators."


@dataclass(frozen=True)
class CoordinatorActions:
    handover: QAction
    settings: QAction
    guide: QAction


def install_coordinator_menus(window: MainWindow) -> CoordinatorActions:
    session_menu, hubdesk_menu = window._menus["session"], window._menus["hubdesk"]
    session_menu.addSeparator()
    handover = window._action(
        "session", "&End of day handover…", HANDOVER_SHORTCUT, lambda: open_handover(window),
        "Finish the day: close sessions, sign out, send, receipt and the day's summary")
    settings = window._action("hubdesk", "Se&ttings…", SETTINGS_SHORTCUT,
                              lambda: open_settings(window),
                              "Time zone, auto-lock, keeping details, server, session type")
    # keep Quit last in its menu
    hubdesk_menu.removeAction(settings)
    hubdesk_menu.insertAction(window.quit_action, settings)
    guide = window._action("help", "Your &first lunch club", "Shift+F1",
                           lambda: open_guide(window), "A one-page guide")
    window._work_actions += [handover, settings]

    def show_for(actor: Actor | None) -> None:
        coordinator = bool(actor and actor.is_coordinator)
        handover.setVisible(coordinator)
        settings.setVisible(coordinator)
        if actor is not None:
            apply_saved_text_size(window)

    window.context.actor_changed.connect(show_for)
    show_for(window.context.actor)
    return CoordinatorActions(handover, settings, guide)


def apply_saved_text_size(window: MainWindow) -> None:
    """The coordinator's text size hint (Settings ▸ Text size), read when someone unlocks."""
    from hubdesk.sync.hub_settings import text_size_percent
    from hubdesk.ui.settings.dialog import apply_text_size
    from hubdesk.ui.widgets import run_db

    run_db(window, window.context, text_size_percent, apply_text_size)


def _coordinator(window: MainWindow) -> bool:
    actor = window.context.actor
    if window.is_locked or actor is None:
        return False
    if not actor.is_coordinator:
        window.statusBar().showMessage(COORDINATORS_ONLY, 10_000)
        window.context.errors.user_error.emit(COORDINATORS_ONLY)
        return False
    return True


def open_handover(window: MainWindow) -> None:
    from hubdesk.ui.handover.wizard import HandoverWizard

    if _coordinator(window):
        controller = getattr(window, "sync_controller", None)
        wizard = HandoverWizard(window.context, controller, window)
        wizard.finish_drafts_requested.connect(window.show_capture)
        window._open_dialog(wizard)


def open_settings(window: MainWindow) -> None:
    from hubdesk.ui.settings.dialog import SettingsDialog

    if _coordinator(window):
        window._open_dialog(SettingsDialog(window.context, window))


def open_guide(window: MainWindow) -> None:
    from hubdesk.ui.help_dialogs import GuideDialog

    window._open_dialog(GuideDialog(window))
