"""The client SIGKILLed at each step of the sync state machine, then restarted.

The client runs as the real program (``python -m hubdesk --data-dir D sync --json``)
through ``tests/sync/crashing_client.py <step>[:<n>]``, which SIGKILLs the
process the n-th time its sync engine reaches that step.  After a restart: nothing lost,
nothing duplicated, ``PRAGMA integrity_check`` ok, DESIGN.md section 4 holds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hubdesk.server import admin
from hubdesk.store import sync_repo
from hubdesk.store.models import OutboxItem, SyncBatch, Visit
from tests.sync.harness import PIN, Laptop, RunningServer, check_invariants

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]


def run_client(data_dir: Path, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    # compile the program once per test run, not once per client start (a private
    # bytecode cache: nothing is written into the checkout or the venv)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "hubdesk-test-pycache")
    env["HUBDESK_PIN"] = PIN  # the client unlocks the encrypted store as Pat (below)
    program = ["-m", "tests.sync.crashing_client", crash_at] if crash_at else ["-m", "hubdesk"]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, *program, "--data-dir", str(data_dir), "--volunteer", "Pat",
         "sync", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    print(f"client {crash_at or 'no crash'}: exit {done.returncode} "
          f"in {time.monotonic() - started:.1f}s")
    return done


def new_server_work(server: RunningServer, laptop: Laptop, tag: str) -> None:
    """Give the download streams something to carry (a roster entry, a coordinator edit)."""
    admin.add_volunteer(server.engine, server.hub_id, f"Roster volunteer {tag}")
    with server.engine.connect() as conn:
        from hubdesk.server.models import RecordRow

        visit = conn.execute(select(RecordRow.record_id).where(
            RecordRow.kind == "visit", RecordRow.device_id == laptop.device_id)).first()
    if visit is not None:
        admin.edit_record(server.engine, "visit", visit.record_id, {"age_band": "85_plus"})


@pytest.mark.parametrize("crash_at", [
    "batch_stored:2", "posted:1", "posted:3", "receipt_applied:2", "page_applied:1",
    "recovered:1",
])
def test_killed_at_each_step_then_restarted(
    server: RunningServer, make_laptop: Callable[[str], Laptop], crash_at: str
) -> None:
    laptop = make_laptop("Pat")
    for _ in range(4):
        laptop.record_visit()
    laptop.sync()  # some records on the server already, so a coordinator can edit one
    for _ in range(6):
        laptop.record_visit()
    with laptop.store.unit_of_work() as db:
        sync_repo.put_setting(db, "sync.batch_size", 4)  # several batches per run
        recorded = db.scalar(select(func.count()).select_from(OutboxItem))
        visits_before = db.scalar(select(func.count()).select_from(Visit))
    laptop.store.close()
    data_dir = laptop.paths.data_dir
    new_server_work(server, laptop, "a")

    if crash_at.startswith("recovered"):  # needs a batch left open by an earlier crash
        first = run_client(data_dir, "posted:1")
        assert first.returncode == -signal.SIGKILL, first.stderr
    killed = run_client(data_dir, crash_at)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    assert killed.stdout == ""  # died mid-run: no report printed

    new_server_work(server, laptop, "b")
    restarted = run_client(data_dir)
    assert restarted.returncode == 0, restarted.stderr
    report = json.loads(restarted.stdout)
    assert report["pending"] == 0 and report["last_sync"]

    laptop.store = laptop._open()
    with laptop.store.engine.connect() as raw:
        assert raw.exec_driver_sql("PRAGMA integrity_check").fetchone() == ("ok",)
    with laptop.store.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(OutboxItem)) == recorded
        assert db.scalar(select(func.count()).select_from(Visit).where(
            Visit.origin == "local")) == visits_before
        assert db.scalar(select(func.count()).select_from(SyncBatch).where(
            SyncBatch.state == "sending")) == 0
    check_invariants(server, [laptop])
