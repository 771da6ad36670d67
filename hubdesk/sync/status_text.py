"""The words for the sync state: the one place that says it (no Qt, no database).

The status bar, the sync panel and the command line all word the state here, from
plain values (:class:`~hubdesk.sync.status.SyncStatus`, a run's
:class:`~hubdesk.sync.engine.SyncResult`, an end-of-day receipt).  Times are shown
in the hub's time zone (``SyncStatus.zone``, DESIGN §8).

What "waiting" counts: the outbox holds *records* (a visit, each of its
conversations, each signposting outcome...).  The words name visits when any are
waiting and say how many records that is: "1 visit waiting (3 records)".
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from hubdesk.core.days import DEFAULT_TIME_ZONE, hub_today, to_hub_time
from hubdesk.sync.status import EndOfDayReceipt, SyncStatus

if TYPE_CHECKING:
    from hubdesk.sync.engine import SyncResult

NOT_CONNECTED_TEXT = "Not connected to a server"
REVOKED_TEXT = "This laptop has been disconnected from the server: ask your coordinator"
PORTAL_TEXT = "Open the Wi-Fi login page, then sync"
OFFLINE_TEXT = "cannot reach the server"

#: reachability of the server as the last probe or run found it
UNKNOWN, ONLINE, OFFLINE, PORTAL = "unknown", "online", "offline", "portal"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def age_text(since: datetime | None, now: datetime | None = None) -> str | None:
    """"5 min" / "2 h" / "3 days" since a naive-UTC time; None under a minute."""
    if since is None:
        return None
    current = now or datetime.now(UTC).replace(tzinfo=None)
    seconds = max(0.0, (current - since).total_seconds())
    if seconds < 60:
        return None
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def waiting_text(status: SyncStatus, now: datetime | None = None) -> str:
    """"1 visit waiting (3 records, oldest 2 h)", "2 records waiting", or ""."""
    if not status.unsent:
        return ""
    details: list[str] = []
    if status.unsent_visits:
        text = plural(status.unsent_visits, "visit") + " waiting"
        if status.unsent != status.unsent_visits:
            details.append(plural(status.unsent, "record"))
    else:
        text = plural(status.unsent, "record") + " waiting"
    age = age_text(status.oldest_unsent_at, now)
    if age:
        details.append(f"oldest {age}")
    return text + (f" ({', '.join(details)})" if details else "")


def attention_text(count: int) -> str:
    if not count:
        return ""
    return f"{plural(count, 'record')} {'needs' if count == 1 else 'need'} attention"


def local_time_text(when: datetime, zone: str = DEFAULT_TIME_ZONE,
                    now: datetime | None = None) -> str:
    """A naive-UTC time as the hub's "17:42", or "21 Nov 17:42" when it was not today."""
    local = to_hub_time(when, zone)
    today = hub_today(zone, now.replace(tzinfo=UTC) if now else None)
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def status_line(status: SyncStatus, reach: str = UNKNOWN, now: datetime | None = None) -> str:
    """The status bar's words: "All sent · 17:42", "1 visit waiting (3 records)",
    "2 records need attention", "Not connected to a server", the revoked message..."""
    if status.revoked:
        return REVOKED_TEXT
    waiting = waiting_text(status, now)
    attention = attention_text(status.needs_attention)
    if not status.enrolled:
        return " · ".join(p for p in (NOT_CONNECTED_TEXT, waiting, attention) if p)
    parts = [p for p in (waiting, attention) if p]
    if reach == PORTAL:
        parts.append(PORTAL_TEXT)
    elif reach == OFFLINE and waiting:
        parts.append(OFFLINE_TEXT)
    if parts:
        text = " · ".join(parts)
        return text[0].upper() + text[1:]
    if status.last_sync_at is None:
        return "Nothing waiting to send"
    return f"All sent · {local_time_text(status.last_sync_at, status.zone, now)}"


