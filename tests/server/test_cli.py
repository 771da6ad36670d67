"""The admin command line, run as the real program (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hubdesk.core.hashing import content_hash
from hubdesk.core.ids import uuid7
from hubdesk.protocol.signing import new_device_key, sign_batch, sign_enrolment

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "services_sample.json"


def cli(db: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUBDESK_SERVER_DB": db}
    done = subprocess.run([sys.executable, "-m", "hubdesk.server.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60)
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'server.sqlite3'}"


@pytest.fixture
def served(db: str) -> Iterator[str]:
    """``hubdesk-server serve --port 0`` as a subprocess; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "hubdesk.server.cli", "--db", db, "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, process.stderr.read() if \
            process.stderr else line
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


def test_usage_errors_exit_2(db: str) -> None:
    assert cli(db, "create-hub", "--name", "X", check=False).returncode == 2  # no --district
    assert cli(db, "frobnicate", check=False).returncode == 2


def test_hub_code_directory_stats(db: str, tmp_path: Path) -> None:
    hub_id = cli(db, "create-hub", "--name", "Stevenage", "--district", "Stevenage",
                 "--tier", "targeted").stdout.strip()
    assert len(hub_id) == 36
    code = cli(db, "enrol-code", "--hub", "stevenage").stdout.strip()
    assert len(code) == 14 and code.count("-") == 2

    duplicate = cli(db, "create-hub", "--name", "Stevenage", "--district", "X", check=False)
    assert duplicate.returncode == 1
    assert duplicate.stderr.count("\n") == 1 and "already exists" in duplicate.stderr

    assert "imported 35 services (35 new" in cli(db, "import-directory", str(SAMPLE)).stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("name,categories\nX,astrology\n", encoding="utf-8")
    refused = cli(db, "import-directory", str(bad), check=False)
    assert refused.returncode == 1 and "astrology" in refused.stderr

    stats = json.loads(cli(db, "stats", "--json").stdout)
    assert stats["visits"] == 0 and stats["gaps"] == 0
    assert [(h["name"], h["tier"]) for h in stats["hubs"]] == [("Stevenage", "targeted")]


def test_serve_import_batch_stats_revoke(db: str, served: str, tmp_path: Path) -> None:
    cli(db, "create-hub", "--name", "Hitchin", "--district", "North Herts")
    code = cli(db, "enrol-code", "--hub", "Hitchin").stdout.strip()
    device_id = uuid7()
    private_key, public_key = new_device_key()
    with httpx.Client(base_url=served, timeout=30) as http:
        enrolled = http.post("/v1/enrol", json={
            "code": code, "device_id": device_id, "device_public_key": public_key,
            "enrol_signature": sign_enrolment(private_key, code, device_id)})
        assert enrolled.status_code == 200, enrolled.text
        token = enrolled.json()["device_token"]
        items = []
        for seq in (1, 2, 3):
            payload = {
                "kind": "visit", "record_id": uuid7(), "version": 1, "base_version": None,
                "deleted": False, "device_id": device_id, "created_by": uuid7(),
                "created_at": "2026-11-20T10:00:00.000000", "utc_offset_min": 0,
                "fields": {"session_id": uuid7(), "contact_mode": "walk_in",
                           "topics": ["food"]},
            }
            items.append({"seq": seq, "content_hash": content_hash(payload), "payload": payload})
        batch: dict[str, Any] = {"protocol": 1, "batch_id": uuid7(), "device_id": device_id,
                                 "items": items}
        batch_file = tmp_path / "batch.json"
        batch_file.write_text(json.dumps({"format": "hubdesk-batch", "version": 2,
                                          "batch": batch,
                                          "signature": sign_batch(batch, private_key)}),
                              encoding="utf-8")

        printed = json.loads(cli(db, "import-batch", str(batch_file)).stdout)
        assert printed["counts"]["accepted"] == 3 and printed["high_seq"] == 3
        # the laptop later sends the same batch (or asks for its receipt): same answer
        auth = {"Authorization": f"Bearer {token}"}
        replay = http.post("/v1/batches", json=batch, headers=auth)
        assert replay.json()["results"] == printed["results"]
        fetched = http.get(f"/v1/batches/{batch['batch_id']}", headers=auth)
        assert fetched.json()["results"] == printed["results"]

        forged = tmp_path / "forged.json"
        batch["items"] = items[:1]
        forged.write_text(json.dumps({"batch": batch, "version": 2,
                                      "signature": sign_batch(batch, new_device_key()[0])}),
                          encoding="utf-8")
        refused = cli(db, "import-batch", str(forged), check=False)
        assert refused.returncode == 1 and "signature" in refused.stderr

        stats = json.loads(cli(db, "stats", "--json").stdout)
        assert stats["visits"] == 3 and stats["gaps"] == 0
        assert stats["hubs"][0]["visits"] == 3
        assert stats["devices"][0]["id"] == device_id and stats["devices"][0]["visits"] == 3

        assert device_id in cli(db, "revoke-device", device_id).stdout
        deadline = time.monotonic() + 5
        while True:
            after = http.get("/v1/reference", headers=auth)
            if after.status_code == 403 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert after.status_code == 403 and after.json()["error"] == "device_revoked"
