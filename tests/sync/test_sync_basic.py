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
