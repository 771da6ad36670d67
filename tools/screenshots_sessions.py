"""Screenshots of what unlock does with open sessions, at 1366×768.

    .venv/bin/python tools/screenshots_sessions.py [--out docs/screenshots]

Runs offscreen on a simulated 1366×768 laptop screen (``tools/screenshots.py``'s set-up),
once at 100 % and once at 150 % font, with a throw-away data folder filled through the
real services.  Saves ``unlock-resumed-<pct>.png`` (the main window saying which session
it resumed), ``unlock-choose-session-<pct>.png`` (two open: which one?),
``unlock-left-open-<pct>.png`` (the coordinator's "left open since …" prompt) and
``unlock-left-open-volunteer-<pct>.png`` (what a volunteer is told).
Look at every one of them after a change.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository root

from tools.screenshots import WINDOW_H, WINDOW_W, ScreenshotKit, run_tool


def shoot(data_dir: Path, out: Path, scale: float) -> None:
    from hubdesk.core.days import hub_today
    from hubdesk.services import sessions
    from hubdesk.store import repositories as repo
    from hubdesk.store.models import HubSession
    from hubdesk.ui.main_window import MainWindow
    from hubdesk.ui.session_resume import ChooseSessionDialog, LeftOpenDialog

    kit = ScreenshotKit(data_dir, out, scale, settle_ms=150)
    store, context, settle, save = kit.store, kit.context, kit.settle, kit.save
    coordinator, volunteer = kit.first_run()
    lunch = kit.open_session(coordinator)

    window = MainWindow(context)
    window.resize(WINDOW_W, WINDOW_H)
    window.show()
    window.activateWindow()  # as on the laptop: the focused field shows its ring
    settle()

    def unlock_and_save(actor: object, name: str, dialog_type: type | None = None) -> None:
        """Lock, unlock as ``actor``, save the dialog unlock opened (or the window)."""
        window.lock()
        if window.dialog is not None:
            window.dialog.close()
        settle()
        window.unlocked(actor)  # type: ignore[arg-type]
        window.activateWindow()  # the unlock dialog has gone: the window is active again
        settle()
        if dialog_type is None:
            save(window, name)
            return
        assert isinstance(window.dialog, dialog_type)
        save(window.dialog, name)
        window.dialog.close()
        settle()

    # one session open today: resumed, and said
    unlock_and_save(coordinator, "unlock-resumed")

    # two open today: which one?
    warm = kit.open_session(coordinator, "warm_space")
    unlock_and_save(volunteer, "unlock-choose-session", ChooseSessionDialog)

    # the lunch club left open since three days ago
    with store.unit_of_work() as db:
        sessions.close_session(db, coordinator, warm)
        row = repo.current_version(db, HubSession, lunch)
        assert row is not None
        day = hub_today() - timedelta(days=3)
        opened = datetime.combine(day, time(10, 2), tzinfo=ZoneInfo("Europe/London"))
        row.session_date = day
        row.started_at = opened.astimezone(UTC).replace(tzinfo=None)
    unlock_and_save(coordinator, "unlock-left-open", LeftOpenDialog)
    unlock_and_save(volunteer, "unlock-left-open-volunteer")

    kit.close(window)


if __name__ == "__main__":
    run_tool(__file__, shoot, __doc__)
