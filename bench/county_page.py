"""The council's county page at scale (issue 12): 1,000,000 visits across 100 hubs on
PostgreSQL, the page's time beside the report's own time in the same run.

    .venv/bin/python bench/county_page.py [--visits 1000000] [--hubs 100]

The rows are made as in ``bench/report.py``. The page is fetched over HTTP from the
real server (uvicorn on 127.0.0.1) by a signed-in county user, for the whole year
(every hub, by hub and by district, the chart and every table); the report alone is
``county_report`` for the same year. The ratio is the page's cost over the report's.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report import YEAR_FIRST, YEAR_LAST, _server_rows, load, timed  # noqa: E402

PASSWORD = "passphrase for timing runs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--hubs", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    import httpx
    from sqlalchemy import text

    from hubdesk.server import admin
    from hubdesk.server.bootstrap import open_database
    from hubdesk.server.council_users import create_user
    from hubdesk.server.db import write_tx
    from hubdesk.server.report_refresh import refresh_report_tables
    from hubdesk.server.reports import ReportRequest, county_report
    from hubdesk.server.testing import PostgresUnavailable, postgres_cluster, serve_engine

    try:
        cluster_context = postgres_cluster()
        cluster = cluster_context.__enter__()
    except PostgresUnavailable as error:
        print(f"county page: skipped ({error})")
        return 0
    try:
        engine = open_database(cluster.create_database("hubdesk_bench_county"))
        for n in range(args.hubs):
            admin.create_hub(engine, f"Hub {n:03d}", f"District {n % 10}")
        admin.import_directory(engine, ROOT / "resources" / "services_sample.json")
        started = time.perf_counter()
        with write_tx(engine) as conn:
            refresh_report_tables(conn)
            _server_rows(conn, args.visits, text)
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        print(f"county page: generated {args.visits:,} visits across {args.hubs} hubs in "
              f"{time.perf_counter() - started:.1f} s (PostgreSQL)")
        create_user(engine, "county.bench", PASSWORD, hubs=[], districts=[], county=True)
        query = f"/?period=custom&from={YEAR_FIRST}&to={YEAR_LAST}&area=all"
        with serve_engine(engine) as url, httpx.Client(base_url=url, timeout=300) as client:
            form = client.get("/login").text
            token = re.search(r'name="form_token" value="([^"]+)"', form)
            assert token is not None
            client.post("/login", data={"form_token": token[1], "username": "county.bench",
                                        "password": PASSWORD})

            def page() -> str:
                answer = client.get(query)
                assert answer.status_code == 200, answer.status_code
                return answer.text

            report_s, _, report = timed(lambda: county_report(
                engine, ReportRequest(YEAR_FIRST, YEAR_LAST)), args.runs)
            page_s, _, html = timed(page, args.runs)
        assert f'data-figure="visits">{report["visits"]:,}<' in html
        print(f"county page: whole year, every hub: page {page_s:.2f} s wall, report alone "
              f"{report_s:.2f} s wall (page/report x{page_s / report_s:.2f}); aim <= 3 s; "
              f"{len(html) // 1024} KB of HTML; {load()}")
        engine.dispose()
    finally:
        cluster_context.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
