"""Sync in the app, against the real server on 127.0.0.1 with a real SQLite database.

The laptop is enrolled with a real one-time code (``tests/sync/harness.Laptop``);
the window is the real MainWindow with ``install_sync`` as the app will call it.
The server is stopped and started again on the same port and database to play a
hall without internet; no part of our system is mocked.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, func, select

from hubdesk.core.hashing import content_hash
from hubdesk.server import admin
from hubdesk.server.bootstrap import open_database
from hubdesk.server.models import RecordRow
from hubdesk.server.testing import free_port, serve_engine
from hubdesk.services import visits, volunteers
from hubdesk.services.visits import SignpostAnswer, TopicAnswer, VisitForm
from hubdesk.store import sync_repo
from hubdesk.store.models import AuditEvent, OutboxItem
from hubdesk.sync.engine import Backoff, SyncResult
from hubdesk.sync.status_text import OFFLINE, REVOKED_TEXT
from hubdesk.ui.context import AppContext
from hubdesk.ui.errors import ErrorReporter
from hubdesk.ui.main_window import MainWindow
from hubdesk.ui.models import ID_ROLE
from hubdesk.ui.sync_controller import SyncController
from hubdesk.ui.sync_menu import install_sync, open_sync_panel
from hubdesk.ui.sync_panel import SyncPanel
from hubdesk.ui.tasks import TaskRunner
from tests.conftest import VOLUNTEER_PIN, Hub
from tests.gui.conftest import wait_idle
from tests.sync.harness import Laptop, RunningServer

pytestmark = [pytest.mark.gui, pytest.mark.integration]

FAST = {"probe_interval": 0.2, "probe_max_interval": 0.6, "debounce": 0.3,
        "connect_timeout": 1.0, "stall_timeout": 5.0, "max_retries": 1,
        "backoff": Backoff(base=0.05, cap=0.2)}


class HallServer:
    """The real server on a fixed loopback port, which a test can stop and start
    again on the same port and database (the hall's Wi-Fi going and coming back)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = open_database(f"sqlite:///{folder / 'server.sqlite3'}")
        self.hub_id = admin.create_hub(self.engine, "Stevenage Healthy Hub", "Stevenage")
        admin.add_venue(self.engine, self.hub_id, "St Mary's Hall", "church_hall", "SG1")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._running: ExitStack | None = None

    def start(self) -> None:
        assert self._running is None
        stack = ExitStack()
        assert stack.enter_context(serve_engine(self.engine, port=self.port)) == self.url
        self._running = stack

    def stop(self) -> None:
        if self._running is not None:
            self._running.close()
            self._running = None

    def visits_held(self, device_id: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(
                select(func.count(func.distinct(RecordRow.record_id)))
                .where(RecordRow.kind == "visit", RecordRow.device_id == device_id)) or 0)

    def as_running(self) -> RunningServer:
        return RunningServer(self.url, self.engine, self.hub_id)


@dataclass
class SyncApp:
    server: HallServer
    laptop: Laptop
    context: AppContext
    window: MainWindow
    bugs: list[str]

    def install(self, **options: object) -> SyncController:
        settings = {**FAST, **options}
        controller = install_sync(self.window, self.context, **settings)
        self.controller = controller
        return controller

    @property
    def label_text(self) -> str:
        widgets = self.controller.widgets
        assert widgets is not None
        return widgets.label.text()

    def record_visit(self, qtbot: QtBot, topics: int = 1) -> str:
        """Record a visit through the services on the database lane, as the form does
        (so ``data_changed`` fires): 1 visit + ``topics`` conversations + 1 outcome."""
        laptop = self.laptop
        names = ["mental_wellbeing", "loneliness", "money"][:topics]
        form = VisitForm(
            contact_mode="walk_in", age_band="65_74", sex="female", first_visit=True,
            topics=[TopicAnswer(t, "advise", "brief", "thinking", "signposted") for t in names],
            signposts=[SignpostAnswer(laptop.service_ids[0], "signpost", names[0])],
        )
        saved: list[str] = []
        self.context.runner.run_db(
            lambda db: visits.record_visit(db, laptop.actor, laptop.session_id, form),
            lambda changes: saved.append(changes.primary_id))
        qtbot.waitUntil(lambda: bool(saved), timeout=5000)
        return saved[0]


@pytest.fixture
def sync_app(tmp_path: Path, qtbot: QtBot, styled_app: object,
             gui_collector: object) -> Iterator[SyncApp]:
    server = HallServer(tmp_path / "server")
    server.start()
    laptop = Laptop(tmp_path / "laptop", server.as_running())  # enrolled, first sync done
    errors = ErrorReporter(no_err_windows=True, log_file=None)
    bugs: list[str] = []
    errors.bug_reported.connect(bugs.append)
    runner = TaskRunner(laptop.store, errors.report)
    context = AppContext(laptop.paths, runner, errors)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.ready, timeout=5000):
        window.unlocked(laptop.actor)
    app = SyncApp(server, laptop, context, window, bugs)
    try:
        yield app
    finally:
        controller = getattr(app, "controller", None)
        if controller is not None:
            controller.stop()
        wait_idle(qtbot, context, timeout=15_000)
        runner.shutdown()
        server.stop()
        laptop.close()
        server.engine.dispose()
    assert not bugs, "a bug was reported:\n" + "\n".join(bugs)


