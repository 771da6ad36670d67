"""The one day function (DESIGN §8): midnight and the two clock-change days."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hubdesk.core.days import day_bounds_utc, day_words, hub_zone, is_time_zone, local_day


def test_a_visit_at_half_past_midnight_bst_is_on_the_local_day() -> None:
    # 00:30 BST on 15 June is 23:30 UTC on 14 June
    assert local_day(datetime(2026, 6, 14, 23, 30)) == date(2026, 6, 15)
    start, end = day_bounds_utc(date(2026, 6, 15))
    assert (start, end) == (datetime(2026, 6, 14, 23, 0), datetime(2026, 6, 15, 23, 0))


def test_winter_days_are_utc_days_in_london() -> None:
    assert local_day(datetime(2026, 1, 10, 0, 30)) == date(2026, 1, 10)
    assert day_bounds_utc(date(2026, 1, 10)) == (datetime(2026, 1, 10), datetime(2026, 1, 11))


def test_spring_forward_day_has_23_hours() -> None:
    start, end = day_bounds_utc(date(2026, 3, 29))
    assert (end - start).total_seconds() == 23 * 3600
    assert local_day(datetime(2026, 3, 28, 23, 59)) == date(2026, 3, 28)
    assert local_day(datetime(2026, 3, 29, 22, 59)) == date(2026, 3, 29)
    assert local_day(datetime(2026, 3, 29, 23, 0)) == date(2026, 3, 30)


def test_fall_back_day_has_25_hours() -> None:
    start, end = day_bounds_utc(date(2026, 10, 25))
    assert (end - start).total_seconds() == 25 * 3600
    assert start == datetime(2026, 10, 24, 23, 0)
    assert local_day(datetime(2026, 10, 25, 23, 59)) == date(2026, 10, 25)


def test_a_range_covers_every_day_inclusive_and_refuses_a_backwards_one() -> None:
    start, end = day_bounds_utc(date(2026, 3, 1), date(2026, 3, 31))
    assert start == datetime(2026, 3, 1) and end == datetime(2026, 3, 31, 23, 0)
    with pytest.raises(ValueError):
        day_bounds_utc(date(2026, 3, 2), date(2026, 3, 1))


def test_other_zones_and_bad_names() -> None:
    assert local_day(datetime(2026, 6, 15, 3, 0), "America/New_York") == date(2026, 6, 14)
    assert is_time_zone("Europe/London") and not is_time_zone("Mars/Base") and not is_time_zone("")
    with pytest.raises(ValueError, match="time zone"):
        hub_zone("Mars/Base")


def test_a_day_in_words_is_never_zero_padded() -> None:
    assert day_words(date(2026, 12, 1)) == "Tuesday 1 December"
    assert day_words(date(2026, 3, 29), year=True) == "Sunday 29 March 2026"
