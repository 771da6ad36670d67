"""What BEGIN IMMEDIATE costs a save and a read (issue 7: real transactions).

    .venv/bin/python bench/write_begin.py [--runs 300]

Saves the standard visit and reads today's list ``--runs`` times each on two copies
of one migrated database: through the app's store (write units BEGIN IMMEDIATE) and
through the same store with pysqlite's legacy deferred begin put back (the
baseline, measured in the same run, interleaved so load on the machine hits both
alike).  Prints median and p95 of each and the ratio to the baseline's median.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from hubdesk.core.paths import AppPaths
from hubdesk.services import directory, sessions, setup, visits, volunteers
from hubdesk.services.visits import SignpostAnswer, TopicAnswer, VisitForm
from hubdesk.store import engine as store_engine
from hubdesk.store.engine import Store, make_engine

PIN = "246810"


def legacy_store(database: Path) -> Store:
    """The store as it was: pysqlite's own BEGIN, issued only before the first write."""
    engine = make_engine(database)
    event.remove(engine, "begin", store_engine._begin)

    def deferred(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = ""  # pysqlite's default: legacy control

    event.listen(engine, "connect", deferred)
    return Store(engine)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    runs = parser.parse_args().runs
    folder = Path(tempfile.mkdtemp(prefix="hubdesk-bench-begin-"))
    paths = AppPaths(folder / "immediate").ensure()
    store = Store.open(paths.database)
    with store.unit_of_work() as db:
        setup.first_run_setup(db, setup.SetupForm(
            hub_name="Bench Hub", district="Stevenage", venue_name="Hall",
            coordinator_name="Pat", pin=PIN))
    with store.unit_of_work() as db:
        actor = volunteers.unlock(db, "Pat", PIN)
        session_id = sessions.open_session(db, actor, sessions.list_venues(db)[0].id,
                                           "lunch_club").primary_id
        mind = directory.search_directory(db, "mind")[0].id
    store.close()
    legacy_path = folder / "legacy.sqlite3"
    shutil.copy(paths.database, legacy_path)
    stores = {"BEGIN IMMEDIATE (app)": Store.open(paths.database),
              "deferred (baseline)": legacy_store(legacy_path)}
    form = VisitForm(contact_mode="walk_in", age_band="65_74", sex="female",
                     topics=[TopicAnswer("mental_wellbeing", "advise", "brief"),
                             TopicAnswer("loneliness")],
                     signposts=[SignpostAnswer(mind, "signpost", "mental_wellbeing")])
    saves: dict[str, list[float]] = {name: [] for name in stores}
    reads: dict[str, list[float]] = {name: [] for name in stores}
    for _ in range(runs):
        for name, store in stores.items():
            started = time.perf_counter()
            with store.unit_of_work() as db:
                visits.record_visit(db, actor, session_id, form)
            saves[name].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            with store.unit_of_work() as db:
                visits.list_visits(db)
            reads[name].append((time.perf_counter() - started) * 1000)
    for label, figures in (("save a visit", saves), ("read today's list", reads)):
        baseline = statistics.median(figures["deferred (baseline)"])
        for name, samples in figures.items():
            median = statistics.median(samples)
            print(f"{label:<18} {name:<22} median {median:6.2f} ms  "
                  f"p95 {percentile(samples, 0.95):6.2f} ms  x{median / baseline:.2f}")
    for store in stores.values():
        store.close()
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
