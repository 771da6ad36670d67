"""Sync throughput on loopback: one laptop end to end, and 20 laptops pushing at once.

    .venv/bin/python bench/sync_throughput.py [--visits 10000] [--laptops 20] [--rounds 3] [--json]

1. **End to end**: a laptop with ``--visits`` finalised visits (each with about two
   MECC conversations and one signposting outcome, ~4 records per visit) runs
   ``SyncEngine.run()`` against the real server (``hubdesk-server serve`` in its
   own process, SQLite by default, ``--server-workers`` worker processes: 2 by
   default, as ``docs/deploy.md`` runs it on two cores) until nothing is left to send.
   It also prints how long the laptop's sync thread waited for answers (the rest of the
   time the laptop itself was busy: the pace is whichever side waits less).
2. **Server ingest, 20 laptops at once**: 20 enrolled laptops each push their
   outbox (the same number of records in total, split 20 ways) concurrently,
   batch by batch, through the real HTTP API.

Each figure is records/s and the ratio to a raw SQLAlchemy bulk insert of the
same rows (``executemany`` INSERT into the server's ``records`` table, one
transaction) into a fresh server database of the same kind, measured in the
same run.  Aim (issue 3): >= 3,000 records/s end to end on SQLite and >= 30 % of
the raw insert.

3. **PouchDB**, alternating with the end-to-end runs (``--rounds``): PouchDB 9
   pushing the same number of visit documents to pouchdb-server 4.2 on loopback
   (``../shared/peers/pouchdb/bench.sh``, node and npm needed); printed with the
   ratio of visits per second.  Aim (issue 13): >= 3x PouchDB's visits per second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
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
from hubdesk.server.testing import server_process
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
from hubdesk.store.outbox import insert_outbox_rows, record_payload
from hubdesk.sync import engine as sync_engine
from hubdesk.sync.commands import enrol_command
from hubdesk.sync.engine import SyncEngine
from hubdesk.sync.transport import HttpTransport
from hubdesk.sync.wire import batch_bytes

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ["mental_wellbeing", "loneliness", "money", "food", "physical_activity", "housing"]
COMMAND = "bench/sync_throughput.py"
POUCHDB_BENCH = ROOT.parent / "shared" / "peers" / "pouchdb" / "bench.sh"


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
        insert_outbox_rows(db, outbox)
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


def end_to_end(folder: Path, visits: int, server_workers: int = 1) -> dict[str, Any]:
    """One laptop with ``visits`` finalised visits syncs to the server (own process,
    SQLite) until nothing is left; figures, with a raw insert of the same rows."""
    folder.mkdir(parents=True)
    db_url = f"sqlite:///{folder / 'e2e.sqlite3'}"
    engine = open_database(db_url)
    hub_id = admin.create_hub(engine, "Bench Hub", "Stevenage")
    admin.add_venue(engine, hub_id, "Bench Hall", "church_hall", "SG1")
    code = admin.create_enrol_code(engine, hub_id)
    engine.dispose()
    with server_process(db_url, server_workers) as server:
        url = server.url
        store = make_laptop(folder / "laptop-e2e", url, code)
        records = fill_outbox(store, hub_id, visits, seed=1)
        with store.unit_of_work() as db:
            state = sync_repo.device_state(db)
            assert state is not None and state.device_token
            token = state.device_token
        transport = HttpTransport(url, token)
        waited = [0.0]
        # the sync thread waits for answers only in ``wait`` (the POSTs run on their own
        # threads, two at a time): timed there, it is the time the laptop had nothing to do
        untimed_wait = sync_engine.wait

        def timed_wait(futures: Any) -> Any:
            begun = time.perf_counter()
            try:
                return untimed_wait(futures)
            finally:
                waited[0] += time.perf_counter() - begun

        sync_engine.wait = timed_wait  # type: ignore[assignment]
        try:
            started = time.perf_counter()
            result = SyncEngine(store, transport).run()
            elapsed = time.perf_counter() - started
        finally:
            sync_engine.wait = untimed_wait
        transport.close()
        assert result.completed and result.pending == 0, result
    assert server_records(db_url) == records
    e2e_rate = records / elapsed
    raw_rate, raw_rows = raw_insert_rate(f"sqlite:///{folder / 'raw-e2e.sqlite3'}",
                                         [(store, hub_id)])
    store.close()
    return {
        "visits": visits, "raw_rows": raw_rows, "records": records, "seconds": round(elapsed, 2),
        "records_per_s": round(e2e_rate), "raw_insert_records_per_s": round(raw_rate),
        "ratio_to_raw": round(e2e_rate / raw_rate, 3),
        "seconds_waiting_for_server": round(waited[0], 2), "server_workers": server_workers,
    }


def pouchdb_push(bench: Path, visits: int) -> float:
    """Seconds PouchDB 9 takes to push ``visits`` visit documents to pouchdb-server 4.2
    over loopback (``shared/peers/pouchdb/bench.sh``: its README says what it times)."""
    done = subprocess.run(["bash", str(bench)], env=dict(os.environ, BENCH_N=str(visits)),
                          capture_output=True, text=True, check=True, timeout=900)
    for line in done.stdout.splitlines():
        if line.startswith("{") and '"peer":"pouchdb"' in line.replace(" ", ""):
            figures = json.loads(line)
            if figures["n"] == visits:
                return float(figures["seconds"])
    raise RuntimeError(f"no figure for {visits} docs in PouchDB's output: {done.stdout[-300:]}")


def many_laptops(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """``args.laptops`` enrolled laptops push their outboxes at once, batch by batch."""
    db_url = f"sqlite:///{folder / 'many.sqlite3'}"
    engine = open_database(db_url)
    hub_id = admin.create_hub(engine, "Bench Hub", "Stevenage")
    admin.add_venue(engine, hub_id, "Bench Hall", "church_hall", "SG1")
    codes = [admin.create_enrol_code(engine, hub_id) for _ in range(args.laptops)]
    engine.dispose()
    per_laptop = max(1, args.visits // args.laptops)
    with server_process(db_url) as server:
        url = server.url
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
    return {
        "laptops": args.laptops, "records": total, "batch_items": args.batch,
        "seconds": round(elapsed, 2), "records_per_s": round(many_rate),
        "raw_insert_records_per_s": round(raw_rate),
        "ratio_to_raw": round(many_rate / raw_rate, 3),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="hubdesk-sync-bench-"))
    results: dict[str, Any] = {}
    try:
        # -- 1. one laptop, end to end (alternating with PouchDB's push when asked) ------
        rounds = []
        pouch_rounds = []
        for number in range(args.rounds):
            rounds.append(end_to_end(folder / f"round-{number}", args.visits,
                                     args.server_workers))
            if args.pouchdb:
                pouch_rounds.append(pouchdb_push(args.pouchdb, args.visits))
        results["end_to_end"] = sorted(rounds, key=lambda r: r["seconds"])[len(rounds) // 2]
        results["end_to_end"]["rounds_seconds"] = [r["seconds"] for r in rounds]
        if pouch_rounds:
            pouch_seconds = sorted(pouch_rounds)[len(pouch_rounds) // 2]
            ours = args.visits / results["end_to_end"]["seconds"]
            theirs = args.visits / pouch_seconds
            results["pouchdb"] = {
                "visits": args.visits, "seconds": pouch_seconds,
                "rounds_seconds": pouch_rounds, "visits_per_s": round(theirs),
                "hubdesk_visits_per_s": round(ours), "ratio": round(ours / theirs, 2),
            }

        # -- 2. 20 laptops pushing at once (--laptops 0: not run) ---------------------
        if args.laptops > 0:
            results["twenty_laptops"] = many_laptops(folder, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


def machine_summary() -> str:
    """The machine, as each benchmark prints it."""
    return (f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--laptops", type=int, default=20)
    parser.add_argument("--batch", type=int, default=500, help="items per batch (20 laptops)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="end-to-end runs (alternating with PouchDB's push); medians")
    parser.add_argument("--pouchdb", type=Path, default=POUCHDB_BENCH if POUCHDB_BENCH.exists()
                        else None, help="PouchDB's bench.sh (default: ../shared/peers/pouchdb)")
    parser.add_argument("--no-pouchdb", dest="pouchdb", action="store_const", const=None)
    parser.add_argument("--server-workers", type=int, default=2,
                        help="worker processes of the end-to-end server (docs/deploy.md: 2)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for name, least in (("visits", 1), ("laptops", 0), ("batch", 1), ("rounds", 1),
                        ("server_workers", 1)):
        if getattr(args, name) < least:
            parser.error(f"--{name.replace('_', '-')} must be at least {least}")
    results = run(args)
    machine = machine_summary()
    results["machine"] = machine
    results["command"] = (f".venv/bin/python {COMMAND} --visits {args.visits} "
                          f"--laptops {args.laptops} --rounds {args.rounds} "
                          f"--server-workers {args.server_workers}")
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    e2e = results["end_to_end"]
    print(f"# {results['command']}")
    print(f"# {machine}; server: hubdesk-server serve --workers {args.server_workers} "
          "(own processes), SQLite, loopback; the laptop keeps two batches on the wire")
    print(f"end to end, 1 laptop : {e2e['records']} records ({e2e['visits']} visits) in "
          f"{e2e['seconds']} s = {e2e['records_per_s']} records/s; raw bulk insert "
          f"{e2e['raw_insert_records_per_s']} records/s; ratio {e2e['ratio_to_raw']:.0%} "
          f"(its sync thread waited {e2e['seconds_waiting_for_server']} s of it for the "
          "server's answers)")
    if "pouchdb" in results:
        pouch = results["pouchdb"]
        print(f"PouchDB 9 push      : {pouch['visits']} visit docs in {pouch['seconds']} s = "
              f"{pouch['visits_per_s']} visits/s (rounds {pouch['rounds_seconds']} s); HubDesk "
              f"{pouch['hubdesk_visits_per_s']} visits/s (rounds "
              f"{e2e['rounds_seconds']} s) = {pouch['ratio']}x PouchDB's visits per second")
    if "twenty_laptops" in results:
        many = results["twenty_laptops"]
        print(f"ingest, {many['laptops']} laptops  : {many['records']} records in "
              f"{many['seconds']} s = {many['records_per_s']} records/s; raw bulk insert "
              f"{many['raw_insert_records_per_s']} records/s; ratio {many['ratio_to_raw']:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
