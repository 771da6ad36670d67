"""Encryption at rest: unlock time, and encrypted/plain ratios at 100k visits (issue 8).

    .venv/bin/python bench/encryption.py [--visits 100000] [--runs 100] [--data-dir DIR]

Builds one plain demo database (or reuses DIR/plain.sqlite3), copies it and
encrypts the copy in place with SQLCipher (the same records in both), then in
the same run measures on each: saving a visit (2 topics, 1 signpost) and loading
today's list.  Prints medians, p95 and the encrypted/plain ratio (aim <= 1.3x).
Unlock time is one real key slot (scrypt at the production cost, calibrated to
>= 0.25 s on this machine) opened with the right PIN, plus opening the store.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.pop("HUBDESK_TEST_CHEAP_KDF", None)  # production slot cost, always

from hubdesk.core.clock import local_today
from hubdesk.protocol.trust import random_key
from hubdesk.services import directory, sessions, setup, visits, volunteers
from hubdesk.services.demo import generate_demo
from hubdesk.services.visits import VisitForm
from hubdesk.store.encryption import encrypt_in_place
from hubdesk.store.engine import Store
from hubdesk.store.keyring import KeyRing, raw_sqlcipher_key

sys.path.insert(0, str(Path(__file__).resolve().parent))
from capture_latency import percentile, standard_visit, timed

NAME, PIN = "Coordinator", "123456"


def build_plain(path: Path, visits_wanted: int) -> None:
    store = Store.open(path)
    with store.unit_of_work() as db:
        setup.ensure_first_coordinator(db, NAME, PIN)
        setup.load_sample_directory(db)
    with store.unit_of_work() as db:
        actor = volunteers.unlock(db, NAME, PIN)
        generate_demo(db, actor, visits=visits_wanted, seed=11, days=30)
    store.close()


def measure(store: Store, runs: int) -> tuple[list[float], list[float]]:
    with store.unit_of_work() as db:
        actor = volunteers.unlock(db, NAME, PIN)
        # a session of its own, opened today (the demo's sessions are on earlier days)
        session_id = sessions.open_session(
            db, actor, sessions.list_venues(db)[0].id, "drop_in").primary_id
        mind = directory.search_directory(db, "mind")[0].id
    form = standard_visit(mind)

    def save() -> None:
        with store.unit_of_work() as db:
            visits.record_visit(db, actor, session_id, VisitForm.from_dict(form.to_dict()))

    def today() -> None:
        with store.unit_of_work() as db:
            visits.list_visits(db, local_today())

    save()
    today()
    return timed(runs, save), timed(max(10, runs // 5), today)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    folder = Path(args.data_dir or tempfile.mkdtemp(prefix="hubdesk-crypt-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "plain.sqlite3"
    if not source.exists():
        started = time.perf_counter()
        build_plain(source, args.visits)
        print(f"demo data: {args.visits:,} visits in {time.perf_counter() - started:.0f} s")
    plain_path, encrypted_path = folder / "run-plain.sqlite3", folder / "run-encrypted.sqlite3"
    for path in (plain_path, encrypted_path):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        shutil.copyfile(source, path)
    key = random_key()
    started = time.perf_counter()
    encrypt_in_place(encrypted_path, raw_sqlcipher_key(key))
    print(f"encrypting {source.stat().st_size / 1e6:.0f} MB in place: "
          f"{time.perf_counter() - started:.1f} s")

    ring = KeyRing.create(folder)
    ring.put_slot(NAME, PIN, key)
    unlock = []
    for _ in range(5):
        started = time.perf_counter()
        opened_key = ring.open_slot(NAME, PIN)
        Store.open(encrypted_path, key=raw_sqlcipher_key(opened_key)).close()
        unlock.append(time.perf_counter() - started)
    print(f"unlock (key slot + open store)      median {statistics.median(unlock):.3f} s   "
          f"worst {max(unlock):.3f} s")

    plain = Store.open(plain_path)
    encrypted = Store.open(encrypted_path, key=raw_sqlcipher_key(key))
    results = {}
    for label, store in (("plain", plain), ("encrypted", encrypted)):
        results[label] = measure(store, args.runs)
        store.close()
    for index, what in enumerate(("save a visit (2 topics, 1 signpost)", "today's list")):
        p, e = results["plain"][index], results["encrypted"][index]
        print(f"{what:<36} plain median {statistics.median(p):6.2f} ms (p95 {percentile(p, 0.95):6.2f})   "
              f"encrypted median {statistics.median(e):6.2f} ms (p95 {percentile(e, 0.95):6.2f})   "
              f"ratio x{statistics.median(e) / statistics.median(p):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