def _hh_mm_now() -> set[str]:
    now = datetime.now().astimezone()
    return {f"{now:%H:%M}", f"{datetime.fromtimestamp(now.timestamp() - 60).astimezone():%H:%M}"}


def test_records_wait_while_the_server_is_down_and_sync_by_themselves_when_it_is_back(
        qtbot: QtBot, sync_app: SyncApp) -> None:
    app = sync_app
    app.server.stop()  # the hall has no internet
    controller = app.install()
    qtbot.waitUntil(lambda: controller.reach == OFFLINE, timeout=5000)
    assert app.label_text.startswith("All sent · ")  # the enrolment's first sync

    visit_id = app.record_visit(qtbot)
    qtbot.waitUntil(lambda: app.label_text.startswith("1 visit waiting"), timeout=5000)
    assert app.label_text == "1 visit waiting (3 records) · cannot reach the server"
    assert app.window.statusBar().isVisible() and app.controller.widgets is not None
    assert app.controller.widgets.label.isVisible()
    qtbot.wait(700)  # a few probes and the debounce pass: still nothing can be sent
    assert app.label_text.startswith("1 visit waiting")
    assert controller.last_result is None or not controller.last_result.completed

    app.server.start()  # the Wi-Fi is back: no button is pressed
    qtbot.waitUntil(lambda: app.label_text.startswith("All sent · "), timeout=15_000)
    assert app.label_text.removeprefix("All sent · ") in _hh_mm_now()
    assert controller.last_result is not None and controller.last_result.completed
    assert controller.last_result.sent == 3
    assert app.server.visits_held(app.laptop.device_id) == 1
    with app.laptop.store.unit_of_work() as db:
        assert sync_repo.outbox_counts(db).unsent == 0
    # the today list's badge was redrawn after the sync ("sync" change)
    model = app.window.today.model
    qtbot.waitUntil(lambda: any(
        "Sent" in str(model.data(model.index(0, column)))
        for column in range(model.columnCount())), timeout=5000)
    assert visit_id


