"""The end-of-day burst: 1,000 laptops push 300 records each at once, against the
server on PostgreSQL with N worker processes.

    .venv/bin/python bench/burst.py [--laptops 1000] [--records 300] [--workers 1,2,4]
                                    [--concurrency 32] [--json]

For each N: a fresh database in a private PostgreSQL cluster (started as the tests
start it: ``hubdesk.server.testing.postgres_cluster``), ``hubdesk-server serve
--workers N`` as its own program, 1,000 laptops enrolled through ``POST /v1/enrol``
with one-time codes, then every laptop pushes its records (a session, visits with
their MECC conversations and signposting outcomes; payloads, hashes and batch bodies
made by the client's own protocol code, in batches of the sync engine's starting
size) through the real HTTP API, at most ``--concurrency`` laptops at a time.  Then
``hubdesk-server stats --json`` must say exactly laptops x records records, 0 gaps
and 0 duplicated versions.

Baseline, in the same run: a raw SQLAlchemy bulk insert (one ``executemany``
INSERT in one transaction, no HTTP, no checks) of the same rows into a fresh
database of the same cluster.  Aim (issue 13): all received in <= 2 minutes on
this 2-core machine, and N = 2 faster than N = 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from hubdesk.core.clock import utc_now
from hubdesk.core.hashing import canonical_json, content_hash
from hubdesk.core.ids import uuid7
from hubdesk.protocol.schemas import EnrolRequest, UploadBatch
from hubdesk.server import admin
from hubdesk.server.bootstrap import open_database
from hubdesk.server.models import RecordRow
from hubdesk.server.testing import PostgresCluster, postgres_cluster, server_process
from hubdesk.store.sync_repo import OutgoingItem
from hubdesk.sync.engine import START_BATCH
from hubdesk.sync.transport import HttpTransport
from hubdesk.sync.wire import batch_bytes

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ["mental_wellbeing", "loneliness", "money", "food", "physical_activity", "housing"]
HUBS = 10  # a county's districts


@dataclass
class SimulatedLaptop:
    device_id: str
    code: str
    hub_id: str = ""
    token: str = ""
    items: list[OutgoingItem] | None = None


def laptop_records(device_id: str, hub_id: str, count: int, seed: int) -> list[OutgoingItem]:
    """A day at a hub: one session, then visits with 1-3 conversations and a signpost,
    ``count`` finalised versions in all, numbered 1..count as ``finalise`` numbers them."""
    rng = random.Random(seed)
    volunteer, now = uuid7(), utc_now()
    payloads: list[dict[str, Any]] = []

    def version(kind: str, fields: dict[str, Any], at: Any) -> str:
        record_id = uuid7()
        payloads.append({"kind": kind, "record_id": record_id, "version": 1,
                         "base_version": None, "deleted": False, "device_id": device_id,
                         "created_by": volunteer,
                         "created_at": at.isoformat(timespec="microseconds"),
                         "utc_offset_min": 0, "fields": fields})
        return record_id

    session_id = version("session", {
        "hub_id": hub_id, "venue_id": uuid7(), "session_type": "lunch_club",
        "session_date": now.date().isoformat(), "started_at": now.isoformat(),
        "ended_at": (now + timedelta(hours=3)).isoformat(), "volunteers_present": [volunteer],
        "headcount": 4, "activities": [], "warm_space": False, "status": "closed"}, now)
    number = 0
    while len(payloads) < count:
        number += 1
        at = now + timedelta(seconds=number * 30)
        topics = rng.sample(TOPICS, k=rng.choice((1, 2, 2, 3)))
        visit_id = version("visit", {
            "session_id": session_id, "visited_at": at.isoformat(),
            "contact_mode": rng.choice(["walk_in", "pre_booked", "approached"]),
            "referral_source": None, "age_band": rng.choice(["50_64", "65_74", "75_84"]),
            "sex": rng.choice(["female", "male"]), "postcode_district": "SG1",
            "first_visit": rng.random() < 0.4, "visitor_code": None, "topics": topics,
            "safeguarding": False, "note": "", "person_id": None}, at)
        for topic in topics:
            version("conversation", {
                "visit_id": visit_id, "topic": topic, "furthest_step": "advise",
                "intervention_level": "brief", "response": "thinking",
                "action": "signposted"}, at)
        version("outcome", {
            "visit_id": visit_id, "conversation_id": None,
            "service_id": "3f1c2a4e-0000-4000-8000-000000000001", "kind": "signpost",
            "agreement_recorded": False, "status": "offered"}, at)
    return [OutgoingItem(seq, p["kind"], p["record_id"], 1, content_hash(p), canonical_json(p))
            for seq, p in enumerate(payloads[:count], start=1)]


def prepare(cluster: PostgresCluster, laptops: int, records: int) -> tuple[str, list[SimulatedLaptop]]:
    """A fresh database with the county's hubs and one enrolment code per laptop."""
    db_url = cluster.create_database()
    engine = open_database(db_url)
    try:
        hub_ids = [admin.create_hub(engine, f"Hub {n}", f"District {n}") for n in range(HUBS)]
        made = [SimulatedLaptop(uuid7(), admin.create_enrol_code(engine, hub_ids[n % HUBS]))
                for n in range(laptops)]
    finally:
        engine.dispose()
    return db_url, made


