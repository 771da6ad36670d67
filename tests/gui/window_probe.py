"""Open the real main window on a simulated screen and print its geometry as JSON.

Run as a subprocess by ``test_window_size.py`` (the screen size and font must be set
before the QApplication exists): ``python -m tests.gui.window_probe DATA_DIR SCALE``.
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
    window = MainWindow(AppContext(paths, runner, errors))
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


if __name__ == "__main__":
    main()
