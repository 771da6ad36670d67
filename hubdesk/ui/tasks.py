"""One way to run work off the UI thread (after Anki's ``aqt/taskman.py``).

* **The database lane**: one worker thread owns all database work.  SQLite has
  one writer, and an ORM session must never cross threads, so every
  ``run_db`` job gets its own unit of work *inside* that thread and hands back
  plain values.
* **The background lane** (``run_background``): work that opens its own units of
  work or waits on the network (sync, export, demo data) and must not hold up
  quick saves.
* Results come back to the GUI thread by a queued signal.  A job that returns
  :class:`~hubdesk.services.common.Changes` makes the runner emit
  ``data_changed`` once, and every view decides whether to reload.

Signals:
    data_changed(Changes): after a successful mutation.
    busy_changed(bool): True while any job is queued or running.
    task_finished(): after every job's callbacks ran (tests wait on it).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot
from sqlalchemy.orm import Session

from hubdesk.services.common import Changes
from hubdesk.store.engine import Store

log = logging.getLogger("hubdesk.ui.tasks")

SuccessHook = Callable[[Any], None]
FailureHook = Callable[[BaseException], None]
ProgressHook = Callable[[int, int, str], None]


@dataclass
class _Job:
    number: int
    work: Callable[..., Any]
    on_success: SuccessHook | None
    on_failure: FailureHook | None
    uses_db: bool
    result: Any = None
    error: BaseException | None = None
    cancel: threading.Event = field(default_factory=threading.Event)


class _Worker(QObject):
    finished = Signal(object)

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store

    @Slot(object)
    def run(self, job: _Job) -> None:
        try:
            if job.uses_db:
                with self._store.unit_of_work() as db:
                    job.result = job.work(db)
            else:
                job.result = job.work()
        except BaseException as error:  # handed to the GUI thread, reported there
            job.error = error
        self.finished.emit(job)


class TaskRunner(QObject):
    """Runs jobs on the database lane or the background lane; see module docstring."""

    data_changed = Signal(object)
    busy_changed = Signal(bool)
    task_finished = Signal()
    progress = Signal(int, int, str)
    _submit_db = Signal(object)
    _submit_background = Signal(object)

    def __init__(self, store: Store, on_error: FailureHook, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._on_error = on_error
        self._numbers = itertools.count(1)
        self._pending: set[int] = set()
        self._threads: list[QThread] = []
        self._workers: list[_Worker] = []
        for lane, submit in (("db", self._submit_db), ("background", self._submit_background)):
            thread = QThread(self)
            thread.setObjectName(f"hubdesk-{lane}")
            worker = _Worker(store)
            worker.moveToThread(thread)
            submit.connect(worker.run)
            worker.finished.connect(self._finish)
            thread.start()
            self._threads.append(thread)
            self._workers.append(worker)

    def run_db(self, work: Callable[[Session], Any], on_success: SuccessHook | None = None,
               on_failure: FailureHook | None = None) -> int:
        """Run ``work(db)`` in one transaction on the database lane."""
        return self._queue(_Job(next(self._numbers), work, on_success, on_failure, True),
                           self._submit_db)

    def run_background(self, work: Callable[[], Any], on_success: SuccessHook | None = None,
                       on_failure: FailureHook | None = None) -> int:
        """Run ``work()`` on the background lane (it opens its own units of work)."""
        return self._queue(_Job(next(self._numbers), work, on_success, on_failure, False),
                           self._submit_background)

    def _queue(self, job: _Job, submit: Any) -> int:
        self._pending.add(job.number)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        submit.emit(job)
        return job.number

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    @Slot(object)
    def _finish(self, job: _Job) -> None:
        self._pending.discard(job.number)
        try:
            if job.error is not None:
                if job.on_failure is not None:
                    job.on_failure(job.error)
                else:
                    self._on_error(job.error)
            else:
                if job.on_success is not None:
                    job.on_success(job.result)
                changes = job.result if isinstance(job.result, Changes) else None
                if changes is not None and changes.kinds:
                    self.data_changed.emit(changes)
        except Exception as error:  # a bug in a callback: report it, keep the runner alive
            log.exception("task callback failed")
            self._on_error(error)
        finally:
            if not self._pending:
                self.busy_changed.emit(False)
            self.task_finished.emit()

    def shutdown(self) -> None:
        """Finish queued work, then stop the lanes (called when the window closes)."""
        for thread in self._threads:
            thread.quit()
        for thread in self._threads:
            thread.wait(10_000)
        self._threads.clear()
