"""A calm, safe capture form (issue 7, defects 7-11): stray Enters, Tab and focus,
error links, lost keystrokes, red fields, paused services, numbers that wrap.

Every test drives the real widgets with key presses and checks the database or
what the volunteer would see.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from hubdesk.services import visits
from hubdesk.store.engine import Store
from hubdesk.ui.capture import VisitCaptureForm
from hubdesk.ui.context import AppContext
from hubdesk.ui.main_window import MainWindow
from tests.conftest import Hub
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _saved_visits(store: Store) -> list[visits.VisitRow]:
    with store.unit_of_work() as db:
        return visits.list_visits(db)


def _focus(qtbot: QtBot, widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(widget.hasFocus)


def _press(qtbot: QtBot, key: Qt.Key | str,
           modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    focused = QApplication.focusWidget()
    assert focused is not None, "nothing has keyboard focus"
    qtbot.keyClick(focused, key, modifier)


# ---- defect 7: a stray Enter ---------------------------------------------------------------

def test_a_stray_enter_after_walk_in_asks_and_saves_nothing(qtbot: QtBot, form: VisitCaptureForm,
                                                            store: Store) -> None:
    qtbot.keyClick(form.contact_mode, "w")
    _press(qtbot, Qt.Key.Key_Return)                       # the stray Enter
    wait_idle(qtbot, form.context)
    assert _saved_visits(store) == []
    assert form.ask_box.isVisible()
    assert "no topic and no signpost" in form.ask_text.text()
    assert QApplication.focusWidget() is form.ask_add_topic  # the safe answer has focus
    _press(qtbot, Qt.Key.Key_Return)                       # a second stray Enter: still nothing
    wait_idle(qtbot, form.context)
    assert _saved_visits(store) == []
    assert QApplication.focusWidget() is form.topic_finder
    assert not form.ask_box.isVisible()
    # saying so on purpose saves it
    _press(qtbot, Qt.Key.Key_Return)                       # empty finder: asks again
    assert form.ask_box.isVisible()
    with qtbot.waitSignal(form.saved, timeout=5000):
        qtbot.mouseClick(form.ask_save_anyway, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, form.context)
    assert len(_saved_visits(store)) == 1


def test_opening_a_session_clears_the_stale_error_and_enter_still_asks(
        qtbot: QtBot, form: VisitCaptureForm, store: Store, hub: Hub) -> None:
    form.context.set_session(None)
    qtbot.keyClick(form.contact_mode, "w")
    _press(qtbot, Qt.Key.Key_Return)
    assert form.summary.messages == ["Open a session before recording visits."]
    form.context.set_session(hub.session_id)               # the volunteer opens one
    assert not form.summary.isVisible()
    assert form.summary.messages == []
    _focus(qtbot, form.contact_mode)
    _press(qtbot, Qt.Key.Key_Return)
    wait_idle(qtbot, form.context)
    assert _saved_visits(store) == []
    assert form.ask_box.isVisible()


# ---- defect 8: keyboard and focus -----------------------------------------------------------

def _stop_name(widget: QWidget) -> str:
    name = widget.accessibleName() or getattr(widget, "text", lambda: "")() or type(widget).__name__
    return f"{name} [{type(widget).__name__}]"


def _reads_after(first: QWidget, second: QWidget, body: QWidget) -> bool:
    """``second`` is further on in reading order than ``first`` (same line: to the right)."""
    a = first.mapTo(body, QPoint(0, 0))
    b = second.mapTo(body, QPoint(0, 0))
    same_line = b.y() < a.y() + first.height() and a.y() < b.y() + second.height()
    return b.x() > a.x() if same_line else b.y() >= a.y() + first.height() // 2


def test_tab_walks_the_whole_window_in_reading_order_and_comes_back(
        qtbot: QtBot, window: MainWindow) -> None:
    form = window.capture
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    _focus(qtbot, form.contact_mode)
    stops: list[QWidget] = [form.contact_mode]
    for _ in range(120):
        _press(qtbot, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        assert focused is not None
        if focused is form.contact_mode:
            break
        assert focused not in stops, f"Tab came back to {_stop_name(focused)} before the first field"
        stops.append(focused)
    else:
        pytest.fail("Tab never came back to the first field: " + ", ".join(map(_stop_name, stops)))
    print("TAB WALK:", " -> ".join(_stop_name(w) for w in stops), "-> (first field again)")
    names = [_stop_name(w) for w in stops]
    save = stops.index(form.save_button)
    after_save = stops[save + 1:]
    assert window.tabs.bar in after_save                    # the tabs, then the header, ...
    assert window.switch_button in after_save
    assert window.close_session_button in after_save
    assert window.headcount_bar.plus in after_save
    assert stops.index(window.switch_button) < stops.index(window.tabs.bar), names
    # ... and the form itself in reading order, first field to Save
    in_form = [w for w in stops[:save + 1] if form.body.isAncestorOf(w)]
    for first, second in itertools.pairwise(in_form):
        assert _reads_after(first, second, form.body), f"{_stop_name(first)} then {_stop_name(second)}"
    # Shift+Tab from the first field goes back to the last stop
    _press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is stops[-1]


def test_after_opening_a_session_focus_is_on_the_first_field(qtbot: QtBot, window: MainWindow,
                                                            hub_context: AppContext, hub: Hub) -> None:
    from hubdesk.ui.session_dialogs import OpenSessionDialog

    with hub_context.runner.store.unit_of_work() as db:
        from hubdesk.services import sessions

        sessions.close_session(db, hub.actor, hub.session_id)
    hub_context.set_session(None)
    wait_idle(qtbot, hub_context)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.open_session_button.setFocus()
    window.open_session()
    dialog = window.dialog
    assert isinstance(dialog, OpenSessionDialog)
    wait_idle(qtbot, hub_context)
    with qtbot.waitSignal(hub_context.session_changed, timeout=5000):
        qtbot.keyClick(dialog.venue, Qt.Key.Key_Return)
    wait_idle(qtbot, hub_context)
    qtbot.waitUntil(lambda: window.dialog is None)
    window.activateWindow()                                # the dialog has gone: back to the window
    qtbot.waitUntil(window.isActiveWindow)
    # the window's focus is on the first field (not on "Switch volunteer" next to the hidden button)
    qtbot.waitUntil(lambda: window.focusWidget() is window.capture.contact_mode, timeout=3000)
    assert QApplication.focusWidget() is window.capture.contact_mode


def test_an_error_link_scrolls_its_field_into_view(qtbot: QtBot, form: VisitCaptureForm) -> None:
    form.resize(1000, 420)
    qtbot.keyClick(form.contact_mode, "w")
    form.note.setPlainText("x" * (visits.MAX_NOTE + 5))
    _press(qtbot, Qt.Key.Key_Return)
    assert form.fields["note"].has_error
    form.scroll_area.verticalScrollBar().setValue(0)
    form.summary.body.linkActivated.emit("note")
    qtbot.waitUntil(form.note.hasFocus)
    viewport = form.scroll_area.viewport()
    top = form.note.mapTo(viewport, QPoint(0, 0)).y()
    assert top >= 0 and top + form.note.height() <= viewport.height(), (top, viewport.height())


def test_typing_after_the_error_summary_took_focus_is_not_lost(qtbot: QtBot,
                                                               form: VisitCaptureForm) -> None:
    _press(qtbot, Qt.Key.Key_Return)                       # empty form: the summary says why
    assert form.summary.isVisible()
    _press(qtbot, "w")                                     # the volunteer carries on typing
    assert form.contact_mode.currentData() == "walk_in"
    assert QApplication.focusWidget() is form.contact_mode


def _red(form: VisitCaptureForm, name: str) -> bool:
    """Marked as wrong: the red outline (``invalid``) or the message above the field."""
    field = form.fields[name]
    return bool(field.field.property("invalid")) or field.has_error


def test_fields_stop_being_red_once_fixed(qtbot: QtBot, form: VisitCaptureForm) -> None:
    """As a volunteer fixes them: the first fix is typed straight after Enter, while the
    error summary has focus (on the old form that key was lost and the field stayed red)."""
    form.context.set_session(None)
    _focus(qtbot, form.postcode)
    qtbot.keyClicks(form.postcode, "12AB")
    _press(qtbot, Qt.Key.Key_Return)
    assert _red(form, "postcode_district") and _red(form, "contact_mode")
    assert QApplication.focusWidget() is not form.contact_mode  # the summary took focus
    _press(qtbot, "w")                                     # Walk-in, typed at once
    assert not _red(form, "contact_mode"), form.summary.messages
    assert _red(form, "postcode_district")                 # not fixed yet: still said
    _focus(qtbot, form.postcode)
    form.postcode.selectAll()
    qtbot.keyClicks(form.postcode, "SG1")
    assert not _red(form, "postcode_district")
    assert form.summary.messages == ["Open a session before recording visits."]  # still true


# ---- defect 11 (the form's half): paused services, numbers, refusals -------------------------

def test_a_paused_service_is_marked_once_and_asks_before_it_is_chosen(
        qtbot: QtBot, form: VisitCaptureForm) -> None:
    picker = form.picker
    _focus(qtbot, picker.search)
    qtbot.keyClicks(picker.search, "men's shed")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1, timeout=3000)
    wait_idle(qtbot, form.context)
    line = picker.model.data(picker.model.index(0, 0))
    assert line.lower().count("paused") == 1, line
    _press(qtbot, Qt.Key.Key_Return)
    assert picker.chosen_names() == []
    assert picker.ask_box.isVisible() and "paused" in picker.ask_text.text().lower()
    assert QApplication.focusWidget() is picker.ask_no
    _press(qtbot, Qt.Key.Key_Return)                       # Enter keeps the safe answer
    assert picker.chosen_names() == [] and not picker.ask_box.isVisible()
    qtbot.keyClicks(picker.search, "men's shed")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1 and not picker.search_pending, timeout=3000)
    _press(qtbot, Qt.Key.Key_Return)
    with qtbot.waitSignal(picker.changed, timeout=3000):
        qtbot.mouseClick(picker.ask_yes, Qt.MouseButton.LeftButton)
    assert len(picker.chosen_names()) == 1
    assert "paused" in picker.status.text().lower()


def test_phone_numbers_never_wrap(form: VisitCaptureForm, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: "Samaritans" in form.picker.crisis.text(), timeout=3000)
    wait_idle(qtbot, form.context)
    text = form.picker.crisis.text()
    assert re.search(r"\d[ \-]\d", text) is None, text  # only non-breaking spaces inside numbers
    assert "116\u00a0123" in text


def test_the_postcode_refusal_is_said_next_to_the_field(qtbot: QtBot, form: VisitCaptureForm,
                                                        store: Store) -> None:
    qtbot.keyClick(form.contact_mode, "w")
    _focus(qtbot, form.postcode)
    qtbot.keyClicks(form.postcode, "SG2 7")
    form.safeguarding.setChecked(True)                     # a visit with substance: no question
    _press(qtbot, Qt.Key.Key_Return)
    wait_idle(qtbot, form.context)
    field = form.fields["postcode_district"]
    assert field.has_error, "SG2 7 was taken (and rewritten)"
    assert "SG1" in field.error.message
    assert form.postcode.text() == "SG2 7"                 # nothing the volunteer typed is lost
    assert _saved_visits(store) == []


# ---- defect 9: 150 % text on a 1366x768 laptop ------------------------------------------------

def _in_view(widget: QWidget, viewport: QWidget) -> bool:
    top = widget.mapTo(viewport, QPoint(0, 0)).y()
    return widget.isVisible() and top >= 0 and top + widget.height() <= viewport.height()


@pytest.fixture
def text_at_150_percent(qapp: QApplication) -> Iterator[None]:
    """150 % text as the system sets it: the application's font, before any widget exists
    (a window's own font does not reach what the style sheet sizes)."""
    normal = QApplication.font()
    larger = QFont(normal)
    larger.setPointSizeF(normal.pointSizeF() * 1.5)
    QApplication.setFont(larger)
    yield
    QApplication.setFont(normal)


def test_at_150_percent_the_volunteer_sees_what_they_just_added(
        text_at_150_percent: None, qtbot: QtBot, hub_context: AppContext, hub: Hub) -> None:
    window = MainWindow(hub_context)
    qtbot.addWidget(window)
    window.resize(1366, 698)                              # maximised on the laptop, less the title bar
    window.show()
    with qtbot.waitSignal(window.ready, timeout=5000):
        window.unlocked(hub.actor)
    wait_idle(qtbot, hub_context)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    form = window.capture
    viewport = form.scroll_area.viewport()
    form.focus_first()
    _press(qtbot, "w")
    _press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClicks(QApplication.focusWidget(), "alcohol")
    _press(qtbot, Qt.Key.Key_Return)
    assert form.status.text().startswith("✓ Topic added: Alcohol")
    row = form.topic_row("alcohol")
    assert row is not None and _in_view(row.step, viewport)
    _press(qtbot, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClicks(QApplication.focusWidget(), "drinkline")
    with qtbot.waitSignal(form.picker.changed, timeout=5000):
        _press(qtbot, Qt.Key.Key_Return)
    assert form.picker.chosen_names() == ["Drinkline"]
    # the emptied search box lists the directory again: wait for that, as the eye would
    qtbot.waitUntil(lambda: not form.picker.search_pending, timeout=3000)
    wait_idle(qtbot, hub_context)
    assert form.status.text().startswith("✓ Signpost added: Drinkline")
    assert form.status.isVisible()                        # the action bar never scrolls away
    chosen = form.picker.last_chosen_widget()
    assert chosen is not None and _in_view(chosen, viewport)
    assert _in_view(form.picker.search, viewport)         # and where the typing goes is in view
