"""Save-a-visit latency, today's-list filter and directory search with 100k visits.

    .venv/bin/python bench/capture_latency.py [--visits 100000] [--data-dir DIR] [--runs 200]

Prints median and p95 for each, and the ratio to a baseline measured in the
same run on the same database file: a raw sqlite3 INSERT + COMMIT of one row
(synchronous=FULL, WAL) for saves, and a raw SELECT of the same day's rows for
the list.  Aim (issue 2): save p95 <= 20 ms, filter/search <= 100 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hubdesk.core.clock import local_offset_minutes, local_today
from hubdesk.core.paths import AppPaths
from hubdesk.services import directory, laptop, sessions, visits
from hubdesk.services.setup import service_from_dict
from hubdesk.services.visits import SignpostAnswer, TopicAnswer, VisitForm
from hubdesk.store import repositories as repo

PIN = "123456"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(runs: int, work: Callable[[], object]) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        out.append((time.perf_counter() - started) * 1000)
    return out


def line(name: str, samples: list[float], baseline: list[float] | None = None) -> None:
    median, p95 = statistics.median(samples), percentile(samples, 0.95)
    ratio = ""
    if baseline:
        ratio = f"   x{median / statistics.median(baseline):.1f} of baseline median"
    print(f"{name:<44} median {median:7.2f} ms   p95 {p95:7.2f} ms{ratio}")


def standard_visit(service_id: str) -> VisitForm:
    """The benchmarks' visit: 2 MECC topics and 1 signpost (to ``service_id``)."""
    return VisitForm(contact_mode="walk_in", age_band="65_74", sex="female", first_visit=True,
                     topics=[TopicAnswer("mental_wellbeing", "advise", "brief", "thinking", "signposted"),
                             TopicAnswer("loneliness", "assist", "brief", "made_plan", "warm_handover")],
                     signposts=[SignpostAnswer(service_id, "signpost", "mental_wellbeing")])


def demo_laptop(data_dir: str | None, visits: int) -> tuple[AppPaths, laptop.Unlocked]:
    """A data folder with ``visits`` demo visits (made unless it has a database), unlocked
    as the app does it (the encrypted store)."""
    folder = Path(data_dir or tempfile.mkdtemp(prefix="hubdesk-bench-"))
    paths = AppPaths(folder).ensure()
    if not paths.database.exists():
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "hubdesk", "--data-dir", str(folder), "demo",
                        "--visits", str(visits), "--seed", "11"],
                       env={**os.environ, "HUBDESK_PIN": PIN}, check=True, stdout=subprocess.DEVNULL)
        print(f"demo data: {visits:,} visits made in {time.perf_counter() - started:.1f} s")
    return paths, laptop.unlock_laptop(paths, "Coordinator", PIN)


def demo_arguments(runs: int) -> argparse.Namespace:
    """``--visits``, ``--data-dir`` and ``--runs`` (``runs`` by default) of a demo bench."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--data-dir", help="reuse a folder already filled with demo data")
    parser.add_argument("--runs", type=int, default=runs)
    return parser.parse_args()


def main() -> int:
    args = demo_arguments(runs=200)
    paths, opened = demo_laptop(args.data_dir, args.visits)
    store, actor = opened.store, opened.actor
    with store.unit_of_work() as db:
        total = repo.count_current_visits(db)
        open_now = sessions.open_session_list(db)
        if open_now:
            session_id = open_now[0].id
        else:
            session_id = sessions.open_session(db, actor, sessions.list_venues(db)[0].id,
                                               "drop_in").primary_id
        mind = directory.search_directory(db, "mind")[0].id
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"database: {total:,} visits, {paths.database.stat().st_size / 1e6:.0f} MB")

    form = standard_visit(mind)

    def save() -> None:
        with store.unit_of_work() as db:
            visits.record_visit(db, actor, session_id, VisitForm.from_dict(form.to_dict()))

    raw = sqlite3.connect(paths.database, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("CREATE TABLE IF NOT EXISTS bench_baseline (id INTEGER PRIMARY KEY, body TEXT)")

    def raw_insert() -> None:
        raw.execute("BEGIN")
        raw.execute("INSERT INTO bench_baseline (body) VALUES (?)", ("x" * 400,))
        raw.execute("COMMIT")

    save()  # warm caches
    baseline_insert = timed(args.runs, raw_insert)
    save_samples = timed(args.runs, save)
    line("save a visit (2 topics, 1 signpost)", save_samples, baseline_insert)
    line("  baseline: raw INSERT + COMMIT", baseline_insert)

    today = local_today()
    start, end = repo.day_bounds(today, local_offset_minutes())

    def raw_today() -> None:
        raw.execute("SELECT * FROM visits WHERE is_current = 1 AND visited_at >= ? AND visited_at < ? "
                    "ORDER BY visited_at DESC LIMIT 500", (start.isoformat(sep=" "), end.isoformat(sep=" "))
                    ).fetchall()

    def listing(**kwargs: object) -> Callable[[], object]:
        def work() -> object:
            with store.unit_of_work() as db:
                return visits.list_visits(db, **kwargs)  # type: ignore[arg-type]
        return work

    with store.unit_of_work() as db:
        shown = len(visits.list_visits(db))
    print(f"today's list: {shown} visits today")
    baseline_list = timed(50, raw_today)
    line("today's list, no filter", timed(50, listing()), baseline_list)
    line("today's list, text filter 'sg1'", timed(50, listing(text="sg1")), baseline_list)
    line("today's list, topic filter", timed(50, listing(topic="money")), baseline_list)
    line("  baseline: raw SELECT of today's rows", baseline_list)

    def search(text: str, category: str | None = None) -> Callable[[], object]:
        def work() -> object:
            with store.unit_of_work() as db:
                return directory.search_directory(db, text, category)
        return work

    line("directory search 'talking' (sample directory)", timed(50, search("talking")))
    line("directory search 'men' + category", timed(50, search("men", "social")))
    # a county-sized directory: 10,000 services
    with store.unit_of_work() as db:
        if repo.count_services(db) < 10_000:
            for number in range(10_000):
                db.add(service_from_dict({
                    "id": f"bench-{number:05d}", "name": f"Community service {number}",
                    "organisation": f"Organisation {number % 300}",
                    "categories": ["social", "money", "food"][number % 3: number % 3 + 1],
                    "description": "Drop-in support, advice and friendly groups for local residents.",
                    "area": "Hertfordshire", "is_sample": True}))
    line("directory search 'friendly advice' (10k services)", timed(50, search("friendly advice")))
    line("directory search 'organisation 17' (10k services)", timed(50, search("organisation 17")))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
