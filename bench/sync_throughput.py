"""Sync throughput on loopback: one laptop end to end, and 20 laptops pushing at once.

    .venv/bin/python bench/sync_throughput.py [--visits 10000] [--laptops 20] [--json]

1. **End to end**: a laptop with ``--visits`` finalised visits (each with about two
   MECC conversations and one signposting outcome, ~4 records per visit) runs
   ``SyncEngine.run()`` against the real server (``hubdesk-server serve`` in its
   own process, SQLite by default) until nothing is left to send.
2. **Server ingest, 20 laptops at once**: 20 enrolled laptops each push their
   outbox (the same number of records in total, split 20 ways) concurrently,
   batch by batch, through the real HTTP API.

Each figure is records/s and the ratio to a raw SQLAlchemy bulk insert of the
same rows (``executemany`` INSERT into the server's ``records`` table, one
transaction) into a fresh server database of the same kind, measured in the
same run.  Aim (issue 3): >= 3,000 records/s end to end on SQLite and >= 30 % of
the raw insert.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from hubdesk.core.clock import utc_now
from hubdesk.core.hashing import canonical_json, content_hash
from hubdesk.core.ids import uuid7
from hubdesk.core.paths import AppPaths
from hubdesk.server import admin
from hubdesk.server.bootstrap import open_database
from hubdesk.server.models import RecordRow
from hubdesk.store import sync_repo
from hubdesk.store.engine import Store
from hubdesk.store.models import (
    Conversation,
    HubSession,
    OutboxItem,
    SignpostingOutcome,
    Venue,
    Visit,
)
from hubdesk.store.outbox import record_payload
from hubdesk.sync.commands import enrol_command
from hubdesk.sync.engine import SyncEngine
from hubdesk.sync.transport import HttpTransport
from hubdesk.sync.wire import batch_bytes

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ["mental_wellbeing", "loneliness", "money", "food", "physical_activity", "housing"]
COMMAND = "bench/sync_throughput.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server_process(db_url: str) -> Iterator[str]:
    """``hubdesk-server serve`` in its own process (its own GIL, like production)."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from hubdesk.server.cli import main; "
         "sys.exit(main())", "--db", db_url, "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    probe = HttpTransport(url, connect_timeout=1)
    deadline = time.monotonic() + 60
    while True:
        try:
            probe.health()
            break
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the server did not start") from None
            time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def make_laptop(folder: Path, url: str, code: str) -> Store:
    paths = AppPaths(folder).ensure()
    store = Store.open(paths.database)
    with open(os.devnull, "w") as quiet:
        stdout, sys.stdout = sys.stdout, quiet
        try:
            assert enrol_command(store, paths, url, code) == 0
        finally:
            sys.stdout = stdout
    with store.unit_of_work() as db:  # the hub's venues
        state = sync_repo.device_state(db)
        assert state is not None
    return store


