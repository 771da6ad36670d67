"""Screenshots of sync in the app at 1366×768 with the font at 150 %.

``python tools/screenshots_sync.py [OUT_DIR]`` (default ``docs/screenshots``): runs the
real server on 127.0.0.1 in a temporary folder, enrols a laptop, and saves the status
bar in each state, the sync panel (needs attention, end of day, a stopped run) and
the "Connect to the hub's server" dialog.  A screen of 1366×768 is simulated with the
offscreen platform's config file.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if "QT_QPA_PLATFORM" not in os.environ:
    _screen = Path(tempfile.gettempdir()) / "hubdesk-offscreen-1366x768.json"
    _screen.write_text(json.dumps({"screens": [{
        "name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen}"

from PySide6.QtCore import QPoint, QRect  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402
from sqlalchemy import select  # noqa: E402

from hubdesk.core.hashing import content_hash  # noqa: E402
from hubdesk.core.paths import AppPaths  # noqa: E402
from hubdesk.server import admin  # noqa: E402
from hubdesk.server.bootstrap import open_database  # noqa: E402
from hubdesk.server.testing import free_port, serve_engine  # noqa: E402
from hubdesk.services import sessions, setup, visits  # noqa: E402
from hubdesk.services.common import Actor  # noqa: E402
from hubdesk.services.visits import SignpostAnswer, TopicAnswer, VisitForm  # noqa: E402
from hubdesk.store import sync_repo  # noqa: E402
from hubdesk.store.engine import Store  # noqa: E402
from hubdesk.store.models import OutboxItem, Service, Venue  # noqa: E402
from hubdesk.sync.commands import enrol_command  # noqa: E402
from hubdesk.sync.engine import Backoff, SyncEngine  # noqa: E402
from hubdesk.sync.transport import HttpTransport  # noqa: E402
from hubdesk.ui.context import AppContext  # noqa: E402


def _wait(condition: Callable[[], bool], context: AppContext, ms: int = 15_000) -> None:
    """Let queued jobs and repaints run until ``condition`` holds (a tool, not app code)."""
    for _ in range(ms // 20):
        if condition() and not context.runner.busy:
            break
        QTest.qWait(20)
    QTest.qWait(120)
    if not condition():
        raise RuntimeError("the screen never reached the state to photograph")


def main(argv: list[str]) -> int:
    from hubdesk.sync.status_text import REVOKED_TEXT
    from hubdesk.ui.app import make_application
    from hubdesk.ui.enrol_dialog import EnrolDialog
    from hubdesk.ui.errors import ErrorReporter
    from hubdesk.ui.main_window import MainWindow
    from hubdesk.ui.sync_menu import install_sync, open_sync_panel
    from hubdesk.ui.tasks import TaskRunner

    out_dir = Path(argv[0]) if argv else ROOT / "docs" / "screenshots"
    out_dir.mkdir(parents=True, exist_ok=True)
    app = make_application()
    font = app.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)
    app.setFont(font)
    saved: list[Path] = []

    def shot(name: str, widget: QWidget, area: QRect | None = None) -> None:
        path = out_dir / f"{name}.png"
        (widget.grab(area) if area is not None else widget.grab()).save(str(path))
        saved.append(path)

    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        base = Path(folder)
        engine = open_database(f"sqlite:///{base / 'server.sqlite3'}")
        stack.callback(engine.dispose)
        hub_id = admin.create_hub(engine, "Stevenage Healthy Hub", "Stevenage")
        admin.add_venue(engine, hub_id, "St Mary's Hall", "church_hall", "SG1")
        port = free_port()
        server = ExitStack()
        url = server.enter_context(serve_engine(engine, port=port))

        paths = AppPaths(base / "laptop").ensure()
        store = Store.open(paths.database, backups=paths.backups)
        assert enrol_command(store, paths, url, admin.create_enrol_code(engine, hub_id)) == 0
        with store.unit_of_work() as db:
            state = sync_repo.device_state(db)
            assert state is not None
            token = state.device_token
        transport = HttpTransport(url, token)
        SyncEngine(store, transport).run()
        transport.close()
        with store.unit_of_work() as db:
            device_id = setup.ensure_device(db)
            volunteer = setup.ensure_first_coordinator(db, "Pat Coordinator", "246810")
            setup.load_sample_directory(db)
            actor = Actor(volunteer.id, device_id, volunteer.display_name, "coordinator")
            venue = db.scalars(select(Venue).where(Venue.hub_id == hub_id)).first()
            assert venue is not None
            session_id = sessions.open_session(db, actor, venue.id, "lunch_club").primary_id
            service_id = db.scalars(select(Service.id)).first()
            assert service_id is not None

        def form(topic: str, age: str = "65_74") -> VisitForm:
            return VisitForm(contact_mode="walk_in", age_band=age, sex="female",
                             topics=[TopicAnswer(topic, "advise", "brief", "thinking", "signposted")],
                             signposts=[SignpostAnswer(service_id, "signpost", topic)])

        with store.unit_of_work() as db:
            for topic in ("loneliness", "money", "food"):
                visits.record_visit(db, actor, session_id, form(topic))

        def record_refused_visit() -> None:
            with store.unit_of_work() as db:
                refused = visits.record_visit(db, actor, session_id,
                                              form("mental_wellbeing")).primary_id
                item = db.scalars(select(OutboxItem).where(OutboxItem.record_id == refused)).one()
                payload = dict(item.payload)  # injected fault: an age band the server does not know
                fields = payload.get("fields")
                if isinstance(fields, dict):
                    payload["fields"] = {**fields, "age_band": "about_seventy"}
                else:
                    payload["age_band"] = "about_seventy"
                item.payload, item.content_hash = payload, content_hash(payload)

        errors = ErrorReporter(no_err_windows=True, log_file=None)
        runner = TaskRunner(store, errors.report)
        context = AppContext(paths, runner, errors)
        window = MainWindow(context)
        window.resize(1366, 768)
        window.move(0, 0)
        window.show()
        window.unlocked(actor)
        controller = install_sync(window, context, probe_interval=0.3, probe_max_interval=0.6,
                                  debounce=0.3, connect_timeout=1.0, max_retries=1)
        widgets = controller.widgets
        assert widgets is not None
        label = widgets.label

        def status_strip() -> QRect:
            bar = window.statusBar()
            return QRect(QPoint(0, bar.y()), bar.size())

        _wait(lambda: label.text().startswith("All sent · "), context)
        shot("sync-status-all-sent", window, status_strip())
        record_refused_visit()
        controller.sync_now()
        _wait(lambda: "need attention" in label.text() or "needs attention" in label.text(),
              context)
        window.show_today()
        _wait(lambda: window.today.model.rowCount() == 4, context)
        shot("sync-window-needs-attention", window)
        shot("sync-status-needs-attention", window, status_strip())

        panel = open_sync_panel(window, controller, "attention")
        _wait(lambda: panel.attention_model.rowCount() == 1, context)
        panel.show_section("")
        QTest.qWait(100)
        shot("sync-panel-top", panel)
        panel.show_section("attention")
        QTest.qWait(100)
        shot("sync-panel-needs-attention", panel)
        panel.show_section("end_of_day")
        QTest.qWait(100)
        shot("sync-panel-end-of-day", panel)
        panel.close()

        server.close()  # the hall's Wi-Fi goes
        runner.run_db(lambda db: visits.record_visit(db, actor, session_id, form("housing")))
        _wait(lambda: "cannot reach" in label.text(), context)
        shot("sync-status-waiting-offline", window, status_strip())

        # "Sync now" while the server is away: the run waits before trying again; Stop it
        controller.backoff = Backoff(base=5.0, cap=5.0, rng=lambda: 1.0)
        controller.max_retries = 3
        panel = open_sync_panel(window, controller)
        panel.sync_button.click()
        QTest.qWait(400)
        shot("sync-panel-running", panel)
        panel.cancel_button.click()
        _wait(lambda: not controller.running, context)
        shot("sync-panel-stopped", panel)
        panel.close()
        controller.backoff, controller.max_retries = None, 1

        server = ExitStack()
        server.enter_context(serve_engine(engine, port=port))  # and comes back
        _wait(lambda: "waiting" not in label.text(), context)
        shot("sync-status-after-reconnect", window, status_strip())

        admin.revoke_device(engine, device_id)
        runner.run_db(lambda db: visits.record_visit(db, actor, session_id, form("carer")))
        _wait(lambda: label.text() == REVOKED_TEXT, context)
        shot("sync-status-revoked", window, status_strip())
        panel = open_sync_panel(window, controller)
        _wait(lambda: panel.receipt_label.text() != "", context)
        shot("sync-panel-revoked", panel)
        panel.close()

        dialog = EnrolDialog(context, window)
        dialog.show()
        QTest.keyClicks(dialog.server, "hubdesk.example.org")
        dialog.accept_requested()
        QTest.qWait(150)
        shot("enrol-dialog-error", dialog)
        dialog.close()

        window.statusBar().showMessage("")
        widgets.menu.popup(window.mapToGlobal(QPoint(0, 0)))
        QTest.qWait(150)
        shot("sync-menu", widgets.menu)
        widgets.menu.close()

        controller.stop()
        _wait(lambda: not runner.busy, context)
        runner.shutdown()
        window.close()
        server.close()
        store.close()
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
