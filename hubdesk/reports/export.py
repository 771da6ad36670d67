"""Exports of the §8 report from this laptop (CSV, XLSX; PDF through a Qt writer).

An export leaves the hub, so counts from 1 to 4 are shown as "<5" unless the
coordinator asks for exact figures for the hub's own use. Every export writes an
audit event (what and when, never personal data) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hubdesk.core.errors import UserFacingError
from hubdesk.reports.figures import suppress_small_numbers
from hubdesk.reports.figures.writers import ReportHeading, write_csv, write_xlsx
from hubdesk.reports.laptop import LaptopReport, laptop_report
from hubdesk.services.common import Actor, audit

REPORT_FORMATS = ("csv", "xlsx", "pdf")
PdfWriter = Callable[[dict[str, Any], ReportHeading, Path], None]


@dataclass(frozen=True)
class ReportExport:
    path: Path
    fmt: str
    report: LaptopReport


def heading_for(report: LaptopReport, small_numbers_hidden: bool) -> ReportHeading:
    return ReportHeading(title="Hub impact report", area=report.venue_name or report.hub_name
                         or "This hub", first=report.first, last=report.last, zone=report.zone,
                         small_numbers_hidden=small_numbers_hidden)


def check_target(out: str | Path, fmt: str) -> Path:
    """The file to write, or a plain message saying why it cannot be."""
    if fmt not in REPORT_FORMATS:
        raise UserFacingError(f"HubDesk cannot write {fmt!r} files.",
                              hint="Choose CSV, XLSX or PDF.")
    target = Path(out)
    if not target.parent.exists():
        raise UserFacingError(f"The folder {target.parent} does not exist.")
    if target.is_dir():
        raise UserFacingError(f"{target} is a folder: give a file name.")
    return target


def export_report(db: Session, actor: Actor, first: date, last: date, fmt: str, out: str | Path,
                  *, venue_id: str | None = None, exact: bool = False,
                  pdf_writer: PdfWriter | None = None) -> ReportExport:
    """Write the report for ``first``..``last`` as ``fmt`` (coordinators only)."""
    target = check_target(out, fmt)
    report = laptop_report(db, actor, first, last, venue_id)
    figures = report.figures if exact else suppress_small_numbers(report.figures)
    heading = heading_for(report, not exact)
    try:
        if fmt == "csv":
            write_csv(figures, heading, target)
        elif fmt == "xlsx":
            write_xlsx(figures, heading, target)
        else:
            if pdf_writer is None:
                raise UserFacingError("PDF reports are drawn by the app; this command cannot.")
            pdf_writer(figures, heading, target)
    except OSError as error:
        raise UserFacingError(f"Could not write {target}: {error.strerror or error}") from error
    audit(db, actor, "export", "report", "",
          f"report {first}..{last}, {fmt}{', exact' if exact else ''}")
    return ReportExport(target, fmt, report)
