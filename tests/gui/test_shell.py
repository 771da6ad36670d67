"""The shell: first run, unlock / switch volunteer, session dialogs, headcount and
activities, the status bar and the safeguarding indicator — driven through the real
widgets against a real migrated store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from hubdesk.services import sessions, visits
from hubdesk.services.common import Changes
from hubdesk.services.status import StatusCounts, status_counts
from hubdesk.store import repositories as repo
from hubdesk.store.engine import Store
from hubdesk.store.models import Volunteer
from hubdesk.ui.context import AppContext
from hubdesk.ui.first_run_dialog import FirstRunDialog
from hubdesk.ui.join_dialog import WelcomeDialog
from hubdesk.ui.main_window import MainWindow, alerts_text, status_text
from hubdesk.ui.session_dialogs import CloseSessionDialog, OpenSessionDialog
from hubdesk.ui.unlock_dialog import UnlockDialog
from tests.conftest import COORDINATOR, PIN, Hub
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _counts(**changes: object) -> StatusCounts:
    base: dict[str, object] = dict(visits=0, unsent=0, unsent_visits=0, needs_attention=0, sent=0,
                                   oldest_unsent=None, last_sync=None, enrolled=False,
                                   server_url=None, device_id=None, open_alerts=0)
    base.update(changes)
    return StatusCounts(**base)  # type: ignore[arg-type]


def test_status_text_says_what_waits_and_what_needs_attention() -> None:
    assert status_text(_counts()) == "All saved on this laptop · nothing waiting to send"
    assert status_text(_counts(unsent=12)) == "All saved on this laptop · 12 waiting to send"
    assert status_text(_counts(unsent=2, needs_attention=1)).endswith("· 1 needs attention")
    assert status_text(_counts(needs_attention=3)).endswith("· 3 need attention")
    assert alerts_text(1) == "⚠ 1 safeguarding alert"
    assert alerts_text(2) == "⚠ 2 safeguarding alerts"


def test_first_run_shows_errors_then_sets_up_the_hub(app_context: AppContext, qtbot: QtBot,
                                                     store: Store) -> None:
    dialog = FirstRunDialog(app_context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog.hub_name, Qt.Key.Key_Return)
    assert dialog.error_summary.isVisible()
    assert "Enter the hub's name." in dialog.error_summary.messages
    assert dialog.fields["hub_name"].has_error
    assert dialog.fields["pin"].error.message.startswith("A PIN is 6 to 12 digits")
    assert dialog.isVisible()

    qtbot.keyClicks(dialog.hub_name, "Stevenage Healthy Hub")
    qtbot.keyClicks(dialog.district, "Stevenage")
    qtbot.keyClicks(dialog.venue_name, "St Mary's Hall")
    qtbot.keyClicks(dialog.postcode, "sg1")
    qtbot.keyClicks(dialog.coordinator, "Sam Coordinator")
    qtbot.keyClicks(dialog.pin, "135790")
    qtbot.keyClicks(dialog.pin_confirm, "135791")
    qtbot.keyClick(dialog.pin_confirm, Qt.Key.Key_Return)
    assert dialog.error_summary.messages == ["The two PINs are different. Type the same PIN twice."]
    assert not dialog.fields["hub_name"].has_error

    dialog.pin_confirm.clear()
    qtbot.keyClicks(dialog.pin_confirm, "135790")
    with qtbot.waitSignal(dialog.completed, timeout=10_000) as done:
        qtbot.keyClick(dialog.pin_confirm, Qt.Key.Key_Return)
    actor = done.args[0].actor
    assert actor.display_name == "Sam Coordinator" and actor.is_coordinator
    assert dialog.result() == dialog.DialogCode.Accepted
    with store.unit_of_work() as db:
        venues = sessions.list_venues(db)
        assert [v.name for v in venues] == ["St Mary's Hall"]
        assert repo.venues(db)[0].postcode_district == "SG1"
        assert repo.count_services(db) > 5  # the sample directory was loaded


def _unlock_dialog(context: AppContext, qtbot: QtBot, **kwargs: object) -> UnlockDialog:
    dialog = UnlockDialog(context, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.names == [COORDINATOR])
    return dialog


def test_unlock_wrong_pin_is_said_next_to_the_field_and_counted(app_context: AppContext, hub: Hub,
                                                                qtbot: QtBot, store: Store) -> None:
    dialog = _unlock_dialog(app_context, qtbot)
    assert dialog.name.currentText() == COORDINATOR  # the only volunteer is chosen for you
    assert dialog.pin.hasFocus()
    assert dialog.pin.echoMode() == dialog.pin.EchoMode.Password
    qtbot.keyClicks(dialog.pin, "999999")
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    wait_idle(qtbot, app_context)
    assert dialog.fields["pin"].error.message.startswith("That name and PIN do not match.")
    assert dialog.error_summary.isVisible()
    assert dialog.pin.text() == ""
    assert dialog.isVisible()
    with store.unit_of_work() as db:  # the failed attempt was committed, not rolled back
        volunteer = repo.volunteer_by_name(db, COORDINATOR)
        assert isinstance(volunteer, Volunteer) and volunteer.failed_attempts == 1

    qtbot.keyClicks(dialog.pin, PIN)
    with qtbot.waitSignal(dialog.unlocked, timeout=5000) as unlocked:
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert unlocked.args[0].volunteer_id == hub.actor.volunteer_id


def test_five_wrong_pins_lock_the_volunteer_out(app_context: AppContext, hub: Hub, qtbot: QtBot,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timedelta

    from hubdesk.services import volunteers

    now = [datetime(2026, 12, 1, 10, 0)]
    monkeypatch.setattr(volunteers, "utc_now", lambda: now[0])
    dialog = _unlock_dialog(app_context, qtbot)
    for _ in range(5):  # 20 s apart: past the growing delay (tests/unit covers the delay)
        qtbot.keyClicks(dialog.pin, "000000")
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
        wait_idle(qtbot, app_context)
        now[0] += timedelta(seconds=20)
    qtbot.keyClicks(dialog.pin, PIN)  # even the right PIN is refused while locked out
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    wait_idle(qtbot, app_context)
    assert dialog.fields["pin"].error.message.startswith(f"Too many wrong PINs for {COORDINATOR}.")
    assert "Try again in 5 minutes" in dialog.fields["pin"].error.message
    assert dialog.actor is None


def test_locked_unlock_dialog_cannot_be_escaped(app_context: AppContext, hub: Hub, qtbot: QtBot) -> None:
    locked = _unlock_dialog(app_context, qtbot, locked=True)
    qtbot.keyClick(locked.pin, Qt.Key.Key_Escape)
    assert locked.isVisible()
    assert locked.cancel_button is None
    switching = _unlock_dialog(app_context, qtbot, locked=False)
    qtbot.keyClick(switching.pin, Qt.Key.Key_Escape)
    assert not switching.isVisible()


def test_open_session_adds_a_venue_inline_and_opens(hub_context: AppContext, qtbot: QtBot,
                                                   store: Store) -> None:
    hub_context.set_session(None)
    dialog = OpenSessionDialog(hub_context)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, hub_context)
    assert dialog.venue.count() == 1
    assert dialog.add_venue_button.isVisible()  # the coordinator may add venues
    qtbot.mouseClick(dialog.add_venue_button, Qt.MouseButton.LeftButton)
    assert dialog.new_venue_name.hasFocus()
    qtbot.keyClick(dialog.new_venue_name, Qt.Key.Key_Return)  # empty name: an error, no save
    assert dialog.fields["new_venue_name"].error.message == "Enter the venue's name."
    assert dialog.error_summary.hasFocus()
    dialog.new_venue_name.setFocus()
    qtbot.keyClicks(dialog.new_venue_name, "Central Library")
    qtbot.keyClick(dialog.new_venue_name, Qt.Key.Key_Return)  # Enter in the name saves the venue
    wait_idle(qtbot, hub_context)
    assert dialog.venue.count() == 2
    assert dialog.venue.currentText().startswith("Central Library")
    assert dialog.isVisible()
    dialog.session_type.setCurrentIndex(dialog.session_type.findData("warm_space"))
    assert dialog.warm_space.isChecked()
    with qtbot.waitSignal(hub_context.session_changed, timeout=5000) as changed:
        qtbot.keyClick(dialog.venue, Qt.Key.Key_Return)
    session_id = changed.args[0]
    with store.unit_of_work() as db:
        info = sessions.session_info(db, session_id)
    assert (info.venue_name, info.session_type, info.warm_space) == ("Central Library", "warm_space", True)


def test_volunteers_cannot_add_venues(hub_context: AppContext, qtbot: QtBot) -> None:
    actor = hub_context.actor
    assert actor is not None
    hub_context.set_actor(type(actor)(actor.volunteer_id, actor.device_id, "Val", "volunteer"))
    dialog = OpenSessionDialog(hub_context)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.add_venue_button.isVisible()


def _record(store: Store, hub: Hub, *, topics: tuple[str, ...], safeguarding: bool = False,
            first: bool = True) -> str:
    with store.unit_of_work() as db:
        form = visits.VisitForm(contact_mode="walk_in", age_band="65_74", sex="female",
                                first_visit=first, safeguarding=safeguarding,
                                topics=[visits.TopicAnswer(topic=t) for t in topics])
        return visits.record_visit(db, hub.actor, hub.session_id, form).primary_id


def test_close_session_shows_the_summary_then_closes(hub_context: AppContext, hub: Hub, qtbot: QtBot,
                                                     store: Store) -> None:
    _record(store, hub, topics=("alcohol", "money"))
    _record(store, hub, topics=("money",), safeguarding=True, first=False)
    with store.unit_of_work() as db:
        sessions.add_headcount(db, hub.actor, hub.session_id, 3)
        sessions.set_activity(db, hub.actor, hub.session_id, "Chair exercise", 9, 2)
    dialog = CloseSessionDialog(hub_context, hub.session_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "visits" in dialog.values)
    assert dialog.value("visits") == "2"
    assert dialog.value("first_visits") == "1"
    assert dialog.value("headcount") == "3"
    assert dialog.value("people_engaged") == "5"
    assert dialog.value("topics") == "Money, debt or benefits: 2\nAlcohol: 1"
    assert dialog.value("activities") == "Chair exercise: 9 took part (2 under 18)"
    assert dialog.value("safeguarding") == "1"
    assert dialog.value("signposts") == "None"
    with qtbot.waitSignal(dialog.closed, timeout=5000):
        qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Return)
    assert dialog.heading.text() == "Session closed"
    assert dialog.ok_button.text() == "Done"
    assert hub_context.session_id is None
    with store.unit_of_work() as db:
        assert sessions.session_info(db, hub.session_id).status == "closed"
    qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Return)
    assert not dialog.isVisible()


def test_main_window_shows_the_session_headcount_and_status(window: MainWindow, hub_context: AppContext,
                                                            hub: Hub, qtbot: QtBot, store: Store) -> None:
    assert not window.is_locked
    assert window.session_title.text() == "Lunch club, St Mary's Hall"
    assert window.close_session_button.isVisible() and not window.open_session_button.isVisible()
    assert window.status_label.text() == "All saved on this laptop · nothing waiting to send"
    assert window.volunteer_label.text() == COORDINATOR
    assert window.volunteer_label.toolTip() == f"Unlocked by {COORDINATOR} (coordinator)"
    assert window.headcount_action.shortcut().toString() == "Ctrl+H"
    assert not window.alerts_badge.isVisible()

    qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.headcount_bar.count.text() == "2 people helped without details")
    qtbot.mouseClick(window.headcount_bar.minus, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.headcount_bar.count.text() == "1 person helped without details")
    qtbot.waitUntil(lambda: window.session_panel.headcount.text() == "1")
    with store.unit_of_work() as db:
        assert sessions.session_info(db, hub.session_id).headcount == 1

    _record(store, hub, topics=("money",), safeguarding=True)
    window.refresh_status()
    qtbot.waitUntil(lambda: window.alerts_badge.isVisible())
    assert window.alerts_badge.text() == "⚠ 1 safeguarding alert"
    with store.unit_of_work() as db:
        unsent = status_counts(db).unsent
    assert unsent >= 1  # the visit and its conversation wait to be sent
    assert window.status_label.text() == f"All saved on this laptop · {unsent} waiting to send"


def test_volunteers_see_the_alert_count_but_only_coordinators_review(
        window: MainWindow, hub_context: AppContext, hub: Hub, qtbot: QtBot, store: Store) -> None:
    from hubdesk.ui.alerts_dialog import AlertsDialog

    _record(store, hub, topics=("housing",), safeguarding=True)
    window.refresh_status()
    qtbot.waitUntil(window.alerts_badge.isVisible)
    volunteer = type(hub.actor)(hub.actor.volunteer_id, hub.actor.device_id, "Val", "volunteer")
    hub_context.set_actor(volunteer)
    wait_idle(qtbot, hub_context)
    assert window.open_alerts == 1
    assert window.alerts_badge.isVisible() and window.alerts_badge.text() == "⚠ 1 safeguarding alert"
    with qtbot.waitSignal(hub_context.errors.user_error) as told:
        qtbot.mouseClick(window.alerts_badge, Qt.MouseButton.LeftButton)
    assert told.args[0].startswith("Tell the coordinator")
    assert not isinstance(window.dialog, AlertsDialog)


def test_switch_volunteer_locks_and_unlocks(window: MainWindow, hub_context: AppContext,
                                            qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.is_locked
    assert hub_context.actor is None
    dialog = window.dialog
    assert isinstance(dialog, UnlockDialog)
    qtbot.waitUntil(lambda: dialog.names == [COORDINATOR])
    assert not window.headcount_action.isEnabled()
    qtbot.keyClicks(dialog.pin, PIN)
    with qtbot.waitSignal(window.ready, timeout=5000):
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert not window.is_locked
    assert hub_context.actor is not None and hub_context.actor.display_name == COORDINATOR
    assert window.session_title.text() == "Lunch club, St Mary's Hall"  # the open session came back


def test_activity_attendance_is_saved_from_the_session_page(window: MainWindow, hub_context: AppContext,
                                                            hub: Hub, qtbot: QtBot, store: Store) -> None:
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    panel = window.session_panel
    assert window.tabs.currentWidget() is panel
    panel.activity.setFocus()
    qtbot.keyClicks(panel.activity, "Walking group")
    panel.under_18.setValue(3)
    panel.under_18.setFocus()
    qtbot.keyClick(panel.under_18, Qt.Key.Key_Return)
    assert panel.fields["attendance"].error.message == "Enter how many people took part."
    assert panel.fields["attendance_under_18"].has_error
    panel.attendance.setValue(12)
    panel.attendance.setFocus()
    qtbot.keyClick(panel.attendance, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Walking group: 12 took part (3 under 18)" in panel.activities.text())
    assert not panel.fields["attendance"].has_error
    with store.unit_of_work() as db:
        assert sessions.session_info(db, hub.session_id).activities == (("Walking group", 12, 3),)


def test_first_run_through_the_main_window(app_context: AppContext, qtbot: QtBot) -> None:
    main = MainWindow(app_context)
    qtbot.addWidget(main)
    main.show()
    main.start()
    qtbot.waitUntil(lambda: isinstance(main.dialog, WelcomeDialog))
    assert main.locked_heading.text() == "Welcome to HubDesk"
    welcome = main.dialog
    assert isinstance(welcome, WelcomeDialog)
    welcome.new_button.click()  # "Set up a new hub"
    qtbot.waitUntil(lambda: isinstance(main.dialog, FirstRunDialog))
    assert main.is_locked
    first = main.dialog
    qtbot.keyClick(first, Qt.Key.Key_Escape)  # not now: the window offers set-up again
    qtbot.waitUntil(lambda: main.dialog is None)
    assert main.unlock_button.text() == "&Set up HubDesk…"
    qtbot.mouseClick(main.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(main.dialog, WelcomeDialog))


def test_closing_the_window_stops_the_runner(window: MainWindow, hub_context: AppContext,
                                             qtbot: QtBot) -> None:
    threads = list(hub_context.runner._threads)
    assert all(thread.isRunning() for thread in threads)
    window.close()
    assert not window.isVisible()
    assert not any(thread.isRunning() for thread in threads)


def test_closing_waits_for_a_queued_save_then_stops(window: MainWindow, hub_context: AppContext,
                                                    hub: Hub, qtbot: QtBot, store: Store) -> None:
    import time

    def slow_headcount(db: Session) -> Changes:
        time.sleep(0.3)  # a save still running when the volunteer closes the window
        return sessions.add_headcount(db, hub.actor, hub.session_id, 1)

    hub_context.runner.run_db(slow_headcount)
    threads = list(hub_context.runner._threads)
    window.close()
    assert window.isVisible()  # not yet: the save is still running
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert not any(thread.isRunning() for thread in threads)
    with store.unit_of_work() as db:
        assert sessions.session_info(db, hub.session_id).headcount == 1  # the save was not lost
