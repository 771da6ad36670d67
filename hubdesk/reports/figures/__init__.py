"""The §8 report figures, defined once (DESIGN.md §8).

This sub-package is shared by the laptop and the server, so it imports only
``hubdesk.core`` and SQLAlchemy (an import-linter contract keeps it so). Each
side supplies a :class:`ReportSources` of selectables holding the *latest
version of each record*; :func:`compute_reports` aggregates them in SQL.
"""

from hubdesk.reports.figures.definition import compute_reports, volunteer_pairs
from hubdesk.reports.figures.merge import merge_reports
from hubdesk.reports.figures.privacy import SMALL_NUMBER, suppress_small_numbers
from hubdesk.reports.figures.shape import Period, Scope
from hubdesk.reports.figures.sources import ReportSources

__all__ = [
    "SMALL_NUMBER",
    "Period",
    "ReportSources",
    "Scope",
    "compute_reports",
    "merge_reports",
    "suppress_small_numbers",
    "volunteer_pairs",
]
