"""The county page's security rules, over HTTP against the real server: sessions stored
as hashes in cookies that scripts cannot read, CSRF tokens on every form that changes
something, rate-limited sign-in, the security log without personal data, and the
user commands (issue 12)."""

from __future__ import annotations

import hashlib
import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hubdesk.server.cli import main as server_main
from hubdesk.server.council_tables import WEB_SESSIONS
from hubdesk.server.council_users import create_user, disable_user, reset_password
from hubdesk.server.limits import FAILURE_LIMIT
from hubdesk.server.security_log import security_events
from hubdesk.server.testing import LiveServer

pytestmark = pytest.mark.integration

PASSWORD = "a long enough passphrase"


@pytest.fixture
def county(sqlite_server: LiveServer) -> Iterator[LiveServer]:
    create_user(sqlite_server.engine, "officer", PASSWORD, hubs=[], districts=[], county=True)
    yield sqlite_server


@pytest.fixture
def county_on_both(server: LiveServer) -> Iterator[LiveServer]:
    """The same, on SQLite and on PostgreSQL."""
    create_user(server.engine, "officer", PASSWORD, hubs=[], districts=[], county=True)
    yield server


def browser(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=60, follow_redirects=False)


def sign_in(client: httpx.Client, username: str = "officer",
            password: str = PASSWORD) -> httpx.Response:
    form = client.get("/login")
    token = re.search(r'name="form_token" value="([^"]+)"', form.text)
    assert token, form.text
    return client.post("/login", data={"form_token": token[1], "username": username,
                                       "password": password})


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found[1]


