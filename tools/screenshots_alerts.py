"""Screenshots of the coordinator's "Safeguarding alerts" review at 1366×768.

    .venv/bin/python tools/screenshots_alerts.py [--out docs/screenshots]

Runs offscreen on a simulated 1366×768 laptop screen (the screen set-up of
``tools/screenshots.py``), once at 100 % and once at 150 % font, with a throw-away
data folder filled through the real services.  Saves ``alerts-header-<pct>.png``
(the main window with the alerts button), ``alerts-dialog-<pct>.png``,
``alerts-dialog-error-<pct>.png`` (nothing said yet) and ``alerts-dialog-done-<pct>.png``.
Look at every one of them after a change.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.screenshots import WINDOW_H, WINDOW_W, _screen_config  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--scale", type=float, default=None, help="one font scale (internal)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.scale is None:  # the font must be set before any widget exists: one process each
        for scale in (1.0, 1.5):
            result = subprocess.run([sys.executable, __file__, "--out", str(out),
                                     "--scale", str(scale)], check=False)
            if result.returncode:
                return result.returncode
        return 0
    with tempfile.TemporaryDirectory(prefix="hubdesk-shots-") as temp:
        os.environ["QT_QPA_PLATFORM"] = _screen_config(Path(temp))
        os.environ["HUBDESK_DATA_DIR"] = str(Path(temp) / "data")
        shoot(Path(temp) / "data", out, args.scale)
    return 0


def shoot(data_dir: Path, out: Path, scale: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from hubdesk.core.paths import AppPaths
    from hubdesk.services import sessions, setup, visits, volunteers
    from hubdesk.store.engine import Store
    from hubdesk.ui.alerts_dialog import AlertsDialog
    from hubdesk.ui.app import make_application
    from hubdesk.ui.context import AppContext
    from hubdesk.ui.errors import ErrorReporter
    from hubdesk.ui.main_window import MainWindow
    from hubdesk.ui.tasks import TaskRunner

    app = make_application()
    font = app.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    QApplication.setFont(font)
    suffix = f"{round(scale * 100)}"
    paths = AppPaths(data_dir).ensure()
    store = Store.open(paths.database, backups=paths.backups)
    errors = ErrorReporter(no_err_windows=True, log_file=paths.logs / "hubdesk.log")
    runner = TaskRunner(store, errors.report)
    context = AppContext(paths, runner, errors)

    def settle(extra_ms: int = 150) -> None:
        """Let queued database answers arrive and layouts settle (a tool, not the app)."""
        loop = QEventLoop()

        def check() -> None:
            if runner.busy:
                QTimer.singleShot(20, check)
            else:
                QTimer.singleShot(extra_ms, loop.quit)

        QTimer.singleShot(20, check)
        loop.exec()

    def save(widget: QWidget, name: str) -> None:
        settle()
        path = out / f"{name}-{suffix}.png"
        widget.grab().save(str(path))
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
              f"{widget.width()}×{widget.height()}")

    with store.unit_of_work() as db:
        setup.first_run_setup(db, setup.SetupForm(
            hub_name="Stevenage Healthy Hub", district="Stevenage", venue_name="St Mary's Church Hall",
            coordinator_name="Pat Coordinator", pin="2468", postcode_district="SG1"))
    with store.unit_of_work() as db:
        actor = volunteers.unlock(db, "Pat Coordinator", "2468")
        volunteers.add_volunteer(db, actor, "Val Volunteer", "1357")
    with store.unit_of_work() as db:
        val = volunteers.unlock(db, "Val Volunteer", "1357")
        venue_id = sessions.list_venues(db)[0].id
        session_id = sessions.open_session(db, actor, venue_id, "lunch_club").primary_id
        concerns = [
            (val, "75_84", "female", ("money", "loneliness"),
             "Said her grandson has been taking her pension and she is scared to go home."),
            (actor, "50_64", "male", ("housing", "mental_wellbeing"), ""),
        ]
        for who, age, sex, topics, note in concerns:
            visits.record_visit(db, who, session_id, visits.VisitForm(
                contact_mode="walk_in", age_band=age, sex=sex, safeguarding=True, note=note,
                topics=[visits.TopicAnswer(topic=t) for t in topics]))

    window = MainWindow(context)
    window.resize(WINDOW_W, WINDOW_H)
    window.show()
    settle()
    if window.dialog is not None:
        window.dialog.close()
    window.unlocked(actor)
    settle()
    save(window, "alerts-header")
    window.alerts_badge.setFocus()
    header = window.alerts_badge.parentWidget()
    assert header is not None
    save(header, "alerts-header-focus")

    window.show_alerts()
    dialog = window.dialog
    assert isinstance(dialog, AlertsDialog)
    settle()
    save(dialog, "alerts-dialog")
    dialog.action.setFocus()
    dialog.accept_requested()  # nothing said yet: the error by the field
    save(dialog, "alerts-dialog-error")
    dialog.action.setText("Called the adult safeguarding team; they will visit tomorrow.")
    dialog.accept_requested()
    settle()
    save(dialog, "alerts-dialog-done")
    dialog.close()
    window.close()
    runner.shutdown()
    store.close()


if __name__ == "__main__":
    sys.exit(main())
