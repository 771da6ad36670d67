"""``hubdesk enrol`` and ``hubdesk sync`` (called by ``hubdesk/cli.py``).

Both return an exit code: 0 success, 1 failure with a one-line reason on stderr.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

from hubdesk import __version__
from hubdesk.core.errors import UserFacingError
from hubdesk.core.paths import AppPaths
from hubdesk.store import sync_repo
from hubdesk.store.engine import Store
from hubdesk.sync.engine import SyncEngine, sync_status
from hubdesk.sync.enrolment import enrol_laptop
from hubdesk.sync.errors import NotEnrolled
from hubdesk.sync.status_text import command_line_result
from hubdesk.sync.transport import HttpTransport


def _fail(message: str) -> int:
    print(" ".join(message.split()), file=sys.stderr)
    return 1


def enrol_command(store: Store, paths: AppPaths, server: str, code: str) -> int:
    """Enrol this laptop with a one-time code; safe to repeat (same laptop, same code).

    Prints one line: the hub it is now connected to, or why not (the server's own words
    for a refused code).  Then a best-effort first sync brings the hub's data.
    """
    del paths  # the data folder is already open as ``store``
    try:
        result = enrol_laptop(store, server, code)
    except UserFacingError as error:
        return _fail(str(error))
    print(f"Enrolled this laptop with {result.hub_name} ({result.hub_district}) at {result.server}.")
    _first_download(store, result.server, result.device_token)
    return 0


def _first_download(store: Store, server: str, token: str) -> None:
    """Best effort, right after enrolling: the hub's venues, roster and directory, so
    the laptop can record at once.  A failure here is left for the next sync."""
    transport = HttpTransport(server, token, app_version=__version__)
    try:
        SyncEngine(store, transport, max_retries=1, app_version=__version__).run()
    finally:
        transport.close()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def sync_command(store: Store, paths: AppPaths, as_json: bool) -> int:
    """Push and pull until done; exit 0 only when nothing is left to send."""
    del paths
    with store.unit_of_work() as db:
        state = sync_repo.device_state(db)
        server_url = state.server_url if state else None
        token = state.device_token if state else None
    if not server_url or not token:
        result_error: str | None = str(NotEnrolled())
        if as_json:
            with store.unit_of_work() as db:
                status = sync_status(db)
            print(json.dumps(_json(status, {"error": result_error, "error_kind": "NotEnrolled"})))
        return _fail(result_error or "")
    transport = HttpTransport(server_url, token, app_version=__version__)
    try:
        engine = SyncEngine(store, transport, app_version=__version__)
        result = engine.run()
    finally:
        transport.close()
    with store.unit_of_work() as db:
        status = sync_status(db)
    extra: dict[str, Any] = {
        "sent": result.sent,
        "rejected": result.rejected,
        "conflicts": result.conflicts,
        "downloaded": result.downloaded,
        "completed": result.completed,
        "error": result.error,
        "error_kind": result.error_kind,
    }
    if as_json:
        print(json.dumps(_json(status, extra)))
    else:
        print(command_line_result(result, status))
    if result.error:
        return _fail(result.error)
    if status.unsent:
        return _fail(f"{status.unsent} records are still waiting to be sent.")
    return 0


def _json(status: Any, extra: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "sent": 0,
        "pending": status.unsent,
        "needs_attention": status.needs_attention,
        "last_sync": _iso(status.last_sync_at),
        "oldest_unsent": _iso(status.oldest_unsent_at),
        "revoked": status.revoked,
        "enrolled": status.enrolled,
    }
    data.update(extra)
    return data
