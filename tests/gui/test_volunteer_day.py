"""A volunteer's day through the real windows, by keyboard only.

First run → open a session → record the standard visit (walk-in, 65–74, female, two
MECC topics, one signpost) → it shows in today's list → editing it makes version 2 →
closing the session shows the right counts.  Every step is a key press sent to the
widget that has focus (``tests/gui/keyboard.py``); nothing is clicked and no field
is set directly.  The key presses for the standard visit itself are counted (≤ 25).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from hubdesk.services import sessions, visits
from hubdesk.store.engine import Store
from hubdesk.ui.context import AppContext
from hubdesk.ui.first_run_dialog import FirstRunDialog
from hubdesk.ui.join_dialog import WelcomeDialog
from hubdesk.ui.main_window import CAPTURE_PAGE, TODAY_PAGE, MainWindow
from hubdesk.ui.session_dialogs import CloseSessionDialog, OpenSessionDialog
from tests.gui.conftest import wait_idle
from tests.gui.keyboard import KeyCounter, type_standard_visit

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _activate(qtbot: QtBot, window: QWidget) -> None:
    """What the window manager does when a window opens: it becomes the active one."""
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def _focus_is(widget: QWidget) -> bool:
    return QApplication.focusWidget() is widget


def test_a_volunteers_day_by_keyboard(qtbot: QtBot, app_context: AppContext, store: Store) -> None:
    keys = KeyCounter(qtbot)
    main = MainWindow(app_context)
    qtbot.addWidget(main)
    main.resize(1366, 768)
    main.show()
    _activate(qtbot, main)
    main.start()

    # ---- first run: "Set up a new hub" (focused), then hub, venue, coordinator, PIN ----
    qtbot.waitUntil(lambda: isinstance(main.dialog, WelcomeDialog))
    welcome = main.dialog
    assert isinstance(welcome, WelcomeDialog)
    _activate(qtbot, welcome)
    qtbot.waitUntil(lambda: _focus_is(welcome.new_button))
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(main.dialog, FirstRunDialog))
    first_run = main.dialog
    assert isinstance(first_run, FirstRunDialog)
    _activate(qtbot, first_run)
    qtbot.waitUntil(lambda: _focus_is(first_run.hub_name))
    keys.type("Stevenage Healthy Hub")
    keys.press(Qt.Key.Key_Tab)
    keys.type("Stevenage")
    keys.press(Qt.Key.Key_Tab)          # kind of hub: Universal (the default)
    keys.press(Qt.Key.Key_Tab)
    keys.type("St Mary's Hall")
    keys.press(Qt.Key.Key_Tab)          # type of venue: Church hall (the default)
    keys.press(Qt.Key.Key_Tab)
    keys.type("SG1")
    keys.press(Qt.Key.Key_Tab)
    keys.type("Pat Coordinator")
    keys.press(Qt.Key.Key_Tab)
    keys.type("246810")
    keys.press(Qt.Key.Key_Tab)
    assert _focus_is(first_run.pin_confirm)
    keys.type("246810")
    with qtbot.waitSignal(main.ready, timeout=15_000):
        keys.press(Qt.Key.Key_Return)
    wait_idle(qtbot, app_context)
    assert not main.is_locked
    assert app_context.actor is not None and app_context.actor.display_name == "Pat Coordinator"
    assert main.session_title.text() == "No session open"

    # ---- open a session ------------------------------------------------------------------
    _activate(qtbot, main)
    keys.press(Qt.Key.Key_O, CTRL)
    open_dialog = main.dialog
    assert isinstance(open_dialog, OpenSessionDialog)
    _activate(qtbot, open_dialog)
    wait_idle(qtbot, app_context)
    assert open_dialog.venue.currentText() == "St Mary's Hall (church or community hall)"
    assert open_dialog.session_type.currentData() == "lunch_club"
    with qtbot.waitSignal(app_context.session_changed, timeout=5000):
        keys.press(Qt.Key.Key_Return)
    wait_idle(qtbot, app_context)
    assert main.session_title.text() == "Lunch club, St Mary's Hall"
    session_id = app_context.session_id
    assert session_id is not None

    # ---- record the standard visit --------------------------------------------------------
    _activate(qtbot, main)
    keys.press(Qt.Key.Key_N, CTRL)
    assert main.tabs.currentIndex() == CAPTURE_PAGE
    form = main.capture
    qtbot.waitUntil(lambda: _focus_is(form.contact_mode))
    with qtbot.waitSignal(form.saved, timeout=15_000) as saved:
        presses = type_standard_visit(qtbot, form)
    assert presses <= 25
    visit_id = saved.args[0]
    wait_idle(qtbot, app_context)

    # a person helped at the door without giving details
    keys.press(Qt.Key.Key_H, CTRL)
    wait_idle(qtbot, app_context)

    # ---- it shows in today's list ---------------------------------------------------------
    keys.press(Qt.Key.Key_L, CTRL)
    assert main.tabs.currentIndex() == TODAY_PAGE
    today = main.today
    qtbot.waitUntil(lambda: today.model.rowCount() == 1)
    from hubdesk.ui.models import ID_ROLE, VisitTableModel

    assert today.model.data(today.model.index(0, 0), ID_ROLE) == visit_id
    assert today.model.data(today.model.index(0, VisitTableModel.column("How they came"))) == "Walk-in"
    assert today.model.data(today.model.index(0, VisitTableModel.column("Version"))) == "v1"

    # ---- edit it: version 2 ----------------------------------------------------------------
    if not _focus_is(today.table):
        keys.press(Qt.Key.Key_Tab)  # from the filter box to the list
    qtbot.waitUntil(lambda: _focus_is(today.table))
    assert not today.table.selectionModel().hasSelection()  # nothing chosen for the volunteer
    keys.press(Qt.Key.Key_Down)                               # the volunteer chooses the visit
    with qtbot.waitSignal(form.edit_loaded, timeout=5000):
        keys.press(Qt.Key.Key_Return)
    assert main.tabs.currentIndex() == CAPTURE_PAGE
    assert form.editing == visit_id
    qtbot.waitUntil(lambda: _focus_is(form.contact_mode))
    keys.press(Qt.Key.Key_Tab)          # -> age band
    assert _focus_is(form.age_band)
    keys.press("7")                     # 75–84
    assert form.age_band.currentData() == "75_84"
    with qtbot.waitSignal(form.saved, timeout=10_000):
        keys.press(Qt.Key.Key_Return)
    wait_idle(qtbot, app_context)
    with store.unit_of_work() as db:
        assert visits.visit_version(db, visit_id) == 2
        edited = visits.get_visit_form(db, visit_id)
    assert (edited.contact_mode, edited.age_band, edited.sex) == ("walk_in", "75_84", "female")
    assert len(edited.topics) == 2 and len(edited.signposts) == 1
    qtbot.waitUntil(lambda: today.model.data(today.model.index(0, VisitTableModel.column("Version"))) == "v2")
    assert today.model.rowCount() == 1  # an edit is a new version, not a new visit

    # ---- close the session: the right counts -----------------------------------------------
    keys.press(Qt.Key.Key_W, CTRL_SHIFT)
    close_dialog = main.dialog
    assert isinstance(close_dialog, CloseSessionDialog)
    _activate(qtbot, close_dialog)
    qtbot.waitUntil(lambda: "visits" in close_dialog.values)
    expected = {
        "visits": "1",
        "headcount": "1",
        "people_engaged": "2",
        "topics": "Alcohol: 1\nPhysical activity: 1",
        "signposts": "Signpost: 1",
        "activities": "None",
        "safeguarding": "0",
    }
    assert {key: close_dialog.value(key) for key in expected} == expected
    qtbot.waitUntil(lambda: _focus_is(close_dialog.ok_button))
    with qtbot.waitSignal(close_dialog.closed, timeout=5000):
        keys.press(Qt.Key.Key_Return)
    assert close_dialog.heading.text() == "Session closed"
    assert {key: close_dialog.value(key) for key in expected} == expected
    with store.unit_of_work() as db:
        assert sessions.session_info(db, session_id).status == "closed"
    keys.press(Qt.Key.Key_Return)       # Done
    qtbot.waitUntil(lambda: main.dialog is None)
    assert app_context.session_id is None
    assert main.session_title.text() == "No session open"
    print(f"volunteer's day: {keys.count} key presses outside the visit form; "
          f"{presses} for the standard visit")