def test_a_probe_right_after_a_run_does_not_start_a_second_run_on_stale_counts(
        qtbot: QtBot, sync_app: SyncApp) -> None:
    """The cause of "last_result.sent == 0 after All sent" on a slow machine: a probe
    answered after a run ended but before the fresh counts arrived, saw the old
    "3 waiting" and started a second run, which sent nothing.  Here the database lane
    is kept busy for a moment after the run (as on a loaded 2-core laptop), so the
    counts arrive late while probes keep answering."""
    app = sync_app
    app.server.stop()
    controller = app.install(probe_interval=0.05, probe_max_interval=0.1)
    qtbot.waitUntil(lambda: controller.reach == OFFLINE, timeout=5000)
    app.record_visit(qtbot)
    qtbot.waitUntil(lambda: app.label_text.startswith("1 visit waiting"), timeout=5000)
    started: list[bool] = []

    def run_started(running: bool) -> None:
        if running:
            started.append(running)
            # the database lane busy while the run goes on and just after it ends (the
            # run itself opens its own units of work on the background lane)
            app.context.runner.run_db(lambda _db: time.sleep(1.0))

    controller.running_changed.connect(run_started)
    app.server.start()
    qtbot.waitUntil(lambda: app.label_text.startswith("All sent · "), timeout=15_000)
    qtbot.wait(300)  # a few more probes with the fresh counts

    assert len(started) == 1, "a second sync run started on stale counts"
    assert controller.last_result is not None and controller.last_result.sent == 3


def test_sync_now_shows_progress_and_cancel_stops_a_waiting_run(
        qtbot: QtBot, sync_app: SyncApp, qtmodeltester: object) -> None:
    app = sync_app
    app.record_visit(qtbot, topics=2)
    app.server.stop()
    # slow automatic checks, and a 5 s wait after the first failed try, so Cancel has to cut it
    controller = app.install(probe_interval=60.0, probe_max_interval=60.0, debounce=60.0,
                             max_retries=3, backoff=Backoff(base=5.0, cap=5.0, rng=lambda: 1.0))
    qtbot.waitUntil(lambda: controller.snapshot is not None, timeout=5000)
    panel = open_sync_panel(app.window, controller)
    qtmodeltester.check(panel.attention_model)  # type: ignore[attr-defined]
    assert panel.sync_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert "F5" in panel.sync_button.text() and "F5" in panel.sync_button.toolTip()

    qtbot.mouseClick(panel.sync_button, Qt.MouseButton.LeftButton)
    assert controller.running and panel.cancel_button.isEnabled()
    assert not controller.sync_now()  # never two syncs at once
    qtbot.wait(400)  # the first try failed; the run now waits 5 s before the next
    started = time.monotonic()
    with qtbot.waitSignal(controller.finished, timeout=4000) as finished:
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    stopped_after = time.monotonic() - started
    result = finished.args[0]
    assert isinstance(result, SyncResult)
    assert result.cancelled and not result.completed and result.sent == 0
    assert stopped_after < 2.5, f"Cancel took {stopped_after:.1f} s"
    assert panel.result_field.text().startswith("You stopped the sync.")
    assert "4 still waiting" in panel.result_field.text()
    qtbot.waitUntil(lambda: app.label_text.startswith("1 visit waiting (4 records"), timeout=3000)

    app.server.start()
    progress: list[tuple[int, int, str]] = []
    controller.progress.connect(lambda done, total, message: progress.append((done, total, message)))
    with qtbot.waitSignal(controller.finished, timeout=15_000) as finished:
        qtbot.keyClick(panel, Qt.Key.Key_F5)
    result = finished.args[0]
    assert result.completed and result.sent == 4 and result.pending == 0
    assert (4, 4, "4 sent") in progress
    assert panel.progress_bar.value() == panel.progress_bar.maximum() == 4
    assert panel.progress_bar.text() == "Finished"
    assert panel.result_field.text().startswith("Sent 4 records at ")
    qtbot.waitUntil(lambda: app.label_text.startswith("All sent · "), timeout=5000)
    assert app.server.visits_held(app.laptop.device_id) == 1


