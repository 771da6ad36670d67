"""Open Referral UK–style directory entries turned into our own entry format, which
``protocol.services.parse_service`` then reads (the one parser).

Understood (JSON objects or flat CSV rows): ``id``, ``name`` / ``service_name``,
``organization`` (``{"name"}``) / ``organization_name``, ``description``, ``url``,
``email``, ``phone`` / ``phones`` / ``contacts[].phones``, ``service_areas`` /
``service_area``, ``locations`` / ``service_at_locations`` / ``location_name`` (for
the area when no service area is given), ``regular_schedules`` (``weekday``,
``opens_at``, ``closes_at``; or a CSV cell such as "Monday 09:00-17:00; Tuesday
09:00-12:00"; or ``weekday``/``opens_at``/``closes_at`` columns), ``schedules`` with
``byday``, ``taxonomy_terms`` / ``service_taxonomys`` / ``attributes`` (mapped to our
categories by name), ``status``, ``assured_date`` and ``eligibility_description``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hubdesk.core.opening_times import FULL_DAY_NAMES, describe_week
from hubdesk.core.vocab import vocabularies

#: keys that mark an entry as Open Referral–style rather than our own format
_OPEN_REFERRAL_KEYS = frozenset((
    "service_name", "organization", "organization_name", "url", "phones", "contacts",
    "service_areas", "service_area", "locations", "service_at_locations", "location_name",
    "regular_schedules", "schedules", "weekday", "opens_at", "closes_at", "taxonomy_terms",
    "service_taxonomys", "attributes", "assured_date", "eligibility_description"))

#: taxonomy term (lower case, "and" for "&") -> our category; our own codes and labels
#: are understood too (see ``category_for_term``)
TERM_CATEGORIES = {
    "crisis": "crisis", "crisis support": "crisis", "mental health crisis": "crisis",
    "suicide prevention": "crisis",
    "mental health": "mental_health", "wellbeing": "mental_health", "counselling": "mental_health",
    "talking therapies": "mental_health", "emotional support": "mental_health",
    "stop smoking": "stop_smoking", "smoking": "stop_smoking", "smoking cessation": "stop_smoking",
    "alcohol": "alcohol_drugs", "drugs": "alcohol_drugs", "substance misuse": "alcohol_drugs",
    "weight management": "weight", "healthy eating": "weight", "nutrition": "weight",
    "physical activity": "activity", "exercise": "activity", "leisure": "activity",
    "sport": "activity", "exercise referral": "activity",
    "befriending": "social", "social groups": "social", "loneliness": "social",
    "social isolation": "social", "lunch clubs": "social", "community groups": "social",
    "carers": "carers", "carer support": "carers", "bereavement": "bereavement",
    "money advice": "money", "debt": "money", "debt advice": "money", "benefits": "money",
    "welfare benefits": "money", "financial advice": "money", "cost of living": "money",
    "energy": "energy", "fuel poverty": "energy", "warm homes": "energy", "warm spaces": "energy",
    "food": "food", "food bank": "food", "foodbank": "food", "food banks": "food",
    "food support": "food",
    "housing": "housing", "homelessness": "housing", "housing advice": "housing",
    "employment": "employment", "jobs": "employment", "skills": "employment",
    "volunteering": "employment", "training": "employment",
    "digital inclusion": "digital", "digital skills": "digital", "internet access": "digital",
    "nhs": "nhs", "gp": "nhs", "pharmacy": "nhs", "health check": "nhs", "nhs health check": "nhs",
    "social prescribing": "social_prescribing", "sexual health": "sexual_health",
    "domestic abuse": "domestic_abuse", "domestic violence": "domestic_abuse",
    "falls": "falls", "falls prevention": "falls", "equipment": "falls", "mobility aids": "falls",
    "adult social care": "adult_social_care", "social care": "adult_social_care",
}
_STATUS = {"active": "active", "inactive": "paused", "temporarily closed": "paused",
           "paused": "paused", "suspended": "paused", "defunct": "closed", "closed": "closed"}
_BYDAY = {"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6}
_SCHEDULE_CELL = re.compile(r"^\s*([a-z]+)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$", re.I)


def is_open_referral(entry: Mapping[str, Any]) -> bool:
    """True for an Open Referral–style entry (else it is in our own format)."""
    return any(key in entry and entry[key] not in (None, "") for key in _OPEN_REFERRAL_KEYS)


def _plain(term: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", term.lower().replace("&", " and ")).split())


def category_for_term(term: str) -> str | None:
    """Our category for a taxonomy term ("Debt advice", "Health > Mental health"), or None.
    The most specific part of a path is tried first."""
    categories = vocabularies().service_categories
    by_label = {_plain(t.label): t.code for t in categories.terms}
    codes = set(categories.codes())
    for part in reversed(re.split(r"\s*[>/|]\s*", term)):
        plain = _plain(part)
        if plain.replace(" ", "_") in codes:
            return plain.replace(" ", "_")
        found = by_label.get(plain) or TERM_CATEGORIES.get(plain) \
            or TERM_CATEGORIES.get(plain.removesuffix("s"))
        if found:
            return found
    return None


def _names(value: Any, *keys: str) -> list[str]:
    """Text from a string, a ';'-separated cell, or a list of strings or objects (the
    first of ``keys`` each object has, looking inside nested objects such as
    ``{"taxonomy": {"name": ...}}``)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[;|]", value) if part.strip()]
    if isinstance(value, Mapping):
        value = [value]
    found: list[str] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str) and item.strip():
            found.append(item.strip())
        elif isinstance(item, Mapping):
            for key in keys:
                inner = item.get(key)
                if isinstance(inner, str) and inner.strip():
                    found.append(inner.strip())
                    break
                if isinstance(inner, Mapping):
                    found.extend(_names(inner, *keys))
                    break
    return found


