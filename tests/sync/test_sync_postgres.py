"""The same fault run against the server on PostgreSQL (a private cluster started by
this test from Debian's binaries, stopped at the end)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from hubdesk.server.testing import PostgresUnavailable, postgres_cluster
from tests.sync.harness import Laptop, RunningServer, check_invariants, running_server

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture(scope="module")
def pg_server() -> Iterator[RunningServer]:
    try:
        with postgres_cluster() as cluster, running_server(cluster.create_database()) as server:
            yield server
    except PostgresUnavailable as missing:
        pytest.skip(str(missing))


def test_faults_on_postgres(pg_server: RunningServer, tmp_path: Path) -> None:
    laptops = [Laptop(tmp_path / f"laptop-{n}", pg_server, f"Volunteer {n}") for n in range(2)]
    try:
        rng = random.Random(11)
        for number, laptop in enumerate(laptops):
            laptop.api.rate = 0.5
            laptop.api.rng = random.Random(number)
        for _ in range(5):
            for laptop in laptops:
                laptop.record_visit(rng)
                ids = laptop.visit_ids()
                if rng.random() < 0.5:
                    laptop.edit_visit(rng.choice(ids), rng)
                laptop.sync(batch_size=rng.randint(1, 4))
        for laptop in laptops:
            laptop.heal()
        check_invariants(pg_server, laptops)
        assert sum(sum(laptop.api.injected.values()) for laptop in laptops) > 0
    finally:
        for laptop in laptops:
            laptop.close()
