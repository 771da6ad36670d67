"""Lock HubDesk after a number of quiet minutes (DESIGN §9, issue 8).

An application-wide event filter restarts a single-shot timer on every key
press, mouse press or wheel turn.  When it fires, :meth:`MainWindow.lock` runs
as for "Switch volunteer or lock": the work page (every name, code and note on
screen) is replaced by the locked page, any other open dialog is closed, and the
capture form keeps its unfinished visit as the volunteer's draft, which comes
back when they unlock.

Signals:
    locked(): the idle timer locked the window.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

_ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel,
             QEvent.Type.MouseMove, QEvent.Type.TouchBegin}


class IdleLock(QObject):
    locked = Signal()

    def __init__(self, window: QWidget, minutes: float) -> None:
        super().__init__(window)
        self.window = window
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._idle)
        self.set_minutes(minutes)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        self.minutes = minutes
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self.timer.start()
        return False

    def _idle(self) -> None:
        window = self.window
        if getattr(window, "is_locked", True) or getattr(window, "context", None) is None:
            self.timer.start()
            return
        dialog = getattr(window, "dialog", None)
        if dialog is not None and dialog.isVisible():
            dialog.close()  # a dialog may show personal details; nothing in it is lost
        for child in window.findChildren(QWidget):
            if child.isWindow() and child.isVisible() and child is not window:
                child.close()
        window.lock()  # type: ignore[attr-defined]
        hint = getattr(window, "locked_hint", None)
        if hint is not None:
            minutes = round(self.minutes) if self.minutes >= 1 else 1
            hint.setText(f"HubDesk locked itself after {minutes} quiet minute"
                         f"{'s' if minutes != 1 else ''}. An unfinished visit is kept: "
                         "unlock to carry on.")
        self.locked.emit()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
