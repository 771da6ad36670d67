"""The coordinator's Impact report screen, driven by keyboard over a real store filled
with the fixed report dataset (tests/reports/dataset.py, answers worked out by hand)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hubdesk.services.common import Actor
from hubdesk.store.engine import Store
from hubdesk.ui.context import AppContext
from hubdesk.ui.main_window import MainWindow
from hubdesk.ui.reports.reports_dialog import ReportsDialog
from tests.conftest import Hub
from tests.gui.conftest import wait_idle
from tests.reports.laptop_data import fill_store

pytestmark = pytest.mark.gui


@pytest.fixture
def filled(store: Store, hub: Hub) -> Hub:
    fill_store(store)
    return hub


def _open(window: MainWindow, qtbot: QtBot) -> ReportsDialog:
    qtbot.keyClick(window, Qt.Key.Key_R,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.dialog
    assert isinstance(dialog, ReportsDialog)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    return dialog


def test_figures_for_a_chosen_period_and_venue(window: MainWindow, filled: Hub,
                                               hub_context: AppContext, qtbot: QtBot) -> None:
    dialog = _open(window, qtbot)
    assert dialog.period.currentData() == "this_month"  # the dataset is long past
    dialog.period.setFocus()
    qtbot.keyClick(dialog.period, Qt.Key.Key_Tab)  # into "From", its text selected
    assert QApplication.focusWidget() is dialog.first
    qtbot.keyClicks(dialog.first, "28/3/2026")
    qtbot.keyClick(dialog.first, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.last
    qtbot.keyClicks(dialog.last, "30/03/26")
    assert dialog.period.currentData() == "custom"  # editing a date makes the period custom
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        qtbot.keyClick(dialog.last, Qt.Key.Key_Return)
    words = dialog.summary.text()
    assert "11 people helped: 6 visits and 5 more counted at sessions." in words
    assert "4 different visitors, of whom 2 came back; 3 first visits." in words
    assert "60 % of those whose sex we know were women, 40 % men." in words
    assert "2 needed mental-health support (33 % of visits)." in words
    assert "4 volunteers gave 8.0 hours." in words
    assert "(1 still waiting for a coordinator)" in words
    sex, ages = dialog.charts[0], dialog.charts[1]
    assert sex.accessibleDescription() == "Sex (where known): Female 3, Male 2."
    assert ages.accessibleDescription() == (
        "Age bands: 16–24 1, 25–49 1, 50–64 1, 65+ 2, Not known 1.")
    assert dialog.charts[4].accessibleDescription() == "Visits month by month: Mar 26 6."

    dialog.venue.setFocus()
    qtbot.keyClicks(dialog.venue, "Bed")  # type-ahead: "Bedwell warm space"
    assert dialog.venue.currentText() == "Bedwell warm space"
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        qtbot.keyClick(dialog.venue, Qt.Key.Key_Return)
    assert dialog.covers.text() == "Bedwell warm space: 28 March 2026 to 30 March 2026"
    assert "4 people helped: 2 visits and 2 more counted at sessions." in dialog.summary.text()
    assert "1 session ran, 1 of them warm spaces; 1 activity with 7 taking part (7 aged 0–17)." \
        in dialog.summary.text()


def test_tab_follows_the_reading_order(window: MainWindow, filled: Hub, qtbot: QtBot) -> None:
    dialog = _open(window, qtbot)
    expected: list[object] = [
        dialog.period, dialog.first, dialog.last, dialog.venue, dialog.ok_button, dialog.summary,
        dialog.charts[0], dialog.charts[4], dialog.charts[1], dialog.charts[2], dialog.charts[3],
        dialog.exact, *dialog.save_buttons.values(), dialog.cancel_button]
    dialog.period.setFocus()
    seen: list[object] = []
    for _ in expected:
        seen.append(QApplication.focusWidget())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert seen == expected
    for widget in expected:
        assert widget.accessibleName() or widget.text()  # type: ignore[attr-defined]


def test_the_end_before_the_start_is_said_next_to_the_field(window: MainWindow, filled: Hub,
                                                            qtbot: QtBot) -> None:
    dialog = _open(window, qtbot)
    shown = dialog.report
    dialog.first.setText("30/03/2026")
    dialog.last.setText("28/03/2026")
    qtbot.keyClick(dialog.last, Qt.Key.Key_Return)
    assert dialog.fields["last"].error.message == "The end date is before the start date."
    assert dialog.fields["last"].has_error
    dialog.first.setText("31/02/2026")
    qtbot.keyClick(dialog.first, Qt.Key.Key_Return)
    assert dialog.fields["first"].error.message == "31/02/2026 is not a real date."
    assert dialog.report is shown  # the figures on screen stay as they were


def test_saving_excel_and_pdf_off_the_ui_thread(window: MainWindow, filled: Hub,
                                                hub_context: AppContext, qtbot: QtBot,
                                                tmp_path: Path) -> None:
    dialog = _open(window, qtbot)
    dialog.first.setText("28/03/2026")
    dialog.last.setText("30/03/2026")
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.show_figures()
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.export_to("xlsx", tmp_path / "r.xlsx")
    summary = load_workbook(tmp_path / "r.xlsx")["Summary"]
    values = {code: value for _, code, _, value, _ in summary.iter_rows(min_row=2, values_only=True)}
    assert values["visits"] == 6 and values["first_visits"] == "<5"  # it leaves the hub
    with qtbot.waitSignal(dialog.exported, timeout=30_000):
        dialog.export_to("pdf", tmp_path / "r.pdf")
    pdf = (tmp_path / "r.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert pdf.startswith(b"%PDF") and 1 <= pages <= 3
    assert "Saved:" in dialog.saved_note.text()
    wait_idle(qtbot, hub_context)


def test_a_volunteer_is_told_reports_are_for_coordinators(window: MainWindow,
                                                          hub_context: AppContext,
                                                          hub: Hub, qtbot: QtBot) -> None:
    volunteer = Actor(hub.actor.volunteer_id, hub.actor.device_id, "Val", "volunteer")
    hub_context.set_actor(volunteer)
    window.show_reports()
    assert window.dialog is None
    assert window.statusBar().currentMessage() == "Reports are for coordinators."
