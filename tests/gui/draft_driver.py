"""A tiny HubDesk process for the kill test: the visit form on a data folder, offscreen.

Usage: python -m tests.gui.draft_driver DATA_DIR VOLUNTEER PIN SESSION_ID

It unlocks the volunteer, answers a few questions on the real form (as a volunteer would
mid-visit), prints ``draft-saved <id>`` once the autosave has committed, and then keeps
running until it is killed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str]) -> int:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from hubdesk.core.paths import AppPaths
    from hubdesk.services import volunteers
    from hubdesk.store.engine import Store
    from hubdesk.ui.capture import VisitCaptureForm
    from hubdesk.ui.context import AppContext
    from hubdesk.ui.errors import ErrorReporter
    from hubdesk.ui.tasks import TaskRunner

    data_dir, name, pin, session_id = argv
    app = QApplication([])
    paths = AppPaths(Path(data_dir))
    store = Store.open(paths.database, backups=paths.backups)
    with store.unit_of_work() as db:
        actor = volunteers.unlock(db, name, pin)
    errors = ErrorReporter(no_err_windows=True, log_file=None)
    errors.bug_reported.connect(lambda report: print(f"bug {report}", flush=True))
    runner = TaskRunner(store, errors.report)
    context = AppContext(paths, runner, errors)
    context.set_actor(actor)
    context.set_session(session_id)
    form = VisitCaptureForm(context)
    form.show()
    form.draft_saved.connect(lambda draft_id: print(f"draft-saved {draft_id}", flush=True))

    def type_answers() -> None:
        QTest.keyClick(form.contact_mode, "a")  # type: ignore[call-overload]  # Approached by us
        QTest.keyClick(form.age_band, "7")  # type: ignore[call-overload]  # 75–84
        QTest.keyClicks(form.visitor_code, "ZX-42")
        form.topic_finder.setFocus()
        QTest.keyClicks(form.topic_finder, "lonel")
        QTest.keyClick(form.topic_finder, Qt.Key.Key_Return)
        QTest.keyClicks(form.note, "Lost her husband in the spring")
        print("typed", flush=True)

    # type once the event loop runs (the form's first look-ups are queued by then)
    QTimer.singleShot(200, type_answers)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
