"""The §8 report at scale: 100k visits on a laptop, 1,000,000 across 100 hubs on the server.

    .venv/bin/python bench/report.py [--laptop-visits 100000] [--server-visits 1000000]
                                     [--hubs 100] [--skip-server] [--skip-laptop] [--skip-rows]

Rows are generated in bulk by SQL (a recursive CTE on the laptop's encrypted
SQLite store, ``generate_series`` on PostgreSQL), shaped like the demo: 25 visits
a session, 1.5 conversations and 0.4 signposts a visit, activities, volunteer
shifts, follow-ups. Each report is timed beside a bare ``SELECT count(*)`` over the
same visits (same period) in the same run; the ratio is the figure to watch.
The server's report includes bringing its report tables up to date (nothing new
here) and reads the daily roll-up, built here by the refresh's own code over every
day at once; the same report from the rows (no roll-up) is timed once beside it and
must give the same JSON. ``refresh`` times reading 20,000 freshly received record
versions into the report tables and their days into the roll-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

YEAR_FIRST, YEAR_LAST = date(2026, 1, 1), date(2026, 12, 31)
SPAN_SECONDS = 365 * 86400
RUNS = 5

# the shapes (weights by modulo, so runs are repeatable)
CONTACT = "CASE i % 7 WHEN 0 THEN 'referred_in' WHEN 1 THEN 'returning' WHEN 2 THEN 'pre_booked' " \
          "WHEN 3 THEN 'approached' ELSE 'walk_in' END"
SOURCE = "CASE WHEN i % 7 = 0 THEN (CASE i % 3 WHEN 0 THEN 'gp' WHEN 1 THEN 'council' " \
         "ELSE 'social_prescriber' END) WHEN i % 7 >= 4 THEN 'self' ELSE NULL END"
AGE = "CASE i % 10 WHEN 0 THEN '16_24' WHEN 1 THEN '25_34' WHEN 2 THEN '35_49' WHEN 3 THEN " \
      "'50_64' WHEN 4 THEN '50_64' WHEN 5 THEN '65_74' WHEN 6 THEN '75_84' WHEN 7 THEN " \
      "'85_plus' WHEN 8 THEN 'not_asked' ELSE '0_15' END"
SEX = "CASE i % 20 WHEN 0 THEN 'not_asked' WHEN 1 THEN 'prefer_not' ELSE " \
      "(CASE WHEN i % 20 < 12 THEN 'female' ELSE 'male' END) END"
TOPIC = "CASE (i + k) % 6 WHEN 0 THEN 'mental_wellbeing' WHEN 1 THEN 'money' WHEN 2 THEN " \
        "'loneliness' WHEN 3 THEN 'physical_activity' WHEN 4 THEN 'food' ELSE 'fuel' END"
STEP = "CASE (i + k) % 4 WHEN 0 THEN 'ask' WHEN 1 THEN 'assess' WHEN 2 THEN 'advise' ELSE 'assist' END"
KIND = "CASE i % 4 WHEN 0 THEN 'information' WHEN 1 THEN 'signpost' WHEN 2 THEN 'warm_handover' " \
       "ELSE 'referral' END"
SESSION_TYPE = "CASE j % 7 WHEN 0 THEN 'lunch_club' WHEN 1 THEN 'drop_in' WHEN 2 THEN 'pop_up' " \
               "WHEN 3 THEN 'warm_space' WHEN 4 THEN 'foodbank' WHEN 5 THEN 'outreach' " \
               "ELSE 'group_activity' END"


def timed(work: Callable[[], Any], runs: int = RUNS,
          cpu: Callable[[], float] = time.process_time) -> tuple[float, float, Any]:
    """Median wall seconds and median CPU seconds of ``runs`` runs (after one warm-up),
    and the last result. CPU time is the figure to trust on a shared, busy machine:
    wall time there mostly measures the other work."""
    result = work()
    walls, cpus = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), cpu()
        result = work()
        walls.append(time.perf_counter() - started)
        cpus.append(cpu() - used)
    return statistics.median(walls), statistics.median(cpus), result


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def postgres_cpu(postmaster: int) -> Callable[[], float]:
    """CPU seconds used by a PostgreSQL cluster: its live processes (backends) plus its
    reaped children (parallel workers), read from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")

    def fields(pid: int) -> list[str]:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()

    def used() -> float:
        main = fields(postmaster)
        total = int(main[13]) + int(main[14])  # cutime, cstime: children already reaped
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = fields(int(entry))
                except OSError:
                    continue
                if int(stat[1]) == postmaster:  # ppid
                    total += int(stat[11]) + int(stat[12])  # utime, stime
        return total / tick

    return used


