"""Screenshots of every shell screen at 1366×768, at 100 % and 150 % font size.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]

Runs offscreen on a simulated 1366×768 laptop screen, with a throw-away data folder
filled through the real services.  Each font size runs in its own process (the font
must be set before any widget exists).  Files are named ``<screen>-<percent>.png``.
Look at every one of them after a change.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCREEN_W, SCREEN_H = 1366, 768
# a maximised window on a 1366×768 laptop: minus the taskbar (40) and title bar (30)
WINDOW_W, WINDOW_H = SCREEN_W, SCREEN_H - 70


def _screen_config(folder: Path) -> str:
    config = folder / "screen.json"
    config.write_text(json.dumps({"screens": [{
        "name": "laptop", "x": 0, "y": 0, "width": SCREEN_W, "height": SCREEN_H,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={config}"


def run_per_scale(script: str, shoot: Callable[[Path, Path, float], None],
                  argv: list[str] | None = None, description: str = "") -> int:
    """Run ``shoot`` once per font size, each in its own process (the font must be set
    before any widget exists), on the simulated laptop screen with a throw-away folder."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--scale", type=float, default=None, help="one font scale (internal)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.scale is None:
        for scale in (1.0, 1.5):
            result = subprocess.run([sys.executable, script, "--out", str(out), "--scale", str(scale)],
                                    check=False)
            if result.returncode:
                return result.returncode
        return 0
    with tempfile.TemporaryDirectory(prefix="hubdesk-shots-") as temp:
        os.environ["QT_QPA_PLATFORM"] = _screen_config(Path(temp))
        os.environ["HUBDESK_DATA_DIR"] = str(Path(temp) / "data")
        shoot(Path(temp) / "data", out, args.scale)
    return 0


def run_tool(script: str, shoot: Callable[[Path, Path, float], None], doc: str | None) -> None:
    """A screenshot tool's ``__main__``: ``run_per_scale`` with the tool's first doc line
    as its description; exits with its status."""
    sys.exit(run_per_scale(script, shoot, None, (doc or "").splitlines()[0]))


class ScreenshotKit:
    """The app, a store and runner on ``data_dir``, and ``settle`` / ``save`` helpers."""

    def __init__(self, data_dir: Path, out: Path, scale: float, settle_ms: int = 120) -> None:
        sys.path.insert(0, str(ROOT))
        from PySide6.QtWidgets import QApplication

        from hubdesk.core.paths import AppPaths
        from hubdesk.store.engine import Store
        from hubdesk.ui.app import make_application
        from hubdesk.ui.context import AppContext
        from hubdesk.ui.errors import ErrorReporter
        from hubdesk.ui.tasks import TaskRunner

        self.app = make_application()
        font = self.app.font()
        font.setPointSizeF(font.pointSizeF() * scale)
        QApplication.setFont(font)
        self.out, self.suffix, self.settle_ms = out, f"{round(scale * 100)}", settle_ms
        self.paths = AppPaths(data_dir).ensure()
        self.store = Store.open(self.paths.database, backups=self.paths.backups)
        self.errors = ErrorReporter(no_err_windows=True, log_file=self.paths.logs / "hubdesk.log")
        self.runner = TaskRunner(self.store, self.errors.report)
        self.context = AppContext(self.paths, self.runner, self.errors)

    def settle(self, extra_ms: int | None = None) -> None:
        """Let queued database answers arrive and layouts settle (a tool, not the app)."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        pause = self.settle_ms if extra_ms is None else extra_ms

        def check() -> None:
            if self.runner.busy:
                QTimer.singleShot(20, check)
            else:
                QTimer.singleShot(pause, loop.quit)

        QTimer.singleShot(20, check)
        loop.exec()

    def save(self, widget: Any, name: str) -> None:
        self.settle()
        path = self.out / f"{name}-{self.suffix}.png"
        widget.grab().save(str(path))
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
              f"{widget.width()}×{widget.height()}")

    def unlocked_window(self, actor: Any) -> Any:
        """The main window at the laptop's size, unlocked as ``actor`` (the unlock
        dialog it opens over itself closed, as after the PIN was typed)."""
        from hubdesk.ui.main_window import MainWindow

        window = MainWindow(self.context)
        window.resize(WINDOW_W, WINDOW_H)
        window.show()
        self.settle()
        if window.dialog is not None:
            window.dialog.close()
        window.unlocked(actor)
        return window

    def open_session(self, actor: Any, session_type: str = "lunch_club") -> str:
        """Open a session of ``session_type`` at the hub's first venue; returns its id."""
        from hubdesk.services import sessions

        with self.store.unit_of_work() as db:
            venue_id = sessions.list_venues(db)[0].id
            return sessions.open_session(db, actor, venue_id, session_type).primary_id

    def first_run(self) -> tuple[Any, Any]:
        """The sample hub after first run, with a volunteer added: returns the unlocked
        (coordinator, volunteer) actors."""
        from hubdesk.services import setup, volunteers

        with self.store.unit_of_work() as db:
            setup.first_run_setup(db, setup.SetupForm(
                hub_name="Stevenage Healthy Hub", district="Stevenage", venue_name="St Mary's Church Hall",
                coordinator_name="Pat Coordinator", pin="246810", postcode_district="SG1"))
        with self.store.unit_of_work() as db:
            coordinator = volunteers.unlock(db, "Pat Coordinator", "246810")
            volunteers.add_volunteer(db, coordinator, "Val Volunteer", "135790")
        with self.store.unit_of_work() as db:
            return coordinator, volunteers.unlock(db, "Val Volunteer", "135790")

    def close(self, *widgets: Any) -> None:
        """Close ``widgets`` (dialogs, the window), then stop the runner and the store."""
        for widget in widgets:
            widget.close()
        self.runner.shutdown()
        self.store.close()


