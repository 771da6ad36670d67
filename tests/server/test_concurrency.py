"""Concurrent identical and overlapping batches give exactly one row per record version."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hubdesk.core.ids import uuid7
from hubdesk.server.models import RECORDS
from hubdesk.server.testing import LiveServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def post_all(base_url: str, token: str, batches: list[dict[str, Any]]) -> list[httpx.Response]:
    """POST every batch at once, one thread each, released together."""
    gate = threading.Barrier(len(batches))
    answers: list[httpx.Response | BaseException] = [RuntimeError("not run")] * len(batches)

    def send(index: int) -> None:
        with httpx.Client(base_url=base_url, timeout=120) as client:
            gate.wait()
            try:
                answers[index] = client.post("/v1/batches", json=batches[index],
                                             headers={"Authorization": f"Bearer {token}"})
            except BaseException as error:  # reported by the assertion below
                answers[index] = error

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    for answer in answers:
        assert isinstance(answer, httpx.Response), answer
    return answers  # type: ignore[return-value]


def rows_per_version(server: LiveServer) -> dict[tuple[str, int], int]:
    with server.engine.connect() as conn:
        rows = conn.execute(
            select(RECORDS.c.record_id, RECORDS.c.version, func.count())
            .group_by(RECORDS.c.record_id, RECORDS.c.version)
        ).all()
    return {(record_id, version): count for record_id, version, count in rows}


def test_identical_batches_at_once(server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    batch = laptop.batch(laptop.items(200))
    answers = post_all(server.base_url, laptop.token, [batch] * 8)
    assert all(a.status_code == 200 for a in answers), [a.text[:200] for a in answers]
    bodies = [a.json() for a in answers]
    assert all(b["results"] == bodies[0]["results"] for b in bodies)
    assert all(r["status"] == "accepted" for r in bodies[0]["results"])
    counts = rows_per_version(server)
    assert len(counts) == 200 and set(counts.values()) == {1}
    assert all(b["high_seq"] == 200 for b in bodies)


def test_overlapping_batches_at_once(server: LiveServer,
                                     make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server)
    items = laptop.items(300)
    # eight different batch ids over sliding, overlapping windows of the same items
    batches = [laptop.batch(items[start:start + 150], batch_id=uuid7())
               for start in range(0, 160, 20)]
    answers = post_all(server.base_url, laptop.token, batches)
    assert all(a.status_code == 200 for a in answers), [a.text[:200] for a in answers]
    by_record: dict[str, set[str]] = {}
    for answer in answers:
        for result in answer.json()["results"]:
            assert result["status"] in ("accepted", "duplicate"), result
            by_record.setdefault(result["record_id"], set()).add(result["status"])
    counts = rows_per_version(server)
    assert set(counts.values()) == {1}
    assert len(counts) == len({i["payload"]["record_id"] for b in batches for i in b["items"]})
    # every record version was accepted exactly once across all answers
    accepted = sum(1 for a in answers for r in a.json()["results"] if r["status"] == "accepted")
    assert accepted == len(counts)
