"""The coordinator's follow-ups, by keyboard: the count in the status bar, the agreed
contact shown on request (audited), a try and a result saved as new versions, and the
signposting outcome's new status arriving on the real server after sync."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hubdesk.server.models import RecordRow
from hubdesk.services.common import Actor
from hubdesk.services.time_zone import hub_today_for
from hubdesk.store.models import AuditEvent, FollowUp, SignpostingOutcome
from hubdesk.ui.context import AppContext
from hubdesk.ui.coordinator_tools import COORDINATORS_ONLY
from hubdesk.ui.follow_ups_dialog import FollowUpsDialog
from hubdesk.ui.main_window import MainWindow
from tests.conftest import Hub
from tests.follow_up_visits import CONTACT, NAME, record_follow_up_visit
from tests.gui.conftest import wait_idle
from tests.gui.keyboard import ALT
from tests.gui.test_sync_ui import SyncApp, sync_app  # noqa: F401  (its fixture, used here too)

pytestmark = pytest.mark.gui
SHORTCUT = (Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


def _press(qtbot: QtBot, key: Qt.Key | str,
           modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    focus = QApplication.focusWidget()
    assert focus is not None, "nothing has keyboard focus"
    qtbot.keyClick(focus, key, modifier)


def _open_follow_ups(qtbot: QtBot, window: MainWindow) -> FollowUpsDialog:
    qtbot.keyClick(window, *SHORTCUT)
    dialog = window.dialog
    assert isinstance(dialog, FollowUpsDialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    return dialog


def _server_outcome(app: SyncApp, outcome_id: str) -> tuple[int, str]:
    with app.server.engine.connect() as conn:
        row = conn.execute(select(RecordRow.version, RecordRow.payload)
                           .where(RecordRow.kind == "outcome", RecordRow.record_id == outcome_id)
                           .order_by(RecordRow.version.desc()).limit(1)).one()
    return row.version, json.loads(row.payload)["fields"]["status"]


@pytest.mark.integration
def test_a_follow_up_result_changes_the_outcome_status_on_the_server(
        qtbot: QtBot, request: pytest.FixtureRequest) -> None:
    """The real server on 127.0.0.1 and an enrolled laptop, its window unlocked as the
    coordinator (``sync_app``); the laptop syncs as ``hubdesk sync`` does."""
    app: SyncApp = request.getfixturevalue("sync_app")
    laptop, window, context = app.laptop, app.window, app.context
    with laptop.store.unit_of_work() as db:
        due = hub_today_for(db) - timedelta(days=1)
        follow_up_id = record_follow_up_visit(db, laptop.actor, laptop.session_id, due)
        outcome_id = db.scalars(select(SignpostingOutcome.record_id)).one()
    assert laptop.sync().completed
    assert _server_outcome(app, outcome_id) == (1, "offered")

    window.refresh_status()
    button = window.coordinator_tools.follow_ups_button
    qtbot.waitUntil(lambda: button.text() == "1 follow-up due" and button.isVisible(),
                    timeout=5000)

    dialog = _open_follow_ups(qtbot, window)
    assert dialog.model.rowCount() == 1 and dialog.model.rows[0].state == "overdue"
    assert QApplication.focusWidget() is dialog.list
    _press(qtbot, Qt.Key.Key_W, ALT)                 # What happened?
    assert QApplication.focusWidget() is dialog.result_edit
    qtbot.keyClicks(dialog.result_edit, "Went to the foodbank on Tuesday")
    _press(qtbot, Qt.Key.Key_N, ALT)                 # Its status now
    assert QApplication.focusWidget() is dialog.status
    _press(qtbot, "e")                               # Engaged
    assert dialog.status.currentData() == "engaged"
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        _press(qtbot, Qt.Key.Key_Return)             # Save result
    wait_idle(qtbot, context)
    assert dialog.done_note.text().startswith("✓ Result saved")
    qtbot.waitUntil(lambda: button.text() == "No follow-ups due", timeout=5000)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0, timeout=5000)  # none left to do

    result = laptop.sync()
    assert result.completed and result.pending == 0
    assert _server_outcome(app, outcome_id) == (2, "engaged")
    with app.server.engine.connect() as conn:
        payload = json.loads(conn.scalar(
            select(RecordRow.payload).where(RecordRow.kind == "follow_up",
                                            RecordRow.record_id == follow_up_id,
                                            RecordRow.version == 2)))
    assert payload["fields"]["done"] is True and payload["fields"]["attempts"] == 1
    assert payload["fields"]["result"] == "Went to the foodbank on Tuesday"
    assert NAME not in json.dumps(payload) and CONTACT not in json.dumps(payload)


def test_the_contact_is_shown_on_request_and_a_try_keeps_it_to_do(
        window: MainWindow, hub_context: AppContext, hub: Hub, qtbot: QtBot,
        qtmodeltester: object) -> None:
    with hub_context.runner.store.unit_of_work() as db:
        due = hub_today_for(db)
        follow_up_id = record_follow_up_visit(db, hub.actor, hub.session_id, due)
    window.refresh_status()
    button = window.coordinator_tools.follow_ups_button
    qtbot.waitUntil(lambda: button.text() == "1 follow-up due", timeout=5000)
    dialog = _open_follow_ups(qtbot, window)
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    assert NAME not in dialog.details.text() and not dialog.contact.isVisible()

    _press(qtbot, Qt.Key.Key_C, ALT)                 # Show contact
    qtbot.waitUntil(dialog.contact.isVisible, timeout=5000)
    assert dialog.contact.text() == f"Agreed contact: {NAME} · {CONTACT}"
    _press(qtbot, Qt.Key.Key_A, ALT)                 # No answer, try again (in 2 days)
    qtbot.waitUntil(lambda: dialog.done_note.isVisible(), timeout=5000)
    wait_idle(qtbot, hub_context)
    qtbot.waitUntil(lambda: button.text() == "No follow-ups due", timeout=5000)
    assert dialog.model.rows[0].state == "upcoming" and dialog.model.rows[0].attempts == 1
    with hub_context.runner.store.unit_of_work() as db:
        current = db.scalars(select(FollowUp).where(FollowUp.is_current)).one()
        assert (current.record_id, current.version, current.done) == (follow_up_id, 2, False)
        assert current.due_date == due + timedelta(days=2)
        views = db.scalars(select(AuditEvent).where(AuditEvent.action == "view")).all()
        assert [(v.entity_kind, v.entity_id) for v in views] == [("follow_up", follow_up_id)]


def test_saving_a_result_without_words_says_what_to_do(
        window: MainWindow, hub_context: AppContext, hub: Hub, qtbot: QtBot) -> None:
    with hub_context.runner.store.unit_of_work() as db:
        record_follow_up_visit(db, hub.actor, hub.session_id, hub_today_for(db))
    dialog = _open_follow_ups(qtbot, window)
    _press(qtbot, Qt.Key.Key_Return)
    assert dialog.fields["result"].has_error
    assert "Say what happened" in dialog.error_summary.messages[0]
    with hub_context.runner.store.unit_of_work() as db:
        assert db.scalars(select(FollowUp.version)).all() == [1]


def test_tab_walks_the_follow_up_in_reading_order(
        window: MainWindow, hub_context: AppContext, hub: Hub, qtbot: QtBot) -> None:
    with hub_context.runner.store.unit_of_work() as db:
        record_follow_up_visit(db, hub.actor, hub.session_id, hub_today_for(db))
    dialog = _open_follow_ups(qtbot, window)
    expected = [dialog.details, dialog.contact_button, dialog.result_edit, dialog.signpost,
                dialog.status, dialog.next_due, dialog.attempt_button, dialog.ok_button]
    seen = []
    for _ in expected:
        _press(qtbot, Qt.Key.Key_Tab)
        focus = QApplication.focusWidget()
        seen.append(focus.parentWidget() if focus is not None and focus.parentWidget()
                    is dialog.next_due else focus)
    assert seen == expected
    for widget in expected[2:6]:
        assert widget.accessibleName(), f"{type(widget).__name__} has no accessible name"


def test_a_volunteer_gets_no_follow_ups(window: MainWindow, hub_context: AppContext, hub: Hub,
                                        val: Actor, qtbot: QtBot) -> None:
    with hub_context.runner.store.unit_of_work() as db:
        record_follow_up_visit(db, hub.actor, hub.session_id, hub_today_for(db))
    said: list[str] = []
    hub_context.errors.user_error.connect(said.append)
    with qtbot.waitSignal(window.ready, timeout=5000):
        window.unlocked(val)
    wait_idle(qtbot, hub_context)
    tools = window.coordinator_tools
    assert not tools.follow_ups_button.isVisible()
    assert not tools.follow_ups_action.isVisible() and tools.shifts_action.isVisible()
    qtbot.keyClick(window, *SHORTCUT)  # the action is hidden: its shortcut does nothing
    assert window.dialog is None
    tools.show_follow_ups()  # and if it is reached another way, it says why not
    assert window.dialog is None and said == [COORDINATORS_ONLY]
