"""Unlocking the real main window with zero, one and two sessions open today, and with
one left open yesterday: the session is never chosen silently (issue 7, defect 4)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from hubdesk.core.days import day_words, hub_today
from hubdesk.services import sessions, volunteers
from hubdesk.services.visits import VisitForm, record_visit
from hubdesk.store import repositories as repo
from hubdesk.store.engine import Store
from hubdesk.store.models import HubSession
from hubdesk.ui.context import AppContext
from hubdesk.ui.main_window import MainWindow
from hubdesk.ui.session_resume import (
    NOT_A_TIME,
    NOTHING_CHOSEN,
    ChooseSessionDialog,
    LeftOpenDialog,
)
from hubdesk.ui.unlock_dialog import UnlockDialog
from tests.conftest import COORDINATOR, PIN, VOLUNTEER_PIN, Hub
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui

LONDON = ZoneInfo("Europe/London")


def locked_window(context: AppContext, qtbot: QtBot) -> MainWindow:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.lock()
    return window


def unlock(window: MainWindow, qtbot: QtBot, name: str = COORDINATOR, pin: str = PIN) -> None:
    """Type the PIN into the real unlock dialog and press Enter."""
    dialog = window.dialog
    assert isinstance(dialog, UnlockDialog)
    qtbot.waitUntil(lambda: name in dialog.names)
    dialog.name.setCurrentText(name)
    qtbot.keyClicks(dialog.pin, pin)
    with qtbot.waitSignal(window.ready, timeout=5000):
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)


def opened_hh_mm(store: Store, session_id: str) -> str:
    with store.unit_of_work() as db:
        opened = sessions.session_info(db, session_id).opened_at
    assert opened is not None
    return f"{opened:%H:%M}"


def move_to_yesterday(store: Store, session_id: str) -> datetime:
    yesterday = hub_today() - timedelta(days=1)
    opened = datetime.combine(yesterday, time(10, 2), tzinfo=LONDON)
    with store.unit_of_work() as db:
        row = repo.current_version(db, HubSession, session_id)
        assert row is not None
        row.session_date = yesterday
        row.started_at = opened.astimezone(UTC).replace(tzinfo=None)
    return opened


def test_unlock_with_no_session_open_says_so(app_context: AppContext, hub: Hub, store: Store,
                                             qtbot: QtBot) -> None:
    with store.unit_of_work() as db:
        sessions.close_session(db, hub.actor, hub.session_id)
    window = locked_window(app_context, qtbot)
    unlock(window, qtbot)

    assert app_context.session_id is None
    assert window.session_title.text() == "No session open"
    assert window.open_session_button.isVisible()
    assert not window.notice.isVisible()
    assert window.dialog is None


def test_unlock_with_one_session_open_resumes_it_and_says_so(
        app_context: AppContext, hub: Hub, store: Store, qtbot: QtBot) -> None:
    window = locked_window(app_context, qtbot)
    unlock(window, qtbot)

    assert app_context.session_id == hub.session_id
    assert window.session_title.text() == "Lunch club, St Mary's Hall"
    assert window.notice.isVisible()
    assert window.notice_text.text() == (
        f"Resumed: Lunch club, St Mary's Hall, opened {opened_hh_mm(store, hub.session_id)} "
        f"by {COORDINATOR}")
    assert window.dialog is None


def test_unlock_with_two_sessions_open_asks_which_and_chooses_nothing_by_itself(
        app_context: AppContext, hub: Hub, store: Store, qtbot: QtBot) -> None:
    with store.unit_of_work() as db:
        warm = sessions.open_session(db, hub.actor, hub.venue_id, "warm_space").primary_id
    window = locked_window(app_context, qtbot)
    unlock(window, qtbot)

    chooser = window.dialog
    assert isinstance(chooser, ChooseSessionDialog)
    assert app_context.session_id is None  # not the oldest, not the newest: nothing yet
    assert window.session_title.text() == "No session open"
    assert [radio.text() for radio in chooser.radios] == [
        f"Warm space, St Mary's Hall – opened {opened_hh_mm(store, warm)} by {COORDINATOR}",
        f"Lunch club, St Mary's Hall – opened {opened_hh_mm(store, hub.session_id)} by {COORDINATOR}",
    ]
    assert not any(radio.isChecked() for radio in chooser.radios)
    assert chooser.radios[0].hasFocus()

    qtbot.keyClick(chooser.radios[0], Qt.Key.Key_Return)  # Enter with nothing chosen
    assert chooser.fields["session"].error.message == NOTHING_CHOSEN
    assert app_context.session_id is None

    chooser.error_summary.body.linkActivated.emit("session")  # the link back to the choices
    assert chooser.radios[0].hasFocus()
    qtbot.keyClick(chooser.radios[0], Qt.Key.Key_Down)  # arrows move to the lunch club
    assert chooser.radios[1].hasFocus()
    qtbot.keyClick(chooser.radios[1], Qt.Key.Key_Space)  # and Space chooses it
    assert chooser.radios[1].isChecked() and not chooser.radios[0].isChecked()
    with qtbot.waitSignal(chooser.chosen, timeout=5000):
        qtbot.keyClick(chooser.radios[1], Qt.Key.Key_Return)
    wait_idle(qtbot, app_context)

    assert app_context.session_id == hub.session_id
    assert window.session_title.text() == "Lunch club, St Mary's Hall"
    assert window.notice_text.text().startswith("Resumed: Lunch club, St Mary's Hall, opened ")
    qtbot.waitUntil(lambda: window.dialog is None)


def test_a_session_left_open_yesterday_is_put_to_the_coordinator_to_close(
        app_context: AppContext, hub: Hub, store: Store, qtbot: QtBot) -> None:
    opened = move_to_yesterday(store, hub.session_id)
    window = locked_window(app_context, qtbot)
    unlock(window, qtbot)

    prompt = window.dialog
    assert isinstance(prompt, LeftOpenDialog)
    assert prompt.heading.text() == f"A session was left open since {opened:%A}"
    assert "Today's visits will not go into it." in prompt.intro.text()
    assert app_context.session_id is None  # yesterday's session takes no visits today
    assert prompt.ended_at.hasFocus()

    assert prompt.ended_at.text() == "12:02"  # a suggestion, selected so typing replaces it
    qtbot.keyClicks(prompt.ended_at, "half one")  # not a time: said, nothing saved
    qtbot.keyClick(prompt.ended_at, Qt.Key.Key_Return)
    assert prompt.fields["ended_at"].error.message == NOT_A_TIME
    assert prompt.ended_at.text() == "half one"  # what was typed is kept to correct

    prompt.ended_at.selectAll()
    qtbot.keyClicks(prompt.ended_at, "09:15")  # before it opened: said next to the field
    qtbot.keyClick(prompt.ended_at, Qt.Key.Key_Return)
    wait_idle(qtbot, app_context)
    assert prompt.fields["ended_at"].error.message == (
        "The session opened at 10:02; give a time after that.")

    prompt.ended_at.selectAll()
    qtbot.keyClicks(prompt.ended_at, "13:30")
    with qtbot.waitSignal(prompt.session_closed, timeout=5000):
        qtbot.keyClick(prompt.ended_at, Qt.Key.Key_Return)
    wait_idle(qtbot, app_context)

    with store.unit_of_work() as db:
        row = repo.current_version(db, HubSession, hub.session_id)
        assert row is not None and row.status == "closed" and row.ended_at is not None
        ended = row.ended_at.replace(tzinfo=UTC).astimezone(LONDON)
    assert (ended.date(), ended.hour, ended.minute) == (opened.date(), 13, 30)
    assert app_context.session_id is None
    assert window.notice_text.text() == (
        f"Closed: Lunch club, St Mary's Hall, from {day_words(opened.date())}.")
    qtbot.waitUntil(lambda: window.dialog is None)


def test_a_volunteer_is_told_and_todays_visits_never_go_into_yesterdays_session(
        app_context: AppContext, hub: Hub, store: Store, qtbot: QtBot) -> None:
    opened = move_to_yesterday(store, hub.session_id)
    with store.unit_of_work() as db:
        volunteers.add_volunteer(db, hub.actor, "Sam Volunteer", VOLUNTEER_PIN)
    window = locked_window(app_context, qtbot)
    unlock(window, qtbot, "Sam Volunteer", VOLUNTEER_PIN)

    assert window.dialog is None  # only a coordinator closes it
    assert app_context.session_id is None
    assert window.notice_text.text() == (
        f"Lunch club, St Mary's Hall was left open since {opened:%A}: today's visits will "
        "not go into it. Ask the coordinator to close it.")
    with store.unit_of_work() as db, pytest.raises(Exception, match="cannot go into it"):
        record_visit(db, hub.actor, hub.session_id, VisitForm(contact_mode="walk_in"))
