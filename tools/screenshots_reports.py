"""Screenshots of the coordinator's Impact report at 1366×768, 100 % and 150 % font.

    .venv/bin/python tools/screenshots_reports.py [--out docs/screenshots]

Runs offscreen on the simulated 1366×768 laptop of ``tools/screenshots.py`` with a
throw-away data folder filled by the real demo generator (every session type,
volunteer sign-ins, follow-ups). Saves ``reports-top-<pct>.png`` (the choices and
the figures in words), ``reports-charts-<pct>.png`` (scrolled to the charts),
``reports-save-<pct>.png`` (scrolled to the save buttons, after saving a PDF) and
``reports-error-<pct>.png`` (a date that is not a date). Also renders the PDF's
pages as ``reports-pdf-page-<N>.png`` when pdftoppm is installed.
Look at every one of them after a change.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository root

from tools.screenshots import ScreenshotKit, run_tool


def shoot(data_dir: Path, out: Path, scale: float) -> None:
    from hubdesk.services.demo import generate_demo
    from hubdesk.ui.reports.reports_dialog import ReportsDialog

    kit = ScreenshotKit(data_dir, out, scale, settle_ms=200)
    settle, save = kit.settle, kit.save
    actor, _val = kit.first_run()
    with kit.store.unit_of_work() as db:
        generate_demo(db, actor, visits=3000, seed=11, days=120)

    window = kit.unlocked_window(actor)
    settle()
    window.show_reports()
    dialog = window.dialog
    assert isinstance(dialog, ReportsDialog)
    settle(400)
    dialog.period.setCurrentIndex(dialog.period.findData("last_quarter"))
    dialog.show_figures()
    settle(400)
    dialog.period.setFocus()
    save(dialog, "reports-top")
    dialog.charts[1].setFocus()
    dialog.scroll_area.ensureWidgetVisible(dialog.charts[3])
    save(dialog, "reports-charts")
    target = data_dir / "impact.pdf"
    dialog.export_to("pdf", target)
    settle(600)
    dialog.save_buttons["pdf"].setFocus()
    dialog.scroll_area.ensureWidgetVisible(dialog.saved_note)
    save(dialog, "reports-save")
    dialog.scroll_area.ensureVisible(0, 0)
    dialog.first.setText("31/02/2026")
    dialog.accept_requested()
    save(dialog, "reports-error")
    if shutil.which("pdftoppm") and target.exists() and scale == 1.0:  # a PDF has no font scale
        stem = out / "reports-pdf-page"
        subprocess.run(["pdftoppm", "-r", "70", "-png", str(target), str(stem)], check=True)
        print(f"{stem}-N.png (PDF pages)")
    kit.close(dialog, window)


if __name__ == "__main__":
    run_tool(__file__, shoot, __doc__)
