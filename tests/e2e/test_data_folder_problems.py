"""A data folder HubDesk cannot use: made by a newer HubDesk, read-only, or locked.

Each time the real program, run as a subprocess, says so in one plain line on
stderr, exits 1, leaves the database's bytes as they were and makes no backup copy
(however often it is tried).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PIN

pytestmark = pytest.mark.e2e

NEWER_REVISION = "0999_from_a_newer_hubdesk"
NOBODY = 65534


@pytest.fixture(scope="module")
def filled_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template") / "data"
    made = hubdesk(folder, "demo", "--visits", "3", "--seed", "1")
    assert made.returncode == 0, made.stderr
    return folder


@pytest.fixture()
def data_dir(filled_folder: Path) -> Iterator[Path]:
    """A copy of a filled data folder, somewhere any user may reach (for the read-only
    case run as another user)."""
    parent = Path(tempfile.mkdtemp(prefix="hubdesk-folder-"))
    parent.chmod(0o755)
    folder = parent / "data"
    shutil.copytree(filled_folder, folder)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(parent)


def hubdesk(data_dir: Path, *args: str, as_user: int | None = None,
            ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUBDESK_PIN": PIN, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("HUBDESK_DATA_DIR", None)
    command = [sys.executable, "-m", "hubdesk", "--data-dir", str(data_dir), *args]
    if as_user is not None:
        command = ["setpriv", f"--reuid={as_user}", f"--regid={as_user}", "--clear-groups",
                   *command]
        env["HOME"] = str(data_dir.parent)
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120,
                          check=False)


def keyed_connection(folder: Path) -> Any:
    """A SQLCipher connection to the folder's encrypted database (the coordinator's slot),
    as another program with the key would have; the caller closes it."""
    from hubdesk.store.engine import make_engine
    from hubdesk.store.keyring import KeyRing, raw_sqlcipher_key

    ring = KeyRing.load(folder)
    assert ring is not None
    engine = make_engine(folder / "hubdesk.sqlite3",
                         key=raw_sqlcipher_key(ring.open_slot("Coordinator", PIN)))
    return engine.raw_connection().driver_connection


def set_newer_revision(folder: Path) -> None:
    connection = keyed_connection(folder)
    try:
        connection.execute("UPDATE alembic_version SET version_num = ?", (NEWER_REVISION,))
        connection.commit()
    finally:
        connection.close()


def fingerprint(folder: Path) -> tuple[str, list[str]]:
    database = (folder / "hubdesk.sqlite3").read_bytes()
    return hashlib.sha256(database).hexdigest(), sorted(p.name for p in (folder / "backups").iterdir())


def assert_one_plain_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 1, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("hubdesk: ")
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_a_folder_from_a_newer_hubdesk_is_refused_in_one_line_and_left_alone(
        data_dir: Path) -> None:
    set_newer_revision(data_dir)
    before = fingerprint(data_dir)

    for _attempt in range(3):
        done = hubdesk(data_dir, "status")
        assert_one_plain_line(done, "newer version of HubDesk")
        assert fingerprint(data_dir) == before  # no backup copy per attempt


@pytest.mark.parametrize("logs_writable", [False, True], ids=["whole-folder", "database-only"])
def test_a_read_only_folder_is_said_in_one_line(data_dir: Path, logs_writable: bool) -> None:
    """Whole folder: the log file cannot be opened either; database only: SQLite says so."""
    if os.geteuid() == 0:  # root may write anywhere: run as a user who may not
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        user: int | None = NOBODY
    else:
        user = None
        for path in [data_dir, *data_dir.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
    if logs_writable:
        for path in [data_dir / "logs", *(data_dir / "logs").iterdir()]:
            path.chmod(0o777 if path.is_dir() else 0o666)
    before = fingerprint(data_dir)

    for _attempt in range(2):
        done = hubdesk(data_dir, "status", as_user=user)
        assert_one_plain_line(done, "read-only")
        assert fingerprint(data_dir) == before


def test_a_database_locked_by_another_program_is_not_called_damaged(data_dir: Path) -> None:
    before = fingerprint(data_dir)
    holder = keyed_connection(data_dir)
    holder.isolation_level = None
    try:
        # another program holding the file for itself (as a database browser can)
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("COMMIT")
        done = hubdesk(data_dir, "status")
    finally:
        holder.close()

    assert_one_plain_line(done, "in use by another program")
    assert "damaged" not in done.stderr
    assert fingerprint(data_dir) == before



def test_the_app_window_says_it_plainly_too(data_dir: Path) -> None:
    """Opening the app (no command) on a newer folder: the plain line, not a crash report."""
    set_newer_revision(data_dir)
    before = fingerprint(data_dir)

    # the PIN screen comes first (issue 8): the coordinator unlocks, then hears why not
    done = hubdesk(data_dir, "--no-err-windows", "--volunteer", "Coordinator")
    # the PIN screen was shown: Qt's offscreen platform says one line of its own
    done.stderr = "".join(line for line in done.stderr.splitlines(keepends=True)
                          if "propagateSizeHints" not in line)

    assert_one_plain_line(done, "newer version of HubDesk")
    assert fingerprint(data_dir) == before
