"""The encrypted store used from several threads, as the app does: the PIN screen's
worker threads, the task runner's database and background lanes, the GUI thread.

Cause of a crash seen once inside SQLite (issue 8, ``test_sync_ui``'s conflict test):
SQLAlchemy's pysqlcipher dialect defaults to ``SingletonThreadPool``, which keeps
one connection per thread and, once five threads have connected, closes an
arbitrary one, even one another thread is in the middle of using.  The store now
uses a ``QueuePool``: a connection is used by the thread that checked it out and
is never closed under it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from hubdesk.protocol.trust import random_key
from hubdesk.store.engine import Store
from hubdesk.store.keyring import raw_sqlcipher_key


def _encrypted_store(folder: Path) -> Store:
    return Store.open(folder / "hubdesk.sqlite3", key=raw_sqlcipher_key(random_key()))


def test_a_connection_in_use_is_never_closed_by_threads_coming_and_going(tmp_path: Path) -> None:
    store = _encrypted_store(tmp_path)
    holding, others_done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def long_reader() -> None:  # e.g. the database lane loading today's list
        try:
            with store.read_only() as db:
                assert db.execute(text("SELECT count(*) FROM visits")).scalar() == 0
                holding.set()
                others_done.wait(60)
                for _ in range(20):
                    db.execute(text("SELECT count(*) FROM sqlite_master")).scalar()
        except BaseException as error:  # handed to the test thread
            failures.append(error)
            holding.set()

    def brief_visit() -> None:  # e.g. one PIN attempt: a thread of its own, then gone
        with store.unit_of_work() as db:
            db.execute(text("SELECT count(*) FROM volunteers")).scalar()

    try:
        reader = threading.Thread(target=long_reader)
        reader.start()
        assert holding.wait(30)
        for _ in range(40):
            visitor = threading.Thread(target=brief_visit)
            visitor.start()
            visitor.join(30)
        others_done.set()
        reader.join(60)
        assert failures == []
    finally:
        others_done.set()
        store.close()


def test_two_units_of_work_in_one_thread_never_share_a_connection(tmp_path: Path) -> None:
    store = _encrypted_store(tmp_path)
    try:
        with store.unit_of_work() as writing, store.read_only() as reading:
            first = writing.connection().connection.dbapi_connection
            second = reading.connection().connection.dbapi_connection
            assert first is not None and first is not second
            assert reading.execute(text("SELECT count(*) FROM visits")).scalar() == 0
    finally:
        store.close()
