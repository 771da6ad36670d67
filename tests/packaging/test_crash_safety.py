"""Logging works in a windowed frozen app, where ``sys.stderr`` is None."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import logging, sys
from pathlib import Path
sys.stderr = None  # what a windowed PyInstaller build gives the app
sys.stdout = None
from hubdesk.core.logging_setup import configure_logging
log_file = configure_logging(Path(sys.argv[1]))
logging.getLogger("hubdesk.test").error("written with no console")
try:
    raise RuntimeError("a bug")
except RuntimeError:
    logging.getLogger("hubdesk.test").exception("unexpected error")
Path(sys.argv[2]).write_text(str(log_file))
"""


def test_logging_without_a_console_writes_the_log_file(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    answer = tmp_path / "answer.txt"

    done = subprocess.run([sys.executable, "-c", SCRIPT, str(logs), str(answer)],
                          capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 0, done.stderr
    log_file = Path(answer.read_text())
    assert log_file.parent == logs
    text = log_file.read_text(encoding="utf-8")
    assert "ERROR hubdesk.test: written with no console" in text
    assert "RuntimeError: a bug" in text
