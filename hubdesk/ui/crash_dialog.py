"""A bug's report: the text (version, platform, traceback, log file) and the dialog that
shows it, selectable and copyable.  Used by :class:`hubdesk.ui.errors.ErrorReporter`."""

from __future__ import annotations

import platform
import traceback
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

import hubdesk


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
