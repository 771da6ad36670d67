"""``hubdesk-server serve --workers N`` on PostgreSQL, as its own program: a worker
killed mid-batch loses and duplicates nothing while the others keep answering;
``/metrics`` adds up every worker's counters; ``/v1/ready`` follows the database."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select

from hubdesk.server import admin
from hubdesk.server.bootstrap import open_database
from hubdesk.server.models import RECORDS
from hubdesk.server.testing import (
    PostgresCluster,
    PostgresUnavailable,
    ServerProcess,
    postgres_cluster,
    server_process,
)
from tests.server.conftest import Laptop

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def own_cluster() -> Iterator[PostgresCluster]:
    """A cluster of this test's own (the tests stop and start it)."""
    try:
        with postgres_cluster() as cluster:
            yield cluster
    except PostgresUnavailable as missing:
        pytest.skip(str(missing))


def fresh_database(cluster: PostgresCluster) -> tuple[str, Engine, str]:
    db_url = cluster.create_database()
    engine = open_database(db_url)
    return db_url, engine, admin.create_hub(engine, "Burst Hub", "Stevenage")


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def metric(values: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
           **labels: str) -> float:
    return values.get((name, tuple(sorted(labels.items()))), 0.0)


@contextmanager
def two_workers_and_laptops(db_url: str, engine: Engine, hub_id: str, tmp_path: Path, *,
                            laptops: int, extra_args: tuple[str, ...] = ()
                            ) -> Iterator[tuple[ServerProcess, list[Laptop]]]:
    """Two workers (stderr in ``tmp_path / "server.log"``) and ``laptops`` enrolled laptops."""
    with server_process(db_url, workers=2, stderr=tmp_path / "server.log",
                        extra_args=extra_args) as server:
        enrolled = [Laptop(server.url) for _ in range(laptops)]
        try:
            for laptop in enrolled:
                laptop.enrol(admin.create_enrol_code(engine, hub_id))
            yield server, enrolled
        finally:
            for laptop in enrolled:
                laptop.close()


def test_a_worker_killed_mid_batch_loses_nothing_and_the_others_answer(
        own_cluster: PostgresCluster, tmp_path: Path) -> None:
    db_url, engine, hub_id = fresh_database(own_cluster)
    try:
        with two_workers_and_laptops(db_url, engine, hub_id, tmp_path,
                                     laptops=4) as (server, laptops):
            stop = threading.Event()
            cut_off = [0]  # requests that died with the killed worker
            answered_after_kill: list[float] = []
            kill_time = [float("inf")]
            sent: dict[str, int] = {}
            problems: list[str] = []

            def push(laptop: Laptop) -> None:
                """Big batches, each sent until answered (the same batch id again)."""
                while not stop.is_set():
                    batch = laptop.batch(laptop.items(400))
                    for _attempt in range(20):
                        try:
                            answer = laptop.post(batch)
                        except httpx.TransportError:
                            cut_off[0] += 1
                            continue
                        if answer.status_code != 200:
                            problems.append(answer.text[:200])
                            return
                        if time.monotonic() > kill_time[0]:
                            answered_after_kill.append(time.monotonic())
                        statuses = {r["status"] for r in answer.json()["results"]}
                        if statuses - {"accepted", "duplicate"}:
                            problems.append(str(statuses))
                        break
                    sent[laptop.device_id] = laptop.seq

            threads = [threading.Thread(target=push, args=(laptop,)) for laptop in laptops]
            for thread in threads:
                thread.start()
            time.sleep(3)  # under load: both workers are storing batches
            killed: list[int] = []
            for _try in range(4):  # until a kill has cut a batch short
                victim = server.worker_pids()[0]
                kill_time[0] = min(kill_time[0], time.monotonic())
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
                time.sleep(2)
                if cut_off[0]:
                    break
            time.sleep(2)
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
            assert not problems, problems
            assert cut_off[0] > 0, "no kill landed while a batch was in hand"
            # the other worker kept answering while the killed one was replaced
            assert answered_after_kill
            server.wait_ready(workers=2, timeout=60)
            assert not set(killed) & set(server.worker_pids())

        # nothing lost, nothing duplicated: every device holds 1..n exactly once
        with engine.connect() as conn:
            for device_id, high in sent.items():
                seqs = conn.execute(select(RECORDS.c.seq).where(RECORDS.c.device_id == device_id)
                                    .order_by(RECORDS.c.seq)).scalars().all()
                assert seqs[:high] == list(range(1, high + 1)), device_id
                assert len(seqs) == len(set(seqs))
            duplicated = conn.execute(select(func.count()).select_from(
                select(RECORDS.c.record_id, RECORDS.c.version)
                .group_by(RECORDS.c.record_id, RECORDS.c.version)
                .having(func.count() > 1).subquery())).scalar()
        assert duplicated == 0
        stats = admin.stats(engine)
        assert stats["gaps"] == 0 and stats["duplicates"] == 0
        assert stats["records"] == sum(sent.values())
    finally:
        engine.dispose()


def exercise_the_api(laptop: Laptop, stranger: Laptop) -> None:
    """Two batches (5 and 3 items), a replay of the second, one refused token."""
    assert laptop.post(laptop.batch(laptop.items(5))).status_code == 200
    replay = laptop.batch(laptop.items(3))
    assert laptop.post(replay).status_code == 200
    assert laptop.post(replay).status_code == 200  # a replay: answered from the receipt
    stranger.token = "hd1_not-a-token"
    assert stranger.post(stranger.batch(stranger.items(1))).status_code == 401


