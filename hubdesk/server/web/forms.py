"""What the county page's forms send, read and checked: the period picker and area
(a GET form: it changes nothing) and the bodies of the POST forms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs, urlencode

from fastapi import Request

from hubdesk.reports.periods import PERIODS, parse_day, period_days
from hubdesk.server.council_access import Viewer

MAX_FORM_BYTES = 16 * 1024
DEFAULT_PERIOD = "last_month"
ALL_AREA = "all"


class BadForm(Exception):
    """A POST body that is not a form of ours (wrong type or too large)."""


async def form_fields(request: Request) -> dict[str, str]:
    """The first value of each field of an urlencoded POST body (at most 16 KB)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise BadForm("not a form")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise BadForm("too large")
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items() if values}


@dataclass
class FiguresQuery:
    """The period and area asked for, with a message per field that is not right."""

    period: str
    first: date
    last: date
    area: str
    from_text: str = ""
    to_text: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def hub_id(self) -> str | None:
        return self.area.removeprefix("hub:") if self.area.startswith("hub:") else None

    def district(self) -> str | None:
        return self.area.removeprefix("district:") if self.area.startswith("district:") else None

    def query_string(self, **override: str) -> str:
        values = {"period": self.period, "area": self.area}
        if self.period == "custom":
            values.update({"from": self.first.isoformat(), "to": self.last.isoformat()})
        values.update(override)
        return urlencode(values)


def read_figures_query(params: Mapping[str, str], viewer: Viewer, today: date) -> FiguresQuery:
    period = params.get("period", DEFAULT_PERIOD)
    if period not in dict(PERIODS):
        period = DEFAULT_PERIOD
    area = params.get("area", ALL_AREA)
    query = FiguresQuery(period, today, today, area, params.get("from", "")[:40],
                         params.get("to", "")[:40])
    if period == "custom":
        _read_days(query, today)
    else:
        query.first, query.last = period_days(period, today)
    hub_id = query.hub_id()
    district = query.district()
    if area != ALL_AREA and not (hub_id and viewer.may_see_hub(hub_id)) and not (
            district and viewer.may_see_district(district)):
        query.errors["area"] = "Choose a hub or district from the list."
        query.area = ALL_AREA
    return query


def _read_days(query: FiguresQuery, today: date) -> None:
    days: dict[str, date] = {}
    for name, text, what in (("from", query.from_text, "first"), ("to", query.to_text, "last")):
        try:
            days[name] = parse_day(text)
        except ValueError as error:
            query.errors[name] = f"Enter the {what} day: {error}"
    if days.get("from") and days.get("to") and days["to"] < days["from"]:
        query.errors["to"] = "The last day must be on or after the first day."
    if query.errors:
        query.first, query.last = period_days(DEFAULT_PERIOD, today)
        return
    query.first, query.last = days["from"], days["to"]
