"""Operations on one process and SQLite: structured JSON logs, readiness against the
schema, and the metrics of a single process (the PostgreSQL and worker cases are in
``test_workers.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from hubdesk.server.bootstrap import open_database
from hubdesk.server.readiness import readiness
from hubdesk.server.testing import LiveServer, server_process

pytestmark = pytest.mark.integration


def test_json_logs_are_one_object_a_line(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with server_process(f"sqlite:///{tmp_path / 'server.sqlite3'}",
                        extra_args=("--log-format", "json", "--log-level", "info"),
                        stderr=log) as server:
        assert httpx.get(f"{server.url}/v1/health", timeout=10).status_code == 200
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) >= 3  # start-up, application start, shutdown
    for line in lines:
        entry = json.loads(line)
        assert {"time", "level", "logger", "message", "pid"} <= entry.keys(), entry
        assert entry["time"].endswith("+00:00")
    assert any("Application startup complete" in json.loads(line)["message"] for line in lines)


def test_ready_only_with_the_schema_this_server_expects(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    try:
        assert readiness(engine).ready
        with engine.begin() as conn:  # as a database migrated by another version
            conn.execute(text("UPDATE alembic_version SET version_num = '0000_other'"))
        found = readiness(engine)
        assert not found.ready and "schema" in found.reason and "0000_other" in found.reason
    finally:
        engine.dispose()


def test_metrics_of_one_process_move(sqlite_server: LiveServer,
                                     make_laptop: Callable[..., Any]) -> None:
    def accepted() -> float:
        body = httpx.get(f"{sqlite_server.base_url}/metrics", timeout=10).text
        for line in body.splitlines():
            if line.startswith('hubdesk_items_total{status="accepted"}'):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = accepted()
    laptop = make_laptop(sqlite_server)
    assert laptop.post(laptop.batch(laptop.items(4))).status_code == 200
    assert accepted() == before + 4
    ready = httpx.get(f"{sqlite_server.base_url}/v1/ready", timeout=10)
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "reason": ""}