def test_a_revoked_laptop_says_so_plainly_and_keeps_its_records(
        qtbot: QtBot, sync_app: SyncApp) -> None:
    app = sync_app
    controller = app.install()
    app.record_visit(qtbot)
    qtbot.waitUntil(lambda: app.label_text.startswith("All sent · "), timeout=10_000)
    assert app.server.visits_held(app.laptop.device_id) == 1

    admin.revoke_device(app.server.engine, app.laptop.device_id)
    second = app.record_visit(qtbot)
    qtbot.waitUntil(lambda: app.label_text == REVOKED_TEXT, timeout=10_000)
    assert controller.last_result is not None and controller.last_result.error_kind == "AuthRevoked"
    # its data is kept: both visits are on the laptop, the second still waiting to be sent
    with app.laptop.store.unit_of_work() as db:
        rows = visits.list_visits(db)
        waiting = db.scalars(select(OutboxItem.record_id).where(
            OutboxItem.state.in_(sync_repo.UNSENT_STATES), OutboxItem.kind == "visit")).all()
    assert len(rows) == 2 and list(waiting) == [second]
    assert app.server.visits_held(app.laptop.device_id) == 1
    # no more automatic tries: the label stays put and no run starts
    runs: list[object] = []
    controller.running_changed.connect(runs.append)
    qtbot.wait(800)
    assert runs == [] and app.label_text == REVOKED_TEXT
    panel = open_sync_panel(app.window, controller)
    assert "kept safe on this laptop" in panel.server_label.text()
    assert panel.connect_button.isVisible() and panel.connect_button.isEnabled()

    # a new code can never revive it (DESIGN §9: revocation is final): the dialog says
    # the server's refusal by the code and nothing more is sent
    from hubdesk.ui.enrol_dialog import EnrolDialog

    qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    dialog = panel.findChild(EnrolDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.server, app.server.url)
    qtbot.keyClicks(dialog.code, admin.create_enrol_code(app.server.engine, app.server.hub_id))
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
    code_field = dialog.fields["code"]
    qtbot.waitUntil(lambda: bool(code_field.error.message), timeout=20_000)
    assert "switched off" in code_field.error.message or "revoked" in code_field.error.message.lower()
    assert app.server.visits_held(app.laptop.device_id) == 1
    dialog.reject()

    # only the council's audited reinstatement brings it back, and the visit it kept
    # all along is then sent
    admin.reinstate_device(app.server.engine, app.laptop.device_id)
    controller.sync_now()
    qtbot.waitUntil(lambda: app.server.visits_held(app.laptop.device_id) == 2, timeout=20_000)
    qtbot.waitUntil(lambda: app.label_text.startswith("All sent"), timeout=20_000)
    with app.laptop.store.unit_of_work() as db:
        assert len(visits.list_visits(db)) == 2


def _break_age_band(app: SyncApp, visit_id: str) -> None:
    """A fault injected in the laptop's outbox: the visit's age band is not a code the
    server knows (its checksum kept right), so the server holds it with a reason."""
    with app.laptop.store.unit_of_work() as db:
        item = db.scalars(select(OutboxItem).where(OutboxItem.record_id == visit_id)).one()
        payload = dict(item.payload)
        fields = dict(payload["fields"]) if "fields" in payload else None
        if fields is not None:
            fields["age_band"] = "about_seventy"
            payload["fields"] = fields
        else:
            payload["age_band"] = "about_seventy"
        item.payload = payload
        item.content_hash = content_hash(payload)


