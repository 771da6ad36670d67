"""A server restored from an older backup: laptops send again what it lost.

The restore is real: the live server database is copied with SQLite's backup
API mid-way and copied back later, so every table goes back in time together.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from hubdesk.store.models import OutboxItem
from tests.sync.harness import Laptop, RunningServer, check_invariants

pytestmark = pytest.mark.integration


def _copy(engine: Engine, *, to: Path | None = None, source: Path | None = None) -> None:
    raw = engine.raw_connection()
    try:
        live = raw.driver_connection
        assert isinstance(live, sqlite3.Connection)
        if to is not None:
            with sqlite3.connect(to) as backup:
                live.backup(backup)
        else:
            assert source is not None
            with sqlite3.connect(source) as backup:
                backup.backup(live)
    finally:
        raw.close()


def _sent(laptop: Laptop) -> int:
    with laptop.store.unit_of_work() as db:
        return len(db.scalars(select(OutboxItem.seq).where(OutboxItem.state == "sent")).all())


@pytest.mark.parametrize("new_records_after_restore", [True, False])
def test_versions_lost_by_a_server_restore_are_sent_again(
        tmp_path: Path, server: RunningServer, make_laptop: Callable[[str], Laptop],
        new_records_after_restore: bool) -> None:
    laptop = make_laptop("Coordinator")
    for _ in range(3):
        laptop.record_visit()
    assert laptop.heal().completed
    backup = tmp_path / "server-backup.sqlite3"
    _copy(server.engine, to=backup)
    for _ in range(3):
        laptop.record_visit()
    assert laptop.heal().completed
    sent_before = _sent(laptop)

    _copy(server.engine, source=backup)  # the council restores last night's backup
    with pytest.raises(AssertionError):
        check_invariants(server, [laptop])  # the laptop says "sent" for versions the server lost

    if new_records_after_restore:
        laptop.record_visit()  # its receipt names the server's gaps
        result = laptop.sync(heartbeat_interval_s=10_000)
    else:
        result = laptop.sync(heartbeat_interval_s=0)  # the heartbeat says what the server holds
    assert result.completed and result.pending == 0, result
    check_invariants(server, [laptop])
    with laptop.store.unit_of_work() as db:
        total = len(db.scalars(select(OutboxItem.seq)).all())
    new_versions = total - sent_before
    assert new_versions == 0 or new_records_after_restore
    assert result.sent > new_versions  # the lost ones travelled again, not only the new
    assert _sent(laptop) == total
    again = laptop.sync(heartbeat_interval_s=0)
    assert again.sent == 0  # re-running sync changes nothing
    check_invariants(server, [laptop])
