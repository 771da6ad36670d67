"""Enrolment (``hubdesk.sync.enrolment.enrol_laptop``, shared by ``hubdesk enrol`` and
the app's dialog) against the real server on loopback: a refused code is said in the
server's own words, and is never mistaken for a revoked laptop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hubdesk.core.errors import ValidationError
from hubdesk.core.paths import AppPaths
from hubdesk.server import admin
from hubdesk.store import sync_repo
from hubdesk.store.engine import Store
from hubdesk.sync.commands import enrol_command
from hubdesk.sync.enrolment import EnrolResult, enrol_laptop
from hubdesk.sync.errors import AuthRevoked, EnrolRefused
from tests.sync.harness import RunningServer


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[tuple[Store, AppPaths]]:
    paths = AppPaths(tmp_path / "laptop").ensure()
    store = Store.open(paths.database)
    yield store, paths
    store.close()


def _token(store: Store) -> str | None:
    with store.unit_of_work() as db:
        state = sync_repo.device_state(db)
        return state.device_token if state else None


def test_a_good_code_connects_and_the_token_stays_out_of_sight(
        server: RunningServer, laptop: tuple[Store, AppPaths]) -> None:
    store, _paths = laptop
    result = enrol_laptop(store, f" {server.url}/ ", server.enrol_code())
    assert isinstance(result, EnrolResult)
    assert (result.server, result.hub_id, result.hub_name) == (
        server.url, server.hub_id, "Stevenage Healthy Hub")
    assert result.device_token and result.device_token == _token(store)
    assert result.device_token not in repr(result)


def test_an_unknown_code_is_refused_in_the_servers_words(
        server: RunningServer, laptop: tuple[Store, AppPaths],
        capsys: pytest.CaptureFixture[str]) -> None:
    store, paths = laptop
    with pytest.raises(EnrolRefused) as refused:
        enrol_laptop(store, server.url, "NOPE-NOPE-NOPE")
    assert not isinstance(refused.value, AuthRevoked)
    assert "not valid or has expired" in refused.value.message
    assert _token(store) is None

    assert enrol_command(store, paths, server.url, "NOPE-NOPE-NOPE") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == ("This enrolment code is not valid or has expired. "
                           "Ask the council team for a new one.")


def test_a_code_used_by_another_laptop_is_refused(
        server: RunningServer, laptop: tuple[Store, AppPaths], tmp_path: Path) -> None:
    store, _paths = laptop
    code = server.enrol_code()
    enrol_laptop(store, server.url, code)
    other = Store.open(AppPaths(tmp_path / "other").ensure().database)
    try:
        with pytest.raises(EnrolRefused) as refused:
            enrol_laptop(other, server.url, code)
        assert "already been used by another laptop" in refused.value.message
        assert _token(other) is None
    finally:
        other.close()


def test_a_switched_off_laptop_cannot_come_back_with_its_old_code(
        server: RunningServer, laptop: tuple[Store, AppPaths]) -> None:
    store, _paths = laptop
    code = server.enrol_code()
    enrol_laptop(store, server.url, code)
    with store.unit_of_work() as db:
        state = sync_repo.device_state(db)
        assert state is not None
        device_id = state.device_id
    admin.revoke_device(server.engine, device_id)
    with pytest.raises(EnrolRefused) as refused:  # the server says 403 device_revoked
        enrol_laptop(store, server.url, code)
    assert "switched off" in refused.value.message


@pytest.mark.parametrize("address, code, fields", [
    ("ftp://example", "ABCD-EFGH-JKLM", {"server"}),
    ("", "", {"server", "code"}),
    ("https://example.invalid", "   ", {"code"}),
])
def test_answers_that_cannot_be_right_never_reach_the_network(
        laptop: tuple[Store, AppPaths], address: str, code: str, fields: set[str]) -> None:
    store, _paths = laptop
    with pytest.raises(ValidationError) as invalid:
        enrol_laptop(store, address, code)
    assert set(invalid.value.field_errors) == fields
