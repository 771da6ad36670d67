"""Fixtures for the server tests: a real server (uvicorn on 127.0.0.1, ephemeral
port) over a real database, SQLite or a PostgreSQL cluster started by the run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from hubdesk.core.hashing import content_hash
from hubdesk.core.ids import uuid7
from hubdesk.protocol.signing import new_device_key, public_key_of, sign_enrolment
from hubdesk.server.testing import (
    LiveServer,
    PostgresCluster,
    PostgresUnavailable,
    live_server,
    postgres_cluster,
)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    try:
        with postgres_cluster() as cluster:
            yield cluster
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL binaries not installed: {error}")


def _backend_params() -> list[Any]:
    return ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=_backend_params())
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """A fresh server with one hub, on SQLite and on PostgreSQL."""
    if request.param == "postgres":
        cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
        with live_server(db_url=cluster.create_database()) as running:
            yield running
    else:
        with live_server(tmp_path / "server") as running:
            yield running


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path / "server") as running:
        yield running


class Laptop:
    """A minimal protocol client for tests: builds correctly hashed items."""

    def __init__(self, base_url: str, device_id: str | None = None) -> None:
        self.device_id = device_id or uuid7()
        self.token: str | None = None
        self.hub_id: str | None = None
        self.seq = 0
        self.volunteer = uuid7()
        self.session_id = uuid7()
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.private_key, self.public_key = new_device_key()

    def close(self) -> None:
        self.http.close()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def enrol_body(self, code: str, private_key: bytes | None = None) -> dict[str, Any]:
        """An enrolment signed with this laptop's key (or ``private_key``)."""
        key = private_key or self.private_key
        return {"code": code, "device_id": self.device_id,
                "device_public_key": public_key_of(key),
                "enrol_signature": sign_enrolment(key, code, self.device_id),
                "device_name": "Test laptop", "app_version": "0.1.0"}

    def enrol_response(self, code: str, private_key: bytes | None = None) -> httpx.Response:
        return self.http.post("/v1/enrol", json=self.enrol_body(code, private_key))

    def enrol(self, code: str) -> Laptop:
        response = self.enrol_response(code)
        assert response.status_code == 200, response.text
        self.token = response.json()["device_token"]
        self.hub_id = response.json()["hub"]["id"]
        return self

    def payload(self, kind: str = "visit", fields: dict[str, Any] | None = None,
                record_id: str | None = None, version: int = 1,
                base_version: int | None = None) -> dict[str, Any]:
        defaults: dict[str, dict[str, Any]] = {
            "visit": {"session_id": self.session_id,
                      "visited_at": datetime.now(UTC).replace(tzinfo=None).isoformat(),
                      "contact_mode": "walk_in", "referral_source": None,
                      "age_band": "50_64", "sex": "female", "postcode_district": "SG1",
                      "first_visit": True, "visitor_code": None, "topics": ["money", "food"],
                      "safeguarding": False, "note": "", "person_id": None},
            "session": {"hub_id": self.hub_id, "venue_id": uuid7(), "session_type": "drop_in",
                        "session_date": "2026-11-20", "started_at": "2026-11-20T10:00:00",
                        "ended_at": None, "volunteers_present": [self.volunteer],
                        "headcount": 3, "activities": [{"name": "Tea", "attendance": 4}],
                        "warm_space": True, "status": "open"},
            "conversation": {"visit_id": uuid7(), "topic": "money", "furthest_step": "advise",
                             "intervention_level": "brief", "response": "made_plan",
                             "action": "signposted"},
        }
        return {
            "kind": kind,
            "record_id": record_id or uuid7(),
            "version": version,
            "base_version": base_version,
            "deleted": False,
            "device_id": self.device_id,
            "created_by": self.volunteer,
            "created_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds"),
            "utc_offset_min": 0,
            "fields": {**defaults.get(kind, {}), **(fields or {})},
        }

    def item(self, payload: dict[str, Any] | None = None, seq: int | None = None,
             **payload_options: Any) -> dict[str, Any]:
        if seq is None:
            self.seq += 1
            seq = self.seq
        payload = payload or self.payload(**payload_options)
        return {"seq": seq, "content_hash": content_hash(payload), "payload": payload}

    def items(self, count: int, **payload_options: Any) -> list[dict[str, Any]]:
        return [self.item(**payload_options) for _ in range(count)]

    def batch(self, items: list[dict[str, Any]], batch_id: str | None = None) -> dict[str, Any]:
        return {"protocol": 1, "batch_id": batch_id or uuid7(), "device_id": self.device_id,
                "items": items}

    def post(self, batch: dict[str, Any] | bytes) -> httpx.Response:
        if isinstance(batch, bytes):
            return self.http.post("/v1/batches", content=batch,
                                  headers={**self.headers(), "Content-Type": "application/json"})
        return self.http.post("/v1/batches", json=batch, headers=self.headers())

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.headers())


@pytest.fixture
def make_laptop() -> Iterator[Callable[..., Laptop]]:
    """``make_laptop(server, enrol=True)``: a test laptop, enrolled with a fresh code."""
    made: list[Laptop] = []

    def make(server: LiveServer, enrol: bool = True, device_id: str | None = None) -> Laptop:
        laptop = Laptop(server.base_url, device_id)
        made.append(laptop)
        if enrol:
            laptop.enrol(server.enrol_code())
        return laptop

    yield make
    for laptop in made:
        laptop.close()
