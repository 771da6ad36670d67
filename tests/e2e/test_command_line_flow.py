"""DESIGN.md section 5 as a script: both real programs, each in its own process.

serve -> create-hub -> enrol-code -> enrol -> demo -> sync -> stats, then a
second sync changes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hubdesk.server.testing import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, env=env,
                          timeout=180, check=False)


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "HUBDESK_PIN": "135790",
           "HUBDESK_SERVER_DB": f"sqlite:///{tmp_path / 'server.sqlite3'}"}
    env.pop("HUBDESK_DATA_DIR", None)
    return env


@pytest.fixture
def served(environment: dict[str, str], tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "hubdesk.server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/v1/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_the_whole_command_line_flow(served: str, environment: dict[str, str], tmp_path: Path) -> None:
    env = environment
    hub = run("hubdesk.server.cli", "create-hub", "--name", "Stevenage Healthy Hub", "--district",
              "Stevenage", env=env)
    assert hub.returncode == 0, hub.stderr
    code = run("hubdesk.server.cli", "enrol-code", "--hub", "Stevenage Healthy Hub", env=env)
    assert code.returncode == 0, code.stderr
    laptop = str(tmp_path / "laptop")

    wrong = run("hubdesk", "--data-dir", laptop, "enrol", "--server", served, "--code", "NOT-A-CODE", env=env)
    assert wrong.returncode == 1 and "not valid" in wrong.stderr
    enrolled = run("hubdesk", "--data-dir", laptop, "enrol", "--server", served,
                   "--code", code.stdout.strip(), env=env)
    assert enrolled.returncode == 0, enrolled.stderr
    assert run("hubdesk", "--data-dir", laptop, "demo", "--visits", "200", "--days", "7",
               env=env).returncode == 0

    synced = run("hubdesk", "--data-dir", laptop, "sync", "--json", env=env)
    assert synced.returncode == 0, synced.stderr
    result = json.loads(synced.stdout)
    assert result["pending"] == 0 and result["needs_attention"] == 0 and result["sent"] > 200
    status = json.loads(run("hubdesk", "--data-dir", laptop, "status", "--json", env=env).stdout)
    assert (status["visits"], status["unsent"], status["needs_attention"]) == (200, 0, 0)
    assert status["last_sync"] is not None

    stats = json.loads(run("hubdesk.server.cli", "stats", "--json", env=env).stdout)
    assert (stats["visits"], stats["gaps"]) == (200, 0)
    assert [(h["name"], h["visits"], h["gaps"]) for h in stats["hubs"]] == [
        ("Stevenage Healthy Hub", 200, 0)]
    assert [(d["visits"], d["gaps"], d["high_seq"]) for d in stats["devices"]] == [
        (200, 0, result["sent"])]

    again = run("hubdesk", "--data-dir", laptop, "sync", "--json", env=env)
    assert again.returncode == 0 and json.loads(again.stdout)["sent"] == 0
    assert json.loads(run("hubdesk.server.cli", "stats", "--json", env=env).stdout)["versions"] == \
        stats["versions"]

    # the venue's Wi-Fi blocks sync: records travel as a signed file instead
    assert run("hubdesk", "--data-dir", laptop, "demo", "--visits", "20", env=env).returncode == 0
    batch_file = tmp_path / "batch.json"
    exported = run("hubdesk", "--data-dir", laptop, "export-batch", "--out", str(batch_file), env=env)
    assert exported.returncode == 0 and batch_file.exists(), exported.stderr
    imported = run("hubdesk.server.cli", "import-batch", str(batch_file), env=env)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(run("hubdesk.server.cli", "stats", "--json", env=env).stdout)["visits"] == 220
    settled = run("hubdesk", "--data-dir", laptop, "sync", "--json", env=env)  # confirms, sends nothing new
    assert settled.returncode == 0 and json.loads(settled.stdout)["pending"] == 0
    after = json.loads(run("hubdesk.server.cli", "stats", "--json", env=env).stdout)
    assert (after["visits"], after["gaps"]) == (220, 0)


def test_sync_and_export_batch_need_a_pin(served: str, environment: dict[str, str],
                                          tmp_path: Path) -> None:
    """Issue 8's finding: ``sync`` and ``export-batch`` ran with no PIN, and
    ``export-batch`` wrote unsent names and phone numbers to a file.  Without the PIN,
    or with a wrong one, neither sends nor writes anything."""
    env = environment
    assert run("hubdesk.server.cli", "create-hub", "--name", "Stevenage Healthy Hub",
               "--district", "Stevenage", env=env).returncode == 0
    code = run("hubdesk.server.cli", "enrol-code", "--hub", "Stevenage Healthy Hub", env=env)
    laptop = str(tmp_path / "laptop")
    assert run("hubdesk", "--data-dir", laptop, "enrol", "--server", served,
               "--code", code.stdout.strip(), env=env).returncode == 0
    assert run("hubdesk", "--data-dir", laptop, "demo", "--visits", "5", env=env).returncode == 0

    no_pin = {k: v for k, v in env.items() if k != "HUBDESK_PIN"}
    wrong_pin = {**env, "HUBDESK_PIN": "999999"}
    batch_file = tmp_path / "batch.json"
    for without in (no_pin, wrong_pin):
        synced = subprocess.run([sys.executable, "-m", "hubdesk", "--data-dir", laptop, "sync"],
                                capture_output=True, text=True, env=without, timeout=180,
                                stdin=subprocess.DEVNULL, check=False)
        assert synced.returncode == 1, (synced.stdout, synced.stderr)
        assert "PIN" in synced.stderr and len(synced.stderr.strip().splitlines()) == 1
        exported = subprocess.run(
            [sys.executable, "-m", "hubdesk", "--data-dir", laptop, "export-batch",
             "--out", str(batch_file)],
            capture_output=True, text=True, env=without, timeout=180, stdin=subprocess.DEVNULL,
            check=False)
        assert exported.returncode == 1 and "PIN" in exported.stderr
        assert not batch_file.exists()
    stats = json.loads(run("hubdesk.server.cli", "stats", "--json", env=env).stdout)
    assert stats["visits"] == 0  # nothing was sent without a PIN
    assert run("hubdesk", "--data-dir", laptop, "sync", env=env).returncode == 0  # with it: sent
    assert json.loads(run("hubdesk.server.cli", "stats", "--json", env=env).stdout)["visits"] == 5
