"""Python's cycle collector, run on the GUI thread only (after Anki's ``aqt/__init__.py``).

Python collects reference cycles on whichever thread happens to allocate when a
threshold trips: with a database lane and a background lane that is often a
worker.  A cycle holding a widget (a closure connected to its own signal, an
error's traceback holding a dialog's method) would then be destroyed off the GUI
thread, which Qt does not survive.  So while the app runs, automatic collection
is off and a timer on the GUI thread collects instead, generation by generation,
as Python would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    """Turns automatic collection off; collects on a GUI-thread timer until :meth:`stop`."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        thresholds = gc.get_threshold()
        self._thresholds = thresholds if thresholds[0] else (700, 10, 10)  # Python's defaults
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> int:
        """Collect the generations whose counts passed Python's thresholds; returns objects freed."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                return gc.collect(generation)
        return 0

    def stop(self) -> None:
        """Collect everything once more here, and give collection back to Python."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