def test_needs_attention_lists_a_refused_record_with_its_reason_and_what_to_do(
        qtbot: QtBot, sync_app: SyncApp, qtmodeltester: object) -> None:
    app = sync_app
    with app.laptop.store.unit_of_work() as db:
        form = VisitForm(contact_mode="walk_in", age_band="65_74", sex="female",
                         topics=[TopicAnswer("money", "advise", "brief", "thinking", "leaflet")])
        visit_id = visits.record_visit(db, app.laptop.actor, app.laptop.session_id, form).primary_id
    _break_age_band(app, visit_id)
    controller = app.install()  # the server is reachable: it syncs by itself
    qtbot.waitUntil(lambda: "1 record needs attention" in app.label_text, timeout=10_000)
    assert app.label_text == "1 record needs attention"

    widgets = controller.widgets
    assert widgets is not None
    widgets.attention_action.trigger()
    panels = [p for p in widgets.panels if isinstance(p, SyncPanel)]
    assert len(panels) == 1
    panel = panels[0]
    qtbot.waitUntil(lambda: panel.attention_model.rowCount() == 1, timeout=5000)
    qtmodeltester.check(panel.attention_model)  # type: ignore[attr-defined]
    model = panel.attention_model
    what = str(model.data(model.index(0, 0)))
    why = str(model.data(model.index(0, 1)))
    todo = str(model.data(model.index(0, 2)))
    print(f"NEEDS ATTENTION: {what!r} | {why!r} | {todo!r}")
    assert what.startswith("Visit") and "Not accepted by the server" in what
    assert "about_seventy" in why and "age band" in why
    assert "Open the record" in todo
    assert panel.attention_view.isVisible() and not panel.attention_empty.isVisible()
    assert panel.open_button.isEnabled()
    sentence = panel.receipt_label.text()
    print(f"END OF DAY: {sentence}")
    assert sentence == ("2 recorded on this laptop today, 1 received by the server, 1 missing, "
                        "0 duplicated")
    with qtbot.waitSignal(panel.open_visit_requested, timeout=2000) as opened:
        qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [visit_id]


def test_menu_and_status_label_are_installed_and_not_enrolled_says_so(
        qtbot: QtBot, app_context: AppContext, hub: Hub) -> None:
    """A laptop never connected: no automatic sync, the status says so, and a
    coordinator is offered "Connect to the hub's server…"."""
    app_context.set_actor(hub.actor)
    window = MainWindow(app_context)
    qtbot.addWidget(window)
    window.show()
    controller = install_sync(window, app_context, **FAST)
    try:
        widgets = controller.widgets
        assert widgets is not None
        qtbot.waitUntil(lambda: widgets.label.text() == "Not connected to a server", timeout=5000)
        texts = [a.text().replace("&", "") for a in widgets.menu.actions() if not a.isSeparator()]
        assert texts == ["Sync now", "Needs attention…", "End of day…",
                         "Connect to the hub's server…"]
        assert widgets.sync_now_action.shortcut().toString() == "F5"
        assert "(F5)" in widgets.sync_now_action.toolTip()
        assert widgets.connect_action.isEnabled()  # the coordinator is unlocked
        menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
        assert menus.index("Sync") == menus.index("Help") - 1
        runs: list[object] = []
        controller.running_changed.connect(runs.append)
        app_context.runner.run_db(lambda db: visits.record_visit(
            db, hub.actor, hub.session_id, VisitForm(contact_mode="walk_in")))
        qtbot.waitUntil(lambda: widgets.label.text().startswith(
            "Not connected to a server · 1 visit waiting"), timeout=5000)
        qtbot.wait(600)  # past the debounce: nothing tries to sync
        assert runs == []
        # F5 still asks, and the answer is plain
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        with qtbot.waitSignal(controller.finished, timeout=5000) as finished:
            qtbot.keyClick(window, Qt.Key.Key_F5)
        assert finished.args[0].error_kind == "NotEnrolled"
        assert widgets.label.text().startswith("Not connected to a server · 1 visit waiting")
        app_context.set_actor(None)
        assert not widgets.connect_action.isEnabled()
    finally:
        controller.stop()
        wait_idle(qtbot, app_context)


