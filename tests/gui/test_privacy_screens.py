"""The laptop's lock screens and volunteer management, driven by keyboard (issue 8)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from hubdesk.core.paths import AppPaths
from hubdesk.services import laptop
from hubdesk.store.engine import Store
from hubdesk.ui.context import AppContext
from hubdesk.ui.lock.idle import IdleLock
from hubdesk.ui.lock.pin_screen import PinScreen
from hubdesk.ui.main_window import MainWindow
from hubdesk.ui.volunteers_dialog import VolunteerFormDialog, VolunteersDialog
from tests.conftest import COORDINATOR, PIN
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


@pytest.fixture
def store(paths: AppPaths) -> Iterator[Store]:
    """These tests run on the real encrypted store (key slots, SQLCipher)."""
    opened = laptop.open_new_laptop(paths)
    yield opened
    opened.close()


def _visible_texts(root: QWidget) -> str:
    texts = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        for getter in ("text", "toPlainText", "currentText"):
            value = getattr(widget, getter, None)
            if callable(value):
                with contextlib.suppress(TypeError):
                    texts.append(str(value()))
    return "\n".join(texts)


def test_pin_screen_unlocks_by_keyboard_and_says_when_a_pin_is_wrong(
        hub_context: AppContext, paths: AppPaths, qtbot: QtBot) -> None:
    hub_context.runner.shutdown()  # the PIN screen opens its own store, as at start-up
    screen = PinScreen(paths)
    qtbot.addWidget(screen)
    screen.show()
    screen.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is screen.name)  # the name comes first
    qtbot.keyClicks(screen.name, COORDINATOR)
    qtbot.keyClick(screen.name, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is screen.secret
    qtbot.keyClicks(screen.secret, "999999")
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(screen.error_text), timeout=10_000)
    assert "do not match" in screen.error_text
    assert screen.secret.text() == ""  # the wrong PIN is not left on screen
    assert screen.secret.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(screen.secret, PIN)
    with qtbot.waitSignal(screen.unlocked, timeout=10_000) as unlocked:
        qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
    opened = unlocked.args[0]
    assert opened.actor.display_name == COORDINATOR
    opened.store.close()
    screen.wait_for_workers()  # no worker outlives the test (and its GUI-thread collector)
    for field in (screen.name, screen.secret):
        assert field.accessibleName() or field.parentWidget() is not None


def test_a_coordinator_manages_volunteers_by_keyboard(hub_context: AppContext, paths: AppPaths,
                                                      qtbot: QtBot) -> None:
    dialog = VolunteersDialog(hub_context)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    wait_idle(qtbot, hub_context)
    assert [dialog.list.item(i).text() for i in range(dialog.list.count())] == \
        [f"{COORDINATOR} — Coordinator"]

    # add: Alt+A, type the name, Tab, PIN, Tab, PIN again, Enter
    qtbot.keyClick(dialog, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QWidget)
                    and QApplication.activeModalWidget() is not dialog)
    form = QApplication.activeModalWidget()
    assert isinstance(form, VolunteerFormDialog)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.name)  # the name comes first

    def type_then_tab(text: str, expected_next: QWidget | None) -> None:
        focused = QApplication.focusWidget()
        assert focused is not None, "nothing has keyboard focus"
        qtbot.keyClicks(focused, text)
        if expected_next is not None:
            qtbot.keyClick(focused, Qt.Key.Key_Tab)
            assert QApplication.focusWidget() is expected_next  # Tab follows the reading order

    type_then_tab("Val Volunteer", form.pin)
    type_then_tab("135790", form.pin_again)
    type_then_tab("135790", None)
    qtbot.keyClick(form.pin_again, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.list.count() == 2, timeout=10_000)
    assert form is not None and (not shiboken6.isValid(form) or not form.isVisible())
    assert "Val Volunteer — Volunteer" in [dialog.list.item(i).text() for i in range(2)]
    assert laptop.unlock_laptop(paths, "Val Volunteer", "135790").store.close() is None

    # choose Val with the arrow keys, make her a coordinator (Alt+C), then deactivate (Alt+D)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.list)  # focus is back on the list
    qtbot.keyClick(dialog.list, Qt.Key.Key_Home)
    while dialog.selected is not None and dialog.selected.display_name != "Val Volunteer":
        qtbot.keyClick(dialog.list, Qt.Key.Key_Down)
    qtbot.keyClick(dialog, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "Val Volunteer — Coordinator" in
                    [dialog.list.item(i).text() for i in range(dialog.list.count())], timeout=10_000)
    qtbot.keyClick(dialog, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.question is not None and dialog.question.isVisible())
    question = dialog.question
    assert question is not None and "Their records stay" in question.text()
    yes = question.button(QMessageBox.StandardButton.Yes)
    yes.setFocus()  # No is the default; the coordinator tabs to Yes and presses Space
    qtbot.keyClick(yes, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Val Volunteer — Coordinator · deactivated" in
                    [dialog.list.item(i).text() for i in range(dialog.list.count())], timeout=10_000)
    from hubdesk.core.errors import AuthError

    with pytest.raises(AuthError):
        laptop.unlock_laptop(paths, "Val Volunteer", "135790")  # her key slot is gone


def test_idle_auto_lock_hides_personal_details_and_keeps_the_draft(
        window: MainWindow, hub_context: AppContext, qtbot: QtBot) -> None:
    form = window.capture
    form.visitor_code.setFocus()
    qtbot.keyClicks(form.visitor_code, "ZX-42")
    qtbot.keyClicks(form.note, "Ada Testperson lost her husband")
    assert "Ada Testperson" in _visible_texts(window) and "ZX-42" in _visible_texts(window)
    idle = IdleLock(window, minutes=0.01)  # 0.6 s without a key press
    with qtbot.waitSignal(idle.locked, timeout=5000):
        pass
    idle.stop()
    assert window.is_locked
    assert "Ada Testperson" not in _visible_texts(window)
    assert "ZX-42" not in _visible_texts(window)
    wait_idle(qtbot, hub_context)
    # the same volunteer unlocks: the unfinished visit is back as it was
    dialog = window.dialog
    assert dialog is not None
    name_box = dialog.name  # type: ignore[attr-defined]
    name_box.setEditText(COORDINATOR)
    qtbot.keyClicks(dialog.pin, PIN)  # type: ignore[attr-defined]
    with qtbot.waitSignal(window.ready, timeout=10_000):
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    wait_idle(qtbot, hub_context)
    qtbot.waitUntil(lambda: "Ada Testperson" in form.note.toPlainText(), timeout=5000)
    assert form.visitor_code.text() == "ZX-42"


def test_every_pin_forgotten_the_pin_screen_recovers_with_a_council_code(
        tmp_path: Path, styled_app: object, gui_collector: object, qtbot: QtBot) -> None:
    from hubdesk.server import admin
    from tests.sync.harness import running_server
    from tests.sync.test_recovery import COORDINATOR as SYNC_COORDINATOR
    from tests.sync.test_recovery import _enrolled_laptop

    with running_server(f"sqlite:///{tmp_path / 'server.sqlite3'}") as server:
        laptop_paths, device_id = _enrolled_laptop(tmp_path / "laptop", server)
        code = admin.create_recovery_code(server.engine, device_id)
        screen = PinScreen(laptop_paths)
        qtbot.addWidget(screen)
        screen.show()
        qtbot.keyClick(screen.recover_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
        dialog = QApplication.activeModalWidget()
        assert dialog is not None
        dialog.code.setText(code)  # type: ignore[attr-defined]
        dialog.coordinator.setText(SYNC_COORDINATOR)  # type: ignore[attr-defined]
        dialog.pin.setText("555555")  # type: ignore[attr-defined]
        dialog.pin_again.setText("555555")  # type: ignore[attr-defined]
        with qtbot.waitSignal(screen.unlocked, timeout=30_000) as unlocked:
            qtbot.keyClick(dialog, Qt.Key.Key_Return)
        opened = unlocked.args[0]
        assert opened.actor.display_name == SYNC_COORDINATOR
        opened.store.close()
        dialog_worker = getattr(dialog, "worker", None)
        if dialog_worker is not None:
            dialog_worker.join(30)
        screen.wait_for_workers()