def shoot(data_dir: Path, out: Path, scale: float) -> None:
    from PySide6.QtWidgets import QWidget

    from hubdesk.services import sessions, setup, visits
    from hubdesk.services.directory import search_directory
    from hubdesk.ui.errors import CrashDialog, crash_report

    kit = ScreenshotKit(data_dir, out, scale)
    store, context, errors = kit.store, kit.context, kit.errors
    settle, save = kit.settle, kit.save

    def shown(widget: QWidget) -> QWidget:
        widget.show()
        widget.activateWindow()
        settle()
        return widget

    # ---- first run --------------------------------------------------------------------
    from hubdesk.ui.first_run_dialog import FirstRunDialog

    first = shown(FirstRunDialog(context))
    assert isinstance(first, FirstRunDialog)
    save(first, "first-run")
    first.accept_requested()  # empty: shows the errors
    save(first, "first-run-errors")
    first.close()

    actor, _ = kit.first_run()
    with store.unit_of_work() as db:
        venue_id = sessions.list_venues(db)[0].id
        setup.add_venue(db, sessions.list_venues(db)[0].hub_id, "Central Library", "library", "SG1")

    # ---- unlock -----------------------------------------------------------------------
    from hubdesk.ui.unlock_dialog import UnlockDialog

    unlock = shown(UnlockDialog(context, locked=True))
    assert isinstance(unlock, UnlockDialog)
    save(unlock, "unlock")
    unlock.name.setEditText("Val Volunteer")
    unlock.pin.setText("000000")
    unlock.accept_requested()
    save(unlock, "unlock-wrong-pin")
    unlock.close()

    # ---- a morning's data -----------------------------------------------------------------
    with store.unit_of_work() as db:
        session_id = sessions.open_session(db, actor, venue_id, "lunch_club", warm_space=True).primary_id
        services = search_directory(db, "exercise")
        plan: list[tuple[str, str, str, tuple[str, ...], bool]] = [
            ("walk_in", "65_74", "female", ("alcohol", "physical_activity"), False),
            ("returning", "75_84", "male", ("loneliness",), False),
            ("referred_in", "50_64", "female", ("money", "fuel", "mental_wellbeing"), True),
            ("walk_in", "85_plus", "female", ("falls",), False),
        ]
        for mode, age, sex, topics, concern in plan:
            form = visits.VisitForm(
                contact_mode=mode, referral_source="gp" if mode == "referred_in" else "self",
                age_band=age, sex=sex, first_visit=mode == "walk_in", safeguarding=concern,
                topics=[visits.TopicAnswer(topic=t, furthest_step="advise", response="thinking",
                                           action="leaflet") for t in topics],
                signposts=[visits.SignpostAnswer(services[0].id, "signpost")] if services and
                "physical_activity" in topics else [])
            visits.record_visit(db, actor, session_id, form)
        sessions.add_headcount(db, actor, session_id, 3)
        sessions.set_activity(db, actor, session_id, "Chair exercise", 11, 0)
        sessions.set_activity(db, actor, session_id, "Lunch", 24, 2)

    # ---- main window -----------------------------------------------------------------------
    from hubdesk.ui.main_window import CAPTURE_PAGE, SESSION_PAGE, TODAY_PAGE, MainWindow

    window = MainWindow(context)
    window.resize(WINDOW_W, WINDOW_H)
    window.show()
    settle()
    save(window, "main-locked")
    unlock_over = window.dialog
    if unlock_over is not None:
        unlock_over.close()
    window.unlocked(actor)
    settle()
    pages: list[tuple[int, str, Callable[[], None]]] = [
        (CAPTURE_PAGE, "main-record-visit", window.show_capture),
        (TODAY_PAGE, "main-todays-visits", window.show_today),
        (SESSION_PAGE, "main-this-session", window.show_session_page),
    ]
    for _index, name, show in pages:
        show()
        save(window, name)

    # ---- session dialogs -------------------------------------------------------------------
    from hubdesk.ui.session_dialogs import CloseSessionDialog, OpenSessionDialog

    opener = shown(OpenSessionDialog(context))
    assert isinstance(opener, OpenSessionDialog)
    save(opener, "open-session")
    opener.show_new_venue()
    save(opener, "open-session-add-venue")
    opener.close()

    closer = shown(CloseSessionDialog(context, session_id))
    save(closer, "close-session")
    closer.close()

    # ---- crash dialog ---------------------------------------------------------------------
    try:
        raise RuntimeError("An example bug for the screenshot")
    except RuntimeError as error:
        report = crash_report(error, errors.log_file)
    crash = shown(CrashDialog(report, errors.log_file))
    save(crash, "crash")
    crash.close()

    kit.close(window)


if __name__ == "__main__":
    run_tool(__file__, shoot, __doc__)
