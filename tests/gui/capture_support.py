"""Fixtures for the capture screens' tests: a real runner and context over the test store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.core.paths import AppPaths
from hubdesk.store.engine import Store
from hubdesk.ui.context import AppContext
from hubdesk.ui.errors import ErrorReporter
from hubdesk.ui.tasks import TaskRunner
from tests.conftest import Hub


@pytest.fixture
def capture_context(qtbot: QtBot, paths: AppPaths, store: Store, hub: Hub) -> Iterator[AppContext]:
    """An unlocked coordinator with a lunch club open; fails the test if a bug was reported."""
    errors = ErrorReporter(no_err_windows=True, log_file=None)
    bugs: list[str] = []
    errors.bug_reported.connect(bugs.append)
    runner = TaskRunner(store, errors.report)
    context = AppContext(paths, runner, errors)
    context.set_actor(hub.actor)
    context.set_session(hub.session_id)
    yield context
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    runner.shutdown()
    assert not bugs, bugs[0]


def wait_idle(qtbot: QtBot, context: AppContext) -> None:
    """Until every queued database job and its callbacks have run."""
    qtbot.waitUntil(lambda: not context.runner.busy, timeout=10_000)