# --- laptop -------------------------------------------------------------------------


def laptop(visits: int) -> None:
    from sqlalchemy import func, select, text, true

    from hubdesk.core.days import DEFAULT_TIME_ZONE, day_bounds_utc
    from hubdesk.reports.figures import Period, compute_reports
    from hubdesk.reports.laptop_rollup import rollup_figures
    from hubdesk.reports.laptop_sources import laptop_sources
    from hubdesk.services.setup import load_sample_directory
    from hubdesk.store.engine import Store
    from hubdesk.store.models import Visit

    with tempfile.TemporaryDirectory(prefix="hubdesk-bench-report-") as folder:
        store = Store.open(Path(folder) / "hubdesk.sqlite3")
        started = time.perf_counter()
        with store.unit_of_work() as db:
            load_sample_directory(db)
            _laptop_rows(db, visits, text)
        print(f"laptop: generated {visits:,} visits and their records in "
              f"{time.perf_counter() - started:.1f} s")
        period = Period(YEAR_FIRST, YEAR_LAST, DEFAULT_TIME_ZONE)
        start, end = day_bounds_utc(YEAR_FIRST, YEAR_LAST)

        def report() -> dict[str, Any]:
            with store.unit_of_work() as db:
                return rollup_figures(db, period, None)

        def from_rows() -> dict[str, Any]:
            with store.unit_of_work() as db:
                return compute_reports(db, laptop_sources(), period)["all"]

        started, used = time.perf_counter(), time.process_time()
        report()  # the first report builds the roll-up (every day is new)
        print(f"laptop: first report, building the daily roll-up: "
              f"{time.perf_counter() - started:.1f} s wall / {time.process_time() - used:.1f} s CPU")

        def count() -> int:
            with store.unit_of_work() as db:
                return int(db.scalar(select(func.count()).select_from(Visit).where(
                    Visit.is_current == true(), Visit.visited_at >= start,
                    Visit.visited_at < end)) or 0)

        report_s, report_cpu, figures = timed(report)
        count_s, count_cpu, counted = timed(count)
        assert figures["visits"] == counted == visits, (figures["visits"], counted)
        print(f"laptop: report {report_s * 1000:.0f} ms wall / {report_cpu * 1000:.0f} ms CPU, "
              f"bare count(*) {count_s * 1000:.1f} ms wall / {count_cpu * 1000:.1f} ms CPU "
              f"(x{report_cpu / max(count_cpu, 1e-3):.0f} in CPU); visits {figures['visits']:,}, "
              f"people helped {figures['people_helped']:,}, repeat visitors "
              f"{figures['repeat_visitors']:,}; {load()}")
        columns = ("version, base_version, is_current, deleted, device_id, created_by, "
                   "created_at, utc_offset_min, device_seq, content_hash, origin, session_id, "
                   "visited_at, contact_mode, referral_source, age_band, sex, postcode_district, "
                   "first_visit, visitor_code, topics, safeguarding, note, person_id")
        with store.unit_of_work() as db:  # a visit saved since: its day is recomputed
            db.execute(text(f"INSERT INTO visits (record_id, {columns}) SELECT 'v-new', "
                            f"{columns} FROM visits WHERE record_id = printf('v-%034d', 0)"))
        started, used = time.perf_counter(), time.process_time()
        again = report()
        print(f"laptop: report after one more visit (its day recomputed first) "
              f"{(time.perf_counter() - started) * 1000:.0f} ms wall / "
              f"{(time.process_time() - used) * 1000:.0f} ms CPU; visits {again['visits']:,}")
        rows_s, rows_cpu, by_rows = timed(from_rows, 1)
        assert by_rows == again, "the roll-up and the row path disagree"
        print(f"laptop: the same report from the rows (no roll-up) {rows_s * 1000:.0f} ms wall / "
              f"{rows_cpu * 1000:.0f} ms CPU; same figures")
        store.close()


