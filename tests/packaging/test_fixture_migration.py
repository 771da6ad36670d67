"""A laptop database made by schema revision 0001 migrates to head without loss.

The fixture (``tests/fixtures/hubdesk_rev0001.sqlite``, made by
``make_rev0001_fixture.py``) is migrated by the SOURCE app here; the frozen app
does the same in ``.ci/build_bundle.sh`` (``--smoke`` with the fixture, and
``status --json`` on a data folder holding a copy).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from hubdesk.smoke import (
    check_fixture_through_services,
    compare_snapshots,
    read_revision,
    snapshot,
)
from hubdesk.store.engine import Store, current_revision, head_revision

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "hubdesk_rev0001.sqlite"


@pytest.fixture
def old_database(tmp_path: Path) -> Path:
    database = tmp_path / "data" / "hubdesk.sqlite3"
    database.parent.mkdir()
    shutil.copy2(FIXTURE, database)
    return database


def test_the_fixture_is_older_than_head() -> None:
    assert read_revision(FIXTURE) == "0001"
    assert head_revision() != "0001", "no later revision: the fixture tests nothing yet"
    tables = snapshot(FIXTURE)
    assert len(tables["visits"][1]) == 6  # five visits, one of them in two versions
    assert len(tables["outbox"][1]) == 14


def test_source_app_migrates_the_fixture_to_head_without_loss(old_database: Path) -> None:
    before = snapshot(old_database)
    backups = old_database.parent / "backups"

    store = Store.open(old_database, backups=backups)
    try:
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()

    assert compare_snapshots(before, snapshot(old_database)) == []
    # the copy kept before upgrading is the old database, whole
    (backup,) = backups.glob("*.sqlite3")
    assert read_revision(backup) == "0001"
    assert compare_snapshots(before, snapshot(backup)) == []
    # and today's services read the old records right (visits, outbox, PIN hashes)
    assert check_fixture_through_services(old_database).startswith("5 visits")


def test_migrating_again_changes_nothing(old_database: Path) -> None:
    Store.open(old_database).close()
    migrated = snapshot(old_database)
    Store.open(old_database).close()
    assert snapshot(old_database) == migrated


def test_the_comparison_notices_a_lost_row_and_a_changed_value(old_database: Path) -> None:
    before = snapshot(old_database)
    Store.open(old_database).close()
    connection = sqlite3.connect(old_database)
    with connection:
        connection.execute("DELETE FROM conversations WHERE topic = 'money'")
        connection.execute("UPDATE outbox SET state = 'sent' WHERE seq = 14")
    connection.close()

    problems = compare_snapshots(before, snapshot(old_database))

    assert "conversations: 1 of 3 rows lost or changed" in problems
    assert "outbox: 1 of 14 rows lost or changed" in problems
