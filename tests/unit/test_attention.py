"""Marking a record that needs attention as dealt with, on a migrated database.

The attention items are made with the sync repository's own functions, as the
engine makes them: an outbox item the server refused (``reject_locally``) and a
server version held back because this laptop had unsent work (``apply_change_items``).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hubdesk.core.clock import utc_now
from hubdesk.core.errors import NotFoundError
from hubdesk.protocol.schemas import ChangeItem
from hubdesk.services import attention, conflicts, visits, volunteers
from hubdesk.services.attention import AttentionKey
from hubdesk.services.common import Actor, PermissionDenied
from hubdesk.services.status import status_counts
from hubdesk.services.visits import TopicAnswer, VisitForm
from hubdesk.store import sync_repo
from hubdesk.store.engine import Store
from hubdesk.store.models import AuditEvent, HeldServerVersion, OutboxItem, Visit
from hubdesk.sync.status import end_of_day_receipt, needs_attention_items
from tests.conftest import Hub

REASON = "age band: 'about_seventy' is not one of the codes the server knows"


def _refused_visit(store: Store, hub: Hub) -> tuple[str, int]:
    """A visit (and its conversation) whose visit version the server refused."""
    form = VisitForm(contact_mode="walk_in", age_band="65_74", sex="female",
                     topics=[TopicAnswer("money", "advise", "brief", "thinking", "leaflet")])
    with store.unit_of_work() as db:
        visit_id = visits.record_visit(db, hub.actor, hub.session_id, form).primary_id
    with store.unit_of_work() as db:
        seq = db.scalars(select(OutboxItem.seq).where(OutboxItem.record_id == visit_id)).one()
        sync_repo.reject_locally(db, {seq: REASON})
    return visit_id, seq


def _erased_over_local_work(store: Store, record_id: str) -> int:
    """The server erased ``record_id`` while this laptop had refused work on it: the
    erasure is applied at once and listed for a coordinator to see."""
    with store.unit_of_work() as db:
        counts = sync_repo.apply_change_items(
            db, [ChangeItem(kind="visit", record_id=record_id, version=2, tombstone=True)],
            utc_now())
        assert counts["erased"] == 1 and counts["held"] == 0
        return db.scalars(select(HeldServerVersion.id)).one()


def _held_server_edit(store: Store, visit_id: str, seq: int) -> int:
    """The server sent version 2 while this laptop's version 1 was refused: held."""
    with store.unit_of_work() as db:
        payload = sync_repo.outbox_item(db, seq).payload  # type: ignore[union-attr]
        changed = {**payload, "version": 2, "fields": {**payload["fields"], "age_band": "85_plus"}}
        counts = sync_repo.apply_change_items(
            db, [ChangeItem.model_validate({"kind": "visit", "record_id": visit_id, "version": 2,
                                            "tombstone": False, "payload": changed})], utc_now())
        assert counts["held"] == 1
        return db.scalars(select(HeldServerVersion.id)).one()


def _volunteer(store: Store, hub: Hub) -> Actor:
    with store.unit_of_work() as db:
        volunteers.add_volunteer(db, hub.actor, "Val Volunteer", "135790")
    with store.unit_of_work() as db:
        return volunteers.unlock(db, "Val Volunteer", "135790")


def _resolve_events(store: Store) -> list[AuditEvent]:
    """The audit events of dealing with attention items (a held erasure is a purge)."""
    with store.unit_of_work() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.action.in_(("resolve", "purge")))
                            .order_by(AuditEvent.id)).all()
        db.expunge_all()
        return list(events)


def test_a_coordinator_marks_a_refused_record_as_dealt_with(store: Store, hub: Hub) -> None:
    visit_id, seq = _refused_visit(store, hub)
    with store.unit_of_work() as db:
        items = needs_attention_items(db)
        assert [(i.source, i.ref, i.state) for i in items] == [("outbox", seq, "rejected")]
        assert status_counts(db).needs_attention == 1
        receipt_before = end_of_day_receipt(db, utc_now().date())

    with store.unit_of_work() as db:
        changes = attention.mark_dealt_with(db, hub.actor, AttentionKey("outbox", seq))
    assert changes.kinds == {"outbox"} and changes.ids == [str(seq)]

    with store.unit_of_work() as db:
        assert needs_attention_items(db) == []
        assert status_counts(db).needs_attention == 0
        # nothing deleted: the outbox row and the visit's version are still there
        row = db.get(OutboxItem, seq)
        assert row is not None and row.state == "resolved" and row.reason == REASON
        assert db.scalar(select(func.count()).select_from(Visit)
                         .where(Visit.record_id == visit_id)) == 1
        assert seq not in [i.seq for i in sync_repo.pending_items(db, 100)]  # not sent again
        receipt = end_of_day_receipt(db, utc_now().date())
    # the receipt still counts it as missing from the server, and says why
    assert (receipt.missing, receipt.needs_attention, receipt.dealt_with) == (
        receipt_before.missing, 0, 1)

    events = _resolve_events(store)
    assert len(events) == 1
    event = events[0]
    assert (event.actor_id, event.entity_kind, event.entity_id) == (
        hub.actor.volunteer_id, "visit", visit_id)
    assert event.detail == f"outbox seq {seq}, rejected, version 1"
    assert "seventy" not in event.detail  # never the server's reason (it may quote answers)