def fill_outbox(store: Store, hub_id: str, visits: int, seed: int) -> int:
    """Finalised visits with ~2 conversations and ~1 outcome each, as ``finalise`` makes
    them (same payloads, hashes and gap-free sequence), built in bulk for speed."""
    rng = random.Random(seed)
    with store.unit_of_work() as db:
        state = sync_repo.device_state(db)
        assert state is not None
        device_id = state.device_id
    volunteer_id = uuid7()
    now = utc_now()
    seq = 0
    with store.unit_of_work() as db:
        venue_id = db.scalar(select(Venue.id).where(Venue.hub_id == hub_id)) or uuid7()
        session_id = uuid7()
        rows: list[Any] = []
        session = HubSession(
            record_id=session_id, version=1, is_current=True, deleted=False,
            device_id=device_id, created_by=volunteer_id, created_at=now, utc_offset_min=0,
            origin="local", hub_id=hub_id, venue_id=venue_id, session_type="lunch_club",
            session_date=now.date(), started_at=now, ended_at=now + timedelta(hours=3),
            volunteers_present=[volunteer_id], headcount=4, activities=[], warm_space=False,
            status="closed")
        rows.append(session)
        for number in range(visits):
            at = now + timedelta(seconds=number)
            visit = Visit(
                record_id=uuid7(), version=1, is_current=True, deleted=False,
                device_id=device_id, created_by=volunteer_id, created_at=at, utc_offset_min=0,
                origin="local", session_id=session_id, visited_at=at,
                contact_mode=rng.choice(["walk_in", "pre_booked", "approached"]),
                referral_source=None, age_band=rng.choice(["50_64", "65_74", "75_84"]),
                sex=rng.choice(["female", "male"]), postcode_district="SG1",
                first_visit=rng.random() < 0.4, visitor_code=None, topics=[],
                safeguarding=False, note="", person_id=None)
            topics = rng.sample(TOPICS, k=rng.choice((1, 2, 2, 3)))
            visit.topics = topics
            rows.append(visit)
            conversations = []
            for topic in topics:
                conversation = Conversation(
                    record_id=uuid7(), version=1, is_current=True, deleted=False,
                    device_id=device_id, created_by=volunteer_id, created_at=at,
                    utc_offset_min=0, origin="local", visit_id=visit.record_id, topic=topic,
                    furthest_step="advise", intervention_level="brief", response="thinking",
                    action="signposted")
                conversations.append(conversation)
                rows.append(conversation)
            if rng.random() < 0.9:
                rows.append(SignpostingOutcome(
                    record_id=uuid7(), version=1, is_current=True, deleted=False,
                    device_id=device_id, created_by=volunteer_id, created_at=at,
                    utc_offset_min=0, origin="local", visit_id=visit.record_id,
                    conversation_id=conversations[0].record_id,
                    service_id="3f1c2a4e-0000-4000-8000-000000000001", kind="signpost",
                    agreement_recorded=False, status="offered"))
        db.add_all(rows)
        db.flush()
        outbox = []
        for row in rows:
            seq += 1
            payload = record_payload(row)
            digest = content_hash(payload)
            row.device_seq, row.content_hash = seq, digest
            outbox.append({"seq": seq, "kind": payload["kind"], "record_id": row.record_id,
                           "version": 1, "payload": payload, "content_hash": digest,
                           "state": "pending", "finalised_at": now, "attempts": 0})
        db.execute(insert(OutboxItem), outbox)
    return seq


def raw_insert_rate(db_url: str, stores: list[tuple[Store, str]]) -> tuple[float, int]:
    """records/s of a raw SQLAlchemy bulk INSERT of the same rows into a fresh server DB."""
    engine = open_database(db_url)
    try:
        rows = []
        now = utc_now()
        for store, hub_id in stores:
            with store.unit_of_work() as db:
                for item in db.scalars(select(OutboxItem).order_by(OutboxItem.seq)):
                    payload = item.payload
                    rows.append({
                        "kind": item.kind, "record_id": item.record_id, "version": item.version,
                        "base_version": payload.get("base_version"),
                        "deleted": bool(payload.get("deleted")), "hub_id": hub_id,
                        "device_id": payload["device_id"], "seq": item.seq,
                        "content_hash": item.content_hash, "payload": canonical_json(payload),
                        "origin": "device", "erased": False, "batch_id": None,
                        "received_at": now,
                    })
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(RecordRow), rows)
        elapsed = time.perf_counter() - started
        return len(rows) / elapsed, len(rows)
    finally:
        engine.dispose()


def server_records(db_url: str) -> int:
    engine = open_database(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(RecordRow)).scalar() or 0)
    finally:
        engine.dispose()


