"""Faults on the wire: the real transport, a fault-injecting HTTP proxy, the real server."""

from __future__ import annotations

import random
from collections.abc import Callable
from urllib.parse import urlparse

import pytest

from hubdesk.store import sync_repo
from hubdesk.sync.transport import HttpTransport
from tests.sync.fault_proxy import PROXY_FAULTS, FaultProxy
from tests.sync.harness import (
    Laptop,
    RunningServer,
    check_invariants,
    check_sent_means_held,
    laptop_snapshot,
    server_snapshot,
)

pytestmark = pytest.mark.integration


def test_wire_faults_lose_and_duplicate_nothing(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("Pat")
    parsed = urlparse(server.url)
    rng = random.Random(3)
    faults = [f for f in PROXY_FAULTS if f != "pass"]

    def choose(line: bytes) -> str:
        if line.startswith(b"GET /v1/health"):
            return "pass"
        return rng.choice(faults) if rng.random() < 0.6 else "pass"

    proxy = FaultProxy((parsed.hostname or "127.0.0.1", parsed.port or 80), choose, stall_s=1.0)
    try:
        with laptop.store.unit_of_work() as db:
            state = sync_repo.device_state(db)
            assert state is not None and state.device_token
            token = state.device_token
        laptop.api.inner.close()
        laptop.api.inner = HttpTransport(proxy.url, token, connect_timeout=2, stall_timeout=0.4)
        rounds = 0
        while rounds < 12 and not all(proxy.seen.get(f) for f in faults):
            for _ in range(2):
                laptop.record_visit(rng)
            laptop.sync(batch_size=rng.choice([1, 3, 50]), max_retries=2)
            check_sent_means_held(server, [laptop])
            rounds += 1
        assert all(proxy.seen.get(f) for f in faults), proxy.seen
        print("wire faults seen:", proxy.seen, "rounds:", rounds)
        assert any(pause >= 2.0 for pause in laptop.sleeps)  # Retry-After: 2 honoured
        proxy.choose = lambda _line: "pass"
        laptop.heal()
        check_invariants(server, [laptop])
        before = server_snapshot(server), laptop_snapshot(laptop)
        laptop.sync()
        assert (server_snapshot(server), laptop_snapshot(laptop)) == before
    finally:
        proxy.close()
