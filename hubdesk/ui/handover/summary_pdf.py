"""The day's summary as a PDF (QTextDocument on a QPdfWriter: no extra dependency).

The figures are the day's session summaries (``services.sessions.session_summary``) and
volunteer hours from sign-in and sign-out; the receipt is the server's, in words.  No
resident's details appear: only counts.
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from hubdesk.core.vocab import vocabularies
from hubdesk.sync.handover import HandoverDay, SessionFigures

RESOLUTION = 150


def _hours(value: float) -> str:
    return f"{value:.1f}"


def _row(cells: list[str], header: bool = False) -> str:
    tag = "th" if header else "td"
    return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"


FIGURES = ("Visits", "First visits", "Headcount (no details given)", "People engaged",
           "Signposts", "Safeguarding concerns", "Activity attendance", "Volunteers",
           "Volunteer hours")


def session_figures(figures: SessionFigures) -> list[str]:
    """The column of one session, in the order of :data:`FIGURES`."""
    summary = figures.summary
    return [str(summary.visits), str(summary.first_visits), str(summary.session.headcount),
            str(summary.people_engaged), str(summary.signposts_total), str(summary.safeguarding),
            str(summary.activity_attendance), str(figures.volunteers),
            _hours(figures.volunteer_hours)]


def total_figures(day: HandoverDay) -> list[str]:
    columns = [session_figures(f) for f in day.sessions]
    totals = []
    for row, label in enumerate(FIGURES):
        values = [float(column[row]) for column in columns]
        totals.append(_hours(sum(values)) if label == "Volunteer hours" else str(int(sum(values))))
    return totals


def sessions_table(day: HandoverDay) -> str:
    """One row per figure, one column per session, then the day's total."""
    columns = [session_figures(f) for f in day.sessions]
    header = ["", *[f.summary.session.title for f in day.sessions], "All sessions"]
    rows = [_row(header, header=True)]
    for index, label in enumerate(FIGURES):
        rows.append(_row([label, *[column[index] for column in columns],
                          total_figures(day)[index]]))
    return ("<table border='1' cellspacing='0' cellpadding='5'>" + "".join(rows) + "</table>")


def summary_html(day: HandoverDay, coordinator: str, now: datetime) -> str:
    topics_label = vocabularies().mecc_topics.label
    topics: dict[str, int] = {}
    activities: list[str] = []
    for figures in day.sessions:
        for code, count in figures.summary.topics.items():
            topics[code] = topics.get(code, 0) + count
        for name, attendance, under in figures.summary.session.activities:
            extra = f", {under} aged 0–17" if under else ""
            activities.append(f"{name} ({figures.summary.session.title}): {attendance}{extra}")
    hub = f"{day.hub_name}, " if day.hub_name else ""
    parts = [
        "<h1>Day summary</h1>",
        f"<p><b>{html.escape(hub)}{day.day:%A} {day.day.day} {day.day:%B %Y}</b></p>",
        f"<p>Server receipt: {html.escape(day.receipt_text)}.</p>",
        "<h2>Sessions</h2>",
    ]
    if day.sessions:
        parts.append(sessions_table(day))
    else:
        parts.append("<p>No sessions on this day.</p>")
    parts.append("<h2>Topics raised</h2>")
    if topics:
        parts.append("<table border='1' cellspacing='0' cellpadding='4'>"
                     + _row(["Topic", "Conversations"], header=True)
                     + "".join(_row([topics_label(code), str(count)])
                               for code, count in sorted(topics.items(), key=lambda i: -i[1]))
                     + "</table>")
    else:
        parts.append("<p>None recorded.</p>")
    parts.append("<h2>Activities</h2>")
    parts.append("<p>" + ("<br>".join(html.escape(a) for a in activities) or "None recorded.")
                 + "</p>")
    parts.append("<h2>Still to send</h2>")
    if day.unsent:
        parts.append("<p>" + "<br>".join(html.escape(u.text) for u in day.unsent) + "</p>")
    else:
        parts.append("<p>Nothing: the server has every record from this laptop.</p>")
    parts.append(f"<p>On this laptop: {html.escape(day.purge.summary)}</p>")
    parts.append(f"<p><i>Prepared by {html.escape(coordinator)} at {now:%H:%M} with HubDesk. "
                 "Counts only: no resident's details are in this summary.</i></p>")
    return "".join(parts)


def write_summary_pdf(day: HandoverDay, coordinator: str, target: Path,
                      now: datetime | None = None) -> Path:
    """Write the summary to ``target`` (A4).  Safe off the UI thread (no widget is used)."""
    document = QTextDocument()
    font = QFont(document.defaultFont())
    font.setPointSizeF(10)
    document.setDefaultFont(font)
    document.setHtml(summary_html(day, coordinator, now or datetime.now()))
    writer = QPdfWriter(str(target))
    writer.setResolution(RESOLUTION)
    writer.setTitle(f"HubDesk day summary {day.day.isoformat()}")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    # no page size on the document: print_() then lays it out on the writer's pages with
    # fonts in true points (a size in the writer's pixels would shrink the text)
    document.print_(writer)
    return target
