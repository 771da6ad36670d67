"""Opening times as people write them: read whole or not at all, never guessed."""

from __future__ import annotations

from datetime import datetime

import pytest

from hubdesk.core.opening_times import (
    CLOSED,
    OPEN,
    UNKNOWN,
    OpenNow,
    describe_week,
    open_now,
    read_opening_times,
)

TUESDAY_1030 = datetime(2026, 12, 1, 10, 30)  # a Tuesday
SATURDAY_0900 = datetime(2026, 12, 5, 9, 0)


@pytest.mark.parametrize(("text", "week"), [
    ("Mon-Fri 9-5", "Mon–Fri 9am–5pm"),
    ("Mon–Fri 9am–5pm", "Mon–Fri 9am–5pm"),
    ("Tue 10:00-12:00", "Tue 10am–12pm"),
    ("Fri 12–2pm", "Fri 12pm–2pm"),
    ("Mon 9-12, 2-4", "Mon 9am–12pm and 2pm–4pm"),
    ("Saturday 10-14", "Sat 10am–2pm"),
    ("Mon, Wed and Fri 9.30am to 1pm", "Mon 9.30am–1pm, Wed 9.30am–1pm, Fri 9.30am–1pm"),
    ("Weekdays 9am–8pm, weekends 11am–4pm", "Mon–Fri 9am–8pm, Sat–Sun 11am–4pm"),
    ("8am–7pm, every day", "Mon–Sun 8am–7pm"),
    ("Mondays 10am-noon", "Mon 10am–12pm"),
    ("Tue 10am–1pm at the hub", "Tue 10am–1pm"),
])
def test_common_forms_are_read(text: str, week: str) -> None:
    hours = read_opening_times(text)
    assert hours is not None and not hours.always
    assert describe_week(list(hours.spans)) == week


@pytest.mark.parametrize("text", [
    "Varies by area", "Book through the GP practice", "Tue and Thu 2pm", "9-5",
    "Mon–Fri 9.30am–5pm, longer on some evenings", "Tue 22:00-02:00", "Mon 25-26", "Paused",
])
def test_what_cannot_be_read_whole_is_not_guessed(text: str) -> None:
    assert read_opening_times(text) is None
    assert open_now(text, TUESDAY_1030).state == UNKNOWN
    assert open_now(text, TUESDAY_1030).words == "Cannot tell: the opening times could not be read"


def test_open_now_says_until_when_and_when_it_opens_next() -> None:
    assert open_now("Mon–Fri 9am–5pm", TUESDAY_1030) == OpenNow(OPEN, "Open now, until 5pm")
    assert open_now("Mon–Fri 9am–5pm", SATURDAY_0900) == OpenNow(CLOSED, "Closed now, opens Mon 9am")
    assert open_now("Tue 11am-1pm", TUESDAY_1030) == OpenNow(CLOSED, "Closed now, opens today 11am")
    assert open_now("Tue 9am-10:30", TUESDAY_1030).state == CLOSED  # the end is exclusive
    assert open_now("24 hours, every day", SATURDAY_0900).state == OPEN
    assert open_now("Any time", SATURDAY_0900).words == "Open now (any time)"
    assert open_now("", SATURDAY_0900) == OpenNow(UNKNOWN, "No opening times given")


def test_a_week_written_from_schedules_reads_back_the_same() -> None:
    spans = [(0, 540, 1020), (1, 540, 1020), (2, 540, 1020), (5, 600, 780)]
    text = describe_week(spans)
    assert text == "Mon–Wed 9am–5pm, Sat 10am–1pm"
    hours = read_opening_times(text)
    assert hours is not None and sorted(hours.spans) == sorted(spans)