def test_metrics_move_and_ready_follows_the_database(own_cluster: PostgresCluster,
                                                     tmp_path: Path) -> None:
    db_url, engine, hub_id = fresh_database(own_cluster)
    code = admin.create_enrol_code(engine, hub_id)
    engine.dispose()
    with server_process(db_url, workers=2, stderr=tmp_path / "server.log") as server:
        before = scrape(server.url)
        laptop = Laptop(server.url).enrol(code)
        stranger = Laptop(server.url)
        try:
            exercise_the_api(laptop, stranger)
        finally:
            laptop.close()
            stranger.close()
        after = scrape(server.url)

        def moved(name: str, **labels: str) -> float:
            return metric(after, name, **labels) - metric(before, name, **labels)

        assert moved("hubdesk_items_total", status="accepted") == 8
        assert moved("hubdesk_batch_items_count") == 2
        assert moved("hubdesk_batch_items_sum") == 8
        assert moved("hubdesk_batch_replays_total") == 1
        assert moved("hubdesk_ingest_seconds_count") == 2
        assert moved("hubdesk_enrolments_total", outcome="enrolled") == 1
        assert moved("hubdesk_auth_failures_total", reason="bad_token") == 1
        assert moved("hubdesk_requests_total", method="POST", route="/v1/batches",
                     status="200") == 3

        # the database stops: not ready (but alive); it returns: ready again
        assert server.ready()
        own_cluster.stop()
        try:
            deadline = time.monotonic() + 30
            while server.ready():
                assert time.monotonic() < deadline, "still ready with the database down"
                time.sleep(0.5)
            answer = httpx.get(f"{server.url}/v1/ready", timeout=10)
            assert answer.status_code == 503
            assert answer.json()["status"] == "unready"
            assert "database" in answer.json()["reason"]
            assert httpx.get(f"{server.url}/v1/health", timeout=10).status_code == 200
        finally:
            own_cluster.start()
        deadline = time.monotonic() + 30
        while not server.ready():
            assert time.monotonic() < deadline, "not ready again after the database returned"
            time.sleep(0.5)


def send_half_a_batch(url: str, laptop: Laptop, batch: dict[str, Any]) -> tuple[socket.socket, bytes]:
    """POST ``batch`` on a raw connection and return once the server holds it in hand:
    the headers go first with ``Expect: 100-continue``, and uvicorn answers "100 Continue"
    only when the endpoint (past the token check) starts reading the body; then the first
    half of the body.  Returns the connection and the rest of the body, to send later."""
    body = json.dumps(batch).encode()
    address = urlsplit(url)
    host, port = address.hostname, address.port
    head = (f"POST /v1/batches HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: {laptop.headers()['Authorization']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Expect: 100-continue\r\nConnection: close\r\n\r\n").encode()
    connection = socket.create_connection((host, port), timeout=60)
    connection.sendall(head)
    interim = b""
    while b"\r\n\r\n" not in interim:
        chunk = connection.recv(1)
        assert chunk, f"the server closed the connection: {interim!r}"
        interim += chunk
    assert interim.startswith(b"HTTP/1.1 100 "), interim
    connection.sendall(body[:len(body) // 2])
    return connection, body[len(body) // 2:]


def read_answer(connection: socket.socket) -> tuple[int, object]:
    """The status and the JSON (or, for an error, the text) of a ``Connection: close`` answer."""
    raw = b""
    while chunk := connection.recv(65536):
        raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split()[1]) if head else 0
    return status, json.loads(body) if status == 200 else body.decode(errors="replace")


def test_sigterm_finishes_the_batches_in_hand(own_cluster: PostgresCluster,
                                              tmp_path: Path) -> None:
    """SIGTERM (as systemd stops the service) while laptops push: a batch the server is
    still receiving when every worker has begun shutting down is stored and answered
    200; every batch answered is stored, and nothing else is."""
    db_url, engine, hub_id = fresh_database(own_cluster)
    log = tmp_path / "server.log"
    try:
        answered: list[dict[str, Any]] = []
        with two_workers_and_laptops(db_url, engine, hub_id, tmp_path, laptops=3,
                                     extra_args=("--log-level", "info")) as (server, laptops):
            def push(laptop: Laptop) -> None:
                while True:
                    batch = laptop.batch(laptop.items(300))
                    try:
                        answer = laptop.post(batch)
                    except httpx.TransportError:
                        return  # the server has stopped accepting
                    assert answer.status_code == 200, answer.text[:200]
                    answered.append(batch)

            load = [threading.Thread(target=push, args=(laptop,)) for laptop in laptops[1:]]
            for thread in load:
                thread.start()
            time.sleep(2)  # under load
            in_hand = laptops[0].batch(laptops[0].items(500))
            connection, rest = send_half_a_batch(server.url, laptops[0], in_hand)
            server.process.send_signal(signal.SIGTERM)
            # uvicorn's words: each worker has begun shutting down, and one is
            # waiting for a connection (ours) instead of cancelling it
            deadline = time.monotonic() + 30
            while not ((said := log.read_text()).count("Shutting down") == 2
                       and "Waiting for connections to close" in said):
                assert time.monotonic() < deadline, said[-2000:]
                time.sleep(0.05)
            time.sleep(0.5)  # longer than a server that cancels would take to do so
            connection.sendall(rest)
            status, receipt = read_answer(connection)
            connection.close()
            assert status == 200, receipt
            assert isinstance(receipt, dict)
            assert receipt["counts"] == {"accepted": 500, "duplicate": 0, "conflict": 0, "rejected": 0}
            answered.append(in_hand)
            assert server.process.wait(timeout=60) == 0
            for thread in load:
                thread.join(timeout=60)
        with engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(RECORDS)).scalar()
        assert stored == sum(len(batch["items"]) for batch in answered)
    finally:
        engine.dispose()
