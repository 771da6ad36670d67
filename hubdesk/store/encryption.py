"""Encryption at rest for the laptop's database file (SQLCipher) and its folder.

- :func:`database_is_plain` tells an old plain SQLite file from an encrypted one
  by its header (a SQLCipher file starts with random salt, never the magic string).
- :func:`encrypt_in_place` turns a plain database into an encrypted one with no
  record lost and no plain copy left behind (its bytes are overwritten, its
  WAL/SHM files and the plain upgrade backups are removed).  Crash-safe: the
  encrypted copy is complete and synced before it replaces the plain file; a
  plain file left half-wiped by a crash is finished at the next start
  (:func:`finish_interrupted_wipe`).
- :func:`lock_down` makes the data folder 0700 and its files 0600.

Limits said plainly: on an SSD or a copy-on-write file system, overwriting a
file does not guarantee its old blocks are gone; full-disk encryption remains
the council's job.
"""

from __future__ import annotations

import logging
import os
import stat
from enum import Enum
from pathlib import Path

from hubdesk.core.paths import AppPaths

log = logging.getLogger("hubdesk.store.encryption")

SQLITE_MAGIC = b"SQLite format 3\x00"
_WIPE_SUFFIX = ".plain-wipe"
_ENCRYPTING_SUFFIX = ".encrypting"


class LaptopState(Enum):
    NEW = "new"
    PLAIN = "plain"
    ENCRYPTED = "encrypted"
    UNREADABLE = "unreadable"  # a database file but no key file: never replaced or touched


def laptop_state(paths: AppPaths) -> LaptopState:
    """Which start-up a data folder needs.  Cheap (a file header and the key file; no
    SQLAlchemy), so the PIN screen can ask before anything heavy is imported."""
    from hubdesk.store.keyring import KeyRing

    finish_interrupted_wipe(paths.database)
    lock_down(paths.data_dir)
    if database_is_plain(paths.database):
        return LaptopState.PLAIN
    ring = KeyRing.load(paths.data_dir)
    if ring is not None and paths.database.exists() and (ring.slot_count or ring.recovery):
        return LaptopState.ENCRYPTED
    if ring is None and paths.database.exists() and paths.database.stat().st_size > 0:
        return LaptopState.UNREADABLE
    return LaptopState.NEW


def database_is_plain(database: Path) -> bool:
    """True when ``database`` exists and is a plain (unencrypted) SQLite file."""
    try:
        with database.open("rb") as handle:
            return handle.read(16) == SQLITE_MAGIC
    except FileNotFoundError:
        return False


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 (SQLite gives its WAL the same mode)."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    _chmod(path, 0o600)


def encrypt_in_place(database: Path, raw_key: str, backups: Path | None = None) -> None:
    """Encrypt the plain ``database`` with ``raw_key`` (SQLCipher ``x'…'`` form)."""
    import sqlite3

    import sqlcipher3

    plain = sqlite3.connect(database)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        plain_tables = _table_counts(plain)
    finally:
        plain.close()

    target = database.with_name(database.name + _ENCRYPTING_SUFFIX)
    target.unlink(missing_ok=True)
    create_private_file(target)
    connection = sqlcipher3.connect(str(database))
    try:
        connection.execute("ATTACH DATABASE ? AS encrypted KEY " + _quoted(raw_key), (str(target),))
        connection.execute("SELECT sqlcipher_export('encrypted')")
        version = connection.execute("PRAGMA main.user_version").fetchone()[0]
        connection.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        connection.execute("DETACH DATABASE encrypted")
    finally:
        connection.close()

    encrypted = sqlcipher3.connect(str(target))
    try:
        encrypted.execute("PRAGMA key = " + _quoted(raw_key))
        if _table_counts(encrypted) != plain_tables:
            raise RuntimeError("encrypted copy does not match the plain database; plain kept")
    finally:
        encrypted.close()
    _fsync_file(target)

    # keep a second name for the plain bytes so a crash after the swap still wipes them
    wipe = database.with_name(database.name + _WIPE_SUFFIX)
    wipe.unlink(missing_ok=True)
    os.link(database, wipe)
    os.replace(target, database)
    _fsync_folder(database.parent)
    for suffix in ("-wal", "-shm", "-journal"):
        _wipe_and_remove(database.with_name(database.name + suffix))
    _wipe_and_remove(wipe)
    if backups is not None and backups.is_dir():
        for old in backups.iterdir():
            if old.is_file() and database_is_plain(old):
                _wipe_and_remove(old)
    log.info("database encrypted in place (%d tables)", len(plain_tables))


def finish_interrupted_wipe(database: Path) -> None:
    """Wipe a plain copy an interrupted :func:`encrypt_in_place` left behind."""
    wipe = database.with_name(database.name + _WIPE_SUFFIX)
    if wipe.exists() and not database_is_plain(database):
        _wipe_and_remove(wipe)
    database.with_name(database.name + _ENCRYPTING_SUFFIX).unlink(missing_ok=True)


def lock_down(folder: Path) -> None:
    """The data folder and every folder in it 0700, every file 0600 (POSIX)."""
    if os.name != "posix" or not folder.is_dir():
        return
    _chmod(folder, 0o700)
    for root, folders, files in os.walk(folder):
        for name in folders:
            _chmod(Path(root) / name, 0o700)
        for name in files:
            _chmod(Path(root) / name, 0o600)


def _table_counts(connection: object) -> dict[str, int]:
    names = [row[0] for row in connection.execute(  # type: ignore[attr-defined]
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    return {name: connection.execute(  # type: ignore[attr-defined]
        f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _quoted(raw_key: str) -> str:
    if not (raw_key.startswith("x'") and raw_key.endswith("'") and
            all(c in "0123456789abcdef" for c in raw_key[2:-1])):
        raise ValueError("expected a raw SQLCipher key")
    return f'"{raw_key}"'


def _wipe_and_remove(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    with path.open("r+b") as handle:
        chunk = bytes(1 << 16)
        written = 0
        while written < size:
            handle.write(chunk[: min(len(chunk), size - written)])
            written += min(len(chunk), size - written)
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _chmod(path: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(path.stat().st_mode) != mode:
            path.chmod(mode)
    except OSError:
        log.warning("could not restrict permissions of a file in the data folder")
