"""The coordinator's "Safeguarding alerts" dialog, driven by keyboard from the main window
against a real migrated store: review the open alerts, say what was done, and the
header's count follows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hubdesk.services import visits, volunteers
from hubdesk.services.common import Actor
from hubdesk.store.engine import Store
from hubdesk.store.models import Alert, AuditEvent
from hubdesk.ui.alerts_dialog import AlertsDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.main_window import MainWindow
from tests.conftest import Hub

pytestmark = pytest.mark.gui

NOTE = "Worried about her grandson taking her money"


def _record_concern(store: Store, hub: Hub, actor: Actor, topic: str, note: str = "") -> str:
    form = visits.VisitForm(contact_mode="walk_in", age_band="75_84", sex="female",
                            topics=[visits.TopicAnswer(topic=topic)], safeguarding=True, note=note)
    with store.unit_of_work() as db:
        return visits.record_visit(db, actor, hub.session_id, form).primary_id


@pytest.fixture
def val(store: Store, hub: Hub) -> Actor:
    with store.unit_of_work() as db:
        volunteers.add_volunteer(db, hub.actor, "Val Volunteer", "135790")
    with store.unit_of_work() as db:
        return volunteers.unlock(db, "Val Volunteer", "135790")


def _focused() -> object:
    return QApplication.focusWidget()


def test_a_coordinator_reviews_and_acknowledges_alerts_by_keyboard(
        window: MainWindow, hub_context: AppContext, hub: Hub, val: Actor, store: Store,
        qtbot: QtBot, qtmodeltester: object) -> None:
    _record_concern(store, hub, val, "money", NOTE)
    _record_concern(store, hub, hub.actor, "housing")
    window.refresh_status()
    qtbot.waitUntil(lambda: window.alerts_badge.text() == "⚠ 2 safeguarding alerts")
    assert window.alerts_badge.isVisible()
    assert window.alerts_action.shortcut().toString() == "Ctrl+Shift+A"

    qtbot.keyClick(window, Qt.Key.Key_A,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.dialog
    assert isinstance(dialog, AlertsDialog)
    qtbot.waitUntil(lambda: dialog.loaded and dialog.model.rowCount() == 2)
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    assert dialog.heading.text() == "Safeguarding alerts"
    first = dialog.model.index(0, 0).data()
    assert "raised by Val Volunteer" in first and "Lunch club, St Mary's Hall" in first
    details = dialog.details.text()
    assert "Topics: Money, debt or benefits" in details and f"Note: {NOTE}" in details
    assert "Age: 75–84 · Sex: Female" in details
    qtbot.waitUntil(lambda: _focused() is dialog.list)

    # Tab follows reading order: the list, the details, then "What did you do?"
    qtbot.keyClick(dialog.list, Qt.Key.Key_Tab)
    assert _focused() is dialog.details
    qtbot.keyClick(dialog.details, Qt.Key.Key_Tab)
    assert _focused() is dialog.action
    assert dialog.action.accessibleName() == "What did you do?"

    qtbot.keyClick(dialog.action, Qt.Key.Key_Return)  # nothing said yet: an error by the field
    field = dialog.fields["action_taken"]
    assert field.has_error and field.error.text().startswith("Error: Say what you did")
    assert dialog.error_summary.isVisible()
    assert window.alerts_badge.text() == "⚠ 2 safeguarding alerts"

    qtbot.keyClick(dialog, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)  # the label's mnemonic
    assert _focused() is dialog.action
    qtbot.keyClicks(dialog.action, "Called the adult safeguarding team")
    with qtbot.waitSignal(dialog.acknowledged, timeout=5000):
        qtbot.keyClick(dialog.action, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.alerts_badge.text() == "⚠ 1 safeguarding alert")
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    assert not field.has_error and dialog.done_note.text() == "✓ Marked as dealt with."
    assert "Topics: Housing" in dialog.details.text()
    assert dialog.action.text() == ""

    qtbot.keyClicks(dialog.action, "Spoke to the housing officer")
    with qtbot.waitSignal(dialog.acknowledged, timeout=5000):
        qtbot.keyClick(dialog.action, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.alerts_badge.isVisible())
    assert window.open_alerts == 0
    qtbot.waitUntil(dialog.empty_note.isVisible)
    assert not dialog.ok_button.isVisible()

    with store.unit_of_work() as db:
        done = db.scalars(select(Alert).order_by(Alert.raised_at)).all()
        assert [a.action_taken for a in done] == ["Called the adult safeguarding team",
                                                  "Spoke to the housing officer"]
        details_logged = [e.detail for e in db.scalars(
            select(AuditEvent).where(AuditEvent.action == "acknowledge"))]
        assert details_logged == ["acknowledged", "acknowledged"]

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.dialog is None)


def test_the_badge_opens_the_review_and_esc_closes_it(
        window: MainWindow, hub: Hub, val: Actor, store: Store, qtbot: QtBot) -> None:
    _record_concern(store, hub, val, "falls")
    window.refresh_status()
    qtbot.waitUntil(window.alerts_badge.isVisible)
    assert window.alerts_badge.accessibleName() == "1 safeguarding alert"
    qtbot.mouseClick(window.alerts_badge, Qt.MouseButton.LeftButton)
    dialog = window.dialog
    assert isinstance(dialog, AlertsDialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    qtbot.keyClick(dialog.list, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.dialog is None)
    assert window.open_alerts == 1  # closing without saying what was done changes nothing
