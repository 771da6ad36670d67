"""The main window's sync parts: the "Sync" menu, the status-bar label and the panel.

:func:`install_sync` is what the app calls (``ui/app.py``); it builds a
:class:`~hubdesk.ui.sync_controller.SyncController` and wires its words
(``hubdesk.sync.status_text``) into the window.  Kept apart from the controller so
the controller never imports the panel that shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QWidget

from hubdesk.core.errors import UserFacingError
from hubdesk.ui.context import AppContext
from hubdesk.ui.enrol_dialog import open_enrol_dialog
from hubdesk.ui.sync_controller import SYNC_SHORTCUT, SyncController, SyncWidgets
from hubdesk.ui.sync_panel import SyncPanel


def _action(window: QMainWindow, menu: QMenu, text: str, slot: Callable[[], object],
            tip: str, shortcut: str = "") -> QAction:
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({shown})")
    else:
        action.setToolTip(tip)
    action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    menu.addAction(action)
    window.addAction(action)
    return action


def open_sync_panel(window: QWidget, controller: SyncController, section: str = "") -> SyncPanel:
    """Show the (single) sync panel of ``window``, scrolled to ``section``
    ("attention" / "end_of_day" / "")."""
    widgets = controller.widgets
    panel: SyncPanel | None = None
    if widgets is not None:
        widgets.panels[:] = [p for p in widgets.panels if _alive(p)]
        panel = widgets.panels[0] if widgets.panels else None
    if panel is None:
        panel = SyncPanel(controller, window)
        panel.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        edit = getattr(window, "edit_visit", None)
        if callable(edit):
            context = controller.context

            def open_visit(visit_id: str) -> None:
                if context.actor is None:
                    context.errors.report(UserFacingError("Unlock HubDesk first to open a visit."))
                    return
                edit(visit_id)
                if panel is not None:
                    panel.close()

            panel.open_visit_requested.connect(open_visit)
        settle = getattr(window, "show_conflicts", None)
        if callable(settle):
            panel.conflicts_requested.connect(settle)
        if widgets is not None:
            widgets.panels.append(panel)
    if panel.isVisible():  # already open: bring it forward
        panel.raise_()
        panel.activateWindow()
    else:
        panel.show()
    panel.show_section(section)
    return panel


def _alive(widget: object) -> bool:
    import shiboken6

    return bool(shiboken6.isValid(widget))


def install_sync(window: QMainWindow, context: AppContext, **options: Any) -> SyncController:
    """Add the "Sync" menu and the status-bar label to ``window`` and start auto-sync.

    ``options`` go to :class:`SyncController` (tests shorten the intervals).  The
    window's own counts label (``window.status_label``, "All saved on this
    laptop…") is hidden: this label says the same and more.
    """
    controller = SyncController(context, window, **options)
    bar = window.menuBar()
    menu = QMenu("S&ync", bar)
    help_action = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
    if help_action is not None:
        bar.insertMenu(help_action, menu)
    else:
        bar.addMenu(menu)

    label = QLabel(controller.state_text or "Checking what is waiting to send…")
    label.setObjectName("syncState")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAccessibleName("Sync status")
    label.setToolTip("What is waiting to be sent to the server. "
                     f"Sync now: {SYNC_SHORTCUT}; details in the Sync menu.")
    old_label = getattr(window, "status_label", None)
    if isinstance(old_label, QLabel):
        old_label.hide()
    window.statusBar().addPermanentWidget(label, 1)

    sync_now = _action(window, menu, "&Sync now", controller.sync_now,
                       "Send waiting records to the server and get updates now", SYNC_SHORTCUT)
    attention = _action(window, menu, "&Needs attention…",
                        lambda: open_sync_panel(window, controller, "attention"),
                        "Records the server did not accept, with what to do")
    end_of_day = _action(window, menu, "&End of day…",
                         lambda: open_sync_panel(window, controller, "end_of_day"),
                         "Today's receipt: recorded here, received by the server, missing")
    menu.addSeparator()
    connect = _action(window, menu, "&Connect to the hub's server…",
                      lambda: open_enrol_dialog(window, controller),
                      "Connect this laptop with a one-time code (coordinators only)")
    controller.widgets = SyncWidgets(label, menu, sync_now, attention, end_of_day, connect)

    # the controller is the window's child: these connections end with the window
    context.actor_changed.connect(controller._show_actor)
    controller._show_actor(context.actor)
    controller.state_changed.connect(controller._show_state)
    controller.running_changed.connect(controller._show_running)
    window.installEventFilter(controller)
    QTimer.singleShot(0, controller.start)
    return controller
