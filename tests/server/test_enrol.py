"""Enrolment is safe to repeat; a code serves one laptop; revocation locks a laptop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hubdesk.server.testing import LiveServer

pytestmark = pytest.mark.integration


def test_lost_answer_repeat_gets_a_working_token(server: LiveServer,
                                                 make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server, enrol=False)
    code = server.enrol_code()
    first = laptop.enrol_response(code)
    assert first.status_code == 200, first.text
    # the answer was "lost": the laptop asks again with the same code, id and key
    again = laptop.enrol_response(code)
    assert again.status_code == 200, again.text
    assert again.json()["hub"]["id"] == server.hub_id
    laptop.token = again.json()["device_token"]
    response = laptop.post(laptop.batch([laptop.item()]))
    assert response.status_code == 200, response.text
    # the token of the answer it never saw is gone: tokens are random, one live at a time
    laptop.token = first.json()["device_token"]
    assert laptop.post(laptop.batch([laptop.item()])).status_code == 401


def test_code_cannot_enrol_a_second_laptop(server: LiveServer,
                                           make_laptop: Callable[..., Any]) -> None:
    code = server.enrol_code()
    make_laptop(server, enrol=False).enrol(code)
    other = make_laptop(server, enrol=False)
    refused = other.enrol_response(code)
    assert refused.status_code == 409
    assert refused.json()["error"] == "enrol_code_used"
    assert "another laptop" in refused.json()["message"]


def test_unknown_code_is_refused(server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server, enrol=False)
    refused = laptop.enrol_response("ZZZZ-ZZZZ-ZZZZ")
    assert refused.status_code == 401
    assert refused.json()["error"] == "enrol_code_invalid"


def test_expired_code_is_refused(server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    code = server.enrol_code(valid_days=0)  # expires the moment it is made
    refused = make_laptop(server, enrol=False).enrol_response(code)
    assert refused.status_code == 401


def test_revoked_laptop_stays_off_until_the_council_reinstates_it(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server, enrol=False)
    first_code = server.enrol_code()
    laptop.enrol(first_code)
    assert laptop.post(laptop.batch([laptop.item()])).status_code == 200
    revoked_token = laptop.token
    server.revoke_device(laptop.device_id)
    for response in (laptop.post(laptop.batch([laptop.item()])),
                     laptop.get("/v1/reference"),
                     laptop.get("/v1/changes")):
        assert response.status_code == 403
        assert response.json()["error"] == "device_revoked"
    # neither its old code nor a new one can revive it (revocation is final) ...
    for code in (first_code, server.enrol_code()):
        again = laptop.enrol_response(code)
        assert again.status_code == 403
        assert again.json()["error"] == "device_revoked"
    assert laptop.post(laptop.batch([laptop.item()])).status_code == 403
    # ... only the audited reinstate-device does; then the laptop sends what it kept
    server.reinstate_device(laptop.device_id)
    assert laptop.token == revoked_token
    kept = laptop.item()
    assert laptop.post(laptop.batch([kept])).status_code == 200


def test_missing_or_wrong_token_gets_401(server: LiveServer,
                                         make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server, enrol=False)
    missing = laptop.post(laptop.batch([laptop.item()]))
    assert missing.status_code == 401
    assert missing.json()["error"] == "missing_token"
    laptop.token = "hd1_" + "x" * 43
    wrong = laptop.get("/v1/reference")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "bad_token"


def test_health_needs_no_token(server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(server, enrol=False)
    health = laptop.get("/v1/health")
    assert health.status_code == 200
    assert health.json()["service"] == "hubdesk-server"
    assert health.json()["status"] == "ok"
