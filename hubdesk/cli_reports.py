"""``hubdesk report``, ``export`` and ``export-visits`` (DESIGN §5), after unlocking.

Part of the composition root: the PDF is drawn by Qt (``ui/reports/pdf.py``), so
this module sets ``QT_QPA_PLATFORM=offscreen`` first: the command line never
opens a window and works on a machine with no display.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from hubdesk.services.common import Actor
from hubdesk.store.engine import Store


def run_report_command(store: Store, args: argparse.Namespace, actor: Actor) -> int:
    if args.command == "report":
        return _report(store, args, actor)
    if args.command == "export":
        return _export(store, args, actor)
    return _export_visits(store, args, actor)


def _report(store: Store, args: argparse.Namespace, actor: Actor) -> int:
    from hubdesk.reports.export import heading_for
    from hubdesk.reports.laptop import laptop_report
    from hubdesk.reports.text import report_text

    with store.unit_of_work() as db:
        report = laptop_report(db, actor, args.date_from, args.date_to)
    if args.json:
        print(json.dumps(report.figures, ensure_ascii=False))
    else:
        print(report_text(report.figures, heading_for(report, small_numbers_hidden=False)))
    return 0


def _export(store: Store, args: argparse.Namespace, actor: Actor) -> int:
    from hubdesk.reports.export import export_report

    pdf_writer = None
    if args.format == "pdf":
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from hubdesk.ui.reports.pdf import write_report_pdf

        pdf_writer = write_report_pdf
    with store.unit_of_work() as db:
        done = export_report(db, actor, args.date_from, args.date_to, args.format, args.out,
                             exact=args.exact, pdf_writer=pdf_writer)
    print(f"Saved the report for {args.date_from} to {args.date_to} as {done.path}")
    return 0


def _export_visits(store: Store, args: argparse.Namespace, actor: Actor) -> int:
    from hubdesk.reports.visit_rows import export_visits

    with store.unit_of_work() as db:
        written = export_visits(db, actor, args.date_from, args.date_to, args.out)
    if sys.stdout:
        print(f"Exported {written:,} visits to {args.out}")
    return 0