def enrol_all(url: str, laptops: list[SimulatedLaptop], concurrency: int) -> float:
    def enrol(laptop: SimulatedLaptop) -> None:
        transport = HttpTransport(url)
        try:
            answer = transport.enrol(EnrolRequest(code=laptop.code, device_id=laptop.device_id,
                                                  device_name="Bench laptop",
                                                  app_version="bench"))
        finally:
            transport.close()
        laptop.token, laptop.hub_id = answer.device_token, answer.hub.id

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(enrol, laptops))
    return time.perf_counter() - started


def push_all(url: str, laptops: list[SimulatedLaptop], concurrency: int) -> tuple[float, int]:
    """Every laptop sends its batches in turn, ``concurrency`` laptops at a time;
    returns (seconds, items answered accepted)."""
    bodies = []
    for laptop in laptops:
        assert laptop.items is not None
        chunks = [laptop.items[i:i + START_BATCH] for i in range(0, len(laptop.items), START_BATCH)]
        bodies.append([batch_bytes(uuid7(), laptop.device_id, chunk) for chunk in chunks])
    # the first body of all, read by the protocol model: what the server will be sent
    UploadBatch.model_validate_json(bodies[0][0])

    def push(number: int) -> int:
        transport = HttpTransport(url, laptops[number].token, stall_timeout=300)
        accepted = 0
        try:
            for body in bodies[number]:
                accepted += transport.upload_raw(body).counts.accepted
        finally:
            transport.close()
        return accepted

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        accepted = sum(pool.map(push, range(len(laptops))))
    return time.perf_counter() - started, accepted


def server_stats(db_url: str) -> dict[str, Any]:
    """``hubdesk-server stats --json``, the real command."""
    done = subprocess.run([sys.executable, "-m", "hubdesk.server", "--db", db_url, "stats",
                           "--json"], capture_output=True, text=True, check=True, cwd=ROOT)
    stats: dict[str, Any] = json.loads(done.stdout)
    return stats


def raw_insert_rate(cluster: PostgresCluster, laptops: list[SimulatedLaptop]) -> float:
    """records/s of one SQLAlchemy bulk INSERT of the same rows into a fresh database."""
    engine = open_database(cluster.create_database())
    now = utc_now()
    rows = [{"kind": item.kind, "record_id": item.record_id, "version": item.version,
             "base_version": None, "deleted": False, "hub_id": laptop.hub_id,
             "device_id": laptop.device_id, "seq": item.seq, "content_hash": item.content_hash,
             "payload": item.payload_json, "origin": "device", "erased": False,
             "batch_id": None, "received_at": now}
            for laptop in laptops for item in laptop.items or []]
    try:
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(RecordRow), rows)
        return len(rows) / (time.perf_counter() - started)
    finally:
        engine.dispose()


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"runs": []}
    with postgres_cluster() as cluster:
        for workers in args.workers:
            db_url, laptops = prepare(cluster, args.laptops, args.records)
            log = Path(f"/tmp/hubdesk-burst-{os.getpid()}-{workers}.log")
            with server_process(db_url, workers, stderr=log) as server:
                enrol_s = enrol_all(server.url, laptops, args.concurrency)
                for number, laptop in enumerate(laptops):
                    laptop.items = laptop_records(laptop.device_id, laptop.hub_id,
                                                  args.records, seed=number)
                seconds, accepted = push_all(server.url, laptops, args.concurrency)
            stats = server_stats(db_url)
            expected = args.laptops * args.records
            run_result = {
                "workers": workers, "laptops": args.laptops, "records": stats["records"],
                "accepted": accepted, "gaps": stats["gaps"], "duplicates": stats["duplicates"],
                "enrol_seconds": round(enrol_s, 2), "seconds": round(seconds, 2),
                "records_per_s": round(expected / seconds),
                "exact": (stats["records"] == expected == accepted and stats["gaps"] == 0
                          and stats["duplicates"] == 0),
            }
            results["runs"].append(run_result)
            log.unlink(missing_ok=True)
            print(f"# N = {workers}: {run_result}", file=sys.stderr, flush=True)
        raw = raw_insert_rate(cluster, laptops)
    results["raw_insert_records_per_s"] = round(raw)
    for run_result in results["runs"]:
        run_result["ratio_to_raw"] = round(run_result["records_per_s"] / raw, 3)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laptops", type=int, default=1000)
    parser.add_argument("--records", type=int, default=300, help="records per laptop")
    parser.add_argument("--workers", default="1,2,4",
                        type=lambda text: [int(n) for n in text.split(",")])
    parser.add_argument("--concurrency", type=int, default=32,
                        help="laptops sending at the same moment")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args)
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
               f"{platform.release()}, Python {platform.python_version()}")
    results["machine"] = machine
    if args.json:
        print(json.dumps(results, indent=2))
        return 0 if all(r["exact"] for r in results["runs"]) else 1
    print(f"# .venv/bin/python bench/burst.py --laptops {args.laptops} --records {args.records} "
          f"--workers {','.join(map(str, args.workers))} --concurrency {args.concurrency}")
    print(f"# {machine}; PostgreSQL (private cluster, as the tests start it), loopback")
    for r in results["runs"]:
        verdict = "exact" if r["exact"] else "NOT EXACT"
        print(f"N = {r['workers']}: {r['records']} records from {r['laptops']} laptops in "
              f"{r['seconds']} s = {r['records_per_s']} records/s, "
              f"{r['ratio_to_raw']:.0%} of raw insert; gaps {r['gaps']}, duplicates "
              f"{r['duplicates']} ({verdict}); enrolment took {r['enrol_seconds']} s")
    print(f"raw bulk insert of the same rows: {results['raw_insert_records_per_s']} records/s")
    return 0 if all(r["exact"] for r in results["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
