"""Volunteer hours, past sessions and venues by keyboard from the main window, over a
real migrated store: sign in and out, see the hours in the session's summary, reopen a
past session (a new version), rename and retire a venue."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hubdesk.services import sessions
from hubdesk.store.models import HubSession, Venue
from hubdesk.ui.context import AppContext
from hubdesk.ui.main_window import MainWindow
from hubdesk.ui.past_sessions_dialog import PastSessionsDialog
from hubdesk.ui.session_dialogs import CloseSessionDialog
from hubdesk.ui.session_print import write_summary_pdf
from hubdesk.ui.shifts_dialog import ShiftsDialog
from hubdesk.ui.venues_dialog import VenuesDialog
from tests.conftest import Hub
from tests.gui.conftest import wait_idle
from tests.gui.keyboard import ALT

pytestmark = pytest.mark.gui
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _press(qtbot: QtBot, key: Qt.Key | str,
           modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    focus = QApplication.focusWidget()
    assert focus is not None, "nothing has keyboard focus"
    qtbot.keyClick(focus, key, modifier)


def _sign_in_and_out(qtbot: QtBot, window: MainWindow, context: AppContext, clock: Clock) -> None:
    qtbot.keyClick(window, Qt.Key.Key_I, CTRL_SHIFT)
    dialog = window.dialog
    assert isinstance(dialog, ShiftsDialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    assert dialog.model.rows[0].text == "Pat Coordinator — not signed in"
    assert QApplication.focusWidget() is dialog.list
    _press(qtbot, Qt.Key.Key_I, ALT)                     # Sign in
    qtbot.waitUntil(lambda: dialog.model.rows[0].signed_in, timeout=5000)
    wait_idle(qtbot, context)
    clock.now += timedelta(hours=2, minutes=15)
    _press(qtbot, Qt.Key.Key_O, ALT)                     # Sign out
    qtbot.waitUntil(lambda: "signed out" in dialog.model.rows[0].text, timeout=5000)
    wait_idle(qtbot, context)
    assert dialog.model.rows[0].text.endswith("(2 h 15 min)")
    assert dialog.total.text() == "Volunteer hours in this session so far: 2 h 15 min"
    _press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.dialog is None, timeout=5000)
    window.activateWindow()  # the offscreen platform does not give it back by itself
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from hubdesk.core.clock import utc_now

    ticking = Clock(utc_now())
    monkeypatch.setattr(sessions, "utc_now", ticking)
    return ticking


def test_signing_in_and_out_shows_the_hours_in_the_session_summary(
        window: MainWindow, hub_context: AppContext, qtbot: QtBot, clock: Clock,
        qtmodeltester: object) -> None:
    _sign_in_and_out(qtbot, window, hub_context, clock)
    qtbot.keyClick(window, Qt.Key.Key_W, CTRL_SHIFT)     # Close session…
    dialog = window.dialog
    assert isinstance(dialog, CloseSessionDialog)
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=5000)
    assert dialog.fields == {} and "volunteers" in dialog.values
    label = dialog.grid.itemAtPosition(list(dialog.values).index("volunteers"), 0).widget()
    assert label.text() == "Volunteers (1, 2 h 15 min)"
    assert dialog.value("volunteers").startswith("Pat Coordinator: ")
    assert dialog.value("volunteers").endswith("(2 h 15 min)")


def test_a_past_session_is_shown_reopened_and_printed(
        window: MainWindow, hub_context: AppContext, hub: Hub, qtbot: QtBot, clock: Clock,
        tmp_path: Path, qtmodeltester: object) -> None:
    _sign_in_and_out(qtbot, window, hub_context, clock)
    with hub_context.runner.store.unit_of_work() as db:
        sessions.close_session(db, hub.actor, hub.session_id)
    hub_context.set_session(None)
    qtbot.keyClick(window, Qt.Key.Key_P, CTRL_SHIFT)
    dialog = window.dialog
    assert isinstance(dialog, PastSessionsDialog)
    qtbot.waitUntil(lambda: dialog.loaded and dialog.summary is not None, timeout=5000)
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    assert "Lunch club, St Mary's Hall · 0 visits" in dialog.model.rows[0].line
    assert dialog.value("volunteers").endswith("(2 h 15 min)")
    summary = dialog.summary
    assert summary is not None

    pdf = write_summary_pdf(summary, tmp_path / "summary.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000

    _press(qtbot, Qt.Key.Key_R, ALT)                     # Reopen to correct
    qtbot.waitUntil(lambda: dialog.reopen_button.text() == "Close &again", timeout=5000)
    wait_idle(qtbot, hub_context)
    assert hub_context.session_id == hub.session_id      # today's: worked in again
    with hub_context.runner.store.unit_of_work() as db:
        rows = db.scalars(select(HubSession).order_by(HubSession.version)).all()
        assert [(r.version, r.status, r.is_current) for r in rows] == [
            (1, "closed", False), (2, "open", True)]


def test_a_venue_is_renamed_and_retired_by_keyboard(
        window: MainWindow, hub_context: AppContext, hub: Hub, qtbot: QtBot) -> None:
    window.coordinator_tools.venues_action.trigger()
    dialog = window.dialog
    assert isinstance(dialog, VenuesDialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    _press(qtbot, Qt.Key.Key_N, ALT)                     # New name
    assert QApplication.focusWidget() is dialog.new_name
    dialog.new_name.selectAll()
    qtbot.keyClicks(dialog.new_name, "St Mary's Church Hall")
    _press(qtbot, Qt.Key.Key_R, ALT)                     # Rename
    qtbot.waitUntil(lambda: dialog.model.rows[0].name == "St Mary's Church Hall", timeout=5000)
    wait_idle(qtbot, hub_context)
    _press(qtbot, Qt.Key.Key_T, ALT)                     # Retire: refused, the only venue
    qtbot.waitUntil(lambda: bool(dialog.error_summary.messages), timeout=5000)
    assert "only venue" in dialog.error_summary.messages[0]
    with hub_context.runner.store.unit_of_work() as db:
        venue = db.get(Venue, hub.venue_id)
        assert venue is not None and (venue.name, venue.active) == ("St Mary's Church Hall", True)
