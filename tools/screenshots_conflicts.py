"""Screenshots of the coordinator's "Conflicting changes" screen at 1366×768.

    .venv/bin/python tools/screenshots_conflicts.py [--out docs/screenshots]

Two visits are recorded, then edited twice from version 1 (the coordinator first,
then a volunteer whose form was stale), so their age band, signposts and sex clash.
Shots, each at 100 % and 150 % text (``ScreenshotKit``): ``conflicts-dialog`` (as
opened), ``conflicts-dialog-error`` (Enter before choosing) and
``conflicts-dialog-done`` (one settled, the other next).  Look at them all.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository root

from tools.screenshots import ScreenshotKit, run_tool


def shoot(data_dir: Path, out: Path, scale: float) -> None:
    from PySide6.QtCore import Qt

    from hubdesk.services import directory, visits
    from hubdesk.ui.conflicts_dialog import ConflictsDialog

    kit = ScreenshotKit(data_dir, out, scale, settle_ms=150)
    store, settle, save = kit.store, kit.settle, kit.save
    actor, val = kit.first_run()
    session_id = kit.open_session(actor)
    with store.unit_of_work() as db:
        mind = directory.search_directory(db, "mind")[0].id
        food = directory.search_directory(db, "food")[0].id
    edits = [
        # (what was recorded, the coordinator's change, the volunteer's stale change)
        ({"age_band": "65_74", "sex": "female"},
         {"age_band": "85_plus", "signposts": [visits.SignpostAnswer(food, "signpost")]},
         {"age_band": "75_84", "first_visit": True,
          "signposts": [visits.SignpostAnswer(mind, "warm_handover")]}),
        ({"age_band": "50_64", "sex": "male"}, {"sex": "prefer_not"}, {"sex": "female"}),
    ]
    for recorded, coordinator_change, volunteer_change in edits:
        form = visits.VisitForm(contact_mode="walk_in", topics=[
            visits.TopicAnswer("mental_wellbeing"), visits.TopicAnswer("food")], **recorded)
        with store.unit_of_work() as db:
            visit_id = visits.record_visit(db, val, session_id, form).primary_id
        for who, change in ((actor, coordinator_change), (val, volunteer_change)):
            with store.unit_of_work() as db:
                edited = visits.get_visit_form(db, visit_id)
                for name, value in change.items():
                    setattr(edited, name, value)
                visits.edit_visit(db, who, visit_id, edited, base_version=1)

    window = kit.unlocked_window(actor)
    settle()
    window.show_conflicts()
    dialog = window.dialog
    assert isinstance(dialog, ConflictsDialog)
    settle()
    save(dialog, "conflicts-dialog")
    dialog.accept_requested()  # nothing chosen yet: the message at the top
    save(dialog, "conflicts-dialog-error")
    for name, group in dialog.groups.items():
        group.buttons()[0 if name != "signposts" else 1].setChecked(True)
    dialog.accept_requested()
    settle()
    dialog.list.setFocus(Qt.FocusReason.OtherFocusReason)
    save(dialog, "conflicts-dialog-done")
    kit.close(dialog, window)


if __name__ == "__main__":
    run_tool(__file__, shoot, __doc__)
