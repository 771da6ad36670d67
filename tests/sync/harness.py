"""Test harness for sync: a real server on loopback, laptops, faults, invariants.

* :func:`running_server` - the real FastAPI app under uvicorn on 127.0.0.1 with an
  ephemeral port and a fresh database (SQLite file or a PostgreSQL URL).
* :class:`Laptop` - a real local store (migrations run), enrolled with a real
  one-time code, recording through the real services.
* :class:`FaultyApi` - wraps the real :class:`HttpTransport` and injects the
  network's faults around real requests (dropped requests, answers lost after
  the server committed, duplicated and reordered requests, 5xx, 429 with
  Retry-After, stalls, truncated bodies).  The server itself is never replaced.
* :func:`check_invariants` - DESIGN.md section 4, read from both databases.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select

from hubdesk.core.paths import AppPaths
from hubdesk.protocol.schemas import (
    BatchReceipt,
    ChangesPage,
    Heartbeat,
    HeartbeatAck,
    ReferencePage,
)
from hubdesk.protocol.trust import AuditReceipt, AuditUpload
from hubdesk.server import admin
from hubdesk.server.bootstrap import open_database
from hubdesk.server.models import Device, HeldItem, RecordRow
from hubdesk.server.testing import serve_engine
from hubdesk.services import sessions, setup, visits
from hubdesk.services.common import Actor
from hubdesk.services.visits import SignpostAnswer, TopicAnswer, VisitForm
from hubdesk.store import sync_repo
from hubdesk.store.engine import Store
from hubdesk.store.models import OutboxItem, Service, Venue
from hubdesk.sync.commands import enrol_command
from hubdesk.sync.engine import Backoff, SyncEngine, SyncResult
from hubdesk.sync.errors import (
    BadResponse,
    Offline,
    PayloadTooLarge,
    ServerBusy,
    ServerError,
    Stalled,
)
from hubdesk.sync.transport import HttpTransport

PIN = "246810"


# -- the server ------------------------------------------------------------------------


@dataclass
class RunningServer:
    url: str
    engine: Engine
    hub_id: str

    def enrol_code(self) -> str:
        return admin.create_enrol_code(self.engine, self.hub_id)


def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
    """Test-only speed-up: a killed *process* loses nothing without fsync (only an OS
    crash would), so crash tests stay honest while the Hypothesis run stays fast."""
    dbapi_connection.execute("PRAGMA synchronous=OFF")


@contextmanager
def running_server(db_url: str, hub_name: str = "Stevenage Healthy Hub", *,
                   fast: bool = False) -> Iterator[RunningServer]:
    """The real server (``hubdesk.server.testing.serve_engine``) over a fresh database,
    with one hub and one venue."""
    engine = open_database(db_url)
    try:
        if fast and engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _no_fsync)
            engine.dispose()
        hub_id = admin.create_hub(engine, hub_name, "Stevenage")
        admin.add_venue(engine, hub_id, "St Mary's Hall", "church_hall", "SG1")
        with serve_engine(engine) as url:
            yield RunningServer(url, engine, hub_id)
    finally:
        engine.dispose()


# -- faults ------------------------------------------------------------------------------

class SimulatedCrash(BaseException):
    """The client process dying mid-run (in-process stand-in for SIGKILL: nothing
    after this point runs, and the next engine starts from what was committed)."""


FAULTS = ("drop_request", "drop_answer", "duplicate", "reorder", "error_5xx", "busy_429",
          "stall_after_commit", "truncated")


@dataclass
class FaultyApi:
    """The real transport, with the network's faults injected around real requests.

    ``rate`` is the chance that a request meets a fault (0 = healthy network).
    """

    inner: HttpTransport
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    rate: float = 0.0
    faults: tuple[str, ...] = FAULTS
    injected: dict[str, int] = field(default_factory=dict)
    #: "before" / "after": the next upload dies (SimulatedCrash) before it leaves /
    #: after the server committed it (the process "crashes" there)
    crash_next_upload: str | None = None
    #: a proxy's body limit: batches with more items are answered 413 (not forwarded)
    max_items: int | None = None
    calls: dict[str, int] = field(default_factory=dict)
    _old_uploads: list[bytes] = field(default_factory=list)

    def _fault(self) -> str | None:
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return None
        fault = self.rng.choice(self.faults)
        self.injected[fault] = self.injected.get(fault, 0) + 1
        return fault

    def _around(self, name: str, call: Callable[[], Any],
                replay: Callable[[], Any] | None = None) -> Any:
        self.calls[name] = self.calls.get(name, 0) + 1
        fault = self._fault()
        if fault == "drop_request":
            raise Offline("injected: request dropped")
        if fault == "error_5xx":
            raise ServerError(502, "injected")
        if fault == "busy_429":
            raise ServerBusy(retry_after=float(self.rng.choice((1, 5, 30))))
        answer = call()  # the request really reaches the server
        if fault == "duplicate":
            answer = call()
        elif fault == "reorder" and replay is not None:
            replay()  # an older request arrives after this one
        elif fault == "drop_answer":
            raise Offline("injected: answer lost after the server committed")
        elif fault == "stall_after_commit":
            raise Stalled()
        elif fault == "truncated":
            raise BadResponse("injected: truncated body")
        return answer

    def health(self) -> None:
        self._around("health", self.inner.health)

    def upload_raw(self, batch_json: bytes) -> BatchReceipt:
        crash, self.crash_next_upload = self.crash_next_upload, None
        if crash == "before":
            raise SimulatedCrash("killed after the batch was stored, before the POST")
        if crash == "after":
            self.inner.upload_raw(batch_json)
            raise SimulatedCrash("killed after the server committed, before the receipt")

        def replay_old() -> None:
            if self._old_uploads:
                self.inner.upload_raw(self.rng.choice(self._old_uploads))

        if self.max_items is not None and batch_json.count(b'"content_hash"') > self.max_items:
            self.calls["upload_413"] = self.calls.get("upload_413", 0) + 1
            raise PayloadTooLarge()
        answer: BatchReceipt = self._around(
            "upload", lambda: self.inner.upload_raw(batch_json), replay_old)
        self._old_uploads.append(batch_json)
        del self._old_uploads[:-5]
        return answer

    def get_receipt(self, batch_id: str) -> BatchReceipt | None:
        answer: BatchReceipt | None = self._around(
            "get_receipt", lambda: self.inner.get_receipt(batch_id))
        return answer

    def reference(self, cursor: str, limit: int) -> ReferencePage:
        answer: ReferencePage = self._around(
            "reference", lambda: self.inner.reference(cursor, limit))
        return answer

    def changes(self, cursor: str, limit: int) -> ChangesPage:
        answer: ChangesPage = self._around(
            "changes", lambda: self.inner.changes(cursor, limit))
        return answer

    def heartbeat(self, beat: Heartbeat) -> HeartbeatAck:
        answer: HeartbeatAck = self._around(
            "heartbeat", lambda: self.inner.heartbeat(beat))
        return answer

    def upload_audit(self, upload: AuditUpload) -> AuditReceipt:
        answer: AuditReceipt = self._around("audit", lambda: self.inner.upload_audit(upload))
        return answer


# -- laptops ------------------------------------------------------------------------------


class Laptop:
    """One enrolled laptop with its own data folder and a coordinator unlocked."""

    def __init__(self, folder: Path, server: RunningServer, name: str = "Coordinator", *,
                 fast: bool = False) -> None:
        self.paths = AppPaths(folder).ensure()
        self.fast = fast
        self.volunteer_name = name
        self.store = self._open()
        self.server = server
        assert enrol_command(self.store, self.paths, server.url, server.enrol_code()) == 0
        self.sleeps: list[float] = []
        self.api = FaultyApi(self._transport())
        first = self.sync()
        assert first.completed, first.error
        with self.store.unit_of_work() as db:
            device_id = setup.ensure_device(db)
            volunteer = setup.ensure_first_coordinator(db, name, PIN)
            setup.load_sample_directory(db)
            self.actor = Actor(volunteer.id, device_id, volunteer.display_name, "coordinator")
            venue = db.scalar(select(Venue).where(Venue.hub_id == server.hub_id))
            assert venue is not None, "the server's venue did not arrive"
            self.session_id = sessions.open_session(db, self.actor, venue.id,
                                                    "lunch_club").primary_id
            self.service_ids = list(db.scalars(select(Service.id).limit(5)))
        self.device_id = device_id

    def _open(self) -> Store:
        """The laptop's encrypted store, as the app opens it: a new one, or unlocked with
        the coordinator's PIN (their key slot)."""
        from hubdesk.services import laptop as opening

        if opening.laptop_state(self.paths) is opening.LaptopState.NEW:
            store = opening.open_new_laptop(self.paths)
        else:
            store = opening.unlock_laptop(self.paths, self.volunteer_name, PIN).store
        if self.fast:
            event.listen(store.engine, "connect", _no_fsync)
            store.engine.dispose()
        return store

    def restart(self) -> None:
        """As after a crash: a new process opens the same database."""
        self.store.close()
        self.store = self._open()

    def _transport(self) -> HttpTransport:
        with self.store.unit_of_work() as db:
            state = sync_repo.device_state(db)
            assert state is not None and state.server_url and state.device_token
            return HttpTransport(state.server_url, state.device_token, connect_timeout=2,
                                 stall_timeout=10)

    def engine(self, **options: Any) -> SyncEngine:
        options.setdefault("max_retries", 3)
        return SyncEngine(self.store, self.api, sleep=self.sleeps.append,
                          backoff=Backoff(rng=random.Random(1).random), **options)

    def sync(self, **options: Any) -> SyncResult:
        return self.engine(**options).run()

    def heal(self, rounds: int = 30) -> SyncResult:
        """Faults off; sync until nothing is waiting (as the app's scheduler would)."""
        self.api.rate = 0.0
        result = self.sync()
        for _ in range(rounds):
            if result.completed and result.pending == 0:
                return result
            result = self.sync()
        raise AssertionError(f"sync never finished: {result}")

    def record_visit(self, rng: random.Random | None = None) -> str:
        rng = rng or random.Random()
        topics = rng.sample(["mental_wellbeing", "loneliness", "money", "food",
                             "physical_activity"], k=rng.choice((1, 2, 2, 3)))
        form = VisitForm(
            contact_mode=rng.choice(["walk_in", "pre_booked", "approached"]),
            age_band=rng.choice(["65_74", "75_84", "50_64"]),
            sex=rng.choice(["female", "male", "not_asked"]),
            first_visit=rng.choice([True, False]),
            topics=[TopicAnswer(t, "advise", "brief", "thinking", "signposted") for t in topics],
            signposts=[SignpostAnswer(self.service_ids[0], "signpost", topics[0])],
        )
        with self.store.unit_of_work() as db:
            return visits.record_visit(db, self.actor, self.session_id, form).primary_id

    def edit_visit(self, visit_id: str, rng: random.Random | None = None) -> None:
        rng = rng or random.Random()
        with self.store.unit_of_work() as db:
            version = visits.visit_version(db, visit_id)
            form = visits.get_visit_form(db, visit_id)
            form.age_band = rng.choice(["65_74", "75_84", "85_plus", "50_64"])
            form.first_visit = not form.first_visit
            visits.edit_visit(db, self.actor, visit_id, form, base_version=version)

    def visit_ids(self) -> list[str]:
        with self.store.unit_of_work() as db:
            return sorted(set(db.scalars(
                select(OutboxItem.record_id).where(OutboxItem.kind == "visit"))))

    def close(self) -> None:
        self.api.inner.close()
        self.store.close()


