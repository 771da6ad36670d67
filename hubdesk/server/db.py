"""Engine, start-up migrations and transactions for the server database.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``; write
transactions start with ``BEGIN IMMEDIATE`` so two writers never deadlock on a
lock upgrade (they queue on ``busy_timeout`` instead).  The WAL is copied back into
the database (checkpointed) after a batch has been answered, off the request path
(:func:`checkpoint_due`, :func:`checkpoint_wal`); SQLite's own automatic checkpoint
at commit stays as a safety net for a larger WAL.  PostgreSQL uses psycopg 3
and plain READ COMMITTED: correctness comes from the unique constraints.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

log = logging.getLogger("hubdesk.server.db")

DB_ENV = "HUBDESK_SERVER_DB"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
T = TypeVar("T")


def default_db_url() -> str:
    """``HUBDESK_SERVER_DB``, else a SQLite file in the server's platformdirs data folder."""
    from_env = os.environ.get(DB_ENV)
    if from_env:
        return from_env
    folder = Path(platformdirs.user_data_dir("HubDesk-Server", "HubDesk"))
    return f"sqlite:///{folder / 'hubdesk-server.sqlite3'}"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
    cursor.close()


#: SQLite checkpoints at a commit that leaves more pages than this in the WAL (its
#: default, 1,000 pages = 4 MB, made every fourth batch of 1,000 records wait for a
#: checkpoint: copying ~4 MB and an fsync, ~15 ms); ingest checkpoints in the
#: background instead, so this is only the bound on the WAL (32 MB)
SQLITE_AUTOCHECKPOINT_PAGES = 8_000
#: request bytes ingested between two background checkpoints (~1,000 WAL pages)
CHECKPOINT_EVERY_BYTES = 4 * 1024 * 1024
_ingested_bytes: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()
_ingested_lock = threading.Lock()


def checkpoint_due(engine: Engine, ingested: int) -> bool:
    """Count ``ingested`` request bytes just stored; True (and the count starts again)
    once a SQLite database has taken ``CHECKPOINT_EVERY_BYTES`` since its last
    checkpoint.  Always False on PostgreSQL (it has no WAL file to copy back)."""
    if not is_sqlite(engine):
        return False
    with _ingested_lock:
        total = _ingested_bytes.get(engine, 0) + ingested
        due = total >= CHECKPOINT_EVERY_BYTES
        _ingested_bytes[engine] = 0 if due else total
    return due


def checkpoint_wal(engine: Engine) -> None:
    """A PASSIVE checkpoint: copy what the WAL holds into the database file as far as
    no reader still needs it, never waiting for a lock and never blocking a writer.
    Durability does not depend on it (each commit is already fsynced in the WAL)."""
    try:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            cursor.close()
        finally:
            raw.close()
    except (DBAPIError, sqlite3.Error) as error:  # e.g. the file was removed: the next try
        log.info("WAL checkpoint skipped: %s", type(error).__name__)


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


#: PostgreSQL connections each worker process keeps (and as many again in a burst);
#: with N workers the server may hold 2 x N x this many: keep it under max_connections
DEFAULT_PG_POOL = 8
#: seconds to wait for PostgreSQL to accept a connection (``/v1/ready`` answers in time)
PG_CONNECT_TIMEOUT_S = 5


def make_engine(url: str, *, pool_size: int | None = None) -> Engine:
    """An engine for ``url`` (``sqlite:///FILE`` or ``postgresql+psycopg://...``).

    ``pool_size`` sizes one worker process's PostgreSQL pool (default DEFAULT_PG_POOL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:":
            raise ValueError("the server needs a SQLite file, not an in-memory database")
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed.set(drivername="sqlite+pysqlite"),
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=32,
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        size = pool_size or DEFAULT_PG_POOL
        return create_engine(parsed, pool_size=size, max_overflow=size, pool_pre_ping=True,
                             pool_timeout=30,
                             connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S})
    raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def migrate(engine: Engine) -> bool:
    """Upgrade the schema to head (run at start-up); True when a migration ran."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current == head_revision():
        return False
    command.upgrade(_alembic_config(engine), "head")
    log.info("server database migrated from %s to %s", current, head_revision())
    return True


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """One write transaction (``BEGIN IMMEDIATE`` on SQLite)."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


def _is_transient(error: DBAPIError) -> bool:
    text = str(error.orig).lower() if error.orig is not None else str(error).lower()
    sqlstate = getattr(error.orig, "sqlstate", None)
    return (
        sqlstate in {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock
        or "database is locked" in text
        or "deadlock" in text
    )


class DatabaseBusy(Exception):
    """The database stayed busy through the retries (answer 503 with Retry-After)."""


def with_retries(fn: Callable[[], T], attempts: int = 4) -> T:
    """Run ``fn`` (a whole transaction), retrying deadlocks and lock time-outs."""
    for attempt in range(attempts):
        try:
            return fn()
        except (OperationalError, DBAPIError) as error:
            if not _is_transient(error):
                raise
            if attempt == attempts - 1:
                raise DatabaseBusy(str(error.orig)[:200]) from error
            time.sleep(0.05 * (2**attempt))
    raise AssertionError("unreachable")


__all__ = [
    "DB_ENV",
    "DatabaseBusy",
    "checkpoint_due",
    "checkpoint_wal",
    "default_db_url",
    "is_sqlite",
    "make_engine",
    "migrate",
    "read_tx",
    "with_retries",
    "write_tx",
]