def test_a_coordinator_connects_the_laptop_and_it_syncs_by_itself(
        qtbot: QtBot, app_context: AppContext, hub: Hub, tmp_path: Path) -> None:
    from hubdesk.server.testing import live_server
    from hubdesk.ui.enrol_dialog import EnrolDialog

    app_context.set_actor(hub.actor)
    window = MainWindow(app_context)
    qtbot.addWidget(window)
    window.show()
    controller = install_sync(window, app_context, **FAST)
    widgets = controller.widgets
    assert widgets is not None
    with live_server(tmp_path / "server") as server:
        try:
            qtbot.waitUntil(lambda: widgets.label.text() == "Not connected to a server", timeout=5000)
            widgets.connect_action.trigger()
            dialogs = window.findChildren(EnrolDialog)
            assert len(dialogs) == 1
            dialog = dialogs[0]
            qtbot.waitUntil(dialog.isVisible, timeout=2000)
            qtbot.keyClicks(dialog.server, server.base_url)
            qtbot.keyClicks(dialog.code, "WRONG-CODE-1234")
            qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: dialog.fields["code"].has_error, timeout=5000)
            message = dialog.fields["code"].error.message
            print(f"WRONG CODE SAYS: {message}")
            assert "not valid" in message and "can no longer send" not in message
            assert dialog.isVisible()

            dialog.code.clear()
            qtbot.keyClicks(dialog.code, server.enrol_code())
            with qtbot.waitSignal(dialog.enrolled, timeout=10_000) as enrolled:
                qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
            assert "Test Hub" in enrolled.args[0]
            # connected: it probes and syncs by itself (the first sync brings the hub's data)
            qtbot.waitUntil(lambda: widgets.label.text().startswith("All sent · "), timeout=10_000)
            assert controller.last_result is not None and controller.last_result.completed
            assert controller.snapshot is not None and controller.snapshot.hub_name == "Test Hub"
        finally:
            controller.stop()
            wait_idle(qtbot, app_context, timeout=10_000)


class _WifiLoginPage:
    """What a venue's Wi-Fi does before you log in: answers every address with its own page."""

    def __init__(self, port: int) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = b"<html><body>Welcome to Library Wi-Fi. Log in to continue.</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def test_a_wifi_login_page_is_named_and_sync_follows_once_past_it(
        qtbot: QtBot, sync_app: SyncApp) -> None:
    app = sync_app
    app.server.stop()
    portal = _WifiLoginPage(app.server.port)
    try:
        controller = app.install()
        app.record_visit(qtbot)
        qtbot.waitUntil(lambda: app.label_text.endswith("Open the Wi-Fi login page, then sync"),
                        timeout=5000)
        assert app.label_text == "1 visit waiting (3 records) · Open the Wi-Fi login page, then sync"
    finally:
        portal.close()
    app.server.start()  # logged in: the real server answers
    qtbot.waitUntil(lambda: app.label_text.startswith("All sent · "), timeout=15_000)
    assert controller.last_result is not None and controller.last_result.sent == 3