def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="hubdesk-sync-bench-"))
    results: dict[str, Any] = {}
    try:
        # -- 1. one laptop, end to end -----------------------------------------------
        db_url = f"sqlite:///{folder / 'e2e.sqlite3'}"
        engine = open_database(db_url)
        hub_id = admin.create_hub(engine, "Bench Hub", "Stevenage")
        admin.add_venue(engine, hub_id, "Bench Hall", "church_hall", "SG1")
        code = admin.create_enrol_code(engine, hub_id)
        engine.dispose()
        with server_process(db_url) as url:
            store = make_laptop(folder / "laptop-e2e", url, code)
            records = fill_outbox(store, hub_id, args.visits, seed=1)
            with store.unit_of_work() as db:
                state = sync_repo.device_state(db)
                assert state is not None and state.device_token
                token = state.device_token
            transport = HttpTransport(url, token)
            waited = [0.0]
            upload = transport.upload_raw

            def timed_upload(body: bytes) -> Any:
                begun = time.perf_counter()
                try:
                    return upload(body)
                finally:
                    waited[0] += time.perf_counter() - begun

            transport.upload_raw = timed_upload  # type: ignore[method-assign,assignment]
            started = time.perf_counter()
            result = SyncEngine(store, transport).run()
            elapsed = time.perf_counter() - started
            transport.close()
            assert result.completed and result.pending == 0, result
        assert server_records(db_url) == records
        e2e_rate = records / elapsed
        raw_rate, raw_rows = raw_insert_rate(f"sqlite:///{folder / 'raw-e2e.sqlite3'}",
                                             [(store, hub_id)])
        store.close()
        results["end_to_end"] = {
            "visits": args.visits, "records": records, "seconds": round(elapsed, 2),
            "records_per_s": round(e2e_rate), "raw_insert_records_per_s": round(raw_rate),
            "ratio_to_raw": round(e2e_rate / raw_rate, 3),
            "seconds_waiting_for_server": round(waited[0], 2),
        }

        # -- 2. 20 laptops pushing at once -----------------------------------------------
        db_url = f"sqlite:///{folder / 'many.sqlite3'}"
        engine = open_database(db_url)
        hub_id = admin.create_hub(engine, "Bench Hub", "Stevenage")
        admin.add_venue(engine, hub_id, "Bench Hall", "church_hall", "SG1")
        codes = [admin.create_enrol_code(engine, hub_id) for _ in range(args.laptops)]
        engine.dispose()
        per_laptop = max(1, args.visits // args.laptops)
        with server_process(db_url) as url:
            laptops = [make_laptop(folder / f"laptop-{n}", url, codes[n])
                       for n in range(args.laptops)]
            bodies: list[list[bytes]] = []
            tokens: list[str] = []
            total = 0
            for number, store in enumerate(laptops):
                total += fill_outbox(store, hub_id, per_laptop, seed=100 + number)
                with store.unit_of_work() as db:
                    state = sync_repo.device_state(db)
                    assert state is not None and state.device_token
                    tokens.append(state.device_token)
                    items = sync_repo.pending_items(db, 10**9)
                bodies.append([batch_bytes(uuid7(), state.device_id, items[i:i + args.batch])
                               for i in range(0, len(items), args.batch)])
            barrier = threading.Barrier(args.laptops + 1)
            errors: list[BaseException] = []

            def push(number: int) -> None:
                transport = HttpTransport(url, tokens[number], stall_timeout=120)
                barrier.wait()
                try:
                    for body in bodies[number]:
                        transport.upload_raw(body)
                except BaseException as error:  # reported below
                    errors.append(error)
                finally:
                    transport.close()

            threads = [threading.Thread(target=push, args=(n,)) for n in range(args.laptops)]
            for thread in threads:
                thread.start()
            barrier.wait()
            started = time.perf_counter()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            if errors:
                raise errors[0]
        assert server_records(db_url) == total
        many_rate = total / elapsed
        raw_rate, _ = raw_insert_rate(f"sqlite:///{folder / 'raw-many.sqlite3'}",
                                      [(store, hub_id) for store in laptops])
        for store in laptops:
            store.close()
        results["twenty_laptops"] = {
            "laptops": args.laptops, "records": total, "batch_items": args.batch,
            "seconds": round(elapsed, 2), "records_per_s": round(many_rate),
            "raw_insert_records_per_s": round(raw_rate),
            "ratio_to_raw": round(many_rate / raw_rate, 3),
        }
        results["raw_rows_e2e"] = raw_rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--laptops", type=int, default=20)
    parser.add_argument("--batch", type=int, default=500, help="items per batch (20 laptops)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args)
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
               f"{platform.release()}, Python {platform.python_version()}")
    results["machine"] = machine
    results["command"] = f".venv/bin/python {COMMAND} --visits {args.visits} --laptops {args.laptops}"
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    e2e, many = results["end_to_end"], results["twenty_laptops"]
    print(f"# {results['command']}")
    print(f"# {machine}; server: hubdesk-server serve (own process), SQLite, loopback")
    print(f"end to end, 1 laptop : {e2e['records']} records ({e2e['visits']} visits) in "
          f"{e2e['seconds']} s = {e2e['records_per_s']} records/s; raw bulk insert "
          f"{e2e['raw_insert_records_per_s']} records/s; ratio {e2e['ratio_to_raw']:.0%} "
          f"({e2e['seconds_waiting_for_server']} s of it waiting for the server's answers)")
    print(f"ingest, {many['laptops']} laptops  : {many['records']} records in {many['seconds']} s"
          f" = {many['records_per_s']} records/s; raw bulk insert "
          f"{many['raw_insert_records_per_s']} records/s; ratio {many['ratio_to_raw']:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
