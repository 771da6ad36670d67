"""The capture form's clock and calendar are the hub's (DESIGN §8), not the laptop's:
the "Saved: visit at 10:32" line and a new follow-up's default date (a week on).

The laptop is put in a zone whose date differs from the hub's right now, so a form that
used the laptop's own offset or date shows the wrong time and the wrong day; the
clock-change days are checked with the form's clock set to those moments.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from hubdesk.core.days import hub_today, to_hub_time
from hubdesk.ui import context as context_module
from hubdesk.ui.capture import VisitCaptureForm
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui

HUB_ZONE = "Europe/London"  # the default hub zone: no setting is stored in these tests
FAR_ZONES = ("Pacific/Kiritimati", "Etc/GMT+12")  # UTC+14 and UTC-12


def _laptop_date_now() -> date:
    return datetime.now().astimezone().date()


@pytest.fixture
def laptop_far_away(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The laptop's own zone set to one whose date differs from the hub's right now."""
    hub_date = hub_today(HUB_ZONE)
    for zone in FAR_ZONES:
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        if _laptop_date_now() != hub_date:
            break
    assert _laptop_date_now() != hub_date
    yield zone
    monkeypatch.undo()
    time.tzset()


def _hub_hh_mm(moment: datetime) -> str:
    return f"{to_hub_time(moment, HUB_ZONE):%H:%M}"


def _save_a_visit(qtbot: QtBot, form: VisitCaptureForm) -> None:
    qtbot.keyClick(form.contact_mode, "w")
    qtbot.keyClick(form.contact_mode, Qt.Key.Key_Return)   # no topic yet: the form asks
    with qtbot.waitSignal(form.saved, timeout=5000):
        qtbot.mouseClick(form.ask_save_anyway, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, form.context)


def _plan_a_follow_up(qtbot: QtBot, form: VisitCaptureForm) -> QDate:
    form.identity_toggle.setChecked(True)
    form.follow_up.setFocus()
    qtbot.keyClick(form.follow_up, Qt.Key.Key_Space)
    assert form.follow_up.isChecked()
    return form.follow_up_due.date()


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def test_saved_at_is_the_hubs_clock_not_the_laptops(
        laptop_far_away: str, qtbot: QtBot, form: VisitCaptureForm) -> None:
    before = datetime.now(UTC)
    _save_a_visit(qtbot, form)
    after = datetime.now(UTC)
    shown = {_hub_hh_mm(before), _hub_hh_mm(after)}
    assert any(f"Saved: visit at {hh_mm} " in form.banner.text() for hh_mm in shown), (
        form.banner.text(), shown, laptop_far_away)


def test_a_new_follow_up_is_due_a_week_from_the_hubs_today(
        laptop_far_away: str, qtbot: QtBot, form: VisitCaptureForm) -> None:
    due = _plan_a_follow_up(qtbot, form)
    assert due == _qdate(hub_today(HUB_ZONE) + timedelta(days=7)), laptop_far_away


@pytest.mark.parametrize(("now_utc", "saved_at"), [
    (datetime(2026, 3, 29, 0, 59), "00:59"),   # spring forward: the last minute of GMT
    (datetime(2026, 3, 29, 1, 30), "02:30"),   # 01:00-02:00 never happens: BST
    (datetime(2026, 10, 25, 0, 30), "01:30"),  # fall back: the first 01:30 (BST) ...
    (datetime(2026, 10, 25, 1, 30), "01:30"),  # ... and the second (GMT)
])
def test_saved_at_on_the_clock_change_days(
        monkeypatch: pytest.MonkeyPatch, qtbot: QtBot, form: VisitCaptureForm,
        now_utc: datetime, saved_at: str) -> None:
    monkeypatch.setattr(context_module, "utc_now", lambda: now_utc)
    _save_a_visit(qtbot, form)
    assert f"Saved: visit at {saved_at} " in form.banner.text()


@pytest.mark.parametrize(("now_utc", "due"), [
    (datetime(2026, 10, 24, 23, 30), date(2026, 11, 1)),  # 00:30 BST on the fall-back day
    (datetime(2026, 3, 28, 23, 59), date(2026, 4, 4)),    # 23:59 GMT, the eve of spring forward
    (datetime(2026, 3, 29, 23, 30), date(2026, 4, 6)),    # 00:30 BST, the day after it
])
def test_follow_up_due_around_the_clock_change_days(
        monkeypatch: pytest.MonkeyPatch, qtbot: QtBot, form: VisitCaptureForm,
        now_utc: datetime, due: date) -> None:
    monkeypatch.setattr(context_module, "utc_now", lambda: now_utc)
    assert _plan_a_follow_up(qtbot, form) == _qdate(due)
