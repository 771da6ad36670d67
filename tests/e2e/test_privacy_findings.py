"""Issue 8's findings on the laptop, probed as a thief with a copy of the data folder
would: through the real ``hubdesk`` program, so the same test runs against the code
before the fix (where each of them failed) and after it.

* the database was plain SQLite, mode 644 in a 755 folder: names and the device token
  readable with the ``sqlite3`` module by anyone on the machine;
* a 4-digit PIN was accepted, and falls to an offline search of its hash in minutes.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def _hubdesk(data_dir: Path, *args: str, pin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUBDESK_PIN": pin}
    env.pop("HUBDESK_DATA_DIR", None)
    return subprocess.run([sys.executable, "-m", "hubdesk", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=env, timeout=180,
                          stdin=subprocess.DEVNULL, check=False)


def test_the_data_folder_is_private_and_the_database_unreadable_without_its_key(
        tmp_path: Path) -> None:
    data_dir = tmp_path / "laptop"
    made = _hubdesk(data_dir, "demo", "--visits", "3", pin="135790")  # as "Coordinator"
    assert made.returncode == 0, made.stderr
    database = data_dir / "hubdesk.sqlite3"
    assert stat.S_IMODE(database.stat().st_mode) & 0o077 == 0  # 0600: nobody else reads it
    assert stat.S_IMODE(data_dir.stat().st_mode) & 0o077 == 0  # 0700
    with pytest.raises(sqlite3.DatabaseError):
        plain = sqlite3.connect(database)
        try:
            plain.execute("SELECT count(*) FROM visits").fetchone()
        finally:
            plain.close()
    assert b"Coordinator" not in database.read_bytes()


def test_a_four_digit_pin_is_refused_and_nothing_is_made(tmp_path: Path) -> None:
    data_dir = tmp_path / "laptop"
    refused = _hubdesk(data_dir, "demo", "--visits", "3", pin="1234")
    assert refused.returncode != 0
    assert "PIN" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert not (data_dir / "hubdesk.sqlite3").exists()
