"""Opening times as people write them ("Mon–Fri 9am–5pm", "Tue 10:00-12:00", "24 hours,
every day"): read into weekly hours, asked "open now?", and written from weekly hours.

Reading never guesses: text it cannot read whole (no day, a lone time, "varies",
"longer on some evenings") gives ``UNKNOWN`` and the screen says so plainly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

OPEN, CLOSED, UNKNOWN = "open", "closed", "unknown"
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEK_MINUTES = 24 * 60

_DAY = (r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:s|nesday)?|thu(?:r(?:s(?:day)?)?)?|"
        r"fri(?:day)?|sat(?:urday)?|sun(?:day)?)s?\.?")
_DAY_RANGE = rf"(?P<d1>{_DAY})\s*(?:-|to|until|till)\s*(?P<d2>{_DAY})"
_DAY_WORDS = (r"(?P<every>every\s*day|daily|7\s*days(?:\s*a\s*week)?|all\s*week)"
              r"|(?P<weekdays>weekdays)|(?P<weekends>weekends?)")
_TIME = r"(?:(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?|(noon|midday|midnight))"
_TIME_RANGE = rf"(?P<t1>{_TIME})\s*(?:-|to|until|till)\s*(?P<t2>{_TIME})"
_TOKEN = re.compile(rf"\b(?:{_DAY_RANGE}|{_DAY_WORDS}|(?P<day>{_DAY})|{_TIME_RANGE})(?![\w:.])")
_ONE_TIME = re.compile(rf"^{_TIME}$")
_ALWAYS = re.compile(r"^(?:open\s*)?(?:24\s*(?:hours?|hrs?|/\s*7)|any\s*time|round the clock)"
                     r"(?:[\s,]*(?:a day|every\s*day|daily|7\s*days(?:\s*a\s*week)?))?$")
#: words that join days and times without changing them ("Mon and Wed from 9 to 5")
_JOINERS = re.compile(r"\b(?:and|from|on|open|also|&)\b|[,;/&+()]")
#: a place after the times ("Tue 10am–1pm at the hub") says where, not when
_PLACE = re.compile(r"\s(?:at|in)\s+(?:the\s+)?[a-z' ]+$")


@dataclass(frozen=True)
class WeeklyHours:
    """Opening spans as (weekday 0=Mon, start minute, end minute), end exclusive."""

    spans: tuple[tuple[int, int, int], ...]
    always: bool = False


@dataclass(frozen=True)
class OpenNow:
    """Whether a service is open at one moment, in words fit for the screen."""

    state: str  # OPEN / CLOSED / UNKNOWN
    words: str


def _day_index(word: str) -> int:
    return [d.lower() for d in DAY_NAMES].index(word.strip(". ").lower()[:3])


def _days(match: re.Match[str]) -> list[int] | None:
    if match.group("d1"):
        first, last = _day_index(match.group("d1")), _day_index(match.group("d2"))
        return [(first + step) % 7 for step in range((last - first) % 7 + 1)]
    if match.group("every"):
        return list(range(7))
    if match.group("weekdays"):
        return list(range(5))
    if match.group("weekends"):
        return [5, 6]
    if match.group("day"):
        return [_day_index(match.group("day"))]
    return None


def _clock(text: str) -> tuple[int, int, str | None] | None:
    """(hour, minute, am/pm or None) of one written time."""
    found = _ONE_TIME.match(text.strip())
    if found is None:
        return None
    hour, minute, suffix, word = found.groups()
    if word:
        return (0, 0, "am") if word == "midnight" else (12, 0, "pm")
    return int(hour), int(minute or 0), suffix


def _minutes(hour: int, minute: int, suffix: str | None) -> int | None:
    if minute > 59:
        return None
    if suffix is None:
        return hour * 60 + minute if hour <= 24 else None
    if not 1 <= hour <= 12:
        return None
    return ((hour % 12) + (12 if suffix == "pm" else 0)) * 60 + minute


def _span(first: str, second: str) -> tuple[int, int] | None:
    """Start and end minute of a written range, with the usual short forms filled in:
    "9-5" is 9am to 5pm, "12–2pm" is noon to 2pm, "10am-2" is 10am to 2pm."""
    one, two = _clock(first), _clock(second)
    if one is None or two is None:
        return None
    (h1, m1, s1), (h2, m2, s2) = one, two
    if s1 and s2:
        start, end = _minutes(h1, m1, s1), _minutes(h2, m2, s2)
    elif s2:  # "9-5pm", "12-2pm": the start takes the end's half of the day if it fits
        start, end = _minutes(h1, m1, s2), _minutes(h2, m2, s2)
        if start is None or end is None or start >= end:
            start = _minutes(h1, m1, "am")
    elif s1:  # "10am-2"
        start, end = _minutes(h1, m1, s1), _minutes(h2, m2, s1)
        if start is None or end is None or end <= start:
            end = _minutes(h2, m2, "pm")
    else:  # "10:00-12:00", "10-14", and "9-5" (a working day, not 9 to 5 in the morning)
        if 1 <= h1 <= 6 and ":" not in first + second and h2 <= 12:
            h1, h2 = h1 + 12, h2 % 12 + 12  # "2-4" is the afternoon, as on any notice board
        start, end = _minutes(h1, m1, None), _minutes(h2, m2, None)
        if start is not None and end is not None and end <= start and h2 < 12:
            end = _minutes(h2 + 12, m2, None)
    if second.strip() == "midnight":
        end = WEEK_MINUTES
    if start is None or end is None or not start < end <= WEEK_MINUTES:
        return None
    return start, end


def _normal(text: str) -> str:
    text = text.lower().replace("–", "-").replace("—", "-").replace("‑", "-")
    return " ".join(text.split())


@lru_cache(maxsize=4096)
def read_opening_times(text: str) -> WeeklyHours | None:
    """The weekly hours ``text`` states, or None when it cannot be read whole."""
    plain = _normal(text).strip(" .")
    if not plain:
        return None
    if _ALWAYS.match(plain):
        return WeeklyHours((), always=True)
    plain = _PLACE.sub("", plain)
    groups: list[tuple[str, list[int] | tuple[int, int]]] = []
    leftover = []
    position = 0
    for match in _TOKEN.finditer(plain):
        leftover.append(plain[position:match.start()])
        position = match.end()
        days = _days(match)
        if days is not None:
            groups.append(("days", days))
            continue
        span = _span(match.group("t1"), match.group("t2"))
        if span is None:
            return None
        groups.append(("times", span))
    leftover.append(plain[position:])
    if _JOINERS.sub(" ", " ".join(leftover)).strip():
        return None  # words we cannot read ("varies", "2pm" alone, "longer on some evenings")
    return _pair_up(groups)


def _pair_up(groups: list[tuple[str, list[int] | tuple[int, int]]]) -> WeeklyHours | None:
    """Days then their times ("Mon–Fri 9–5, Sat 10–1") or times then their days
    ("8am–7pm, every day"); times with no day at all cannot be placed."""
    if not groups or not any(kind == "times" for kind, _ in groups):
        return None
    days_first = groups[0][0] == "days"
    spans: list[tuple[int, int, int]] = []
    days: list[int] = []
    times: list[tuple[int, int]] = []

    def close_pair() -> bool:
        if not days or not times:
            return False
        spans.extend((day, start, end) for day in days for (start, end) in times)
        return True

    previous = ""
    for kind, value in groups:
        starts_new = (kind == "days" and previous == "times") if days_first \
            else (kind == "times" and previous == "days")
        if starts_new:
            if not close_pair():
                return None
            days, times = [], []
        if kind == "days":
            days = days + [d for d in value if isinstance(d, int) and d not in days]
        else:
            times.append(value)  # type: ignore[arg-type]
        previous = kind
    if not close_pair():
        return None
    return WeeklyHours(tuple(sorted(set(spans))))


def clock_words(minute: int) -> str:
    """9am, 9.30am, 12pm, 5pm; midnight at either end of a day."""
    if minute in (0, WEEK_MINUTES):
        return "midnight"
    hour, rest = divmod(minute, 60)
    suffix = "am" if hour < 12 else "pm"
    shown = hour % 12 or 12
    return f"{shown}{f'.{rest:02d}' if rest else ''}{suffix}"


def open_now(text: str, now_local: datetime) -> OpenNow:
    """Open or closed at ``now_local`` (the hub's local time) by ``text``, in words."""
    if not text.strip():
        return OpenNow(UNKNOWN, "No opening times given")
    hours = read_opening_times(text)
    if hours is None:
        return OpenNow(UNKNOWN, "Cannot tell: the opening times could not be read")
    if hours.always:
        return OpenNow(OPEN, "Open now (any time)")
    day, minute = now_local.weekday(), now_local.hour * 60 + now_local.minute
    for span_day, start, end in hours.spans:
        if span_day == day and start <= minute < end:
            return OpenNow(OPEN, f"Open now, until {clock_words(end)}")
    return OpenNow(CLOSED, _next_opening(hours, day, minute))


def _next_opening(hours: WeeklyHours, day: int, minute: int) -> str:
    now_week = day * WEEK_MINUTES + minute
    starts = sorted(((span_day * WEEK_MINUTES + start - now_week) % (7 * WEEK_MINUTES), span_day,
                     start) for span_day, start, _ in hours.spans)
    if not starts:
        return "Closed now"
    _, span_day, start = starts[0]
    when = "today" if span_day == day and start > minute else DAY_NAMES[span_day]
    return f"Closed now, opens {when} {clock_words(start)}"


def describe_week(spans: list[tuple[int, int, int]]) -> str:
    """Weekly hours in the short form people write: "Mon–Fri 9am–5pm, Sat 10am–1pm"
    (consecutive days with the same hours share one range)."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for day, start, end in sorted(set(spans)):
        by_day.setdefault(day, []).append((start, end))
    parts: list[str] = []
    days = sorted(by_day)
    index = 0
    while index < len(days):
        last = index
        while last + 1 < len(days) and days[last + 1] == days[last] + 1 \
                and by_day[days[last + 1]] == by_day[days[index]]:
            last += 1
        names = DAY_NAMES[days[index]] if last == index \
            else f"{DAY_NAMES[days[index]]}–{DAY_NAMES[days[last]]}"
        times = " and ".join(f"{clock_words(s)}–{clock_words(e)}" for s, e in by_day[days[index]])
        parts.append(f"{names} {times}")
        index = last + 1
    return ", ".join(parts)
