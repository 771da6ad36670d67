"""Screenshots of the services directory screen and the suggestion form at 1366×768.

    .venv/bin/python tools/screenshots_directory.py [--out docs/screenshots]

Runs offscreen on a simulated 1366×768 laptop screen (the screen set-up of
``tools/screenshots.py``), once at 100 % and once at 150 % font, with a throw-away
data folder filled through the real services.  Saves ``directory-<pct>.png`` (the
whole directory, crisis services first), ``directory-search-<pct>.png`` (a search),
``directory-suggested-<pct>.png`` (a suggestion waiting for the council),
``directory-paused-<pct>.png``, ``suggestion-correct-<pct>.png``,
``suggestion-errors-<pct>.png``, ``suggestion-pause-<pct>.png`` and
``suggestion-new-<pct>.png``.  Look at every one of them after a change.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.screenshots import ScreenshotKit, run_per_scale  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    return run_per_scale(__file__, shoot, argv, (__doc__ or "").splitlines()[0])


def shoot(data_dir: Path, out: Path, scale: float) -> None:
    from hubdesk.services import directory, suggestions
    from hubdesk.services.suggestions import ProposedChange
    from hubdesk.ui.directory_browser import DirectoryDialog
    from hubdesk.ui.suggestion_dialog import SuggestionDialog

    kit = ScreenshotKit(data_dir, out, scale, settle_ms=150)
    store, runner, context = kit.store, kit.runner, kit.context
    settle, save = kit.settle, kit.save

    actor, _val = kit.first_run()
    with store.unit_of_work() as db:
        advice = directory.search_directory(db, "citizens advice")[0]
        suggestions.propose(db, actor, ProposedChange(
            "correct", advice.id, "The number on their new leaflet",
            {"phone": "01438 000 123", "opening_times": "Mon–Fri 9am–5pm"}))
    window = kit.unlocked_window(actor)
    settle()
    window.show_directory()
    dialog = window.dialog
    assert isinstance(dialog, DirectoryDialog)
    settle()
    save(dialog, "directory")
    dialog.search.setText("advice")
    settle(400)
    dialog.table.setFocus()
    save(dialog, "directory-search")
    dialog.search.setText("citizens advice")
    settle(400)
    save(dialog, "directory-suggested")
    dialog.search.setText("men's shed")
    settle(400)
    save(dialog, "directory-paused")

    dialog.search.setText("citizens advice")
    settle(400)
    dialog.suggest_change_to_current()
    form = dialog.suggestion_dialog
    assert isinstance(form, SuggestionDialog)
    settle()
    save(form, "suggestion-correct")
    form.inputs["email"].setText("not an address")
    form.inputs["name"].setText("")
    form.accept_requested()
    settle()
    save(form, "suggestion-errors")
    form.action.setCurrentIndex(form.action.findData("pause"))
    form.clear_errors()
    settle()
    save(form, "suggestion-pause")
    form.close()
    settle()
    dialog.suggest_new_service()
    new = dialog.suggestion_dialog
    assert isinstance(new, SuggestionDialog)
    settle()
    save(new, "suggestion-new")
    new.close()
    dialog.close()
    window.close()
    runner.shutdown()
    store.close()
    del context


if __name__ == "__main__":
    sys.exit(main())
