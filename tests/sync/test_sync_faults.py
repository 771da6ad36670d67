"""Sync under injected network faults, against the real server (DESIGN.md section 4)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from tests.sync.harness import (
    FAULTS,
    Laptop,
    RunningServer,
    check_invariants,
    check_sent_means_held,
    laptop_snapshot,
    server_snapshot,
)

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_alone_loses_and_duplicates_nothing(
    server: RunningServer, make_laptop: Callable[[str], Laptop], fault: str
) -> None:
    laptop = make_laptop("Pat")
    rng = random.Random(fault)
    laptop.api.faults = (fault,)
    laptop.api.rate = 0.6
    for round_ in range(4):
        for _ in range(3):
            laptop.record_visit(rng)
        laptop.sync(batch_size=2 + round_)
        check_sent_means_held(server, [laptop])
    assert laptop.api.injected.get(fault, 0) > 0
    laptop.heal()
    check_invariants(server, [laptop])
    before = (server_snapshot(server), laptop_snapshot(laptop))
    laptop.sync()
    assert (server_snapshot(server), laptop_snapshot(laptop)) == before


def test_mixed_faults_several_laptops(server: RunningServer,
                                      make_laptop: Callable[[str], Laptop]) -> None:
    laptops = [make_laptop(name) for name in ("Ann", "Bob", "Cy")]
    rng = random.Random(7)
    for laptop in laptops:
        laptop.api.rate = 0.5
        laptop.api.rng = random.Random(rng.random())
    for _ in range(6):
        for laptop in laptops:
            for _ in range(rng.randint(0, 3)):
                laptop.record_visit(rng)
            ids = laptop.visit_ids()
            if ids and rng.random() < 0.4:
                laptop.edit_visit(rng.choice(ids), rng)
            laptop.sync(batch_size=rng.randint(1, 6))
        check_sent_means_held(server, laptops)
    for laptop in laptops:
        laptop.heal()
    check_invariants(server, laptops)


def test_retry_after_is_honoured_and_backoff_is_bounded(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("Pat")
    laptop.record_visit()
    laptop.api.faults = ("busy_429",)
    laptop.api.rate = 1.0
    result = laptop.sync()
    assert not result.completed and result.error_kind == "ServerBusy"
    assert result.retryable and result.retry_after_s is not None and result.retry_after_s >= 1
    assert result.pending > 0
    # max_retries=3: three sleeps, each at least the Retry-After the server gave
    assert len(laptop.sleeps) == 3
    assert all(s >= 1.0 for s in laptop.sleeps)
    assert all(s <= 600 for s in laptop.sleeps)
    laptop.heal()
    check_invariants(server, [laptop])
