"""Engine, migrations at start-up, and the unit of work.

SQLite in WAL mode with ``synchronous=FULL`` and foreign keys on: a committed
record survives the process being killed or the laptop losing power.  With a
key, the same file is opened through SQLCipher (encrypted at rest).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from hubdesk.core.clock import utc_now
from hubdesk.core.errors import StorageError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from hubdesk.store.keyring import Vault

log = logging.getLogger("hubdesk.store")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: The newest migration's revision.  Start-up compares it with the database's
#: ``alembic_version`` by plain SQL and imports Alembic (~0.3 s) only when an
#: upgrade is due; ``tests/unit/test_store.py`` checks it equals Alembic's head.
SCHEMA_HEAD = "0012_no_status_counts_index"


def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    # SQLAlchemy's documented pysqlite recipe: turn off the driver's own (deferred,
    # DML-only) BEGIN so every read of a unit of work is inside its transaction ...
    dbapi_connection.isolation_level = None


#: execution option naming a read-only unit of work (a deferred BEGIN; no write lock)
READ_ONLY = "hubdesk_read_only"


def _begin(connection: Any) -> None:
    """... and begin write units IMMEDIATE: the write lock is taken before the first
    read, so a check-then-insert (sequence numbers, download apply) cannot race a save."""
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(database: Path, *, key: str | None = None) -> Engine:
    """Open (creating if needed) the SQLite database file; encrypted when ``key`` is set."""
    database.parent.mkdir(parents=True, exist_ok=True)
    from hubdesk.store.encryption import create_private_file

    create_private_file(database)  # SQLite gives its WAL and SHM files the same 0600
    if key:
        url = URL.create("sqlite+pysqlcipher", password=key, database=str(database))
    else:
        url = URL.create("sqlite+pysqlite", database=str(database))
    # SQLAlchemy's SQLCipher dialect defaults to SingletonThreadPool, which closes a
    # thread's connection once more than five threads have used the engine, even while
    # that thread is mid-query (seen as "Cannot operate on a closed database" and a
    # segfault when the app's lanes, sync and a test thread overlap).  A QueuePool, as
    # the plain SQLite dialect uses, hands each unit of work a whole connection.
    engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=QueuePool)
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "begin", _begin)
    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """Alembic's head, read from the migration scripts (slow: imports Alembic)."""
    head = _script_directory().get_current_head()
    assert head is not None
    return head


def _plain_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        has_table = connection.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")).first()
        if not has_table:
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine, database: Path, backups: Path | None = None) -> bool:
    """Upgrade the schema to head; copy the file aside first when it has data.

    Returns True when a migration ran.  A database this HubDesk cannot use (made by a
    newer HubDesk, read-only, locked, damaged) raises :class:`StorageError` before
    anything is written or copied.
    """
    try:
        current = current_revision(engine)
    except DatabaseError as error:
        raise storage_error(error, "The HubDesk database cannot be opened.",
                            database) from error
    if current == SCHEMA_HEAD:
        return False
    from alembic import command

    script = _script_directory()
    head = script.get_current_head()
    if current == head:
        return False
    if current is not None and current not in _known_revisions(script):
        raise StorageError(
            "This data folder was made by a newer version of HubDesk "
            f"(database version {current}); this HubDesk knows up to {head}.",
            hint="Install the newer HubDesk on this laptop; nothing has been changed.",
        )
    if current is not None and database.exists() and backups is not None:
        backups.mkdir(parents=True, exist_ok=True)
        stamp = utc_now().strftime("%Y%m%dT%H%M%S")
        target = backups / f"hubdesk-before-{head}-{stamp}.sqlite3"
        try:
            _backup_file(engine, target)
        except BaseException:
            target.unlink(missing_ok=True)  # never leave half a copy behind
            raise
        log.info("copied database aside before upgrade from %s to %s", current, head)
    command.upgrade(alembic_config(engine), "head")
    return True


def _script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_plain_config())


def _known_revisions(script: ScriptDirectory) -> set[str]:
    return {revision.revision for revision in script.walk_revisions()}


def _backup_file(engine: Engine, target: Path) -> None:
    """A consistent copy (sqlite backup API for plain files, file copy otherwise)."""
    raw = engine.raw_connection()
    try:
        driver_connection = raw.driver_connection
        if isinstance(driver_connection, sqlite3.Connection):
            destination = sqlite3.connect(target)
            with destination:
                driver_connection.backup(destination)
            destination.close()
        else:  # SQLCipher: the file is already encrypted; checkpoint then copy
            raw.cursor().execute("PRAGMA wal_checkpoint(FULL)")
            database = engine.url.database
            assert database is not None
            shutil.copy2(database, target)
    finally:
        raw.close()


