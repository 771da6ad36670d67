"""GUI fixtures: a started app context (runner on a tmp data folder, no error windows).

* ``app_context`` — the real Store (migrated), TaskRunner and ErrorReporter with
  ``no_err_windows=True``; fails the test if any bug report (crash) was produced.
* ``hub_context`` — the same after first run, with the coordinator unlocked and a
  lunch club open (``tests/conftest.py``'s ``hub``).
* ``wait_idle(qtbot, context)`` — wait until the runner has no queued or running job.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.core.paths import AppPaths
from hubdesk.store.engine import Store
from hubdesk.ui.app import make_application
from hubdesk.ui.capture import VisitCaptureForm
from hubdesk.ui.context import AppContext
from hubdesk.ui.errors import ErrorReporter
from hubdesk.ui.gc_guard import GuiThreadCollector
from hubdesk.ui.main_window import MainWindow
from hubdesk.ui.tasks import TaskRunner
from tests.conftest import Hub

# The offscreen platform plugin warns on every top-level window that has size hints;
# it says nothing about HubDesk.  Ignore exactly that line for every GUI test.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/gui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    """pytest lets go of a test's fixtures only after their teardown: collect what that
    freed here, on the main thread, before a later test's worker threads run."""
    gc.collect()


def wait_idle(qtbot: QtBot, context: AppContext, timeout: int = 5000) -> None:
    """Wait until every queued job (and its callbacks) has finished."""
    qtbot.waitUntil(lambda: not context.runner.busy, timeout=timeout)


@pytest.fixture
def styled_app(qapp: object) -> object:
    """The pytest-qt QApplication with HubDesk's names and stylesheet."""
    return make_application()


@pytest.fixture
def gui_collector(styled_app: object) -> Iterator[GuiThreadCollector]:
    """As in the app: cycles are collected on the GUI thread only, never on a worker."""
    collector = GuiThreadCollector()
    yield collector
    collector.stop()


@pytest.fixture
def app_context(paths: AppPaths, store: Store, styled_app: object, gui_collector: GuiThreadCollector,
                qtbot: QtBot) -> Iterator[AppContext]:
    errors = ErrorReporter(no_err_windows=True, log_file=None)
    bugs: list[str] = []
    errors.bug_reported.connect(bugs.append)
    runner = TaskRunner(store, errors.report)
    context = AppContext(paths, runner, errors)
    context.bugs = bugs  # type: ignore[attr-defined]
    yield context
    if runner.busy:
        wait_idle(qtbot, context, timeout=10_000)
    runner.shutdown()
    assert not bugs, "a bug was reported:\n" + "\n".join(bugs)


@pytest.fixture
def hub_context(app_context: AppContext, hub: Hub) -> AppContext:
    """First run done, the coordinator unlocked, a lunch club open."""
    app_context.set_actor(hub.actor)
    app_context.set_session(hub.session_id)
    return app_context


@pytest.fixture
def window(hub_context: AppContext, qtbot: QtBot) -> MainWindow:
    """The main window, unlocked as the hub's coordinator, with its first load done."""
    main = MainWindow(hub_context)
    qtbot.addWidget(main)
    main.show()
    with qtbot.waitSignal(main.ready, timeout=5000):
        actor = hub_context.actor
        assert actor is not None
        main.unlocked(actor)
    wait_idle(qtbot, hub_context)
    return main


@pytest.fixture
def form(qtbot: QtBot, hub_context: AppContext) -> Iterator[VisitCaptureForm]:
    widget = VisitCaptureForm(hub_context)
    qtbot.addWidget(widget)
    widget.resize(1200, 760)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    wait_idle(qtbot, hub_context)
    widget.focus_first()
    yield widget
    wait_idle(qtbot, hub_context)
