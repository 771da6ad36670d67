"""Engine, migrations at start-up, and the unit of work.

SQLite in WAL mode with ``synchronous=FULL`` and foreign keys on: a committed
record survives the process being killed or the laptop losing power.  With a
key, the same file is opened through SQLCipher (encrypted at rest).
"""

from __future__ import annotations

import logging
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

from hubdesk.core.clock import utc_now
from hubdesk.core.errors import StorageError

if TYPE_CHECKING:
    from alembic.config import Config

    from hubdesk.store.keyring import Vault

log = logging.getLogger("hubdesk.store")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: The newest migration's revision.  Start-up compares it with the database's
#: ``alembic_version`` by plain SQL and imports Alembic (~0.3 s) only when an
#: upgrade is due; ``tests/unit/test_store.py`` checks it equals Alembic's head.
SCHEMA_HEAD = "0004_security"


def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(database: Path, *, key: str | None = None) -> Engine:
    """Open (creating if needed) the SQLite database file; encrypted when ``key`` is set."""
    database.parent.mkdir(parents=True, exist_ok=True)
    from hubdesk.store.encryption import create_private_file

    create_private_file(database)  # SQLite gives its WAL and SHM files the same 0600
    if key:
        url = URL.create("sqlite+pysqlcipher", password=key, database=str(database))
    else:
        url = URL.create("sqlite+pysqlite", database=str(database))
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _set_pragmas)
    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """Alembic's head, read from the migration scripts (slow: imports Alembic)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_plain_config())
    head = script.get_current_head()
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

    Returns True when a migration ran.
    """
    try:
        current = current_revision(engine)
    except DatabaseError as error:
        raise StorageError(
            "The HubDesk database cannot be opened.",
            hint="It may be damaged or locked with a different key. Ask your coordinator.",
        ) from error
    if current == SCHEMA_HEAD:
        return False
    from alembic import command

    head = head_revision()
    if current == head:
        return False
    if current is not None and database.exists() and backups is not None:
        backups.mkdir(parents=True, exist_ok=True)
        stamp = utc_now().strftime("%Y%m%dT%H%M%S")
        target = backups / f"hubdesk-before-{head}-{stamp}.sqlite3"
        _backup_file(engine, target)
        log.info("copied database aside before upgrade from %s to %s", current, head)
    command.upgrade(alembic_config(engine), "head")
    return True


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

    @classmethod
    def open(cls, database: Path, *, backups: Path | None = None, key: str | None = None,
             vault: Vault | None = None) -> Store:
        engine = make_engine(database, key=vault.raw_key if vault else key)
        try:
            migrate(engine, database, backups)
        except OperationalError as error:
            engine.dispose()
            raise StorageError(
                "The HubDesk database could not be prepared.",
                hint=_operational_hint(error),
            ) from error
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
            raise StorageError("Could not save to the HubDesk database.",
                               hint=_operational_hint(error)) from error
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def vault_of(db: Session) -> Vault | None:
    """The key ring of the store ``db`` belongs to (None for a plain test store)."""
    return db.info.get("vault")


def _operational_hint(error: OperationalError) -> str:
    text = str(error.orig).lower() if error.orig else ""
    if "disk" in text and "full" in text:
        return "The laptop's disk is full. Free some space, then try again."
    if "locked" in text or "busy" in text:
        return "Another HubDesk window may be using it. Close it and try again."
    if "readonly" in text or "read-only" in text:
        return "The data folder is read-only. Ask IT to check its permissions."
    return "Try again; if it keeps happening, ask your coordinator."
