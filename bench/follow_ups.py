"""The coordinator's follow-up list with 100k visits on the laptop (issue 10).

    .venv/bin/python bench/follow_ups.py [--visits 100000] [--data-dir DIR] [--runs 50]

Prints median and p95 of ``services.follow_ups.list_follow_ups`` (to do, and done),
the main window's due count, and their ratio to baselines measured in the same run
over the same rows of the same (encrypted) database: a raw SELECT of the current
follow-ups' own columns (no joins), and a raw ``count(*)`` of them.  Aim: ≤ 100 ms.
Wall-clock and CPU time are both printed: on a shared machine the wall clock mostly
measures the wait for a core.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bench.capture_latency import demo_arguments, demo_laptop, line, timed
from hubdesk.services import follow_ups
from hubdesk.store import repositories as repo

RAW_ROWS = ("SELECT record_id, version, due_date, method, attempts, result, done, outcome_id, "
            "visit_id FROM follow_ups WHERE is_current = 1 AND done = :done AND deleted = 0 "
            "ORDER BY due_date LIMIT 500")
RAW_COUNT = "SELECT count(*) FROM follow_ups WHERE is_current = 1 AND deleted = 0"


def cpu_timed(runs: int, work: Callable[[], object]) -> list[float]:
    """As ``capture_latency.timed``, in this process's CPU milliseconds."""
    out = []
    for _ in range(runs):
        started = time.process_time()
        work()
        out.append((time.process_time() - started) * 1000)
    return out


def main() -> int:
    args = demo_arguments(runs=50)
    paths, opened = demo_laptop(args.data_dir, args.visits)
    store, actor = opened.store, opened.actor
    with store.unit_of_work() as db:
        visits = repo.count_current_visits(db)
        total = db.scalar(text(RAW_COUNT))
        to_do = len(follow_ups.list_follow_ups(db, actor).rows)
        done = len(follow_ups.list_follow_ups(db, actor, done=True).rows)
        due = follow_ups.count_due(db)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"database: {visits:,} visits, {total:,} follow-ups ({to_do} to do listed, "
          f"{done} done listed, {due} due), {paths.database.stat().st_size / 1e6:.0f} MB")

    def listing(done: bool) -> object:
        with store.unit_of_work() as db:
            return follow_ups.list_follow_ups(db, actor, done=done)

    def raw_rows(done: bool) -> object:
        with store.unit_of_work() as db:
            return db.execute(text(RAW_ROWS), {"done": done}).all()

    def raw_count() -> object:
        with store.unit_of_work() as db:
            return db.scalar(text(RAW_COUNT))

    def due_count() -> object:
        with store.unit_of_work() as db:
            return follow_ups.count_due(db)

    listing(False)  # warm caches
    for clock, measure in (("wall", timed), ("CPU", cpu_timed)):
        print(f"-- {clock} time")
        baseline_to_do = measure(args.runs, lambda: raw_rows(False))
        line("follow-up list, to do (oldest 500)", measure(args.runs, lambda: listing(False)),
             baseline_to_do)
        line("  baseline: raw SELECT of the same rows", baseline_to_do)
        baseline_done = measure(args.runs, lambda: raw_rows(True))
        line("follow-up list, done (latest 500)", measure(args.runs, lambda: listing(True)),
             baseline_done)
        line("  baseline: raw SELECT of the same rows", baseline_done)
        baseline_count = measure(args.runs, raw_count)
        line("follow-ups due (status bar count)", measure(args.runs, due_count), baseline_count)
        line("  baseline: raw count(*) of current follow-ups", baseline_count)
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
