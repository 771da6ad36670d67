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

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository root

from tools.screenshots import ScreenshotKit, run_tool


def shoot(data_dir: Path, out: Path, scale: float) -> None:
    from hubdesk.services import visits
    from hubdesk.ui.alerts_dialog import AlertsDialog

    kit = ScreenshotKit(data_dir, out, scale, settle_ms=150)
    settle, save = kit.settle, kit.save
    actor, val = kit.first_run()
    session_id = kit.open_session(actor)
    with kit.store.unit_of_work() as db:
        concerns = [
            (val, "75_84", "female", ("money", "loneliness"),
             "Said her grandson has been taking her pension and she is scared to go home."),
            (actor, "50_64", "male", ("housing", "mental_wellbeing"), ""),
        ]
        for who, age, sex, topics, note in concerns:
            visits.record_visit(db, who, session_id, visits.VisitForm(
                contact_mode="walk_in", age_band=age, sex=sex, safeguarding=True, note=note,
                topics=[visits.TopicAnswer(topic=t) for t in topics]))

    window = kit.unlocked_window(actor)
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
    kit.close(dialog, window)


if __name__ == "__main__":
    run_tool(__file__, shoot, __doc__)
