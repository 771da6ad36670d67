"""Open the real main window on a simulated screen and print its geometry as JSON.

Run as a subprocess by ``test_window_size.py`` (the screen size and font must be set
before the QApplication exists): ``python -m tests.gui.window_probe DATA_DIR SCALE``.
With a third argument ``volunteers`` it opens the coordinator's Volunteers dialog
instead and says whether its body has to scroll.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from hubdesk.core.paths import AppPaths
    from hubdesk.store.engine import Store
    from hubdesk.ui.app import make_application
    from hubdesk.ui.context import AppContext
    from hubdesk.ui.errors import ErrorReporter
    from hubdesk.ui.main_window import MainWindow
    from hubdesk.ui.tasks import TaskRunner

    data_dir, scale = Path(sys.argv[1]), float(sys.argv[2])
    app = make_application()
    font = app.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    QApplication.setFont(font)
    paths = AppPaths(data_dir).ensure()
    store = Store.open(paths.database, backups=paths.backups)
    errors = ErrorReporter(no_err_windows=True, log_file=None)
    runner = TaskRunner(store, errors.report)
    context = AppContext(paths, runner, errors)
    if sys.argv[3:] == ["volunteers"]:
        _volunteers_dialog(store, context)
        runner.shutdown()
        store.close()
        return
    window = MainWindow(context)
    window.show()
    QTest.qWait(100)
    screen = window.screen().availableGeometry()
    frame = window.frameGeometry()
    print(json.dumps({"screen": [screen.width(), screen.height()],
                      "window": [frame.width(), frame.height()],
                      "maximized": window.isMaximized()}))
    window.close()
    runner.shutdown()
    store.close()


def _volunteers_dialog(store: object, context: object) -> None:
    from PySide6.QtTest import QTest

    from hubdesk.services import setup, volunteers
    from hubdesk.ui.volunteers_dialog import VolunteersDialog

    with store.unit_of_work() as db:  # type: ignore[attr-defined]
        setup.ensure_first_coordinator(db, "Pat Coordinator", "246810")
    with store.unit_of_work() as db:  # type: ignore[attr-defined]
        coordinator = volunteers.unlock(db, "Pat Coordinator", "246810")
        volunteers.add_volunteer(db, coordinator, "Val Volunteer", "135790")
    context.set_actor(coordinator)  # type: ignore[attr-defined]
    dialog = VolunteersDialog(context)  # type: ignore[arg-type]
    dialog.show()
    for _ in range(200):  # the list loads on the database lane
        QTest.qWait(50)
        if dialog.list.count():
            break
    QTest.qWait(100)
    screen = dialog.screen().availableGeometry()
    frame = dialog.frameGeometry()
    print(json.dumps({"screen": [screen.width(), screen.height()],
                      "dialog": [frame.width(), frame.height()],
                      "people": dialog.list.count(),
                      "scrolls": dialog.scroll_area.verticalScrollBar().isVisible()}))
    dialog.close()


if __name__ == "__main__":
    main()