def _weekday(value: Any) -> list[int]:
    text = str(value or "").strip().lower()
    if text.isdigit() and 1 <= int(text) <= 7:
        return [int(text) - 1]  # ORUK numbers Monday 1
    for index, name in enumerate(FULL_DAY_NAMES):
        if text and (text == name.lower() or text == name.lower()[:3]):
            return [index]
    return [_BYDAY[part] for part in re.split(r"[,\s]+", text) if part in _BYDAY]


def _minute(value: Any) -> int | None:
    match = re.match(r"^\s*(\d{1,2}):(\d{2})", str(value or ""))
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return hour * 60 + minute if hour <= 24 and minute < 60 else None


def _schedule(entry: Mapping[str, Any], problems: list[str]) -> str:
    """Readable opening times from regular schedules ("Mon–Fri 9am–5pm")."""
    rows: list[Mapping[str, Any]] = []
    for key in ("regular_schedules", "schedules"):
        value = entry.get(key)
        if isinstance(value, list):
            rows += [r for r in value if isinstance(r, Mapping)]
        elif isinstance(value, str) and value.strip():
            for cell in re.split(r"[;\n]", value):
                match = _SCHEDULE_CELL.match(cell)
                if match is None:
                    if cell.strip():
                        problems.append(f"cannot read the schedule {cell.strip()[:40]!r} "
                                        "(write it like 'Monday 09:00-17:00')")
                    continue
                rows.append({"weekday": match.group(1), "opens_at": match.group(2),
                             "closes_at": match.group(3)})
    for place in entry.get("service_at_locations") or []:
        if isinstance(place, Mapping) and isinstance(place.get("regular_schedule"), list):
            rows += [r for r in place["regular_schedule"] if isinstance(r, Mapping)]
    if entry.get("weekday") and entry.get("opens_at"):
        rows.append({key: entry.get(key) for key in ("weekday", "opens_at", "closes_at")})
    spans: list[tuple[int, int, int]] = []
    for row in rows:
        days = _weekday(row.get("weekday") or row.get("byday"))
        opens, closes = _minute(row.get("opens_at")), _minute(row.get("closes_at"))
        if not days or opens is None or closes is None or closes <= opens:
            problems.append("a regular schedule needs a weekday, opens_at and a later closes_at "
                            f"(got {row.get('weekday') or row.get('byday')!r}, "
                            f"{row.get('opens_at')!r}, {row.get('closes_at')!r})")
            continue
        spans += [(day, opens, closes) for day in days]
    return describe_week(spans)


def _phone(entry: Mapping[str, Any]) -> str:
    if isinstance(entry.get("phone"), str) and entry["phone"].strip():
        return str(entry["phone"]).strip()
    numbers = _names(entry.get("phones"), "number")
    for contact in entry.get("contacts") or []:
        if isinstance(contact, Mapping):
            numbers += _names(contact.get("phones"), "number")
    return numbers[0] if numbers else ""


def _area(entry: Mapping[str, Any]) -> str:
    areas = _names(entry.get("service_areas") or entry.get("service_area"),
                   "service_area", "name", "description")
    if not areas:
        places = _names(entry.get("locations") or entry.get("location_name"), "name")
        for place in entry.get("service_at_locations") or []:
            if isinstance(place, Mapping):
                places += _names(place.get("location"), "name")
        areas = places
    return ", ".join(dict.fromkeys(areas))


def from_open_referral(entry: Mapping[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
    """(our entry, problems that stop it being imported, notes about what was left out)."""
    problems: list[str] = []
    notes: list[str] = []
    organisation = entry.get("organization")
    org_name = organisation.get("name") if isinstance(organisation, Mapping) else organisation
    terms = (_names(entry.get("taxonomy_terms"), "name", "term")
             + _names(entry.get("service_taxonomys"), "taxonomy", "name")
             + _names(entry.get("attributes"), "taxonomy_term", "name"))
    categories = _names(entry.get("categories"), "code")
    for term in terms:
        category = category_for_term(term)
        if category is None:
            notes.append(f"taxonomy term {term[:60]!r} is not one of our categories, so it "
                         "was left out (see TERM_CATEGORIES in hubdesk/protocol/open_referral.py)")
        elif category not in categories:
            categories.append(category)
    status_text = str(entry.get("status") or "active").strip().lower()
    status = _STATUS.get(status_text)
    if status is None:
        problems.append(f"status {status_text[:30]!r} is not active, inactive or defunct")
    ours: dict[str, Any] = {
        "id": entry.get("id"),
        "name": entry.get("name") or entry.get("service_name"),
        "organisation": org_name or entry.get("organization_name") or entry.get("organisation"),
        "description": entry.get("description"),
        "web": entry.get("url") or entry.get("web"),
        "email": entry.get("email"),
        "phone": _phone(entry),
        "area": _area(entry) or entry.get("area"),
        "opening_times": _schedule(entry, problems) or entry.get("opening_times"),
        "categories": categories,
        "status": status or "active",
        "eligibility": entry.get("eligibility_description") or entry.get("eligibility"),
        "last_verified": str(entry.get("assured_date") or entry.get("last_verified") or "")[:10],
        "access": entry.get("access"),
    }
    return {key: value for key, value in ours.items() if value not in (None, "")}, problems, notes