def test_the_session_cookie_is_http_only_strict_and_stored_only_as_a_hash(
        county_on_both: LiveServer) -> None:
    county = county_on_both
    with browser(county) as client:
        answer = sign_in(client)
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        cookie = next(h for h in answer.headers.get_list("set-cookie")
                      if h.startswith("hubdesk_session="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain HTTP on loopback; over TLS see below
        token = client.cookies["hubdesk_session"]
        page = client.get("/")
        assert page.status_code == 200 and "Signed in as officer" in page.text
        assert "script" not in page.headers["content-security-policy"]
        assert "default-src 'none'" in page.headers["content-security-policy"]
    with county.engine.connect() as conn:
        stored = conn.execute(select(WEB_SESSIONS.c.token_hash)).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_over_tls_the_session_cookie_is_secure(tmp_path: Path) -> None:
    from hubdesk.server.bootstrap import open_database
    from hubdesk.server.testing import server_process
    from tests.server.test_tls import _self_signed

    db_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    engine = open_database(db_url)
    create_user(engine, "officer", PASSWORD, hubs=[], districts=[], county=True)
    engine.dispose()
    certfile, keyfile = _self_signed(tmp_path)
    with server_process(db_url, extra_args=("--certfile", str(certfile), "--keyfile",
                                            str(keyfile)), cafile=certfile) as running, \
            httpx.Client(base_url=running.url, follow_redirects=False, timeout=60,
                         verify=ssl.create_default_context(cafile=str(certfile))) as client:
        answer = sign_in(client)
        cookie = next(h for h in answer.headers.get_list("set-cookie")
                      if h.startswith("hubdesk_session="))
        assert "Secure" in cookie and "HttpOnly" in cookie
        assert client.get("/").status_code == 200


def test_forms_without_their_token_change_nothing(county: LiveServer) -> None:
    with browser(county) as client:
        assert client.post("/login", data={"username": "officer", "password": PASSWORD}
                           ).status_code == 400  # no login-form token: no session
        assert "hubdesk_session" not in client.cookies
        sign_in(client)
        page = client.get("/suggestions").text
        assert client.post("/logout", data={}).status_code == 403
        assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
        assert client.get("/").status_code == 200  # still signed in
        refused = client.post("/suggestions/decide", data={
            "record_id": "0" * 36, "version": "1", "decision": "accept"})
        assert refused.status_code == 403
        assert client.post("/logout", data={"csrf": csrf_of(page)}).status_code == 303
        assert client.get("/").headers["location"] == "/login"


def test_sign_in_is_rate_limited_and_logged_without_what_was_typed(county: LiveServer) -> None:
    with browser(county) as client:
        for _ in range(FAILURE_LIMIT + 1):
            assert sign_in(client, "someone@example.org", "hunter2 secret").status_code == 401
        blocked = sign_in(client, "officer", PASSWORD)  # the right password, too late
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert "too many failed sign-ins" in blocked.text
        assert "hubdesk_session" not in client.cookies
    events = list(security_events(county.engine))
    kinds = [event.event for event in events]
    assert kinds.count("council_login_failed") == FAILURE_LIMIT + 1
    assert "rate_limited" in kinds and "council_login" not in kinds
    for event in events:
        assert "someone" not in event.detail and "hunter2" not in event.detail
        assert "officer" not in event.detail


def test_the_workbook_download_is_a_real_xlsx_of_the_users_hubs(county: LiveServer,
                                                                tmp_path: Path) -> None:
    from openpyxl import load_workbook

    with browser(county) as client:
        sign_in(client)
        answer = client.get("/download.xlsx", params={"period": "last_quarter", "area": "all"})
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in answer.headers["content-disposition"]
        (tmp_path / "figures.xlsx").write_bytes(answer.content)
        workbook = load_workbook(tmp_path / "figures.xlsx")
        assert len(workbook.sheetnames) > 2
        cover = "\n".join(str(cell.value) for row in workbook.worksheets[0].iter_rows()
                          for cell in row if cell.value)
        assert "All hubs in the county" in cover
        assert client.get("/download.pdf").status_code == 404
    downloads = [e for e in security_events(county.engine) if e.event == "council_download"]
    assert len(downloads) == 1 and "xlsx all" in downloads[0].detail


def test_a_disabled_user_is_signed_out_and_a_reset_password_replaces_the_old(
        county: LiveServer) -> None:
    with browser(county) as client:
        sign_in(client)
        assert client.get("/").status_code == 200
        disable_user(county.engine, "officer")
        assert client.get("/").headers["location"] == "/login"
        assert sign_in(client).status_code == 401
        reset_password(county.engine, "officer", "another long passphrase")
        assert sign_in(client).status_code == 401
        assert sign_in(client, password="another long passphrase").status_code == 303
    kinds = [event.event for event in security_events(county.engine)]
    assert {"council_login", "council_user_disabled", "council_password_reset"} <= set(kinds)


def test_user_commands(county: LiveServer, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", county.db_url]
    county.create_hub("Hitchin Hub", "North Herts")
    monkeypatch.setenv("HUBDESK_USER_PASSWORD", "short")
    assert server_main([*db, "create-user", "--username", "j.smith", "--county"]) == 1
    assert "at least 12 characters" in capsys.readouterr().err
    monkeypatch.setenv("HUBDESK_USER_PASSWORD", PASSWORD)
    assert server_main([*db, "create-user", "--username", "j.smith",
                        "--district", "Nowhere"]) == 1
    assert "no hub is in the district 'Nowhere'" in capsys.readouterr().err
    assert server_main([*db, "create-user", "--username", "j.smith"]) == 1
    assert "--hub, --district" in capsys.readouterr().err
    assert server_main([*db, "create-user", "--username", "J.Smith",
                        "--district", "north herts", "--hub", "Test Hub"]) == 0
    capsys.readouterr()
    assert server_main([*db, "create-user", "--username", "j.smith", "--county"]) == 1
    assert "already a user called j.smith" in capsys.readouterr().err
    assert server_main([*db, "list-users"]) == 0
    listed = capsys.readouterr().out
    assert "j.smith: hub Test Hub; district north herts" in listed
    assert "officer: every hub" in listed
    assert server_main([*db, "disable-user", "--username", "j.smith"]) == 0
    assert server_main([*db, "reset-password", "--username", "nobody"]) == 1
    assert "no user called nobody" in capsys.readouterr().err


def suggestion(laptop: Any, fields: dict[str, Any], record_id: str | None = None,
               version: int = 1) -> str:
    payload = laptop.payload("suggestion", {"hub_id": laptop.hub_id, **fields},
                             record_id=record_id, version=version,
                             base_version=None if version == 1 else version - 1)
    answer = laptop.post(laptop.batch([laptop.item(payload)]))
    assert answer.json()["results"][0]["status"] == "accepted", answer.text
    return str(payload["record_id"])


def test_suggestions_are_decided_once_per_version(county_on_both: LiveServer,
                                                  make_laptop: Any) -> None:
    from hubdesk.server.council_sessions import viewer_for_session
    from hubdesk.server.reference import published_data
    from hubdesk.server.suggestions import SuggestionRefused, decide, pending_suggestions

    county = county_on_both
    laptop = make_laptop(county)
    added = suggestion(laptop, {"action": "add", "name": "Warm Welcome Café",
                                "organisation": "St Mary's", "categories": ["food", "social"],
                                "reason": "Opened in October."})
    with browser(county) as client:
        sign_in(client)
        viewer = viewer_for_session(county.engine, client.cookies["hubdesk_session"])
    assert viewer is not None
    [pending] = pending_suggestions(county.engine, viewer)
    assert pending.title == "Add a new service: Warm Welcome Café" and pending.problem is None
    service_id = decide(county.engine, viewer, added, 1, accept=True)
    assert service_id is not None
    with county.engine.connect() as conn:
        published = published_data(conn, "services", service_id)
    assert published is not None and "Warm Welcome Café" in published
    assert pending_suggestions(county.engine, viewer) == []
    with pytest.raises(SuggestionRefused, match="already decided"):
        decide(county.engine, viewer, added, 1, accept=False)
    # the coordinator changes the suggestion: the new version is pending again
    suggestion(laptop, {"action": "correct", "service_id": service_id, "phone": "01438 1"},
               record_id=added, version=2)
    [again] = pending_suggestions(county.engine, viewer)
    assert again.version == 2
    with pytest.raises(SuggestionRefused, match="changed this suggestion"):
        decide(county.engine, viewer, added, 1, accept=True)
    decide(county.engine, viewer, added, 2, accept=False)
    with county.engine.connect() as conn:
        assert '"phone":"01438 1"' not in (published_data(conn, "services", service_id) or "")
    admin_events = [e.event for e in security_events(county.engine)]
    assert {"suggestion_accepted", "suggestion_rejected"} <= set(admin_events)