# -- invariants ---------------------------------------------------------------------------


def server_rows(engine: Engine, device_id: str) -> tuple[dict[tuple[str, str, int], list[str]],
                                                          list[int]]:
    with engine.connect() as conn:
        rows = conn.execute(select(RecordRow.kind, RecordRow.record_id, RecordRow.version,
                                   RecordRow.content_hash, RecordRow.seq)
                            .where(RecordRow.device_id == device_id)).all()
        held = conn.execute(select(HeldItem.kind, HeldItem.record_id, HeldItem.version,
                                   HeldItem.content_hash, HeldItem.seq)
                            .where(HeldItem.device_id == device_id)).all()
    versions: dict[tuple[str, str, int], list[str]] = {}
    for kind, record_id, version, digest, _seq in [*map(tuple, rows), *map(tuple, held)]:
        versions.setdefault((kind, record_id, version), []).append(digest)
    seqs = sorted([r.seq for r in rows] + [h.seq for h in held])
    return versions, seqs


def check_invariants(server: RunningServer, laptops: list[Laptop]) -> None:
    """DESIGN.md section 4, after faults stop and sync has run to the end."""
    for laptop in laptops:
        with laptop.store.unit_of_work() as db:
            outbox = db.execute(select(OutboxItem.kind, OutboxItem.record_id, OutboxItem.version,
                                       OutboxItem.content_hash, OutboxItem.state,
                                       OutboxItem.seq)).all()
        versions, seqs = server_rows(server.engine, laptop.device_id)
        # every finalised (record, version) exists exactly once on the server, same hash
        for item in outbox:
            held = versions.get((item.kind, item.record_id, item.version), [])
            assert held == [item.content_hash] or (
                item.state in ("conflict", "resolved") and item.content_hash in held
            ), (item, held)
            # a version is marked sent only if the server holds it (it does, see above)
            assert item.state in ("sent", "rejected", "conflict", "resolved"), item
        # each device's sequence on the server is gap-free (1..n, each once)
        assert seqs == list(range(1, len(outbox) + 1)), "gaps or repeats in the device sequence"
        with server.engine.connect() as conn:
            duplicates = conn.execute(
                select(func.count()).select_from(
                    select(RecordRow.kind, RecordRow.record_id, RecordRow.version)
                    .group_by(RecordRow.kind, RecordRow.record_id, RecordRow.version)
                    .having(func.count() > 1).subquery())).scalar()
        assert duplicates == 0


