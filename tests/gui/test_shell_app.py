"""The real program: ``hubdesk`` opens its window (and says when), or exits 1 with a plain
reason when its database cannot be opened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.ui.context import AppContext
from hubdesk.ui.main_window import MainWindow
from tests.conftest import COORDINATOR, PIN, Hub

pytestmark = [pytest.mark.gui]


def _run_app(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HUBDESK_EXIT_AFTER_SHOWN": "1"}
    env.pop("HUBDESK_T0", None)
    return subprocess.run(
        [sys.executable, "-m", "hubdesk", "--data-dir", str(data_dir), "--no-err-windows"],
        capture_output=True, text=True, timeout=120, env=env, check=False)


@pytest.mark.e2e
def test_window_shown_is_reported_and_the_app_quits(tmp_path: Path) -> None:
    result = _run_app(tmp_path / "data")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("window-shown "))
    seconds = float(line.split()[1])
    assert 0 < seconds < 60
    assert (tmp_path / "data" / "hubdesk.sqlite3").is_file()  # migrated on the way
    assert (tmp_path / "data" / "logs" / "hubdesk.log").is_file()


@pytest.mark.e2e
def test_a_damaged_database_exits_1_with_a_plain_reason(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "hubdesk.sqlite3").write_bytes(b"this is not a database, just some bytes " * 100)
    result = _run_app(data)
    assert result.returncode == 1
    assert "window-shown" not in result.stdout
    assert "The HubDesk database cannot be read: it is damaged" in result.stderr
    assert "Traceback" not in result.stderr


def test_volunteer_and_pin_from_the_command_line_unlock(app_context: AppContext, hub: Hub,
                                                         qtbot: QtBot) -> None:
    window = MainWindow(app_context)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.ready, timeout=10_000):
        window.start(auto_unlock=(COORDINATOR, PIN))
    assert not window.is_locked
    assert window.dialog is None
    assert window.session_title.text() == "Lunch club, St Mary's Hall"


def test_a_wrong_command_line_pin_falls_back_to_the_unlock_dialog(app_context: AppContext, hub: Hub,
                                                                  qtbot: QtBot) -> None:
    from hubdesk.ui.unlock_dialog import UnlockDialog

    window = MainWindow(app_context)
    qtbot.addWidget(window)
    window.show()
    window.start(auto_unlock=(COORDINATOR, "000000"))
    qtbot.waitUntil(lambda: isinstance(window.dialog, UnlockDialog), timeout=10_000)
    assert window.is_locked
