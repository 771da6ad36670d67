"""Settings (coordinators; a page per area; clear messages; audited) and Help (every
shortcut the window answers to is listed, read from the window itself; the guide opens
from the Help menu), by keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hubdesk.services.retention import RETENTION_DAYS_SETTING
from hubdesk.services.sessions import DEFAULT_SESSION_TYPE_SETTING
from hubdesk.store import repositories
from hubdesk.store.models import AuditEvent
from hubdesk.ui.context import AppContext
from hubdesk.ui.help_dialogs import GuideDialog, ShortcutsDialog, mnemonic_key
from hubdesk.ui.main_window import MainWindow
from hubdesk.ui.settings.dialog import SettingsDialog
from hubdesk.ui.sync_menu import install_sync
from tests.gui.conftest import wait_idle
from tests.gui.keyboard import focused, press

pytestmark = [pytest.mark.gui]

CTRL = Qt.KeyboardModifier.ControlModifier






def open_dialog(qtbot: QtBot, window: MainWindow, key: Qt.Key,
                modifier: Qt.KeyboardModifier, kind: type) -> QWidget:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    press(qtbot, key, modifier)
    def shown() -> bool:
        current = window.dialog
        return current is not None and isinstance(current, kind) and current.isVisible()

    qtbot.waitUntil(shown, timeout=5000)
    dialog = window.dialog
    assert dialog is not None
    dialog.activateWindow()  # what the window manager does for a new dialog (offscreen has none)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    return dialog


def settings_rows(context: AppContext) -> dict[str, object]:
    with context.runner.store.unit_of_work() as db:
        return {key: repositories.get_setting(db, key) for key in
                ("hub_time_zone", RETENTION_DAYS_SETTING, DEFAULT_SESSION_TYPE_SETTING)}


def test_settings_by_keyboard_say_what_is_wrong_save_what_is_right_and_audit_it(
        qtbot: QtBot, window: MainWindow, hub_context: AppContext) -> None:
    dialog = open_dialog(qtbot, window, Qt.Key.Key_Comma, CTRL, SettingsDialog)
    assert isinstance(dialog, SettingsDialog)
    wait_idle(qtbot, hub_context)
    assert dialog.loaded is not None and dialog.loaded.time_zone == "Europe/London"
    assert focused() is dialog.areas
    before = settings_rows(hub_context)

    press(qtbot, Qt.Key.Key_Tab)  # into the Time zone page
    zone = dialog.pages[0].zone  # type: ignore[attr-defined]
    assert focused() is zone.lineEdit() or focused() is zone
    press(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(focused(), "Mars/Olympus")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.fields["time_zone"].has_error, timeout=5000)
    assert dialog.fields["time_zone"].error.message.startswith("“Mars/Olympus” is not a time zone")
    assert dialog.isVisible() and settings_rows(hub_context) == before  # nothing saved

    assert focused() is dialog.error_summary  # the summary is read out first
    for _ in range(4):  # past the summary's link to the error
        press(qtbot, Qt.Key.Key_Tab)
        if focused() is dialog.areas:
            break
    assert focused() is dialog.areas
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() in (zone, zone.lineEdit())
    press(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(focused(), "Europe/Paris")
    press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is dialog.areas
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)  # Keeping details
    assert dialog.stack.currentWidget() is dialog.pages[2]
    press(qtbot, Qt.Key.Key_Tab)
    days = dialog.pages[2].days  # type: ignore[attr-defined]
    assert focused() is days or days.isAncestorOf(focused())
    press(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(focused(), "30")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.dialog is None, timeout=5000)
    wait_idle(qtbot, hub_context)
    after = settings_rows(hub_context)
    assert after["hub_time_zone"] == "Europe/Paris" and after[RETENTION_DAYS_SETTING] == 30
    assert after[DEFAULT_SESSION_TYPE_SETTING] is None  # unchanged values are not written
    with hub_context.runner.store.unit_of_work() as db:
        audited = set(db.scalars(select(AuditEvent.entity_id).where(
            AuditEvent.action == "edit", AuditEvent.entity_kind == "setting")))
    assert audited == {"hub_time_zone", RETENTION_DAYS_SETTING}


def test_the_server_address_of_a_laptop_not_connected_says_to_connect_first(
        qtbot: QtBot, window: MainWindow, hub_context: AppContext) -> None:
    dialog = open_dialog(qtbot, window, Qt.Key.Key_Comma, CTRL, SettingsDialog)
    assert isinstance(dialog, SettingsDialog)
    wait_idle(qtbot, hub_context)
    page = dialog.show_area("Server")
    server = page.server  # type: ignore[attr-defined]
    server.setFocus()
    qtbot.keyClicks(server, "ftp://example.org")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.fields["server_url"].has_error, timeout=5000)
    assert dialog.fields["server_url"].error.message == "The server address must start with https://"
    server.setFocus()
    press(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(server, "https://hubdesk.example.org")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.fields["server_url"].error.message.startswith(
        "Connect this laptop first"), timeout=5000)
    dialog.reject()


def test_settings_and_the_handover_are_hidden_from_a_volunteer(
        qtbot: QtBot, window: MainWindow, hub_context: AppContext) -> None:
    from hubdesk.services import volunteers
    from tests.conftest import VOLUNTEER_PIN

    actions = window.coordinator_actions
    assert actions.settings.isVisible() and actions.handover.isVisible()
    with hub_context.runner.store.unit_of_work() as db:
        volunteers.add_volunteer(db, hub_context.actor, "Robin Volunteer", VOLUNTEER_PIN)  # type: ignore[arg-type]
    with hub_context.runner.store.unit_of_work() as db:
        robin = volunteers.unlock(db, "Robin Volunteer", VOLUNTEER_PIN)
    hub_context.set_actor(robin)
    assert not actions.settings.isVisible() and not actions.handover.isVisible()
    actions.settings.trigger()  # even if it were reached: refused in words, nothing opens
    assert not isinstance(window.dialog, SettingsDialog)


def every_shortcut(window: MainWindow) -> set[str]:
    """Independently of the help module: each key the window answers to."""
    keys = {action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            for action in window.findChildren(QAction) if not action.shortcut().isEmpty()}
    keys |= {shortcut.key().toString(QKeySequence.SequenceFormat.NativeText)
             for shortcut in window.findChildren(QShortcut)}
    keys |= {mnemonic_key(label.text()) for label in window.findChildren(QLabel)
             if label.buddy() is not None and "&" in label.text().replace("&&", "")}
    return keys - {""}


def test_every_shortcut_of_the_window_is_listed_and_the_guide_opens(
        qtbot: QtBot, window: MainWindow, hub_context: AppContext) -> None:
    controller = install_sync(window, hub_context, probe_interval=60, debounce=60)
    try:
        dialog = open_dialog(qtbot, window, Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier,
                             ShortcutsDialog)
        assert isinstance(dialog, ShortcutsDialog)
        text = dialog.plain_text()
        for key in ("F5", "Alt+P", "Alt+O", "Ctrl+N", "Ctrl+Shift+E", "Ctrl+,"):
            assert key in text, key
        missing = sorted(key for key in every_shortcut(window) if key not in text)
        assert not missing, f"shortcuts not in the help: {missing}"
        assert "F5\nSync now" in text  # the key and what it does, from the Sync menu
        press(qtbot, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: window.dialog is None, timeout=5000)

        # a shortcut added anywhere later is listed too (the list cannot go stale)
        added = QAction("Something new", window)
        added.setShortcut(QKeySequence("Ctrl+Alt+J"))
        window.addAction(added)
        dialog = open_dialog(qtbot, window, Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier,
                             ShortcutsDialog)
        assert "Something new" in dialog.plain_text()  # type: ignore[attr-defined]
        press(qtbot, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: window.dialog is None, timeout=5000)

        guide = open_dialog(qtbot, window, Qt.Key.Key_F1, Qt.KeyboardModifier.ShiftModifier,
                            GuideDialog)
        assert isinstance(guide, GuideDialog)
        words = guide.text.toPlainText()
        assert guide.heading.text() == "Your first lunch club"
        assert words.startswith("A one-page guide for the coordinator.")
        assert "End of day handover" in words and "Alt+P" in words
        assert focused() is guide.text
        press(qtbot, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: window.dialog is None, timeout=5000)
    finally:
        controller.stop()
        wait_idle(qtbot, hub_context)


def test_the_usual_kind_of_session_and_the_text_size_take_effect(
        qtbot: QtBot, window: MainWindow, hub_context: AppContext) -> None:
    from PySide6.QtWidgets import QApplication

    from hubdesk.ui.session_dialogs import OpenSessionDialog
    from hubdesk.ui.settings.dialog import apply_text_size

    base = QApplication.font().pointSizeF()
    dialog = open_dialog(qtbot, window, Qt.Key.Key_Comma, CTRL, SettingsDialog)
    assert isinstance(dialog, SettingsDialog)
    wait_idle(qtbot, hub_context)
    try:
        for _ in range(4):  # Sessions is the fifth area
            press(qtbot, Qt.Key.Key_Down)
        assert dialog.stack.currentWidget() is dialog.pages[4]
        press(qtbot, Qt.Key.Key_Tab)
        qtbot.keyClicks(focused(), "Warm")  # a closed combo box chooses by typing
        press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        press(qtbot, Qt.Key.Key_Down)  # Text size
        press(qtbot, Qt.Key.Key_Tab)
        press(qtbot, Qt.Key.Key_End)  # the largest
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.dialog is None, timeout=5000)
        wait_idle(qtbot, hub_context)
        assert abs(QApplication.font().pointSizeF() - base * 1.5) < 0.2
        assert settings_rows(hub_context)[DEFAULT_SESSION_TYPE_SETTING] == "warm_space"

        opening = OpenSessionDialog(hub_context, window)
        qtbot.addWidget(opening)
        wait_idle(qtbot, hub_context)
        assert opening.session_type.currentData() == "warm_space"
        assert opening.warm_space.isChecked()
    finally:
        apply_text_size(100)
    assert abs(QApplication.font().pointSizeF() - base) < 0.01
