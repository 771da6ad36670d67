"""The report in plain words, for ``hubdesk report`` (a terminal or a log)."""

from __future__ import annotations

from typing import Any

from hubdesk.reports.figures.tables import figure_text, report_lines, section_title
from hubdesk.reports.figures.writers import ReportHeading


def report_text(report: dict[str, Any], heading: ReportHeading) -> str:
    lines = [f"{heading.title}: {heading.area}", f"{heading.period()} (days in {heading.zone})"]
    section = None
    for line in report_lines(report, heading.area):
        if line.section != section:
            section = line.section
            lines += ["", section_title(section)]
        share = f" ({line.percent:.1f} %)" if line.percent is not None else ""
        lines.append(f"  {line.label}: {figure_text(line.value)}{share}")
    return "\n".join(lines)
