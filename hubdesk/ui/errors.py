"""Errors in one place (after qutebrowser's ``misc/sql.py``).

* :class:`~hubdesk.core.errors.UserFacingError` (the environment's fault or the
  user's input): a plain message the user can act on.
* anything else is a bug: a crash dialog with a copyable report and the log path.
* ``no_err_windows`` (tests, smoke runs, ``--no-err-windows``) turns every dialog
  into a log line, so nothing ever hangs on a modal box.
"""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

import hubdesk
from hubdesk.core.errors import UserFacingError

log = logging.getLogger("hubdesk.ui.errors")


def crash_report(error: BaseException, log_file: Path | None) -> str:
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return (
        f"HubDesk {hubdesk.__version__} on {platform.platform()} "
        f"(Python {platform.python_version()})\n"
        f"Log file: {log_file or 'none'}\n\n{trace}"
    )


class CrashDialog(QDialog):
    """Shows a bug's report, selectable and copyable, with the log file's path."""

    def __init__(self, report: str, log_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("HubDesk hit a problem")
        layout = QVBoxLayout(self)
        margin = self.fontMetrics().height()  # scales with the system font
        layout.setContentsMargins(margin, margin, margin, margin)
        heading = QLabel("<h2>Something went wrong</h2>")
        layout.addWidget(heading)
        explanation = QLabel(
            "Your saved records are safe. Please copy this report and send it to your "
            "coordinator or IT support."
            + (f"<br>The log file is at: <b>{log_file}</b>" if log_file else "")
        )
        explanation.setWordWrap(True)
        explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(explanation)
        self.report = QPlainTextEdit(report)
        self.report.setReadOnly(True)
        self.report.setAccessibleName("Crash report")
        layout.addWidget(self.report)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("&Copy report", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_report)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # about 60 x 22 characters of the current font, so it scales with the system font
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 60, metrics.height() * 22)

    def copy_report(self) -> None:
        QApplication.clipboard().setText(self.report.toPlainText())


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
                QMessageBox.warning(self.parent_widget, "HubDesk", str(error))
            return
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