def connection_text(status: SyncStatus, server_url: str | None, hub_name: str | None) -> str:
    """The sync panel's line about the server this laptop is connected to."""
    if status.revoked:
        return ("The server no longer accepts this laptop. Everything recorded here is "
                "kept safe on this laptop.")
    if not status.enrolled:
        return (f"{NOT_CONNECTED_TEXT}: records are kept safe on this laptop. A coordinator "
                "can connect it with a one-time code from the council's HubDesk team.")
    hub = f"{hub_name} at " if hub_name else ""
    return f"Connected to {hub}{server_url}. HubDesk syncs by itself when it can."


def result_text(result: SyncResult, zone: str = DEFAULT_TIME_ZONE) -> str:
    """One or two plain sentences about a finished run (the panel's "last sync")."""
    sent = plural(result.sent, "record")
    if result.cancelled:
        return (f"You stopped the sync. {sent} sent before it stopped; "
                f"{result.pending} still waiting. Nothing was lost.")
    if result.error_kind == "NotEnrolled":
        return "This laptop is not connected to a server yet, so nothing was sent."
    if result.error_kind == "AuthRevoked":
        return ("The server no longer accepts this laptop. Everything recorded here is kept "
                "safe on this laptop: ask your coordinator to connect it again.")
    if result.error_kind == "CaptivePortal":
        return "The Wi-Fi asks you to log in first: open the Wi-Fi login page, then sync."
    if result.error:
        return (f"The sync stopped: {result.error} {sent} sent; {result.pending} still waiting. "
                "HubDesk will try again by itself.")
    when = local_time_text(result.last_sync_at, zone) if result.last_sync_at else ""
    text = f"Sent {sent}" + (f" at {when}" if when else "") + "."
    if result.downloaded:
        text += f" Received {plural(result.downloaded, 'update')}."
    if result.rejected or result.conflicts:
        text += f" {attention_text(result.rejected + result.conflicts)}: see below."
    text += " Nothing is waiting." if not result.pending else f" {result.pending} still waiting."
    return text


def command_line_result(result: SyncResult, status: SyncStatus) -> str:
    """``hubdesk sync``'s one line: what this run sent, then the state in the status bar's words."""
    return f"Sent {plural(result.sent, 'record')}. {status_line(status)}."


def receipt_sentence(receipt: EndOfDayReceipt, today: date) -> str:
    """"37 recorded on this laptop today, 37 received by the server, 0 missing, 0 duplicated"."""
    when = "today" if receipt.day == today else f"on {receipt.day.day} {receipt.day:%B}"
    return (f"{receipt.recorded} recorded on this laptop {when}, {receipt.received} received by "
            f"the server, {receipt.missing} missing, {receipt.duplicated} duplicated")


def receipt_detail(receipt: EndOfDayReceipt) -> str:
    parts = []
    if receipt.waiting:
        parts.append(f"{receipt.waiting} still waiting to be sent")
    if receipt.needs_attention:
        verb = "needs" if receipt.needs_attention == 1 else "need"
        parts.append(f"{receipt.needs_attention} {verb} attention (listed below)")
    if receipt.dealt_with:
        parts.append(f"{receipt.dealt_with} not accepted and marked as dealt with")
    if receipt.missing == 0 and receipt.recorded:
        lead = "Everything recorded on this day is safely on the server."
    elif receipt.recorded == 0:
        lead = "Nothing was recorded on this laptop on this day."
    else:
        lead = "Missing means not on the server yet: " + "; ".join(parts) + "."
    return (lead + " Each visit, conversation and signposting outcome counts as one record.")


def laptop_line(unsent: int, needs_attention: int) -> str:
    """The window's line before sync is set up: "All saved on this laptop · 12 waiting to send"."""
    parts = ["All saved on this laptop",
             f"{unsent} waiting to send" if unsent else "nothing waiting to send"]
    if needs_attention:
        noun = "needs" if needs_attention == 1 else "need"
        parts.append(f"{needs_attention} {noun} attention")
    return " · ".join(parts)