def test_a_coordinator_marks_refused_records_as_dealt_with_from_the_keyboard(
        qtbot: QtBot, sync_app: SyncApp) -> None:
    app = sync_app
    form = VisitForm(contact_mode="walk_in", age_band="65_74", sex="female",
                     topics=[TopicAnswer("money", "advise", "brief", "thinking", "leaflet")])
    with app.laptop.store.unit_of_work() as db:
        first = visits.record_visit(db, app.laptop.actor, app.laptop.session_id, form).primary_id
        second = visits.record_visit(db, app.laptop.actor, app.laptop.session_id, form).primary_id
        volunteers.add_volunteer(db, app.laptop.actor, "Val Volunteer", VOLUNTEER_PIN)
    with app.laptop.store.unit_of_work() as db:
        val = volunteers.unlock(db, "Val Volunteer", VOLUNTEER_PIN)
    _break_age_band(app, first)
    _break_age_band(app, second)
    controller = app.install()  # the server is reachable: it syncs by itself
    qtbot.waitUntil(lambda: app.label_text == "2 records need attention", timeout=10_000)
    panel = open_sync_panel(app.window, controller, "attention")
    model = panel.attention_model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)
    button = panel.dealt_button
    assert button.isEnabled() and button.accessibleName() == "Mark as dealt with"
    assert not panel.dealt_hint.isVisible()

    # a volunteer: disabled, and the words say who can do it (not only the grey)
    app.context.set_actor(val)
    assert not button.isEnabled() and panel.dealt_hint.isVisible()
    assert "Only a coordinator" in panel.dealt_hint.text()
    assert "Only a coordinator" in button.toolTip()
    app.context.set_actor(app.laptop.actor)
    assert button.isEnabled() and not panel.dealt_hint.isVisible()

    # choose the second record with the keyboard, Tab to the button, Space
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow, timeout=2000)
    panel.attention_view.setFocus()
    qtbot.keyClick(panel.attention_view, Qt.Key.Key_Down)
    assert panel.attention_view.currentIndex().row() == 1
    assert model.data(model.index(1, 0), ID_ROLE) == second
    qtbot.keyClick(panel.attention_view, Qt.Key.Key_Tab)
    assert panel.open_button.hasFocus()
    qtbot.keyClick(panel.open_button, Qt.Key.Key_Tab)
    assert button.hasFocus()

    qtbot.keyClick(button, Qt.Key.Key_Space)
    box = panel.confirm_box
    assert box is not None and box.isVisible()
    print(f"CONFIRM: {box.text()!r} | {box.informativeText()!r}")
    assert box.text() == "Mark “Visit – Not accepted by the server” as dealt with?"
    assert "Nothing is deleted" in box.informativeText()
    assert "the server keeps" in box.informativeText()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # changed my mind: nothing happens
    qtbot.waitUntil(lambda: panel.confirm_box is None, timeout=2000)
    wait_idle(qtbot, app.context)
    assert model.rowCount() == 2 and app.label_text == "2 records need attention"

    qtbot.keyClick(button, Qt.Key.Key_Space)
    box = panel.confirm_box
    assert box is not None
    qtbot.keyClick(box, Qt.Key.Key_Return)  # "Mark as dealt with" is the default button
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    assert model.data(model.index(0, 0), ID_ROLE) == first
    qtbot.waitUntil(lambda: app.label_text == "1 record needs attention", timeout=5000)
    assert panel.dealt_note.isVisible() and "Nothing was deleted" in panel.dealt_note.text()

    # and the last one: the list is empty and the status line says nothing needs attention
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    box = panel.confirm_box
    assert box is not None
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=5000)
    qtbot.waitUntil(lambda: app.label_text.startswith("All sent · "), timeout=5000)
    assert "attention" not in app.label_text
    assert panel.attention_empty.isVisible() and not panel.attention_view.isVisible()
    # focus does not stay on the hidden list: it is on Close when the panel is active again
    assert not panel.dealt_button.isVisible() and panel.focusWidget() is panel.close_button
    assert "marked as dealt with" in panel.receipt_detail.text()

    # nothing was deleted: both visits are on the laptop, their outbox rows kept, audited
    with app.laptop.store.unit_of_work() as db:
        assert {row.id for row in visits.list_visits(db)} >= {first, second}
        states = dict(db.execute(select(OutboxItem.record_id, OutboxItem.state)
                                 .where(OutboxItem.record_id.in_([first, second]))).tuples().all())
        assert states == {first: "resolved", second: "resolved"}
        resolved = db.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == "resolve")
                              .order_by(AuditEvent.id)).all()
    assert list(resolved) == [second, first]
    # the today list's badge says what happened to them (not "Waiting to send")
    today = app.window.today.model
    qtbot.waitUntil(lambda: sum(
        today.data(today.index(row, column)) == "Dealt with"
        for row in range(today.rowCount()) for column in range(today.columnCount())) == 2,
        timeout=5000)


