"""SQLite's WAL is copied back into the database file after batches are answered
(in the background), not left for a commit to do, nor to grow without bound."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from hubdesk.server.db import (
    CHECKPOINT_EVERY_BYTES,
    SQLITE_AUTOCHECKPOINT_PAGES,
    checkpoint_due,
    make_engine,
)
from hubdesk.server.models import RECORDS
from hubdesk.server.testing import LiveServer


def _pages_in_wal(database: Path) -> int:
    wal = database.with_name(database.name + "-wal")
    return wal.stat().st_size // 4096 if wal.exists() else 0


@pytest.mark.integration
def test_batches_are_checkpointed_after_their_answers(sqlite_server: LiveServer,
                                                      make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(sqlite_server)
    database = Path(str(sqlite_server.engine.url.database))
    before = database.stat().st_size
    posted = 0
    stored = 0
    while posted < 2 * CHECKPOINT_EVERY_BYTES:  # ~2 KB a record: a few batches
        items = laptop.items(400, fields={"note": "a long note " * 160})
        body = json.dumps(laptop.batch(items)).encode()
        response = laptop.post(body)
        assert response.status_code == 200, response.text
        assert response.json()["counts"]["accepted"] == 400
        posted += len(body)
        stored += 400
    # SQLite alone would wait for 8,000 pages (32 MB) of WAL; the server has copied
    # the records into the database file once the laptop had its answers
    deadline = time.monotonic() + 20
    while database.stat().st_size < before + CHECKPOINT_EVERY_BYTES:
        assert time.monotonic() < deadline, (database.stat().st_size, _pages_in_wal(database))
        time.sleep(0.05)
    assert _pages_in_wal(database) < SQLITE_AUTOCHECKPOINT_PAGES
    with sqlite_server.engine.connect() as conn:  # nothing lost on the way
        assert conn.execute(select(func.count()).select_from(RECORDS)).scalar() == stored


def test_a_checkpoint_falls_due_every_few_megabytes_and_only_on_sqlite(
        tmp_path: Path) -> None:
    sqlite = make_engine(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    postgres = make_engine("postgresql+psycopg://hubdesk@127.0.0.1:1/none")  # never connects
    try:
        batch = CHECKPOINT_EVERY_BYTES // 3 + 1
        assert [checkpoint_due(sqlite, batch) for _ in range(6)] == [
            False, False, True, False, False, True]
        assert checkpoint_due(other, batch) is False  # each database counts its own
        assert checkpoint_due(postgres, 10 * CHECKPOINT_EVERY_BYTES) is False
    finally:
        for engine in (sqlite, other, postgres):
            engine.dispose()
