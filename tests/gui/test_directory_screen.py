"""The services directory screen, driven by keyboard only: search, filters, crisis
services first, status in words, and a coordinator's correction that arrives on the real
server (127.0.0.1, real database; ``test_sync_ui``'s rig) as a ``suggestion`` record
after sync."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hubdesk.core.opening_times import OPEN
from hubdesk.server.models import HeldItem, RecordRow
from hubdesk.ui.context import AppContext
from hubdesk.ui.directory_browser import DirectoryDialog
from hubdesk.ui.main_window import MainWindow
from hubdesk.ui.suggestion_dialog import SuggestionDialog
from tests.gui import test_sync_ui
from tests.gui.conftest import wait_idle
from tests.gui.test_sync_ui import SyncApp

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier
NEW_NUMBER = "01438 000 123"
#: the real server on 127.0.0.1 with an enrolled laptop and its main window
real_server_app = test_sync_ui.sync_app


def _focused() -> object:
    return QApplication.focusWidget()


def _open_directory(qtbot: QtBot, window: MainWindow) -> DirectoryDialog:
    assert window.directory_action.shortcut().toString() == "Ctrl+Shift+D"
    qtbot.keyClick(window, Qt.Key.Key_D, CTRL_SHIFT)
    dialog = window.dialog
    assert isinstance(dialog, DirectoryDialog)
    qtbot.waitUntil(lambda: dialog.page is not None and dialog.model.rowCount() > 0)
    return dialog


def _search(qtbot: QtBot, dialog: DirectoryDialog, action: object) -> None:
    with qtbot.waitSignal(dialog.loaded, timeout=5000):
        action()  # type: ignore[operator]
    wait_idle(qtbot, dialog.context)


def test_browsing_by_keyboard_with_filters_and_crisis_first(
        window: MainWindow, hub_context: AppContext, qtbot: QtBot, qtmodeltester: object) -> None:
    dialog = _open_directory(qtbot, window)
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    assert _focused() is dialog.search
    rows = [dialog.model.row_at(i) for i in range(dialog.model.rowCount())]
    assert rows[0] is not None and rows[0].is_crisis
    assert dialog.model.index(0, 0).data().startswith("Crisis support: ")
    assert dialog.count_line.text().startswith("35 services")
    shed = dialog.model.row_of_id(next(r.id for r in rows if r and r.status == "paused"))
    assert dialog.model.index(shed, 1).data() == "Paused"  # said in words, not colour

    _search(qtbot, dialog, lambda: qtbot.keyClicks(dialog.search, "debt"))
    names = [dialog.model.index(i, 0).data() for i in range(dialog.model.rowCount())]
    assert "National Debtline" in names and "Citizens Advice" in names
    assert not any("Samaritans" in name for name in names)

    # Tab goes through the filters in reading order; the area filter by typing
    qtbot.keyClick(dialog.search, Qt.Key.Key_Tab)
    assert _focused() is dialog.category
    qtbot.keyClick(dialog.category, Qt.Key.Key_Tab)
    assert _focused() is dialog.area
    _search(qtbot, dialog, lambda: qtbot.keyClicks(dialog.area, "Stev"))
    assert dialog.area.currentText() == "Stevenage"
    assert [dialog.model.index(i, 0).data() for i in range(dialog.model.rowCount())] == [
        "SAMPLE – Money Advice Drop-in", "SAMPLE – Warm Homes Grant Adviser"]
    qtbot.keyClick(dialog.area, Qt.Key.Key_Tab)
    assert _focused() is dialog.open_now
    _search(qtbot, dialog, lambda: qtbot.keyClick(dialog.open_now, Qt.Key.Key_Space))
    assert dialog.open_now.isChecked()
    assert all(r.opening.state == OPEN for r in dialog.model.rows)
    qtbot.keyClick(dialog.open_now, Qt.Key.Key_Tab)
    assert _focused() is dialog.table
    qtbot.keyClick(dialog.table, Qt.Key.Key_Tab)
    assert _focused() is dialog.details
    qtbot.keyClick(dialog.details, Qt.Key.Key_Tab)
    assert _focused() is dialog.suggest_change or not dialog.suggest_change.isEnabled()


def test_a_volunteer_browses_but_is_not_offered_suggestions(
        window: MainWindow, hub_context: AppContext, qtbot: QtBot) -> None:
    from hubdesk.services.common import Actor

    actor = hub_context.actor
    assert actor is not None
    hub_context.set_actor(Actor(actor.volunteer_id, actor.device_id, "Val", "volunteer"))
    window._show_locked(False)
    dialog = DirectoryDialog(hub_context, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.page is not None)
    assert not dialog.suggest_change.isVisibleTo(dialog)
    assert not dialog.suggest_new.isVisibleTo(dialog)


@pytest.mark.integration
def test_a_correction_proposed_by_keyboard_arrives_on_the_server_as_a_suggestion(
        real_server_app: SyncApp, qtbot: QtBot) -> None:
    app = real_server_app
    window, laptop, server = app.window, app.laptop, app.server
    dialog = _open_directory(qtbot, window)
    _search(qtbot, dialog, lambda: qtbot.keyClicks(dialog.search, "citizens advice"))
    assert dialog.model.index(0, 0).data() == "Citizens Advice"
    service_id = dialog.model.row_at(0).id  # type: ignore[union-attr]
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)
    assert _focused() is dialog.table

    qtbot.keyClick(dialog.table, Qt.Key.Key_H, ALT)  # "Suggest a cHange to this service…"
    qtbot.waitUntil(lambda: isinstance(getattr(dialog, "suggestion_dialog", None),
                                       SuggestionDialog))
    form = dialog.suggestion_dialog
    qtbot.waitUntil(lambda: _focused() is form.action)
    assert form.action.currentData() == "correct"
    qtbot.keyClick(form.action, Qt.Key.Key_P, ALT)  # Phone
    assert _focused() is form.inputs["phone"]
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(form.inputs["phone"], NEW_NUMBER)
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_Y, ALT)  # "Why? (for the council)"
    assert _focused() is form.reason
    qtbot.keyClicks(form.reason, "Their new free number, from their leaflet")
    with qtbot.waitSignal(form.saved, timeout=5000):
        qtbot.keyClick(form.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "waiting for the council" in dialog.details.toPlainText())
    assert "Your suggestion: Correct the details (Phone). Suggested on " \
        in dialog.details.toPlainText()
    wait_idle(qtbot, dialog.context)

    result = laptop.sync()
    assert result.completed, result.error
    with server.engine.connect() as conn:
        rows = conn.execute(select(RecordRow.payload, RecordRow.hub_id).where(
            RecordRow.kind == "suggestion")).all()
        held = conn.execute(select(HeldItem.id)).all()
    assert held == []
    [(payload, hub_id)] = rows
    fields = json.loads(payload)["fields"]
    assert fields["action"] == "correct" and fields["service_id"] == service_id
    assert fields["phone"] == NEW_NUMBER and "name" not in fields
    assert fields["reason"] == "Their new free number, from their leaflet"
    assert hub_id == server.hub_id
    with qtbot.waitSignal(dialog.loaded, timeout=5000):
        dialog.reload()  # sent: now it only waits for the council
    shown = dialog.details.toPlainText()
    assert "waiting for the council." in shown and "next sync" not in shown
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.dialog is None)


def test_a_new_service_is_suggested_by_keyboard_and_bad_input_loses_nothing(
        window: MainWindow, hub_context: AppContext, qtbot: QtBot) -> None:
    dialog = _open_directory(qtbot, window)
    qtbot.keyClick(dialog.search, Qt.Key.Key_W, ALT)  # "Suggest a neW service…"
    qtbot.waitUntil(lambda: isinstance(getattr(dialog, "suggestion_dialog", None),
                                       SuggestionDialog))
    form = dialog.suggestion_dialog
    qtbot.waitUntil(lambda: _focused() is form.inputs["name"])
    assert not form.action.isVisibleTo(form)  # nothing to choose for a new service
    qtbot.keyClicks(form.inputs["name"], "Knit and natter")
    qtbot.keyClick(form.inputs["name"], Qt.Key.Key_Return)  # no category yet
    qtbot.waitUntil(lambda: form.error_summary.isVisible())
    assert form.error_summary.messages == ["Choose at least one category."]
    assert form.fields["categories"].has_error
    assert form.inputs["name"].text() == "Knit and natter"  # nothing typed is lost

    qtbot.keyClick(form, Qt.Key.Key_C, ALT)  # Categories
    assert _focused() is form.categories
    for _ in range(6):  # Stop smoking … Social groups and befriending
        qtbot.keyClick(form.categories, Qt.Key.Key_Down)
    assert form.categories.currentItem().text() == "Social groups and befriending"
    qtbot.keyClick(form.categories, Qt.Key.Key_Space)
    assert form.categories.currentItem().checkState() == Qt.CheckState.Checked
    qtbot.keyClick(form.categories, Qt.Key.Key_T, ALT)  # Opening times
    qtbot.keyClicks(form.inputs["opening_times"], "Thu 2-4")
    with qtbot.waitSignal(form.saved, timeout=5000):
        qtbot.keyClick(form.inputs["opening_times"], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.new_services_line.isVisible())
    assert dialog.new_services_line.text().startswith(
        "New services you suggested: Knit and natter (suggested on ")
    assert "waiting for the council" in dialog.new_services_line.text()
