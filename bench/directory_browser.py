"""The services directory screen at 100k visits and 10k services.

    .venv/bin/python bench/directory_browser.py [--visits 100000] [--data-dir DIR] [--runs 50]

Times what the screen does for one search (``directory.browse_directory`` on the
encrypted store, then filling the table model and reading the cells of the first
screenful) and prints median and p95 with the ratio to a baseline measured in the
same run on the same connection: a raw SELECT of the same columns with the same
LIKE filter and LIMIT (``directory.BROWSE_LIMIT``).  Aim (issue 10): ≤ 100 ms.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import text

from bench.capture_latency import demo_arguments, demo_laptop, line, timed
from hubdesk.services import directory
from hubdesk.services.setup import service_from_dict
from hubdesk.store import repositories as repo

SERVICES = 10_000
TIMES = ("Mon–Fri 9am–5pm", "Tue 10:00-12:00", "Mon-Fri 9-5, Sat 10-1", "Varies",
         "24 hours, every day", "Wed 2-4pm at the library", "")


def fill_directory(store: object) -> None:
    """A county-sized directory: 10,000 services in several areas, some paused or closed."""
    with store.unit_of_work() as db:  # type: ignore[attr-defined]
        if repo.count_services(db) >= SERVICES:
            return
        for number in range(SERVICES):
            db.add(service_from_dict({
                "id": f"bench-{number:05d}", "name": f"Community service {number}",
                "organisation": f"Organisation {number % 300}",
                "categories": ["social", "money", "food", "crisis"][number % 4: number % 4 + 1],
                "description": "Drop-in support, advice and friendly groups for local residents.",
                "area": ("Stevenage", "Hitchin", "Watford", "Hertfordshire")[number % 4],
                "opening_times": TIMES[number % len(TIMES)],
                "status": {8: "paused", 9: "closed"}.get(number % 10, "active"),
                "is_sample": True}))


def main() -> int:
    args = demo_arguments(runs=50)

    from PySide6.QtWidgets import QApplication

    from hubdesk.ui.directory_table import DirectoryTableModel, details_html

    app = QApplication.instance() or QApplication([])
    paths, opened = demo_laptop(args.data_dir, args.visits)
    store = opened.store
    fill_directory(store)
    with store.unit_of_work() as db:
        visits, services = repo.count_current_visits(db), repo.count_services(db)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"database: {visits:,} visits, {services:,} services, "
          f"{paths.database.stat().st_size / 1e6:.0f} MB (encrypted)")
    model = DirectoryTableModel()

    def screen(words: str = "", category: str | None = None, area: str | None = None,
               open_now_only: bool = False) -> Callable[[], object]:
        def work() -> object:
            with store.unit_of_work() as db:
                page = directory.browse_directory(db, words, category, area,
                                                  open_now_only=open_now_only)
            model.set_rows(page.rows)
            for row in range(min(25, model.rowCount())):  # the first screenful is drawn
                for column in range(model.columnCount()):
                    model.data(model.index(row, column))
            if page.rows:
                details_html(page.rows[0], [])
            return page
        return work

    def raw(like: str) -> Callable[[], object]:
        def work() -> object:
            with store.unit_of_work() as db:
                return db.execute(text(
                    "SELECT id, name, organisation, categories, status, opening_times, area, "
                    "last_verified FROM services WHERE search_text LIKE :like "
                    "ORDER BY name LIMIT :limit"),
                    {"like": like, "limit": directory.BROWSE_LIMIT}).all()
        return work

    screen()()  # warm caches
    baseline = timed(args.runs, raw("%"))
    baseline_words = timed(args.runs, raw("%friendly%"))
    line(f"open the screen: all 10k, first {directory.BROWSE_LIMIT} rows",
         timed(args.runs, screen()), baseline)
    line("type 'friendly advice'", timed(args.runs, screen("friendly advice")), baseline_words)
    line("type 'organisation 17'", timed(args.runs, screen("organisation 17")), baseline_words)
    line("category 'money' + area 'Watford'", timed(args.runs, screen("", "money", "Watford")),
         baseline)
    line("open now only (judges all 10k)", timed(args.runs, screen(open_now_only=True)),
         baseline)
    line(f"  baseline: raw SELECT, LIMIT {directory.BROWSE_LIMIT}", baseline)
    line(f"  baseline: raw SELECT '%friendly%', LIMIT {directory.BROWSE_LIMIT}", baseline_words)
    store.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
