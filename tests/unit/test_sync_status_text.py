"""The sync state's words (``hubdesk.sync.status_text``: no Qt, no database), shared by
the status bar, the sync panel and the command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hubdesk.sync.engine import SyncResult, SyncStatus
from hubdesk.sync.status_text import (
    NOT_CONNECTED_TEXT,
    OFFLINE,
    ONLINE,
    PORTAL,
    REVOKED_TEXT,
    command_line_result,
    result_text,
    status_line,
)

NOW = datetime(2026, 3, 10, 15, 0)  # naive UTC, as the store keeps times
LONDON = ZoneInfo("Europe/London")


def snapshot(unsent: int = 0, visits: int = 0, attention: int = 0, *, oldest_h: float | None = None,
             last_sync: datetime | None = None, enrolled: bool = True,
             revoked: bool = False, zone: str = "Europe/London") -> SyncStatus:
    oldest = NOW - timedelta(hours=oldest_h) if oldest_h is not None else None
    return SyncStatus(unsent, attention, oldest, last_sync, revoked, enrolled, None, visits, zone)


def local_hh_mm(when: datetime) -> str:
    return f"{when.replace(tzinfo=UTC).astimezone(LONDON):%H:%M}"


def test_all_sent_names_the_time_of_the_last_sync() -> None:
    last = NOW - timedelta(minutes=5)
    assert status_line(snapshot(last_sync=last), ONLINE, NOW) == f"All sent · {local_hh_mm(last)}"
    # offline with nothing waiting is still "all sent"
    assert status_line(snapshot(last_sync=last), OFFLINE, NOW).startswith("All sent · ")
    assert status_line(snapshot(), ONLINE, NOW) == "Nothing waiting to send"


def test_an_older_last_sync_names_its_day() -> None:
    last = NOW - timedelta(days=3)
    local = last.replace(tzinfo=UTC).astimezone(LONDON)
    assert status_line(snapshot(last_sync=last), ONLINE, NOW) == (
        f"All sent · {local.day} {local:%b %H:%M}")


def test_waiting_counts_visits_and_says_how_many_records_that_is() -> None:
    assert status_line(snapshot(1, 1), ONLINE, NOW) == "1 visit waiting"
    assert status_line(snapshot(4, 1), ONLINE, NOW) == "1 visit waiting (4 records)"
    assert status_line(snapshot(12, 3, oldest_h=2.2), ONLINE, NOW) == (
        "3 visits waiting (12 records, oldest 2 h)")
    assert status_line(snapshot(2, 0, oldest_h=0.5), ONLINE, NOW) == "2 records waiting (oldest 30 min)"
    assert status_line(snapshot(4, 1), OFFLINE, NOW) == (
        "1 visit waiting (4 records) · cannot reach the server")


def test_attention_portal_not_connected_and_revoked() -> None:
    assert status_line(snapshot(attention=3), ONLINE, NOW) == "3 records need attention"
    assert status_line(snapshot(attention=1, last_sync=NOW), ONLINE, NOW) == (
        "1 record needs attention")
    assert status_line(snapshot(3, 1, 1), PORTAL, NOW) == (
        "1 visit waiting (3 records) · 1 record needs attention · "
        "Open the Wi-Fi login page, then sync")
    assert status_line(snapshot(enrolled=False), OFFLINE, NOW) == NOT_CONNECTED_TEXT
    assert status_line(snapshot(3, 1, enrolled=False), OFFLINE, NOW) == (
        "Not connected to a server · 1 visit waiting (3 records)")
    assert status_line(snapshot(3, 1, revoked=True), ONLINE, NOW) == REVOKED_TEXT


def test_result_sentences() -> None:
    just_now = datetime.now(UTC).replace(tzinfo=None)
    done = SyncResult(sent=12, rejected=1, conflicts=0, downloaded=3, pending=0,
                      needs_attention=1, last_sync_at=just_now, completed=True)
    assert result_text(done) == (f"Sent 12 records at {local_hh_mm(just_now)}. Received 3 updates. "
                                 "1 record needs attention: see below. Nothing is waiting.")
    offline = SyncResult(sent=0, rejected=0, conflicts=0, downloaded=0, pending=4,
                         needs_attention=0, last_sync_at=None, completed=False,
                         error="Cannot reach the HubDesk server. Check the internet connection.",
                         error_kind="Offline")
    assert result_text(offline) == (
        "The sync stopped: Cannot reach the HubDesk server. Check the internet connection. "
        "0 records sent; 4 still waiting. HubDesk will try again by itself.")


def test_times_are_the_hubs_whatever_the_laptops_zone() -> None:
    summer = datetime(2026, 7, 1, 16, 42)  # 17:42 BST, 12:42 in New York
    assert status_line(snapshot(last_sync=summer), ONLINE, summer) == "All sent · 17:42"
    assert status_line(snapshot(last_sync=summer, zone="America/New_York"), ONLINE, summer) == (
        "All sent · 12:42")
    # 23:30 UTC on 30 June is already 1 July at the hub: still "today", so no date
    late = datetime(2026, 6, 30, 23, 30)
    assert status_line(snapshot(last_sync=late), ONLINE, summer) == "All sent · 00:30"


def test_the_command_line_uses_the_same_words() -> None:
    done = SyncResult(sent=3, rejected=0, conflicts=0, downloaded=0, pending=2,
                      needs_attention=0, last_sync_at=NOW, completed=True)
    assert command_line_result(done, snapshot(2, 1)) == "Sent 3 records. 1 visit waiting (2 records)."
