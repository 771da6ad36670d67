"""What a mutation changed is announced once, by the task runner, from what the service
returned (STYLE "Changes are typed"): closing a session from the dialog, closing one
left open on an earlier day, and a sync run.  No screen emits ``data_changed`` itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

import hubdesk.ui
from hubdesk.core.days import hub_today
from hubdesk.services import sessions
from hubdesk.services.common import Changes
from hubdesk.store.engine import Store
from hubdesk.sync.engine import SyncResult
from hubdesk.ui.context import AppContext
from hubdesk.ui.session_dialogs import CloseSessionDialog
from hubdesk.ui.session_resume import LeftOpenDialog
from tests.conftest import Hub
from tests.gui.conftest import wait_idle
from tests.gui.test_unlock_sessions import move_to_yesterday

pytestmark = pytest.mark.gui

UI_PACKAGE = Path(hubdesk.ui.__file__).resolve().parent


def announcements(context: AppContext) -> list[Changes]:
    heard: list[Changes] = []
    context.runner.data_changed.connect(heard.append)
    return heard


def test_closing_a_session_is_announced_once_with_what_closed(
        qtbot: QtBot, hub_context: AppContext, hub: Hub, store: Store) -> None:
    dialog = CloseSessionDialog(hub_context, hub.session_id)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, hub_context)                          # the figures arrived
    heard = announcements(hub_context)
    with qtbot.waitSignal(dialog.closed, timeout=5000):
        qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Return)
    wait_idle(qtbot, hub_context)
    assert [(c.kinds, c.ids) for c in heard] == [({"session"}, [hub.session_id])]
    with store.unit_of_work() as db:
        assert sessions.session_info(db, hub.session_id).status == "closed"


def test_closing_a_session_left_open_is_announced_too(
        qtbot: QtBot, hub_context: AppContext, hub: Hub, store: Store) -> None:
    opened = move_to_yesterday(store, hub.session_id)
    with store.unit_of_work() as db:
        info = sessions.session_info(db, hub.session_id)
    dialog = LeftOpenDialog(hub_context, info, hub_today())
    qtbot.addWidget(dialog)
    dialog.show()
    heard = announcements(hub_context)
    dialog.ended_at.selectAll()
    qtbot.keyClicks(dialog.ended_at, f"{opened + timedelta(hours=1):%H:%M}")
    with qtbot.waitSignal(dialog.session_closed, timeout=5000):
        qtbot.keyClick(dialog.ended_at, Qt.Key.Key_Return)
    wait_idle(qtbot, hub_context)
    # the session panel, today's list and the status line reload on this
    assert [(c.kinds, c.ids) for c in heard] == [({"session"}, [hub.session_id])]


def test_a_sync_run_says_what_it_changed() -> None:
    def run(**counts: int) -> SyncResult:
        figures = {"sent": 0, "rejected": 0, "conflicts": 0, "downloaded": 0, **counts}
        return SyncResult(**figures, pending=0, needs_attention=0,
                          last_sync_at=datetime(2026, 3, 29, 1, 30), completed=True)

    assert run().changes.kinds == set()                  # nothing moved: nothing to redraw
    for moved in ("sent", "rejected", "conflicts", "downloaded"):
        assert run(**{moved: 1}).changes.kinds == {"sync"}, moved


def test_no_screen_emits_data_changed_by_hand() -> None:
    """Only the task runner announces changes (``ui/tasks.py``)."""
    offenders = [
        str(path.relative_to(UI_PACKAGE))
        for path in UI_PACKAGE.rglob("*.py")
        if path.name != "tasks.py" and "data_changed.emit" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []

