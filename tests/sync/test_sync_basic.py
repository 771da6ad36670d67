"""Sync against the real server: the happy path, receipts, downloads, status."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.sync.harness import Laptop, RunningServer, check_invariants, server_snapshot

pytestmark = pytest.mark.integration


def test_visits_reach_the_server_exactly_once(server: RunningServer,
                                              make_laptop: Callable[[str], Laptop]) -> None:
    laptop = make_laptop("Pat")
    for _ in range(5):
        laptop.record_visit()
    result = laptop.sync()
    assert result.completed and result.pending == 0, result
    assert result.sent >= 5
    check_invariants(server, [laptop])
    before = server_snapshot(server)
    again = laptop.sync()
    assert again.sent == 0 and again.pending == 0
    assert server_snapshot(server) == before


def test_heartbeat_tells_the_server_how_the_laptop_is(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    from sqlalchemy import select

    from hubdesk.server.models import Device

    laptop = make_laptop("Pat")
    laptop.record_visit()
    laptop.api.faults = ("drop_request",)
    laptop.api.rate = 1.0
    assert laptop.sync().pending > 0
    laptop.api.rate = 0.0
    laptop.api.faults = ()
    result = laptop.sync(heartbeat_interval_s=0)
    assert result.completed
    with server.engine.connect() as conn:
        device = conn.execute(select(Device.unsent, Device.needs_attention,
                                     Device.last_success_at, Device.last_heartbeat_at)
                              .where(Device.id == laptop.device_id)).one()
    assert device.unsent == 0 and device.needs_attention == 0
    assert device.last_success_at is not None and device.last_heartbeat_at is not None
    calls = laptop.api.calls.get("heartbeat", 0)
    laptop.sync()  # within the heartbeat interval: no second heartbeat
    assert laptop.api.calls.get("heartbeat", 0) == calls


def test_concurrent_identical_batches_give_one_row_per_version(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    import threading

    from hubdesk.core.ids import uuid7
    from hubdesk.protocol.schemas import BatchReceipt
    from hubdesk.store import sync_repo
    from hubdesk.sync.transport import HttpTransport
    from hubdesk.sync.wire import batch_bytes

    laptop = make_laptop("Pat")
    for _ in range(3):
        laptop.record_visit()
    with laptop.store.unit_of_work() as db:
        items = sync_repo.pending_items(db, 100)
        state = sync_repo.device_state(db)
        assert state is not None and state.device_token
    body = batch_bytes(uuid7(), laptop.device_id, items)
    receipts: list[BatchReceipt] = []
    barrier = threading.Barrier(6)

    def push() -> None:
        transport = HttpTransport(server.url, state.device_token)
        barrier.wait()
        receipts.append(transport.upload_raw(body))
        transport.close()

    threads = [threading.Thread(target=push) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(receipts) == 6
    assert len({r.model_dump_json(exclude={"server_time", "high_seq", "gaps"})
                for r in receipts}) == 1
    assert receipts[0].counts.accepted == len(items)
    laptop.sync()  # the laptop's own (different) batch of the same items: duplicates
    check_invariants(server, [laptop])
