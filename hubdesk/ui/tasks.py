"""One way to run work off the UI thread (after Anki's ``aqt/taskman.py``).

* **The database lane**: one worker thread owns all database work.  SQLite has
  one writer, and an ORM session must never cross threads, so every
  ``run_db`` job gets its own unit of work *inside* that thread and hands back
  plain values.
* **The background lane** (``run_background``): work that opens its own units of
  work or waits on the network (sync, export, demo data) and must not hold up
  quick saves.
* Results come back to the GUI thread by a queued signal.  A job that returns
  :class:`~hubdesk.services.common.Changes` (or a result with a ``changes`` field
  holding one) makes the runner emit ``data_changed`` once, after the job's own
  success hook; every view decides whether to reload.  Nobody else emits it.
* **Lifetimes**: a job's callables often hold widgets (bound methods, closures).
  If a worker thread dropped the last reference to such a widget, Qt would
  destroy it on the wrong thread and crash.  So only job *numbers* cross
  threads; the job itself lives in ``_jobs`` (owned by the GUI thread) until
  ``_finish`` pops it there, and a worker lets go of its reference before it
  signals that the job is done.

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
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from PySide6.QtCore import QObject, QThread, Signal, Slot
from sqlalchemy.orm import Session

from hubdesk.services.common import Changes

log = logging.getLogger("hubdesk.ui.tasks")

class UnitsOfWork(Protocol):
    """Where the database lane gets its transactions (the store; ui/ never imports store/)."""

    def unit_of_work(self) -> AbstractContextManager[Session]: ...


def changes_in(result: object) -> Changes | None:
    """The Changes a job returned: the result itself, or its ``changes`` field."""
    if isinstance(result, Changes):
        return result
    inner = getattr(result, "changes", None)
    return inner if isinstance(inner, Changes) else None


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


class _JobTable:
    """The jobs queued or running, by number; the GUI thread adds and pops them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[int, _Job] = {}

    def add(self, job: _Job) -> None:
        with self._lock:
            self._jobs[job.number] = job

    def get(self, number: int) -> _Job | None:
        with self._lock:
            return self._jobs.get(number)

    def pop(self, number: int) -> _Job | None:
        with self._lock:
            return self._jobs.pop(number, None)


class _Worker(QObject):
    finished = Signal(int)

    def __init__(self, store: UnitsOfWork, jobs: _JobTable) -> None:
        super().__init__()
        self._store = store
        self._jobs = jobs

    @Slot(int)
    def run(self, number: int) -> None:
        job = self._jobs.get(number)
        if job is None:
            return
        try:
            if job.uses_db:
                with self._store.unit_of_work() as db:
                    job.result = job.work(db)
            else:
                job.result = job.work()
        except BaseException as error:  # handed to the GUI thread, reported there
            job.error = error
        # The table keeps the job alive until the GUI thread pops it: drop ours first,
        # so nothing a job holds can be destroyed on this thread (see module docstring).
        del job
        self.finished.emit(number)


class TaskRunner(QObject):
    """Runs jobs on the database lane or the background lane; see module docstring."""

    data_changed = Signal(object)
    busy_changed = Signal(bool)
    task_finished = Signal()
    progress = Signal(int, int, str)
    _submit_db = Signal(int)
    _submit_background = Signal(int)

    def __init__(self, store: UnitsOfWork, on_error: FailureHook, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # handed on as it is to background work that opens its own units of work (sync,
        # enrolment); typed loosely because ui/ does not import store/ (import-linter)
        self.store: Any = store
        self._on_error = on_error
        self._numbers = itertools.count(1)
        self._pending: set[int] = set()
        self._jobs = _JobTable()
        self._threads: list[QThread] = []
        self._workers: list[_Worker] = []
        for lane, submit in (("db", self._submit_db), ("background", self._submit_background)):
            thread = QThread(self)
            thread.setObjectName(f"hubdesk-{lane}")
            worker = _Worker(store, self._jobs)
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
        self._jobs.add(job)
        self._pending.add(job.number)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        submit.emit(job.number)
        return job.number

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    @Slot(int)
    def _finish(self, number: int) -> None:
        self._pending.discard(number)
        job = self._jobs.pop(number)
        try:
            if job is None:  # cannot happen: every number was added by _queue
                raise RuntimeError(f"task {number} finished but was never queued")
            elif job.error is not None:
                if job.on_failure is not None:
                    job.on_failure(job.error)
                else:
                    self._on_error(job.error)
            else:
                if job.on_success is not None:
                    job.on_success(job.result)
                changes = changes_in(job.result)
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
