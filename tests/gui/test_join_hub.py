"""Join an existing hub from the first screen, by keyboard only, against the real server,
from an empty data folder (issue 10): a wrong code, no connection, a Wi-Fi login page
and a certificate problem are each said plainly next to the right field, and leave the
laptop new; the right code joins, makes the coordinator and brings the hub's venue."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from hubdesk.core.paths import AppPaths
from hubdesk.server.models import Device
from hubdesk.server.testing import free_port
from hubdesk.services.laptop import LaptopState, laptop_state, open_new_laptop, unlock_laptop
from hubdesk.services.sessions import list_venues
from hubdesk.store import repositories
from hubdesk.sync.join import CERTIFICATE, NO_CONNECTION, PORTAL
from hubdesk.ui.context import AppContext
from hubdesk.ui.errors import ErrorReporter
from hubdesk.ui.join_dialog import JoinHubDialog, WelcomeDialog
from hubdesk.ui.main_window import MainWindow
from hubdesk.ui.tasks import TaskRunner
from tests.gui.conftest import wait_idle
from tests.gui.keyboard import focused, tab_to
from tests.gui.test_sync_ui import _WifiLoginPage
from tests.server.test_tls import _self_signed
from tests.sync.harness import RunningServer, running_server

pytestmark = [pytest.mark.gui, pytest.mark.integration]

NAME, PIN = "Sam Coordinator", "975310"


class _SelfSignedHttps:
    """An HTTPS server whose certificate nobody trusts (a misconfigured or fake server)."""

    def __init__(self, folder: Path) -> None:
        certfile, keyfile = _self_signed(folder)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite3'}") as running:
        yield running


@pytest.fixture
def new_laptop(tmp_path: Path, styled_app: object, gui_collector: object,
               qtbot: QtBot) -> Iterator[tuple[AppContext, AppPaths]]:
    """An empty data folder opened as the app opens it on first start."""
    paths = AppPaths(tmp_path / "laptop").ensure()
    assert laptop_state(paths) is LaptopState.NEW
    store = open_new_laptop(paths)
    errors = ErrorReporter(no_err_windows=True, log_file=None)
    bugs: list[str] = []
    errors.bug_reported.connect(bugs.append)
    runner = TaskRunner(store, errors.report)
    context = AppContext(paths, runner, errors)
    yield context, paths
    wait_idle(qtbot, context, timeout=15_000)
    runner.shutdown()
    store.close()
    assert not bugs, "a bug was reported:\n" + "\n".join(bugs)






def retype(qtbot: QtBot, target: QWidget, text: str) -> None:
    tab_to(qtbot, target)
    qtbot.keyClick(target, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(target, text)


def submit_and_expect(qtbot: QtBot, dialog: JoinHubDialog, field: str) -> str:
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.fields[field].has_error and not dialog.busy, timeout=20_000)
    return dialog.fields[field].error.message


def test_a_new_laptop_joins_its_hub_by_keyboard_and_every_problem_is_said_plainly(
        qtbot: QtBot, new_laptop: tuple[AppContext, AppPaths], server: RunningServer,
        tmp_path: Path) -> None:
    context, paths = new_laptop
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.start()
    qtbot.waitUntil(lambda: isinstance(window.dialog, WelcomeDialog) and window.dialog.isVisible(),
                    timeout=5000)
    welcome = window.dialog
    assert isinstance(welcome, WelcomeDialog)
    qtbot.waitUntil(lambda: focused() is welcome.new_button, timeout=2000)
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is welcome.join_button
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(window.dialog, JoinHubDialog) and window.dialog.isVisible(),
                    timeout=5000)
    dialog = window.dialog
    assert isinstance(dialog, JoinHubDialog)
    qtbot.waitUntil(lambda: focused() is dialog.server, timeout=2000)

    # no connection: nothing listens at the address
    qtbot.keyClicks(dialog.server, f"http://127.0.0.1:{free_port()}")
    retype(qtbot, dialog.code, "WRONG-CODE-1234")
    retype(qtbot, dialog.coordinator, NAME)
    retype(qtbot, dialog.pin, PIN)
    retype(qtbot, dialog.pin_confirm, PIN)
    assert submit_and_expect(qtbot, dialog, "server") == NO_CONNECTION

    # a Wi-Fi login page answers instead of the server
    portal_port = free_port()
    portal = _WifiLoginPage(portal_port)
    try:
        retype(qtbot, dialog.server, f"http://127.0.0.1:{portal_port}")
        tab_to(qtbot, dialog.pin_confirm)
        assert submit_and_expect(qtbot, dialog, "server") == PORTAL
    finally:
        portal.close()

    # a certificate nobody trusts
    fake = _SelfSignedHttps(tmp_path)
    try:
        retype(qtbot, dialog.server, fake.url)
        assert submit_and_expect(qtbot, dialog, "server") == CERTIFICATE
    finally:
        fake.close()

    # the real server, a wrong code: the server's own words, next to the code
    retype(qtbot, dialog.server, server.url)
    message = submit_and_expect(qtbot, dialog, "code")
    assert "not valid" in message and "Ask the council team for a new one" in message
    assert not dialog.fields["server"].has_error
    with server.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Device)) == 0
    with context.runner.store.unit_of_work() as db:
        assert repositories.count_volunteers(db) == 0  # nothing made before the server said yes

    # a code another laptop already used
    taken = server.enrol_code()
    _enrol_elsewhere(tmp_path / "other-laptop", server, taken)
    retype(qtbot, dialog.code, taken)
    message = submit_and_expect(qtbot, dialog, "code")
    assert "already been used by another laptop" in message

    # the right code: joined, unlocked as the new coordinator, the hub's venue is here
    retype(qtbot, dialog.code, server.enrol_code())
    with qtbot.waitSignal(window.ready, timeout=30_000):
        qtbot.keyClick(focused(), Qt.Key.Key_Return)
    actor = context.actor
    assert actor is not None and actor.is_coordinator and actor.display_name == NAME
    assert not window.is_locked
    wait_idle(qtbot, context, timeout=15_000)
    with context.runner.store.unit_of_work() as db:
        assert [v.name for v in list_venues(db)] == ["St Mary's Hall"]
        state = repositories.device_state(db)
        assert state is not None and state.server_url == server.url and state.device_token
    with server.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Device)) == 2  # ours + the other

    # the coordinator's PIN opens the encrypted laptop from now on (a restart)
    context.runner.shutdown()
    context.runner.store.close()
    reopened = unlock_laptop(paths, NAME, PIN)
    try:
        assert reopened.actor.is_coordinator and reopened.actor.display_name == NAME
    finally:
        reopened.store.close()


def _enrol_elsewhere(folder: Path, server: RunningServer, code: str) -> None:
    from hubdesk.services.laptop import open_new_laptop as new_store
    from hubdesk.sync.enrolment import enrol_laptop

    paths = AppPaths(folder).ensure()
    store = new_store(paths)
    try:
        enrol_laptop(store, server.url, code)
    finally:
        store.close()
