"""Which charts a report shows, and their figures (Qt-free; ``ui/reports`` draws them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hubdesk.reports.figures.tables import ordered_items

TOP_ITEMS = 8


def _month_label(code: str) -> str:
    year, month = code.split("-")
    return f"{date(int(year), int(month), 1):%b %y}"


def chart_specs(figures: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, Any]]]]:
    """(kind, title, [(label, value)]) for the screen and the PDF, in reading order."""
    ages = [(label, value) for _, label, value in
            ordered_items("age_bands_reported", None, figures["age_bands_reported"])]
    sex = [(label, value) for code, label, value in
           ordered_items("sex", "sexes", figures["sex"]) if code in ("female", "male")]
    topics = [(label, value) for _, label, value in
              ordered_items("mecc_by_topic", "mecc_topics", figures["mecc_by_topic"])]
    topics = sorted(topics, key=lambda item: -_size(item[1]))[:TOP_ITEMS]
    categories = [(label, value) for _, label, value in ordered_items(
        "signposts_by_category", "service_categories", figures["signposts_by_category"])]
    categories = sorted(categories, key=lambda item: -_size(item[1]))[:TOP_ITEMS]
    months = [(_month_label(code), value) for code, value in figures["visits_by_month"].items()]
    return [
        ("split", "Sex (where known)", sex),
        ("bars", "Age bands", ages),
        ("bars", "Health conversations: most common topics", topics),
        ("bars", "Signposting by service category", categories),
        ("line", "Visits month by month", months),
    ]


def _size(value: Any) -> int:
    return value if isinstance(value, int) else 0
