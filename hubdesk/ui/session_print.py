"""A session's summary on paper: printed, or saved as a PDF (Qt printing, no extra
dependency).  The same rows as the screen (``session_dialogs.summary_figures``)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter

from hubdesk.core.days import day_words
from hubdesk.services.sessions import SessionSummary
from hubdesk.ui.session_dialogs import summary_figures

PRINT_POINT_SIZE = 12.0  # readable on A4 by the volunteers who print it


def summary_html(summary: SessionSummary, hub_name: str = "") -> str:
    """The summary as a simple HTML page (headings and a two-column table)."""
    info = summary.session
    title = escape(f"{info.title} · {day_words(info.session_date, year=True)}")
    status = "open" if info.status == "open" else "closed"
    rows = "".join(
        f"<tr><th align='left' valign='top' width='45%'>{escape(label)}</th>"
        f"<td valign='top'>{escape(value).replace(chr(10), '<br>')}</td></tr>"
        for _key, label, value in summary_figures(summary))
    hub = f"<p>{escape(hub_name)}</p>" if hub_name else ""
    return (f"<h1>Session summary</h1>{hub}<h2>{title}</h2>"
            f"<p>This session is {status}. No personal details are included.</p>"
            f"<table cellspacing='0' cellpadding='6' border='1' width='100%'>{rows}</table>")


def summary_document(summary: SessionSummary) -> QTextDocument:
    document = QTextDocument()
    font = document.defaultFont()
    font.setPointSizeF(PRINT_POINT_SIZE)
    document.setDefaultFont(font)
    document.setHtml(summary_html(summary))
    return document


def print_summary(summary: SessionSummary, printer: QPrinter) -> None:
    """Print on ``printer`` (a real printer, or one set to PDF output)."""
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                      QPageLayout.Orientation.Portrait,
                                      printer.pageLayout().margins()))
    summary_document(summary).print_(printer)


def write_summary_pdf(summary: SessionSummary, path: Path) -> Path:
    """Save the summary as a PDF at ``path``."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    print_summary(summary, printer)
    return path
