"""The shape of one report: its keys, the period and scope it covers, and the
figures derived from counts (rolled-up age bands, shares). Shared by the queries
(``definition``), the adding-up of hubs (``merge``) and the server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from hubdesk.core.days import day_bounds_utc, hub_zone
from hubdesk.core.vocab import vocabularies
from hubdesk.reports.figures.buckets import month_labels

COMMUNITY_PARTNER_KINDS = ("warm_handover", "referral")
#: Beyond this, the month-by-month line covers only the months that hold visits.
LONG_PERIOD_DAYS = 2 * 366

#: The keys of one report, in the order DESIGN §8 lists them (the JSON contract),
#: then the few extra breakdowns the screen and exports show.
REPORT_KEYS = (
    "visits", "people_helped", "visitors", "repeat_visitors", "first_visits", "sex",
    "age_bands", "age_bands_reported", "walk_in_or_self_referral", "referred_in_by_source",
    "mental_health", "signposts_by_kind", "signposts_by_category", "signposts_by_organisation",
    "mecc_by_topic", "mecc_by_step", "mecc_by_response", "follow_ups", "sessions_by_type",
    "activities", "attendance", "attendance_0_17", "volunteers", "volunteer_hours",
    "safeguarding_flags",
    # beyond the contract's list: what §8 also names, and the month-by-month line
    "referred_to_community_partners", "mecc_by_action", "mecc_visits", "visits_by_month",
)


@dataclass(frozen=True)
class Period:
    """Local days ``first``..``last`` inclusive, in the hub's IANA zone."""

    first: date
    last: date
    zone: str | None = None

    def bounds(self) -> tuple[Any, Any]:
        return day_bounds_utc(self.first, self.last, self.zone)


@dataclass(frozen=True)
class Scope:
    """Optional narrowing: one hub, one district or one venue (None: everything)."""

    hub_id: str | None = None
    district: str | None = None
    venue_id: str | None = None


def empty_report() -> dict[str, Any]:
    return {
        "visits": 0, "people_helped": 0, "visitors": 0, "repeat_visitors": 0, "first_visits": 0,
        "sex": {}, "age_bands": {}, "age_bands_reported": {}, "walk_in_or_self_referral": 0,
        "referred_in_by_source": {}, "mental_health": {"count": 0, "percent_of_visits": None},
        "signposts_by_kind": {}, "signposts_by_category": {}, "signposts_by_organisation": {},
        "mecc_by_topic": {}, "mecc_by_step": {}, "mecc_by_response": {},
        "follow_ups": {"due": 0, "done": 0, "overdue": 0, "outcomes_by_status": {}},
        "sessions_by_type": {}, "activities": 0, "attendance": 0, "attendance_0_17": 0,
        "volunteers": 0, "volunteer_hours": 0.0, "safeguarding_flags": {"raised": 0},
        "referred_to_community_partners": 0, "mecc_by_action": {}, "mecc_visits": 0,
        "visits_by_month": {},
    }


def blank_report(period: Period) -> dict[str, Any]:
    """The report of a place with nothing recorded in ``period`` (every month at 0)."""
    long = (period.last - period.first).days > LONG_PERIOD_DAYS
    labels = [] if long else month_labels(period.first, period.last, hub_zone(period.zone))
    report = empty_report()
    report["visits_by_month"] = dict.fromkeys(labels, 0)
    return report


def finish_report(report: dict[str, Any]) -> dict[str, Any]:
    """Fill the derived figures (rolled-up age bands, partners, shares) from the counts."""
    rollup = vocabularies().age_band_rollup
    reported: dict[str, int] = {}
    for band, count in report["age_bands"].items():
        label = rollup.get(band, "Not known")
        reported[label] = reported.get(label, 0) + count
    report["age_bands_reported"] = reported
    kinds = report["signposts_by_kind"]
    report["referred_to_community_partners"] = sum(kinds.get(k, 0) for k in COMMUNITY_PARTNER_KINDS)
    visits = report["visits"]
    mental = report["mental_health"]
    mental["percent_of_visits"] = round(100 * mental["count"] / visits, 1) if visits else None
    return report
