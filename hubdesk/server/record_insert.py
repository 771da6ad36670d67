"""Storing a batch's record versions: one bulk insert, and the slow path that
classifies each clash (the unique constraints decide; nothing is checked first).

* SQLite: the driver's ``executemany`` with values converted once per batch;
* PostgreSQL: ``COPY records FROM STDIN`` (one round trip for the whole batch);
  a unique violation fails the COPY as a whole, like the bulk insert on SQLite,
  and the caller rolls back to its SAVEPOINT and takes the slow path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Dialect, insert, select
from sqlalchemy.exc import IntegrityError

from hubdesk.server.models import RECORDS

#: the columns ``_ingest_items`` gives for each record row, in the table's order
RECORD_ROW_KEYS = ("kind", "record_id", "version", "base_version", "deleted", "hub_id",
                   "device_id", "seq", "content_hash", "payload", "origin", "erased",
                   "batch_id", "received_at")
#: a record row: its values in the order of ``RECORD_ROW_KEYS`` (a tuple, not a dict:
#: ~1,000 of them a batch, written straight to the driver)
RecordValues = tuple[Any, ...]
PAYLOAD_AT = RECORD_ROW_KEYS.index("payload")


def record_values(row: dict[str, Any]) -> RecordValues:
    """The values of a record row given by column name."""
    return tuple(row[key] for key in RECORD_ROW_KEYS)


def record_row(values: RecordValues) -> dict[str, Any]:
    """The record row of ``values``, by column name."""
    return dict(zip(RECORD_ROW_KEYS, values, strict=True))
_SQLITE_INSERT = (f"INSERT INTO {RECORDS.name} ({', '.join(RECORD_ROW_KEYS)}) "
                  f"VALUES ({', '.join('?' * len(RECORD_ROW_KEYS))})")


def insert_records(conn: Connection, rows: list[RecordValues]) -> None:
    """``conn.execute(insert(RECORDS), [record_row(r) for r in rows])``: the same rows
    stored, and the same IntegrityError when one clashes with a unique constraint
    (nothing stored then).

    On SQLite it goes straight to the driver's ``executemany``: SQLAlchemy would
    convert each row's values one by one (~9 µs a row), though in a batch the
    datetime and flags are the same in every row; here each distinct value is
    converted once, by the column type's own SQLite converter.  On PostgreSQL the
    rows go in with one COPY.  ``tests/server/test_fast_paths.py`` checks that each
    gives the same rows as SQLAlchemy's insert.
    """
    dialect = conn.dialect.name
    if dialect == "postgresql":
        _copy_records(conn, rows)
        return
    if dialect != "sqlite":
        conn.execute(insert(RECORDS), [record_row(row) for row in rows])
        return
    converters = _sqlite_converters(conn.dialect)
    memo: dict[tuple[str, Any], Any] = {}
    params = []
    for row in rows:
        values = list(row)
        for position, key, convert in converters:
            value = values[position]
            try:
                values[position] = memo[key, value]
            except KeyError:
                values[position] = memo[key, value] = convert(value)
        params.append(tuple(values))
    conn.exec_driver_sql(_SQLITE_INSERT, params)


_COPY_RECORDS = f"COPY {RECORDS.name} ({', '.join(RECORD_ROW_KEYS)}) FROM STDIN"


def _copy_records(conn: Connection, rows: list[RecordValues]) -> None:
    """The rows in one ``COPY ... FROM STDIN`` on the transaction's own connection."""
    import psycopg

    driver = conn.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(_COPY_RECORDS) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.IntegrityError as clash:
        # as SQLAlchemy reports it, so the caller's slow path takes over unchanged
        raise IntegrityError(_COPY_RECORDS, None, clash) from clash


_CONVERTERS: dict[type[Dialect], list[tuple[int, str, Callable[[Any], Any]]]] = {}


def _sqlite_converters(dialect: Dialect) -> list[tuple[int, str, Callable[[Any], Any]]]:
    """(position, column, the type's bind processor) for the columns that have one."""
    found = _CONVERTERS.get(type(dialect))
    if found is None:
        found = []
        for position, key in enumerate(RECORD_ROW_KEYS):
            column_type = RECORDS.c[key].type
            processor = column_type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                found.append((position, key, processor))
        _CONVERTERS[type(dialect)] = found
    return found


def insert_one(conn: Connection, values: RecordValues) -> tuple[str, str | None]:
    """The slow path: one item in its own SAVEPOINT, a clash classified by hash."""
    row = record_row(values)
    try:
        with conn.begin_nested():
            conn.execute(insert(RECORDS), [row])
        return "accepted", None
    except IntegrityError:
        pass
    existing = conn.execute(
        select(RECORDS.c.content_hash, RECORDS.c.origin).where(
            RECORDS.c.kind == row["kind"],
            RECORDS.c.record_id == row["record_id"],
            RECORDS.c.version == row["version"],
        )
    ).first()
    if existing is not None:
        if existing.content_hash == row["content_hash"]:
            return "duplicate", None
        who = "a coordinator on the server" if existing.origin == "server" else "another copy"
        return ("conflict",
                f"Version {row['version']} of this record was already made by {who} "
                "with different content; both are kept for a coordinator to resolve.")
    return ("conflict",
            f"Sequence number {row['seq']} was already used by a different record "
            "from this laptop.")
