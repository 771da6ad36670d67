"""The county page's views over HTTP against the real server: bad dates get a clear
message, sync health puts silent laptops first and revoked ones last, and with
several worker processes on PostgreSQL every worker knows a session (issue 12)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from hubdesk.server.council_users import create_user
from hubdesk.server.testing import LiveServer
from tests.server.test_county_security import PASSWORD, browser, sign_in

pytestmark = pytest.mark.integration


def test_dates_that_are_not_dates_are_said_next_to_their_fields(sqlite_server: LiveServer) -> None:
    create_user(sqlite_server.engine, "officer", PASSWORD, hubs=[], districts=[], county=True)
    with browser(sqlite_server) as client:
        sign_in(client)
        page = client.get("/", params={"period": "custom", "from": "31/02/2026", "to": "soon"})
        assert page.status_code == 400
        assert "There is a problem" in page.text and "Error: Figures" in page.text
        assert 'id="from-error">Enter the first day: 31/02/2026 is not a real date.' in page.text
        assert 'id="to-error">Enter the last day: Write the date as day/month/year' in page.text
        assert 'value="31/02/2026"' in page.text  # what was typed is kept
        backwards = client.get("/", params={"period": "custom", "from": "2026-11-30",
                                            "to": "2026-11-01"})
        assert "The last day must be on or after the first day." in backwards.text
        fine = client.get("/", params={"period": "custom", "from": "1/11/2026", "to": "30/11/2026"})
        assert fine.status_code == 200 and "1 November 2026 to 30 November 2026" in fine.text


def _beat(laptop: Any) -> None:
    answer = laptop.http.post("/v1/heartbeat", headers=laptop.headers(), json={
        "unsent": 3, "needs_attention": 1, "app_version": "0.1.0",
        "oldest_unsent_at": "2026-11-30T09:00:00",
        "client_time": datetime.now(UTC).isoformat()})
    assert answer.status_code == 200, answer.text


def test_sync_health_puts_silent_laptops_first_and_switched_off_ones_last(
        sqlite_server: LiveServer, make_laptop: Any) -> None:
    create_user(sqlite_server.engine, "officer", PASSWORD, hubs=[], districts=[], county=True)
    healthy, silent, revoked = (make_laptop(sqlite_server) for _ in range(3))
    _beat(healthy)
    _beat(revoked)
    sqlite_server.revoke_device(revoked.device_id)
    with browser(sqlite_server) as client:
        sign_in(client)
        page = client.get("/sync-health").text
    order = re.findall(r'<tr data-device="([^"]+)"', page)
    assert order == [silent.device_id, healthy.device_id, revoked.device_id]
    rows = dict(zip(order, page.split('<tr data-device="')[1:], strict=True))
    assert "Not syncing" in rows[silent.device_id] and "Never" in rows[silent.device_id]
    assert "Switched off" in rows[revoked.device_id]
    assert "Syncing" in rows[healthy.device_id] and "1 need attention" in rows[healthy.device_id]
    assert ">3<" in rows[healthy.device_id].replace("<br>", "<")


@pytest.mark.postgres
def test_every_worker_knows_a_session(pg_cluster: Any) -> None:
    from hubdesk.server.bootstrap import open_database
    from hubdesk.server.testing import server_process

    db_url = pg_cluster.create_database()
    engine = open_database(db_url)
    create_user(engine, "officer", PASSWORD, hubs=[], districts=[], county=True)
    engine.dispose()
    with server_process(db_url, workers=2) as running:
        running.wait_ready(2)
        served = LiveServer(running.url, db_url, engine, "")
        with browser(served) as client:
            assert sign_in(client).status_code == 303
            for _ in range(20):  # a fresh connection each time: either worker may answer
                with browser(served) as fresh:
                    fresh.cookies.set("hubdesk_session", client.cookies["hubdesk_session"])
                    answer = fresh.get("/sync-health")
                    assert answer.status_code == 200 and "Signed in as officer" in answer.text
            assert client.get("/").status_code == 200