def _laptop_rows(db: Any, visits: int, text: Callable[[str], Any]) -> None:
    sessions = max(1, visits // 25)
    start = f"datetime('2026-01-01', '+' || (j * {SPAN_SECONDS} / {sessions}) || ' seconds')"
    common = "1, NULL, 1, 0, 'bench-device', printf('vol-%02d', i % 12), '2026-01-01 00:00:00.000000', 0, " \
             "NULL, NULL, 'local'"
    db.execute(text(f"""
        WITH RECURSIVE n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j < {sessions - 1})
        INSERT INTO sessions (record_id, version, base_version, is_current, deleted, device_id,
            created_by, created_at, utc_offset_min, device_seq, content_hash, origin, hub_id,
            venue_id, session_type, session_date, started_at, ended_at, volunteers_present,
            headcount, activities, warm_space, status, volunteer_shifts)
        SELECT printf('s-%034d', j), {common.replace('i % 12', 'j % 12')}, 'hub',
            printf('venue-%d', j % 6), {SESSION_TYPE}, date({start}), {start} || '.000000', NULL,
            '[]', j % 15, json_array(json_object('name', 'Tea', 'attendance', 5 + j % 10,
                                                 'attendance_under_18', j % 4)), j % 7 = 3, 'closed',
            json_array(json_object('volunteer_id', printf('vol-%02d', j % 12),
                'signed_in_at', strftime('%Y-%m-%dT%H:%M:%S', {start}),
                'signed_out_at', strftime('%Y-%m-%dT%H:%M:%S', {start}, '+210 minutes')))
        FROM n"""))
    db.execute(text(f"""
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {visits - 1})
        INSERT INTO visits (record_id, version, base_version, is_current, deleted, device_id,
            created_by, created_at, utc_offset_min, device_seq, content_hash, origin, session_id,
            visited_at, contact_mode, referral_source, age_band, sex, postcode_district,
            first_visit, visitor_code, topics, safeguarding, note, person_id)
        SELECT printf('v-%034d', i), {common}, printf('s-%034d', i / 25),
            datetime('2026-01-01', '+' || (i * ({SPAN_SECONDS} - 600) / {visits} + i % 600) || ' seconds')
                || '.000000',  -- stored as SQLAlchemy writes datetimes
            {CONTACT}, {SOURCE}, {AGE}, {SEX}, NULL, i % 3 = 0,
            CASE WHEN i % 3 = 1 THEN printf('SG-%05d', i % {max(10, visits // 6)}) END,
            CASE i % 2 WHEN 0 THEN json_array({TOPIC.replace('k', '0')})
                 ELSE json_array({TOPIC.replace('k', '0')}, {TOPIC.replace('k', '1')}) END,
            i % 200 = 0, '', NULL
        FROM n"""))
    db.execute(text(f"""
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {visits - 1}),
             k(k) AS (VALUES (0), (1))
        INSERT INTO conversations (record_id, version, base_version, is_current, deleted,
            device_id, created_by, created_at, utc_offset_min, device_seq, content_hash, origin,
            visit_id, topic, furthest_step, intervention_level, response, action)
        SELECT printf('c-%033d-%d', i, k), {common}, printf('v-%034d', i), {TOPIC}, {STEP},
            'brief', 'thinking', 'signposted'
        FROM n, k WHERE k = 0 OR i % 2 = 1"""))
    services = [row[0] for row in db.execute(text("SELECT id FROM services ORDER BY id"))]
    db.execute(text("CREATE TEMP TABLE bench_services (n INTEGER PRIMARY KEY, id TEXT)"))
    db.execute(text("INSERT INTO bench_services VALUES (:n, :id)"),
               [{"n": n, "id": sid} for n, sid in enumerate(services)])
    db.execute(text(f"""
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {visits - 1})
        INSERT INTO outcomes (record_id, version, base_version, is_current, deleted, device_id,
            created_by, created_at, utc_offset_min, device_seq, content_hash, origin, visit_id,
            conversation_id, service_id, kind, agreement_recorded, status)
        SELECT printf('o-%034d', i), {common}, printf('v-%034d', i), NULL,
            (SELECT id FROM bench_services WHERE n = i % {len(services)}), {KIND}, 0,
            CASE i % 3 WHEN 0 THEN 'offered' WHEN 1 THEN 'engaged' ELSE 'sent' END
        FROM n WHERE i % 5 < 2"""))
    db.execute(text(f"""
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {visits - 1})
        INSERT INTO follow_ups (record_id, version, base_version, is_current, deleted, device_id,
            created_by, created_at, utc_offset_min, device_seq, content_hash, origin, outcome_id,
            visit_id, due_date, method, assigned_to, result, attempts, done)
        SELECT printf('f-%034d', i), {common}, NULL, printf('v-%034d', i),
            date(datetime('2026-01-15', '+' || (i * {SPAN_SECONDS} / {visits}) || ' seconds')),
            'phone', NULL, NULL, 1, i % 20 < 15
        FROM n WHERE i % 10 = 0"""))


# --- server -------------------------------------------------------------------------


def server(visits: int, hubs: int, rows_too: bool = True) -> None:
    from sqlalchemy import text

    from hubdesk.server import admin
    from hubdesk.server.bootstrap import open_database
    from hubdesk.server.db import write_tx
    from hubdesk.server.report_refresh import refresh_report_tables
    from hubdesk.server.report_rollup import rebuild_rollup
    from hubdesk.server.reports import ReportRequest, county_report
    from hubdesk.server.testing import PostgresUnavailable, postgres_cluster

    try:
        cluster_context = postgres_cluster()
        cluster = cluster_context.__enter__()
    except PostgresUnavailable as error:
        print(f"server: skipped ({error})")
        return
    try:
        engine = open_database(cluster.create_database("hubdesk_bench_report"))
        for n in range(hubs):
            admin.create_hub(engine, f"Hub {n:03d}", f"District {n % 10}")
        sample = ROOT / "resources" / "services_sample.json"
        admin.import_directory(engine, sample)
        started = time.perf_counter()
        with write_tx(engine) as conn:
            refresh_report_tables(conn)  # the directory
            _server_rows(conn, visits, text)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        with write_tx(engine) as conn:  # the refresh's own code, over every day at once
            rebuild_rollup(conn)
        built = time.perf_counter() - started
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
            rollup_rows, monthly_rows = (conn.execute(text(f"SELECT count(*) FROM {table}"))
                                         .scalar() for table in ("report_daily_counts",
                                                                 "report_monthly_counts"))
        print(f"server: generated {visits:,} visits across {hubs} hubs in {generated:.1f} s "
              f"(PostgreSQL); daily and monthly roll-up built in {built:.1f} s: "
              f"{rollup_rows:,} daily and {monthly_rows:,} monthly count rows")
        request = ReportRequest(YEAR_FIRST, YEAR_LAST)

        def count() -> int:
            with engine.connect() as conn:
                return int(conn.execute(text(
                    "SELECT count(*) FROM report_visits WHERE deleted = false AND "
                    "visited_at >= '2026-01-01' AND visited_at < '2027-01-01'")).scalar() or 0)

        cpu = _cluster_cpu(cluster.folder)
        report_s, report_cpu, report = timed(lambda: county_report(engine, request), 3, cpu)
        count_s, count_cpu, counted = timed(count, 3, cpu)
        assert report["visits"] == counted == visits, (report["visits"], counted)
        print(f"server: county report with by_hub ({len(report['by_hub'])}) and by_district "
              f"({len(report['by_district'])}) {report_s:.2f} s wall / {report_cpu:.2f} s "
              f"PostgreSQL CPU, bare count(*) {count_s * 1000:.0f} ms wall / "
              f"{count_cpu * 1000:.0f} ms CPU (x{report_cpu / max(count_cpu, 1e-2):.0f} in CPU); "
              f"{load()}")
        hub_s, hub_cpu, _ = timed(lambda: county_report(engine, ReportRequest(
            YEAR_FIRST, YEAR_LAST, hub="Hub 001")), 3, cpu)
        print(f"server: one hub's report {hub_s * 1000:.0f} ms wall / {hub_cpu * 1000:.0f} ms CPU")
        if rows_too:
            rows_s, rows_cpu, from_rows = timed(
                lambda: county_report(engine, request, rollup=False), 1, cpu)
            assert from_rows == report, "the roll-up and the row path disagree"
            print(f"server: the same county report from the rows (no roll-up) {rows_s:.2f} s "
                  f"wall / {rows_cpu:.2f} s PostgreSQL CPU; same JSON")
        refresh_s = _refresh_bench(engine, text)
        print(f"server: refresh of 20,000 new record versions {refresh_s:.2f} s "
              f"({20_000 / refresh_s:,.0f} versions/s)")
        engine.dispose()
    finally:
        cluster_context.__exit__(None, None, None)


def _server_rows(conn: Any, visits: int, text: Callable[[str], Any]) -> None:
    sessions = max(1, visits // 25)
    conn.execute(text(f"""
        INSERT INTO report_sessions (record_id, version, deleted, hub_id, venue_id, session_type,
                                     started_at, headcount)
        SELECT 's-' || j, 1, false,
               (SELECT id FROM hubs ORDER BY name OFFSET j % {_hubs(conn, text)} LIMIT 1),
               'venue-' || (j % 6), {SESSION_TYPE},
               timestamp '2026-01-01' + (j::bigint * {SPAN_SECONDS} / {sessions}) * interval '1 s',
               j % 15
        FROM generate_series(0, {sessions - 1}) AS j"""))
    conn.execute(text(f"""
        INSERT INTO report_session_activities (session_id, attendance, attendance_0_17)
        SELECT 's-' || j, 5 + j % 10, j % 4 FROM generate_series(0, {sessions - 1}) AS j"""))
    conn.execute(text(f"""
        INSERT INTO report_session_shifts (session_id, volunteer_id, minutes)
        SELECT 's-' || j, 'vol-' || (j % 1200), 210 FROM generate_series(0, {sessions - 1}) AS j"""))
    conn.execute(text(f"""
        INSERT INTO report_visits (record_id, version, deleted, hub_id, session_id, visited_at,
            contact_mode, referral_source, age_band, sex, first_visit, visitor_code,
            safeguarding, created_by)
        SELECT 'v-' || i, 1, false, s.hub_id, s.record_id,
               timestamp '2026-01-01'
                   + (i::bigint * ({SPAN_SECONDS} - 600) / {visits} + i % 600) * interval '1 s',
               {CONTACT}, {SOURCE}, {AGE}, {SEX}, i % 3 = 0,
               CASE WHEN i % 3 = 1 THEN 'SG-' || (i % {max(10, visits // 6)}) END,
               i % 200 = 0, 'vol-' || (i % 1200)
        FROM generate_series(0, {visits - 1}) AS i
        JOIN report_sessions s ON s.record_id = 's-' || (i / 25)"""))
    conn.execute(text(f"""
        INSERT INTO report_visit_topics (visit_id, topic)
        SELECT 'v-' || i, {TOPIC} FROM generate_series(0, {visits - 1}) AS i,
               generate_series(0, 1) AS k WHERE k = 0 OR i % 2 = 1"""))
    conn.execute(text(f"""
        INSERT INTO report_conversations (record_id, version, deleted, visit_id, topic,
                                          furthest_step, response, action)
        SELECT 'c-' || i || '-' || k, 1, false, 'v-' || i, {TOPIC}, {STEP}, 'thinking', 'signposted'
        FROM generate_series(0, {visits - 1}) AS i, generate_series(0, 1) AS k
        WHERE k = 0 OR i % 2 = 1"""))
    conn.execute(text(f"""
        INSERT INTO report_outcomes (record_id, version, deleted, visit_id, service_id, kind, status)
        SELECT 'o-' || i, 1, false, 'v-' || i,
               (SELECT id FROM report_services ORDER BY id OFFSET i % 30 LIMIT 1), {KIND},
               CASE i % 3 WHEN 0 THEN 'offered' WHEN 1 THEN 'engaged' ELSE 'sent' END
        FROM generate_series(0, {visits - 1}) AS i WHERE i % 5 < 2"""))
    conn.execute(text(f"""
        INSERT INTO report_follow_ups (record_id, version, deleted, visit_id, outcome_id,
                                       due_date, done)
        SELECT 'f-' || i, 1, false, 'v-' || i, NULL,
               date '2026-01-15' + (i * 365 / {visits}), i % 20 < 15
        FROM generate_series(0, {visits - 1}) AS i WHERE i % 10 = 0"""))


def _cluster_cpu(folder: Path) -> Callable[[], float]:
    pid = int((folder / "data" / "postmaster.pid").read_text().split()[0])
    return postgres_cpu(pid)


def _hubs(conn: Any, text: Callable[[str], Any]) -> int:
    return int(conn.execute(text("SELECT count(*) FROM hubs")).scalar())


def _refresh_bench(engine: Any, text: Callable[[str], Any]) -> float:
    """20,000 visit versions as the ingest stores them (canonical JSON), then one refresh."""
    import json

    from sqlalchemy import insert

    from hubdesk.server.db import write_tx
    from hubdesk.server.models import RECORDS
    from hubdesk.server.report_refresh import refresh_report_tables

    with engine.connect() as conn:
        hub = conn.execute(text("SELECT id FROM hubs LIMIT 1")).scalar()
    rows = []
    for n in range(20_000):
        payload = {"kind": "visit", "record_id": f"new-{n}", "version": 1, "created_by": "vol-1",
                   "fields": {"session_id": "s-1", "visited_at": "2026-06-01T10:00:00",
                              "contact_mode": "walk_in", "age_band": "50_64", "sex": "female",
                              "topics": ["money", "food"], "first_visit": True,
                              "safeguarding": False, "visitor_code": None}}
        rows.append({"kind": "visit", "record_id": f"new-{n}", "version": 1, "deleted": False,
                     "hub_id": hub, "device_id": "bench", "seq": n + 1, "content_hash": "0" * 64,
                     "payload": json.dumps(payload), "origin": "device", "erased": False,
                     "received_at": "2026-06-01T10:00:00"})
    with write_tx(engine) as conn:
        conn.execute(insert(RECORDS), rows)
    started = time.perf_counter()
    with write_tx(engine) as conn:
        refresh_report_tables(conn)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--laptop-visits", type=int, default=100_000)
    parser.add_argument("--server-visits", type=int, default=1_000_000)
    parser.add_argument("--hubs", type=int, default=100)
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--skip-laptop", action="store_true")
    parser.add_argument("--skip-rows", action="store_true",
                        help="do not time the server's row path (no roll-up) for comparison")
    args = parser.parse_args(argv)
    if not args.skip_laptop:
        laptop(args.laptop_visits)
    if not args.skip_server:
        server(args.server_visits, args.hubs, rows_too=not args.skip_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
