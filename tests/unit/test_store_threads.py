"""The laptop's store is used from several threads at once (the task runner's two lanes,
the sync engine's sender, the PIN screen's opener): a connection in use in one thread is
never closed because other threads connected.

SQLAlchemy's SQLCipher dialect defaults to ``SingletonThreadPool``, which closes *any*
thread's connection once more than five threads have connected, in use or not: the
database lane's query then failed with "Cannot operate on a closed database", a
MemoryError, or a crash inside SQLite (the flaky sync-panel GUI test).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hubdesk.core.paths import AppPaths
from hubdesk.services import laptop
from hubdesk.store.engine import Store
from hubdesk.store.models import Volunteer

THREADS = 8  # more than SingletonThreadPool's five


@pytest.fixture(params=["encrypted", "plain"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    paths = AppPaths(tmp_path / "data").ensure()
    opened = (laptop.open_new_laptop(paths) if request.param == "encrypted"
              else Store.open(paths.database, backups=paths.backups))
    yield opened
    opened.close()


def test_connections_in_use_survive_other_threads_connecting(any_store: Store) -> None:
    """Eight threads each read, wait until all eight are connected, and read again (as
    the lanes and the sync sender do at once): every second read works."""
    store = any_store
    all_connected = threading.Barrier(THREADS, timeout=10)
    counted: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            with store.read_only() as db:  # reads: no thread waits for another's write lock
                db.scalar(select(func.count()).select_from(Volunteer))
                all_connected.wait()
                counted.append(db.scalar(select(func.count()).select_from(Volunteer)) or 0)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert errors == []
    assert counted == [0] * THREADS