def test_an_erasure_over_unsent_changes_is_shown_and_seen_from_the_panel(
        qtbot: QtBot, sync_app: SyncApp) -> None:
    """The server erased a visit (right to erasure) while this laptop had an unsent
    change to it: the erasure wins at the sync (nothing of the visit is left here), and
    the panel says so until a coordinator marks it as seen."""
    app = sync_app
    visit_id = app.laptop.record_visit()
    assert app.laptop.sync().completed
    app.laptop.edit_visit(visit_id)  # version 2, not sent yet
    admin.erase_record(app.server.engine, "visit", visit_id)
    controller = app.install()  # syncs by itself: version 2 refused, the erasure applied
    qtbot.waitUntil(lambda: app.label_text == "1 record needs attention", timeout=10_000)
    with app.laptop.store.unit_of_work() as db:  # already erased, before anyone looks
        assert visit_id not in {row.id for row in visits.list_visits(db)}
        purged = db.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == "purge")).all()
    assert list(purged) == [visit_id]
    panel = open_sync_panel(app.window, controller, "attention")
    model = panel.attention_model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    assert "Erased on the server" in model.data(model.index(0, 0))

    panel.attention_view.setFocus()
    panel.attention_view.setCurrentIndex(model.index(0, 0))
    panel.dealt_button.setFocus()
    qtbot.keyClick(panel.dealt_button, Qt.Key.Key_Space)
    box = panel.confirm_box
    assert box is not None
    assert "already erased from this laptop too" in box.informativeText()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=5000)
    assert "erased from this laptop too" in panel.dealt_note.text()
    qtbot.waitUntil(lambda: app.label_text.startswith("All sent · "), timeout=5000)


def test_a_conflict_found_by_sync_is_settled_from_the_panel_by_keyboard(
        qtbot: QtBot, sync_app: SyncApp) -> None:
    """The coordinator changed an answer on the server while this laptop changed the same
    one: sync merges what it can, the clash is listed under "needs attention", and the
    panel's button opens the Conflicts screen, where the choice is saved and sent."""
    from hubdesk.ui.conflicts_dialog import ConflictsDialog

    app = sync_app
    visit_id = app.laptop.record_visit()
    assert app.laptop.sync().completed
    admin.edit_record(app.server.engine, "visit", visit_id, {"age_band": "85_plus"})
    with app.laptop.store.unit_of_work() as db:  # a volunteer's edit, not yet sent
        form = visits.get_visit_form(db, visit_id)
        form.age_band = "35_49"
        visits.edit_visit(db, app.laptop.actor, visit_id, form, base_version=1)
    controller = app.install()  # syncs by itself: merged, the age band kept aside
    qtbot.waitUntil(lambda: app.label_text == "1 record needs attention", timeout=10_000)
    panel = open_sync_panel(app.window, controller, "attention")
    model = panel.attention_model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    panel.attention_view.setFocus()
    panel.attention_view.setCurrentIndex(model.index(0, 0))
    qtbot.keyClick(panel.attention_view, Qt.Key.Key_Tab)
    assert panel.open_button.hasFocus()
    assert panel.open_button.text() == "&Choose the answers to keep…"
    assert not panel.dealt_button.isEnabled()  # settled by choosing, not by marking
    qtbot.keyClick(panel.open_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: isinstance(app.window.dialog, ConflictsDialog), timeout=5000)
    dialog = app.window.dialog
    assert isinstance(dialog, ConflictsDialog)
    qtbot.waitUntil(lambda: dialog.loaded and bool(dialog.radios), timeout=5000)
    mine = dialog.radios[0]
    assert mine.text() == "Keep 35–49"
    qtbot.waitUntil(mine.hasFocus, timeout=5000)
    qtbot.keyClick(mine, Qt.Key.Key_Space)
    with qtbot.waitSignal(dialog.resolved, timeout=5000):
        qtbot.keyClick(mine, Qt.Key.Key_Return)
    controller.sync_now()
    qtbot.waitUntil(lambda: app.label_text.startswith("All sent · "), timeout=10_000)
    with app.server.engine.connect() as conn:
        latest = conn.execute(select(RecordRow.payload).where(RecordRow.record_id == visit_id)
                              .order_by(RecordRow.version.desc()).limit(1)).scalar_one()
    fields = (latest if isinstance(latest, dict) else json.loads(latest))["fields"]
    assert fields["age_band"] == "35_49"  # the server holds the coordinator's choice
