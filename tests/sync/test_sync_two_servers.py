"""Several machines: two server processes on one PostgreSQL behind a round-robin
load balancer (the fault proxy), real laptops whose requests alternate between
them under injected faults; every DESIGN section 4 invariant holds at the end."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hubdesk.server import admin
from hubdesk.server.bootstrap import open_database
from hubdesk.server.testing import (
    PostgresCluster,
    PostgresUnavailable,
    postgres_cluster,
    server_process,
)
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import (
    Laptop,
    RunningServer,
    check_invariants,
    laptop_snapshot,
    server_snapshot,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    try:
        with postgres_cluster() as running:
            yield running
    except PostgresUnavailable as missing:
        pytest.skip(str(missing))


def accepted_items(url: str) -> float:
    """``hubdesk_items_total{status="accepted"}`` scraped from one server."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "hubdesk_items_total" and sample.labels == {"status": "accepted"}:
                return sample.value
    return 0.0


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


def test_laptops_alternating_between_two_servers_under_faults(cluster: PostgresCluster,
                                                               tmp_path: Path) -> None:
    db_url = cluster.create_database()
    engine = open_database(db_url)
    hub_id = admin.create_hub(engine, "Stevenage Healthy Hub", "Stevenage")
    admin.add_venue(engine, hub_id, "St Mary's Hall", "church_hall", "SG1")
    wire = random.Random(5)
    faults_on = [False]

    def choose(line: bytes) -> str:
        # answers lost after the commit, and requests duplicated (the copy to the
        # other server), on uploads, receipts and heartbeats alike
        if not faults_on[0] or wire.random() >= 0.35:
            return "pass"
        return wire.choice(("drop_answer", "duplicate"))

    laptops: list[Laptop] = []
    try:
        with server_process(db_url, stderr=tmp_path / "a.log") as first, \
                server_process(db_url, stderr=tmp_path / "b.log") as second:
            proxy = FaultProxy(address(first.url), choose, stall_s=0.5,
                               more_upstreams=(address(second.url),))
            try:
                balanced = RunningServer(proxy.url, engine, hub_id)
                laptops = [Laptop(tmp_path / f"laptop-{n}", balanced, f"Volunteer {n}")
                           for n in range(3)]
                for number, laptop in enumerate(laptops):
                    laptop.api.rate = 0.3  # and the transport's own: reordering, duplicates...
                    laptop.api.faults = ("reorder", "duplicate", "drop_answer", "drop_request")
                    laptop.api.rng = random.Random(number)
                faults_on[0] = True
                rng = random.Random(13)
                for _ in range(6):
                    for laptop in laptops:
                        for _ in range(rng.randint(1, 3)):
                            laptop.record_visit(rng)
                        if rng.random() < 0.5:
                            laptop.edit_visit(rng.choice(laptop.visit_ids()), rng)
                        laptop.sync(batch_size=rng.randint(1, 5))
                faults_on[0] = False
                for laptop in laptops:
                    laptop.heal()
                check_invariants(balanced, laptops)
                # re-running sync changes nothing, on either side
                before = (server_snapshot(balanced), [laptop_snapshot(lt) for lt in laptops])
                for laptop in laptops:
                    assert laptop.sync().completed
                assert (server_snapshot(balanced), [laptop_snapshot(lt) for lt in laptops]) \
                    == before
                # both servers stored records, and the faults really happened
                assert accepted_items(first.url) > 0 and accepted_items(second.url) > 0
                assert proxy.seen.get("drop_answer", 0) > 0 and proxy.seen.get("duplicate", 0) > 0
                injected = {fault for laptop in laptops for fault in laptop.api.injected}
                assert "reorder" in injected
            finally:
                proxy.close()
    finally:
        for laptop in laptops:
            laptop.close()
        engine.dispose()
