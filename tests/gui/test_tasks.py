"""The task runner lets go of a job's callables on the GUI thread only.

A job's callables usually hold widgets (bound methods, closures).  If a worker
thread dropped the last reference to such a widget, Qt would destroy it on the
wrong thread: the segfault that once took a CI run down when a test returned
while its window was held only by jobs still in flight.
"""

from __future__ import annotations

import gc
import threading

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.ui.context import AppContext
from hubdesk.ui.gc_guard import GuiThreadCollector
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


class _Holder:
    """Stands for a widget: records the thread that let go of it last."""

    def __init__(self, released_on: list[str]) -> None:
        self._released_on = released_on

    def work(self, *_: object) -> int:
        return 1

    def done(self, _: object) -> None:
        pass

    def __del__(self) -> None:
        self._released_on.append(threading.current_thread().name)


def test_the_last_reference_to_a_job_is_dropped_on_the_gui_thread(
        app_context: AppContext, qtbot: QtBot) -> None:
    runner = app_context.runner
    released_on: list[str] = []
    jobs = 400
    for number in range(jobs):
        holder = _Holder(released_on)
        if number % 2:
            runner.run_db(holder.work, holder.done)
        else:
            runner.run_background(holder.work, holder.done)
        del holder  # from here on only the runner holds it, as a closed window would be
    wait_idle(qtbot, app_context, timeout=30_000)
    qtbot.waitUntil(lambda: len(released_on) == jobs, timeout=5000)
    main = threading.main_thread().name
    elsewhere = [name for name in released_on if name != main]
    assert not elsewhere, f"{len(elsewhere)} of {jobs} jobs were let go on a worker thread"


def test_a_failing_job_is_also_let_go_on_the_gui_thread(
        app_context: AppContext, gui_collector: GuiThreadCollector, qtbot: QtBot) -> None:
    runner = app_context.runner
    released_on: list[str] = []
    failures: list[BaseException] = []

    class _Failing(_Holder):
        def work(self, *_: object) -> int:
            raise ValueError("no")

    for _ in range(50):
        holder = _Failing(released_on)
        runner.run_db(holder.work, holder.done, failures.append)
        del holder
    wait_idle(qtbot, app_context, timeout=30_000)
    failures.clear()  # the errors' tracebacks hold the work frames, and so the holders
    gc.collect()  # what the GUI-thread collector does on its timer: tracebacks make cycles
    qtbot.waitUntil(lambda: len(released_on) == 50, timeout=5000)
    assert set(released_on) == {threading.main_thread().name}


def test_cycles_are_collected_on_the_gui_thread_only(gui_collector: GuiThreadCollector, qtbot: QtBot) -> None:
    """Automatic collection is off while the app runs; the GUI thread's timer collects."""
    assert not gc.isenabled()
    released_on: list[str] = []

    def make_cycle() -> None:
        holder = _Holder(released_on)
        holder.me = holder  # type: ignore[attr-defined]

    worker = threading.Thread(target=lambda: [make_cycle() for _ in range(5000)], name="worker")
    worker.start()
    worker.join()
    assert released_on == []  # the worker allocated plenty, and collected nothing
    qtbot.waitUntil(lambda: len(released_on) == 5000, timeout=10_000)
    assert set(released_on) == {threading.main_thread().name}