def server_snapshot(server: RunningServer) -> list[tuple[Any, ...]]:
    with server.engine.connect() as conn:
        records = conn.execute(select(RecordRow.kind, RecordRow.record_id, RecordRow.version,
                                      RecordRow.content_hash, RecordRow.device_id, RecordRow.seq)
                               .order_by(RecordRow.row_id)).all()
        held = conn.execute(select(HeldItem.device_id, HeldItem.seq, HeldItem.status)
                            .order_by(HeldItem.id)).all()
    return [tuple(r) for r in records] + [("held", *tuple(h)) for h in held]


def laptop_snapshot(laptop: Laptop) -> list[tuple[Any, ...]]:
    with laptop.store.unit_of_work() as db:
        rows = db.execute(select(OutboxItem.seq, OutboxItem.state, OutboxItem.content_hash)
                          .order_by(OutboxItem.seq)).all()
    return [tuple(r) for r in rows]


def revoked_devices(server: RunningServer) -> int:
    with server.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Device)
                                .where(Device.revoked_at.is_not(None))).scalar() or 0)


def dump(value: Any) -> str:
    return json.dumps(value, default=str)


def check_sent_means_held(server: RunningServer, laptops: list[Laptop]) -> None:
    """Holds at every moment, faults or not: ``sent`` on a laptop => the server has it."""
    for laptop in laptops:
        with laptop.store.unit_of_work() as db:
            sent = db.execute(select(OutboxItem.kind, OutboxItem.record_id, OutboxItem.version,
                                     OutboxItem.content_hash)
                              .where(OutboxItem.state == "sent")).all()
        versions, _ = server_rows(server.engine, laptop.device_id)
        for item in sent:
            assert versions.get((item.kind, item.record_id, item.version)) == [item.content_hash]
