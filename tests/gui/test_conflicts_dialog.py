"""The coordinator's "Conflicting changes" screen, driven by keyboard from the main
window against a real migrated store: both answers side by side, field by field, the
choice saved as a new version."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hubdesk.services import visits, volunteers
from hubdesk.services.common import Actor
from hubdesk.store.engine import Store
from hubdesk.store.models import AuditEvent, OutboxItem, Visit
from hubdesk.ui.conflicts_dialog import ConflictsDialog
from hubdesk.ui.main_window import MainWindow
from tests.conftest import VOLUNTEER_PIN, Hub

pytestmark = pytest.mark.gui

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def sam(store: Store, hub: Hub) -> Actor:
    with store.unit_of_work() as db:
        volunteers.add_volunteer(db, hub.actor, "Sam Volunteer", VOLUNTEER_PIN)
    with store.unit_of_work() as db:
        return volunteers.unlock(db, "Sam Volunteer", VOLUNTEER_PIN)


def make_conflict(store: Store, hub: Hub, sam: Actor) -> str:
    """Sam edits version 1 while the coordinator saves version 2: age and sex clash."""
    form = visits.VisitForm(contact_mode="walk_in", age_band="65_74", sex="female",
                            topics=[visits.TopicAnswer("loneliness")])
    with store.unit_of_work() as db:
        visit_id = visits.record_visit(db, hub.actor, hub.session_id, form).primary_id
    with store.unit_of_work() as db:
        stale, newer = visits.get_visit_form(db, visit_id), visits.get_visit_form(db, visit_id)
    newer.age_band, newer.sex = "85_plus", "male"
    with store.unit_of_work() as db:
        visits.edit_visit(db, hub.actor, visit_id, newer, base_version=1)
    stale.age_band, stale.sex, stale.first_visit = "75_84", "prefer_not", True
    with store.unit_of_work() as db:
        assert "conflict" in visits.edit_visit(db, sam, visit_id, stale, base_version=1).kinds
    return visit_id


def focused() -> object:
    return QApplication.focusWidget()


def test_a_coordinator_chooses_field_by_field_by_keyboard(
        window: MainWindow, hub: Hub, sam: Actor, store: Store, qtbot: QtBot,
        qtmodeltester: object) -> None:
    visit_id = make_conflict(store, hub, sam)
    assert window.conflicts_action.shortcut().toString() == "Ctrl+Shift+K"
    qtbot.keyClick(window, Qt.Key.Key_K, CTRL_SHIFT)
    dialog = window.dialog
    assert isinstance(dialog, ConflictsDialog)
    qtbot.waitUntil(lambda: dialog.loaded and dialog.model.rowCount() == 1)
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    assert dialog.model.index(0, 0).data().endswith("· 2 answers changed in two places")
    # both values side by side, one row per answer, in words
    texts = [[dialog.grid.itemAtPosition(r, c).widget().text() for c in range(3)]
             for r in range(3)]
    assert texts == [["", "On this laptop, by Sam Volunteer", "Elsewhere, by Pat Coordinator"],
                     ["Age band", "Keep 75–84", "Keep 85+"],
                     ["Sex", "Keep Prefer not to say", "Keep Male"]]  # short: one line each
    age_mine, age_other, sex_mine, sex_other = dialog.radios
    assert not (age_mine.isChecked() or age_other.isChecked())  # nothing chosen for them
    assert age_mine.accessibleName() == "Age band: keep this laptop's answer, 75–84"
    qtbot.waitUntil(lambda: focused() is age_mine)

    qtbot.keyClick(age_mine, Qt.Key.Key_Return)  # nothing chosen yet: said, nothing saved
    assert dialog.error_summary.isVisible()
    assert "Choose which answer to keep for: Age band, Sex." in dialog.error_summary.body.text()
    assert focused() is age_mine

    qtbot.keyClick(age_mine, Qt.Key.Key_Space)  # keep this laptop's age band
    assert age_mine.isChecked()
    # Tab goes answer by answer (one stop per pair); arrow keys move within a pair,
    # Space picks
    qtbot.keyClick(age_mine, Qt.Key.Key_Tab)
    assert focused() is sex_mine
    qtbot.keyClick(sex_mine, Qt.Key.Key_Right)
    assert focused() is sex_other
    qtbot.keyClick(sex_other, Qt.Key.Key_Space)
    qtbot.keyClick(sex_other, Qt.Key.Key_Tab)
    assert focused() is dialog.ok_button
    assert sex_other.isChecked() and age_mine.isChecked()
    assert dialog.choices() == {"age_band": "this_laptop", "sex": "other"}
    with qtbot.waitSignal(dialog.resolved, timeout=5000):
        qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.empty_note.isVisible)
    assert dialog.done_note.text().startswith("✓ Saved as a new version.")
    assert not dialog.ok_button.isVisible()

    with store.unit_of_work() as db:
        visit = db.scalars(select(Visit).where(Visit.record_id == visit_id,
                                               Visit.is_current.is_(True))).one()
        assert (visit.version, visit.age_band, visit.sex, visit.first_visit) == (
            4, "75_84", "male", True)
        assert db.scalar(select(OutboxItem.state).where(
            OutboxItem.record_id == visit_id, OutboxItem.version == 4)) == "pending"
        assert db.scalars(select(AuditEvent.entity_id).where(
            AuditEvent.action == "resolve")).all() == [visit_id]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.dialog is None)


def test_a_volunteer_is_told_to_ask_the_coordinator(
        window: MainWindow, hub: Hub, sam: Actor, store: Store, qtbot: QtBot) -> None:
    make_conflict(store, hub, sam)
    window.context.set_actor(sam)
    qtbot.keyClick(window, Qt.Key.Key_K, CTRL_SHIFT)
    assert window.dialog is None
    assert "Ask your coordinator" in window.statusBar().currentMessage()
