"""A record's day in the today list, the end-of-day status and the export is the hub's civil
date (DESIGN §8): midnight, and both clock-change days of 2026 in Europe/London.

Visits are recorded through the real services with the clock set to the moment
named (naive UTC, as stored); the laptop's own zone plays no part.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from hubdesk.core.errors import ValidationError
from hubdesk.reports.visit_rows import export_visits
from hubdesk.services import common, time_zone, visits
from hubdesk.services.visits import VisitForm
from hubdesk.store import outbox
from hubdesk.store.engine import Store
from hubdesk.sync.status import end_of_day_receipt
from tests.conftest import Hub

SetClock = Callable[[datetime], None]


@pytest.fixture
def set_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[SetClock]:
    """Set "now" (naive UTC) for recording: the visit's time and its outbox entry."""
    def set_to(moment: datetime) -> None:
        for module in (visits, common, outbox):
            monkeypatch.setattr(module, "utc_now", lambda moment=moment: moment)
    yield set_to


def record_at(store: Store, hub: Hub, set_clock: SetClock, moment: datetime) -> str:
    set_clock(moment)
    form = VisitForm(contact_mode="walk_in", age_band="65_74", sex="female")
    with store.unit_of_work() as db:
        return visits.record_visit(db, hub.actor, hub.session_id, form).primary_id


def day_lists(store: Store, *days: date) -> list[list[str]]:
    with store.unit_of_work() as db:
        return [[row.id for row in visits.list_visits(db, day)] for day in days]


def receipts(store: Store, *days: date) -> list[int]:
    with store.unit_of_work() as db:
        return [end_of_day_receipt(db, day).recorded for day in days]


def test_a_visit_at_half_past_midnight_summer_time_is_on_its_own_day(
        store: Store, hub: Hub, set_clock: SetClock) -> None:
    late = record_at(store, hub, set_clock, datetime(2026, 6, 14, 22, 50))  # 23:50 BST, 14th
    after_midnight = record_at(store, hub, set_clock, datetime(2026, 6, 14, 23, 30))  # 00:30 BST

    assert day_lists(store, date(2026, 6, 14), date(2026, 6, 15)) == [[late], [after_midnight]]
    assert receipts(store, date(2026, 6, 14), date(2026, 6, 15)) == [1, 1]
    with store.unit_of_work() as db:
        (row,) = visits.list_visits(db, date(2026, 6, 15))
    assert (row.local_time.hour, row.local_time.minute) == (0, 30)


def test_the_export_of_a_day_holds_its_visit_at_half_past_midnight(
        store: Store, hub: Hub, set_clock: SetClock, tmp_path: Path) -> None:
    """The export used UTC day bounds: a visit at 00:30 BST fell out of its day."""
    after_midnight = record_at(store, hub, set_clock, datetime(2026, 6, 14, 23, 30))  # 00:30 BST
    target = tmp_path / "visits.csv"
    with store.unit_of_work() as db:
        export_visits(db, hub.actor, date(2026, 6, 15), date(2026, 6, 15), target)
    with target.open(newline="", encoding="utf-8") as handle:
        rows = [(row["visit_id"], row["date"]) for row in csv.DictReader(handle)]
    assert rows == [(after_midnight, "2026-06-15")]


def test_spring_forward_day_has_23_hours(store: Store, hub: Hub, set_clock: SetClock) -> None:
    """29 March 2026: clocks go from 01:00 GMT to 02:00 BST."""
    first = record_at(store, hub, set_clock, datetime(2026, 3, 29, 0, 30))  # 00:30 GMT
    after_change = record_at(store, hub, set_clock, datetime(2026, 3, 29, 1, 30))  # 02:30 BST
    last = record_at(store, hub, set_clock, datetime(2026, 3, 29, 22, 59))  # 23:59 BST
    next_day = record_at(store, hub, set_clock, datetime(2026, 3, 29, 23, 0))  # 00:00 BST, 30th
    day_before = record_at(store, hub, set_clock, datetime(2026, 3, 28, 23, 59))  # 23:59 GMT, 28th

    assert day_lists(store, date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)) == [
        [day_before], [last, after_change, first], [next_day]]  # newest first
    assert receipts(store, date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)) == [1, 3, 1]


def test_fall_back_day_has_25_hours(store: Store, hub: Hub, set_clock: SetClock) -> None:
    """25 October 2026: clocks go from 02:00 BST back to 01:00 GMT."""
    first = record_at(store, hub, set_clock, datetime(2026, 10, 24, 23, 0))  # 00:00 BST, 25th
    in_repeated_hour = record_at(store, hub, set_clock, datetime(2026, 10, 25, 1, 15))  # 01:15 GMT
    last = record_at(store, hub, set_clock, datetime(2026, 10, 25, 23, 59))  # 23:59 GMT
    day_before = record_at(store, hub, set_clock, datetime(2026, 10, 24, 22, 59))  # 23:59 BST
    next_day = record_at(store, hub, set_clock, datetime(2026, 10, 26, 0, 0))  # 00:00 GMT, 26th

    assert day_lists(store, date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)) == [
        [day_before], [last, in_repeated_hour, first], [next_day]]
    assert receipts(store, date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)) == [1, 3, 1]


def test_the_hub_zone_setting_decides_the_day(store: Store, hub: Hub, set_clock: SetClock) -> None:
    visit = record_at(store, hub, set_clock, datetime(2026, 6, 15, 2, 0))  # 22:00 on the 14th in New York
    with store.unit_of_work() as db:
        assert time_zone.hub_time_zone_name(db) == "Europe/London"
        time_zone.set_hub_time_zone(db, hub.actor, "America/New_York")

    assert day_lists(store, date(2026, 6, 14), date(2026, 6, 15)) == [[visit], []]
    assert receipts(store, date(2026, 6, 14), date(2026, 6, 15)) == [1, 0]


def test_a_zone_that_is_not_one_is_refused_and_the_old_one_kept(store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db:
        with pytest.raises(ValidationError) as refused:
            time_zone.set_hub_time_zone(db, hub.actor, "London")
        assert "Europe/London" in str(refused.value)
        assert time_zone.hub_time_zone_name(db) == "Europe/London"
