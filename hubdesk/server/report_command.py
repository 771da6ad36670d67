"""``hubdesk-server report``: the county report as JSON, CSV or XLSX (DESIGN §5)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from hubdesk.reports.figures.writers import ReportHeading, write_csv, write_xlsx
from hubdesk.server.errors import AdminError
from hubdesk.server.reports import ReportRequest, county_report, county_time_zone


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


def add_report_parser(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="impact figures for a period, per hub and district")
    report.add_argument("--from", dest="date_from", required=True, type=_day, metavar="D")
    report.add_argument("--to", dest="date_to", required=True, type=_day, metavar="D")
    where = report.add_mutually_exclusive_group()
    where.add_argument("--hub", help="one hub (id or name)")
    where.add_argument("--district", help="one district")
    report.add_argument("--format", default="json", choices=["json", "csv", "xlsx"])
    report.add_argument("--out", metavar="FILE", type=Path,
                        help="write to FILE (needed for xlsx; json and csv print otherwise)")
    report.add_argument("--exact", action="store_true",
                        help="show counts under 5 exactly (only for a hub's own coordinator)")


def run_report(engine: Engine, args: argparse.Namespace) -> int:
    if args.format == "xlsx" and args.out is None:
        raise AdminError("--format xlsx needs --out FILE")
    if args.out is not None and not args.out.parent.exists():
        raise AdminError(f"the folder {args.out.parent} does not exist")
    request = ReportRequest(args.date_from, args.date_to, hub=args.hub, district=args.district,
                            exact=args.exact)
    report = county_report(engine, request)
    area = (f"Hub: {args.hub}" if args.hub else f"District: {args.district}" if args.district
            else "All hubs")
    heading = ReportHeading("County impact report", area, args.date_from, args.date_to,
                            county_time_zone(engine), small_numbers_hidden=not args.exact)
    if args.format == "json":
        text = json.dumps(report, ensure_ascii=False)
        if args.out is None:
            print(text)
        else:
            args.out.write_text(text, encoding="utf-8")
    elif args.format == "csv":
        if args.out is not None:
            write_csv(report, heading, args.out)
        else:
            with tempfile.TemporaryDirectory() as folder:
                target = Path(folder) / "report.csv"
                write_csv(report, heading, target)
                sys.stdout.write(target.read_text(encoding="utf-8"))
    else:
        write_xlsx(report, heading, args.out)
    return 0
