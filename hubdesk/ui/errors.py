"""Errors in one place (after qutebrowser's ``misc/sql.py``).

* :class:`~hubdesk.core.errors.UserFacingError` (the environment's fault or the
  user's input): a plain message the user can act on.
* anything else is a bug: a crash dialog with a copyable report and the log path.
* ``no_err_windows`` (tests, smoke runs, ``--no-err-windows``) turns every dialog
  into a log line, so nothing ever hangs on a modal box.

The crash dialog lives in ``ui/crash_dialog.py``, imported only when a bug is reported:
the reporter is installed before the PIN screen, which should not wait for it (issue 8).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from hubdesk.core.errors import UserFacingError

log = logging.getLogger("hubdesk.ui.errors")


class ErrorReporter(QObject):
    """Signals:
        user_error(str): a plain message was reported (also shown unless no_err_windows).
        bug_reported(str): a crash report was produced.
    """

    user_error = Signal(str)
    bug_reported = Signal(str)

    def __init__(self, *, no_err_windows: bool, log_file: Path | None) -> None:
        super().__init__()
        self.no_err_windows = no_err_windows
        self.log_file = log_file
        self.parent_widget: QWidget | None = None

    def report(self, error: BaseException) -> None:
        if isinstance(error, UserFacingError):
            log.warning("user-facing error: %s", type(error).__name__)
            self.user_error.emit(str(error))
            if not self.no_err_windows:
                from PySide6.QtWidgets import QMessageBox

                QMessageBox.warning(self.parent_widget, "HubDesk", str(error))
            return
        from hubdesk.ui.crash_dialog import CrashDialog, crash_report

        report = crash_report(error, self.log_file)
        log.error("unexpected error\n%s", report)
        self.bug_reported.emit(report)
        if not self.no_err_windows:
            CrashDialog(report, self.log_file, self.parent_widget).exec()

    def install_excepthook(self) -> None:
        """Unhandled exceptions on the GUI thread go to :meth:`report`, not a silent exit."""

        def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
            if issubclass(kind, KeyboardInterrupt):
                sys.__excepthook__(kind, error, trace)
                return
            self.report(error.with_traceback(trace))

        sys.excepthook = hook
