"""Storing a batch and applying its receipt mark exactly the batch's items, whether
their sequence numbers are consecutive (one range) or not (``IN`` lists)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hubdesk.core.clock import utc_now
from hubdesk.core.ids import uuid7
from hubdesk.store import sync_repo
from hubdesk.store.engine import Store
from hubdesk.store.models import OutboxItem
from hubdesk.store.outbox import insert_outbox_rows


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "laptop.sqlite3")
    now = utc_now()
    with opened.unit_of_work() as db:
        insert_outbox_rows(db, [
            {"seq": seq, "kind": "visit", "record_id": uuid7(), "version": 1,
             "payload": {"kind": "visit", "n": seq}, "content_hash": f"{seq:064x}",
             "state": "pending", "finalised_at": now, "attempts": 0}
            for seq in range(1, 1301)])
    yield opened
    opened.close()


def _states(store: Store) -> dict[int, tuple[str, str | None]]:
    with store.unit_of_work() as db:
        rows = db.execute(select(OutboxItem.seq, OutboxItem.state, OutboxItem.batch_id))
        return {seq: (state, batch) for seq, state, batch in rows}


def test_a_consecutive_batch_marks_exactly_its_pending_items(store: Store) -> None:
    with store.unit_of_work() as db:  # 600 was sent long ago: inside the range, not pending
        db.execute(update(OutboxItem).where(OutboxItem.seq == 600).values(state="sent"))
    with store.unit_of_work() as db:
        sync_repo.store_batch(db, "b1", list(range(501, 1001)), utc_now())
    states = _states(store)
    # its items stay pending until the receipt comes; the batch's name marks them
    assert {seq for seq, (_, batch) in states.items() if batch == "b1"} == (
        set(range(501, 1001)) - {600})
    assert all(states[seq] == ("pending", "b1") for seq in set(range(501, 1001)) - {600})
    assert states[600] == ("sent", None)
    assert all(states[seq] == ("pending", None) for seq in (*range(1, 501), *range(1001, 1301)))


def test_a_batch_with_holes_marks_only_its_own_items(store: Store) -> None:
    chosen = [*range(1, 400, 2), *range(800, 1250)]  # odd numbers, then a run
    with store.unit_of_work() as db:
        sync_repo.store_batch(db, "b2", chosen, utc_now())
    states = _states(store)
    assert {seq for seq, (_, batch) in states.items() if batch == "b2"} == set(chosen)
    assert {states[seq][0] for seq in chosen} == {"pending"}
    assert states[2] == ("pending", None) and states[799] == ("pending", None)


def test_the_next_batch_never_takes_an_item_of_a_stored_one(store: Store) -> None:
    with store.unit_of_work() as db:
        sync_repo.store_batch(db, "b1", [*range(1, 400, 2), *range(800, 1000)], utc_now())
    with store.unit_of_work() as db:
        following = [item.seq for item in sync_repo.pending_items(db, 500)]
        assert following == [*range(2, 400, 2), *range(400, 701)]
        sync_repo.store_batch(db, "b2", following, utc_now())
    with store.unit_of_work() as db:
        assert [item.seq for item in sync_repo.pending_items(db, 1000)] == [
            *range(701, 800), *range(1000, 1301)]
        assert [item.seq for item in sync_repo.batch_items(db, "b1")] == [
            *range(1, 400, 2), *range(800, 1000)]
    with store.unit_of_work() as db:  # an abandoned batch's items are pending again
        sync_repo.abandon_batch(db, "b1", utc_now())
    with store.unit_of_work() as db:
        assert [item.seq for item in sync_repo.pending_items(db, 3)] == [1, 3, 5]
        assert sync_repo.batch_items(db, "b1") == []


@pytest.mark.parametrize("answered", [
    list(range(1, 1001)),  # all, consecutive
    list(range(1, 700)),  # the first 699: the rest was not mentioned
    [seq for seq in range(1, 1001) if seq % 3],  # holes
], ids=["all", "a-prefix", "holes"])
def test_the_receipt_settles_exactly_the_items_it_names(store: Store,
                                                        answered: list[int]) -> None:
    with store.unit_of_work() as db:
        sync_repo.store_batch(db, "b3", list(range(1, 1001)), utc_now())
    with store.unit_of_work() as db:
        sync_repo.store_batch(db, "b4", list(range(1001, 1101)), utc_now())
    outcomes = [sync_repo.ItemOutcome(seq, "accepted", None) for seq in answered]
    with store.unit_of_work() as db:
        sync_repo.apply_receipt(db, "b3", outcomes, {"high_seq": 0, "gaps": []}, utc_now())
    states = _states(store)
    assert {seq for seq, (state, _) in states.items() if state == "sent"} == set(answered)
    # what the receipt did not name goes back to pending; the other batch is untouched
    assert all(states[seq] == ("pending", None) for seq in set(range(1, 1001)) - set(answered))
    assert all(states[seq] == ("pending", "b4") for seq in range(1001, 1101))