def test_an_erasure_wins_over_refused_work_and_is_listed_until_seen(
        store: Store, hub: Hub) -> None:
    visit_id, seq = _refused_visit(store, hub)
    held_id = _erased_over_local_work(store, visit_id)
    with store.unit_of_work() as db:
        # the person's erasure reached this laptop at once: the visit's versions are
        # gone, the refused copy is withdrawn (never sent), its queued payload scrubbed
        assert db.scalar(select(func.count()).select_from(Visit)
                         .where(Visit.record_id == visit_id)) == 0
        outbox = db.get(OutboxItem, seq)
        assert outbox is not None and outbox.state == "resolved"
        assert outbox.payload == sync_repo.erased_payload("visit", visit_id, 1)
        # and it says so until a coordinator has seen it
        items = needs_attention_items(db)
        assert [(i.source, i.ref, i.state) for i in items] == [("server", held_id, "erasure")]
        assert "erased" in items[0].reason and "erased from this laptop" in items[0].what_to_do
    [purge] = [e for e in _resolve_events(store) if e.action == "purge"]
    assert purge.entity_id == visit_id and "unsent changes erased: yes" in purge.detail

    with store.unit_of_work() as db:
        changes = attention.mark_dealt_with(db, hub.actor, AttentionKey("server", held_id))
    assert changes.kinds == {"held_version"} and changes.ids == [str(held_id)]
    with store.unit_of_work() as db:
        assert needs_attention_items(db) == []
        held = db.get(HeldServerVersion, held_id)
        assert held is not None and held.resolved_at is not None  # the row stays
        assert status_counts(db).needs_attention == 0
    seen = _resolve_events(store)[-1]
    assert seen.action == "resolve" and seen.entity_id == visit_id
    assert seen.detail == f"server erasure {held_id} seen, 0 refused versions withdrawn"


def test_a_held_server_edit_is_marked_as_dealt_with_and_kept(store: Store, hub: Hub) -> None:
    visit_id, seq = _refused_visit(store, hub)
    held_id = _held_server_edit(store, visit_id, seq)
    with store.unit_of_work() as db:
        assert [(i.source, i.state) for i in needs_attention_items(db)] == [
            ("outbox", "rejected"), ("server", "held")]

    with store.unit_of_work() as db:
        changes = attention.mark_dealt_with(db, hub.actor, AttentionKey("server", held_id))
    assert changes.kinds == {"held_version", "visit"}

    with store.unit_of_work() as db:
        # compared, not just dated: the copies are merged into a new version to send, and
        # the answer they disagree on waits on the Conflicts screen (issue 7, defect 3)
        attention_left = needs_attention_items(db)
        assert [(i.source, i.state) for i in attention_left] == [
            ("outbox", "rejected"), ("conflict", "conflict")]
        [conflict] = conflicts.list_conflicts(db, hub.actor)
        held = db.get(HeldServerVersion, held_id)
        assert held is not None and held.resolved_at is not None  # kept, not dropped
        versions = db.execute(select(Visit.version, Visit.age_band, Visit.is_current)
                              .where(Visit.record_id == visit_id).order_by(Visit.version)).all()
        queued = db.scalar(select(OutboxItem.state).where(
            OutboxItem.record_id == visit_id, OutboxItem.version == 3))
    assert [f.name for f in conflict.fields] == ["age_band"]
    assert [tuple(v)[1:] for v in versions][-1] == ("85_plus", True)
    assert [v.version for v in versions] == [1, 3] and queued == "pending"
    [event] = _resolve_events(store)
    assert event.detail == f"held server version {held_id}, version 2, merged"


def test_a_volunteer_is_refused_and_nothing_changes(store: Store, hub: Hub) -> None:
    _visit_id, seq = _refused_visit(store, hub)
    val = _volunteer(store, hub)
    with store.unit_of_work() as db, pytest.raises(PermissionDenied) as refused:
        attention.mark_dealt_with(db, val, AttentionKey("outbox", seq))
    assert "coordinator" in str(refused.value)
    with store.unit_of_work() as db:
        assert [i.ref for i in needs_attention_items(db)] == [seq]
        row = db.get(OutboxItem, seq)
        assert row is not None and row.state == "rejected"
    assert _resolve_events(store) == []


def test_a_second_attempt_says_it_was_already_dealt_with(store: Store, hub: Hub) -> None:
    visit_id, seq = _refused_visit(store, hub)
    held_id = _held_server_edit(store, visit_id, seq)
    with store.unit_of_work() as db:
        attention.mark_dealt_with(db, hub.actor, AttentionKey("outbox", seq))
        attention.mark_dealt_with(db, hub.actor, AttentionKey("server", held_id))
    for key in (AttentionKey("outbox", seq), AttentionKey("server", held_id)):
        with store.unit_of_work() as db, pytest.raises(NotFoundError) as again:
            attention.mark_dealt_with(db, hub.actor, key)
        assert str(again.value) == attention.ALREADY_DEALT_WITH
    assert len(_resolve_events(store)) == 2  # the refused attempts wrote nothing


def test_an_item_not_on_the_list_is_not_found(store: Store, hub: Hub) -> None:
    form = VisitForm(contact_mode="walk_in")
    with store.unit_of_work() as db:
        visit_id = visits.record_visit(db, hub.actor, hub.session_id, form).primary_id
        waiting = db.scalars(select(OutboxItem.seq).where(OutboxItem.record_id == visit_id)).one()
    for key in (AttentionKey("outbox", waiting),  # waiting to be sent: not on the list
                AttentionKey("outbox", 999_999), AttentionKey("server", 999_999),
                AttentionKey("elsewhere", 1)):
        with store.unit_of_work() as db, pytest.raises(NotFoundError) as gone:
            attention.mark_dealt_with(db, hub.actor, key)
        assert str(gone.value) == attention.GONE
    with store.unit_of_work() as db:
        row = db.get(OutboxItem, waiting)
        assert row is not None and row.state == "pending"
    assert _resolve_events(store) == []
