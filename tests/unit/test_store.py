"""The store itself: pragmas, migrations, audit chain, encryption at rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from hubdesk.core.errors import StorageError
from hubdesk.core.hashing import content_hash
from hubdesk.store.engine import SCHEMA_HEAD, Store, current_revision, head_revision
from hubdesk.store.models import AuditEvent
from hubdesk.store.repositories import GENESIS_HASH
from tests.conftest import Hub


def test_migrations_build_every_table_with_durable_pragmas(store: Store) -> None:
    assert current_revision(store.engine) == head_revision() == SCHEMA_HEAD
    tables = set(inspect(store.engine).get_table_names())
    assert {"visits", "conversations", "outcomes", "follow_ups", "agreements", "people", "sessions",
            "services", "volunteers", "audit_events", "outbox", "sync_batches"} <= tables
    with store.unit_of_work() as db:
        assert db.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert db.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_audit_events_form_an_unbroken_hash_chain(store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db:
        events = list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert len(events) >= 3  # first run, login, open session
    previous = GENESIS_HASH
    for event in events:
        assert event.prev_hash == previous
        assert event.hash == content_hash({
            "prev": event.prev_hash, "at": event.at.isoformat(), "actor": event.actor_id,
            "device": event.device_id, "action": event.action, "kind": event.entity_kind,
            "id": event.entity_id, "detail": event.detail})
        previous = event.hash


def test_encrypted_store_cannot_be_read_without_its_key(tmp_path: Path) -> None:
    database = tmp_path / "secret.sqlite3"
    encrypted = Store.open(database, key="correct horse battery staple")
    with encrypted.unit_of_work() as db:
        db.execute(text("CREATE TABLE marker (v TEXT)"))
        db.execute(text("INSERT INTO marker VALUES ('Jean, 07700 900123')"))
    encrypted.close()
    assert b"07700" not in database.read_bytes()
    assert b"SQLite format 3" not in database.read_bytes()[:16]
    with pytest.raises(StorageError):
        Store.open(database)  # no key
    with pytest.raises(StorageError):
        Store.open(database, key="wrong key")
    reopened = Store.open(database, key="correct horse battery staple")
    with reopened.unit_of_work() as db:
        assert db.execute(text("SELECT v FROM marker")).scalar() == "Jean, 07700 900123"
    reopened.close()


def test_upgrade_copies_the_database_aside_first_and_keeps_every_row(tmp_path: Path) -> None:
    from alembic import command

    from hubdesk.store.engine import alembic_config, make_engine

    database, backups = tmp_path / "old.sqlite3", tmp_path / "backups"
    engine = make_engine(database)
    command.upgrade(alembic_config(engine), "0001")  # a laptop still on the first schema
    # rows written as the first schema had them (today's ORM models have later columns)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO volunteers (id, display_name, role, pin_hash, active, failed_attempts,"
            " created_at) VALUES ('v1', 'Pat', 'coordinator', 'x', 1, 0, '2026-11-01 09:00')"))
        volunteers_before = connection.execute(
            text("SELECT id, display_name FROM volunteers")).all()
    engine.dispose()

    upgraded = Store.open(database, backups=backups)
    assert current_revision(upgraded.engine) == SCHEMA_HEAD
    with upgraded.unit_of_work() as db:
        assert db.execute(text("SELECT id, display_name FROM volunteers")).all() == volunteers_before
    upgraded.close()
    copies = list(backups.glob("hubdesk-before-*.sqlite3"))
    assert len(copies) == 1
    copy = make_engine(copies[0])
    assert current_revision(copy) == "0001"
    with copy.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM volunteers")).scalar() == 1
    copy.dispose()
    Store.open(database, backups=backups).close()
    assert len(list(backups.glob("*.sqlite3"))) == 1  # no copy when nothing to upgrade


def test_the_upgrade_keeps_an_open_batch_whose_items_were_sending(tmp_path: Path) -> None:
    """Store 0011: items of a batch stored before the upgrade (``sending`` then) are
    pending with their batch still named, so the next sync settles that same batch;
    going back down restores ``sending``."""
    from alembic import command

    from hubdesk.store import sync_repo
    from hubdesk.store.engine import alembic_config, make_engine

    database = tmp_path / "old.sqlite3"
    engine = make_engine(database)
    command.upgrade(alembic_config(engine), "0010_outbox_payloads")
    with engine.begin() as connection:
        for seq, state, batch in ((1, "sent", "b0"), (2, "sending", "b1"), (3, "sending", "b1"),
                                  (4, "pending", None), (5, "rejected", "b0")):
            connection.execute(text(
                "INSERT INTO outbox (seq, kind, record_id, version, content_hash, state,"
                " batch_id, attempts, finalised_at) VALUES (:seq, 'visit', :rid, 1, :hash,"
                " :state, :batch, 1, '2026-11-01 09:00:00')"),
                {"seq": seq, "rid": f"r{seq}", "hash": f"{seq:064x}", "state": state,
                 "batch": batch})
            connection.execute(text("INSERT INTO outbox_payloads (seq, payload) "
                                    "VALUES (:seq, '{\"n\": 1}')"), {"seq": seq})
        for batch, state, first, last in (("b0", "done", 1, 5), ("b1", "sending", 2, 3)):
            connection.execute(text(
                "INSERT INTO sync_batches (batch_id, state, created_at, first_seq, last_seq,"
                " item_count) VALUES (:batch, :state, '2026-11-01 09:00:00', :first, :last,"
                " :count)"), {"batch": batch, "state": state, "first": first, "last": last,
                              "count": last - first + 1})
    engine.dispose()

    upgraded = Store.open(database, backups=tmp_path / "backups")
    with upgraded.unit_of_work() as db:
        rows = db.execute(text("SELECT seq, state, batch_id FROM outbox ORDER BY seq")).all()
        assert [tuple(row) for row in rows] == [
            (1, "sent", "b0"), (2, "pending", "b1"), (3, "pending", "b1"),
            (4, "pending", None), (5, "rejected", "b0")]
        assert [item.seq for item in sync_repo.batch_items(db, "b1")] == [2, 3]
        assert [item.seq for item in sync_repo.pending_items(db, 10)] == [4]
        assert sync_repo.outbox_counts(db).unsent == 3
    # store 0012: one index on the outbox's state
    assert {index["name"] for index in inspect(upgraded.engine).get_indexes("outbox")} == {
        "ix_outbox_state_seq"}
    upgraded.close()
    engine = make_engine(database)
    command.downgrade(alembic_config(engine), "0010_outbox_payloads")
    assert "ix_outbox_state_counts" in {
        index["name"] for index in inspect(engine).get_indexes("outbox")}
    with engine.connect() as connection:
        assert connection.execute(text(
            "SELECT state FROM outbox ORDER BY seq")).scalars().all() == [
            "sent", "sending", "sending", "pending", "rejected"]
    engine.dispose()


def test_an_outbox_payload_lives_beside_its_row_and_a_state_change_leaves_it(
    store: Store, hub: Hub
) -> None:
    """Store 0010: the frozen payload is in ``outbox_payloads``, so marking an item sent
    rewrites a short row; the payload still reads as the item's own."""
    from hubdesk.core.clock import utc_now
    from hubdesk.services import visits
    from hubdesk.services.visits import TopicAnswer, VisitForm
    from hubdesk.store import sync_repo
    from hubdesk.store.models import OutboxItem, OutboxPayload

    form = VisitForm(contact_mode="walk_in", age_band="65_74", sex="female",
                     topics=[TopicAnswer("money", "advise", "brief", "thinking", "leaflet")])
    with store.unit_of_work() as db:
        visit_id = visits.record_visit(db, hub.actor, hub.session_id, form).primary_id
    assert "payload" not in {c["name"] for c in inspect(store.engine).get_columns("outbox")}
    with store.unit_of_work() as db:
        items = sync_repo.pending_items(db, 100)
        sync_repo.store_batch(db, "0192d5c8-0000-7000-8000-000000000001",
                              [item.seq for item in items], utc_now())
        frozen = {row.seq: row.payload for row in db.scalars(select(OutboxPayload))}
    assert sorted(frozen) == sorted(item.seq for item in items) and len(frozen) >= 2
    with store.unit_of_work() as db:
        sync_repo.apply_receipt(
            db, "0192d5c8-0000-7000-8000-000000000001",
            [sync_repo.ItemOutcome(item.seq, "accepted", None) for item in items],
            {"high_seq": items[-1].seq, "gaps": []}, utc_now())
    with store.unit_of_work() as db:
        assert {row.seq: row.payload for row in db.scalars(select(OutboxPayload))} == frozen
        visit = db.scalars(select(OutboxItem).where(OutboxItem.record_id == visit_id)).one()
        assert visit.state == "sent" and visit.payload == frozen[visit.seq]
        assert visit.content_hash == content_hash(visit.payload)
        assert db.scalars(select(OutboxItem.payload).where(
            OutboxItem.seq == visit.seq)).one() == frozen[visit.seq]
        assert json.loads(items[0].payload_json) == frozen[items[0].seq]
