"""A report as labelled lines: the one layout behind CSV, XLSX, the text report and PDF.

Each line is (area, section, code, label, value, percent). ``value`` is the figure
exactly as in the JSON (an int, a float for hours, or "<5"); ``percent`` is given
where the hubs publish one (sex and age bands as a share of the known, the share
of visits needing mental-health support).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hubdesk.core.vocab import vocabularies

#: (section key, title, vocabulary for labels and order or None)
BREAKDOWNS: tuple[tuple[str, str, str | None], ...] = (
    ("sex", "Sex", "sexes"),
    ("age_bands", "Age bands", "age_bands"),
    ("age_bands_reported", "Age bands (reported)", None),
    ("referred_in_by_source", "Referred in, by who referred", "referral_sources"),
    ("signposts_by_kind", "Signposting by kind", "signpost_kinds"),
    ("signposts_by_category", "Signposting by service category", "service_categories"),
    ("signposts_by_organisation", "Signposting by partner organisation", None),
    ("mecc_by_topic", "Conversations by topic", "mecc_topics"),
    ("mecc_by_step", "Conversations by furthest step", "mecc_steps"),
    ("mecc_by_response", "Conversations by response", "responses"),
    ("mecc_by_action", "Conversations by action", "actions"),
    ("sessions_by_type", "Sessions by type", "session_types"),
    ("visits_by_month", "Visits by month", None),
    ("follow_ups", "Follow-ups", None),
    ("outcomes_by_status", "Signposting outcomes by status", "outcome_statuses"),
    ("safeguarding_flags", "Safeguarding flags", None),
)

SUMMARY: tuple[tuple[str, str], ...] = (
    ("visits", "Visits (conversations recorded)"),
    ("people_helped", "People helped (visits plus people counted without details)"),
    ("visitors", "Visitors (different people, by visitor code)"),
    ("repeat_visitors", "Repeat visitors"),
    ("first_visits", "First visits"),
    ("walk_in_or_self_referral", "Walk-ins and self-referrals"),
    ("mental_health", "Needing mental-health support"),
    ("referred_to_community_partners", "Referred to community partners"),
    ("mecc_visits", "Visits with a health conversation"),
    ("activities", "Activities run"),
    ("attendance", "Activity attendance"),
    ("attendance_0_17", "Activity attendance aged 0-17"),
    ("volunteers", "Volunteers"),
    ("volunteer_hours", "Volunteer hours"),
)

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("Day", "A record's day is its local date in the hub's time zone."),
    ("Counting", "The latest version of each record counts; erased records still count in totals."),
    ("Visits", "Conversations recorded. People helped adds people counted without details."),
    ("Visitors", "Different visitor codes, plus one for each visit without a code. Repeat "
                 "visitors: codes seen on more than one day, and returning visits without a code."),
    ("Sex and age", "Percentages are of the visits where it is known."),
    ("Walk-ins", "Visits that walked in, or were referred by themselves."),
    ("Mental health", "Visits that raised mental wellbeing, or were signposted to a mental-health "
                      "or crisis service; share of all visits."),
    ("Community partners", "Signposting by warm handover or referral."),
    ("Follow-ups", "Due in the period; overdue means not done by the period's last day."),
    ("Volunteers", "Different volunteers who signed in to a session or recorded a visit; hours "
                   "from signing in to signing out."),
    ("Small numbers", "Reports that leave the hub show counts from 1 to 4 as \"<5\"."),
)

_KNOWN_EXCLUDES = {"sex": ("prefer_not", "not_asked", "not_recorded"),
                   "age_bands": ("prefer_not", "not_asked", "not_recorded"),
                   "age_bands_reported": ("Not known",)}


@dataclass(frozen=True)
class ReportLine:
    area: str
    section: str
    code: str
    label: str
    value: Any
    percent: float | None = None


def figure_text(value: Any) -> str:
    """A figure as people read it: 1,234 or 8.5 (hours) or "<5"."""
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def breakdown(report: dict[str, Any], section: str) -> dict[str, Any]:
    if section == "outcomes_by_status":
        return dict(report["follow_ups"]["outcomes_by_status"])
    if section == "follow_ups":
        return {k: v for k, v in report["follow_ups"].items() if k != "outcomes_by_status"}
    return dict(report[section])


def ordered_items(section: str, vocab_name: str | None,
                  values: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(code, label, value) in the vocabulary's order, then the rest by size."""
    if vocab_name is None:
        if section == "visits_by_month":
            return [(code, code, values[code]) for code in sorted(values)]
        if section == "follow_ups":
            labels = {"due": "Due", "done": "Done", "overdue": "Overdue"}
            return [(code, labels.get(code, code), values[code]) for code in values]
        if section == "safeguarding_flags":
            labels = {"raised": "Raised", "acknowledged": "Acknowledged by a coordinator",
                      "awaiting": "Awaiting a coordinator"}
            return [(code, labels.get(code, code), values[code]) for code in values]
        if section == "age_bands_reported":
            order = list(dict.fromkeys(vocabularies().age_band_rollup.values()))
            return [(c, c, values[c]) for c in order if c in values] + [
                (c, c, v) for c, v in values.items() if c not in order]
        return [(c, c, v) for c, v in sorted(values.items(), key=lambda kv: (-_size(kv[1]), kv[0]))]
    vocabulary = vocabularies().get(vocab_name)
    known = [(code, vocabulary.label(code), values[code]) for code in vocabulary.codes()
             if code in values]
    others = [(code, "Not recorded" if code == "not_recorded" else code, value)
              for code, value in values.items() if code not in vocabulary]
    return known + others


def _size(value: Any) -> int:
    return value if isinstance(value, int) else 0


def percent_of_known(section: str, values: dict[str, Any]) -> dict[str, float | None]:
    """Each value's share of the known values (sex and age bands), None where hidden."""
    excluded = _KNOWN_EXCLUDES.get(section)
    if excluded is None:
        return {}
    known = {k: v for k, v in values.items() if k not in excluded}
    if any(not isinstance(v, int) for v in known.values()):
        return {k: None for k in values}  # a "<5" would be given away by the others' shares
    total = sum(known.values())
    return {k: (round(100 * v / total, 1) if total and k in known else None)
            for k, v in values.items()}


def report_lines(report: dict[str, Any], area: str) -> Iterator[ReportLine]:
    for key, label in SUMMARY:
        value = report[key]
        if key == "mental_health":
            yield ReportLine(area, "summary", key, label, value["count"],
                             value["percent_of_visits"])
        else:
            yield ReportLine(area, "summary", key, label, value)
    for section, _title, vocab_name in BREAKDOWNS:
        values = breakdown(report, section)
        shares = percent_of_known(section, values)
        for code, label, value in ordered_items(section, vocab_name, values):
            yield ReportLine(area, section, code, label, value, shares.get(code))


def areas(report: dict[str, Any], own_area: str) -> list[tuple[str, dict[str, Any]]]:
    """The report's areas: itself, then each district and hub (server reports)."""
    found = [(own_area, report)]
    found += [(f"District: {name}", sub) for name, sub in report.get("by_district", {}).items()]
    found += [(f"Hub: {name}", sub) for name, sub in report.get("by_hub", {}).items()]
    return found


def section_title(section: str) -> str:
    if section == "summary":
        return "Summary"
    return next(title for key, title, _ in BREAKDOWNS if key == section)