class Store:
    """An opened, migrated database and the session factory over it."""

    def __init__(self, engine: Engine, vault: Vault | None = None) -> None:
        self.engine = engine
        #: the key ring and key when the file is encrypted; services reach it through
        #: :func:`vault_of` to add, replace or remove a volunteer's slot
        self.vault = vault
        self._sessions = sessionmaker(engine, expire_on_commit=False, autoflush=True)
        self._read_sessions = sessionmaker(engine.execution_options(**{READ_ONLY: True}),
                                           expire_on_commit=False, autoflush=True)

    @classmethod
    def open(cls, database: Path, *, backups: Path | None = None, key: str | None = None,
             vault: Vault | None = None) -> Store:
        engine = make_engine(database, key=vault.raw_key if vault else key)
        try:
            migrate(engine, database, backups)
        except DatabaseError as error:
            engine.dispose()
            raise storage_error(error, "The HubDesk database could not be prepared.",
                                database) from error
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, vault)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: services flush, this commits once (or rolls back)."""
        session = self._sessions()
        session.info["vault"] = self.vault
        try:
            yield session
            session.commit()
        except OperationalError as error:
            session.rollback()
            raise storage_error(error, "Could not save to the HubDesk database.") from error
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read_only(self) -> Iterator[Session]:
        """A unit of work that only reads: a deferred BEGIN, so it never waits for the
        write lock (WAL readers see the last commit).  Nothing is committed."""
        session = self._read_sessions()
        session.info["vault"] = self.vault
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def refresh_statistics(self) -> None:
        """Re-measure every table and index for SQLite's query planner (``ANALYZE``).

        Without statistics the planner cannot tell a unique-ish index (``record_id``) from a
        two-valued one (``is_current``) and may scan every current visit once per session:
        today's list took 15 s at 20k visits that way, 29 ms with statistics.  Run after a
        bulk fill; :meth:`close` keeps them fresh as a laptop's data grows."""
        with self.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")

    def close(self) -> None:
        # SQLite's advice for long-lived connections: PRAGMA optimize on closing re-measures
        # the tables whose size changed a lot since the last ANALYZE (cheap otherwise)
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA optimize")
        except DatabaseError:
            log.debug("PRAGMA optimize failed on close", exc_info=True)
        self.engine.dispose()


# SQLite's primary result codes (https://sqlite.org/rescode.html); the extended code's
# low byte is the primary one.
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 11, 13, 14, 26


def sqlite_code(error: DatabaseError) -> int | None:
    """The primary SQLite result code behind ``error`` (None when the driver gives none)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def storage_error(error: DatabaseError, what_failed: str, database: Path | None = None,
                  ) -> StorageError:
    """Say what is wrong with the database in words a volunteer can act on.

    Classified by SQLite's result code, never by the message's text.  The app and the
    command line show the result as it is (one line).
    """
    code = sqlite_code(error)
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return StorageError(
            "The HubDesk database is in use by another program (perhaps another HubDesk "
            "window).", hint="Close it, then try again. Nothing has been changed.")
    cannot_write = code == SQLITE_CANTOPEN and database is not None and not _writable(database)
    if code in (SQLITE_READONLY, SQLITE_PERM) or cannot_write:
        return StorageError(
            "The HubDesk data folder is read-only, so nothing can be saved.",
            hint="Ask IT to let this user write to it. Nothing has been changed.")
    if code == SQLITE_FULL:
        return StorageError(what_failed,
                            hint="The laptop's disk is full. Free some space, then try again.")
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return StorageError(
            "The HubDesk database cannot be read: it is damaged or locked with a different key.",
            hint="Ask your coordinator.")
    return StorageError(what_failed,
                        hint="Try again; if it keeps happening, ask your coordinator.")


def _writable(database: Path) -> bool:
    """SQLite needs to write the file and, for its journal, the folder beside it."""
    folder_ok = os.access(database.parent, os.W_OK)
    return folder_ok and (not database.exists() or os.access(database, os.W_OK))


def vault_of(db: Session) -> Vault | None:
    """The key ring of the store ``db`` belongs to (None for a plain test store)."""
    return db.info.get("vault")
