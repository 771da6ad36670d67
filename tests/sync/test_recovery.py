"""Every PIN forgotten: recovery through the real server (issue 8 / DESIGN §9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hubdesk.core.errors import AuthError, UserFacingError
from hubdesk.core.paths import AppPaths
from hubdesk.protocol import trust
from hubdesk.server import admin
from hubdesk.services import laptop, setup
from hubdesk.store.keyring import KeyRing
from hubdesk.sync.commands import enrol_command
from hubdesk.sync.recovery import recover_laptop
from tests.sync.harness import RunningServer, running_server

pytestmark = pytest.mark.integration

COORDINATOR, PIN = "Pat Coordinator", "246810"


@pytest.fixture
def server(tmp_path: Path) -> RunningServer:
    with running_server(f"sqlite:///{tmp_path / 'server.sqlite3'}") as running:
        yield running  # type: ignore[misc]


def _enrolled_laptop(folder: Path, server: RunningServer) -> tuple[AppPaths, str]:
    paths = AppPaths(folder).ensure()
    store = laptop.open_new_laptop(paths)
    try:
        with store.unit_of_work() as db:
            setup.ensure_first_coordinator(db, COORDINATOR, PIN)
            device_id = setup.ensure_device(db)
        assert enrol_command(store, paths, server.url, server.enrol_code()) == 0
    finally:
        store.close()
    return paths, device_id


def test_the_recovery_slot_is_made_at_enrolment_and_opens_only_with_a_server_code(
        tmp_path: Path, server: RunningServer) -> None:
    paths, device_id = _enrolled_laptop(tmp_path / "laptop", server)
    ring = KeyRing.load(paths.data_dir)
    assert ring is not None and ring.recovery is not None
    assert ring.recovery["device_id"] == device_id

    with pytest.raises(UserFacingError):
        recover_laptop(paths, "AAAA-BBBB-CCCC-DDDD", COORDINATOR, "555555")  # a made-up code
    code = admin.create_recovery_code(server.engine, device_id)
    with pytest.raises(AuthError, match="coordinators"):
        recover_laptop(paths, code, "Nobody Here", "555555")
    code = admin.create_recovery_code(server.engine, device_id)
    opened = recover_laptop(paths, code, COORDINATOR, "555555")
    assert opened.actor.display_name == COORDINATOR
    opened.store.close()
    with pytest.raises(UserFacingError):
        recover_laptop(paths, code, COORDINATOR, "777777")  # a code works once
    again = laptop.unlock_laptop(paths, COORDINATOR, "555555")  # the new PIN is a key slot now
    again.store.close()
    with pytest.raises(AuthError):
        laptop.unlock_laptop(paths, COORDINATOR, PIN)  # the forgotten one no longer opens it


def test_recover_on_the_command_line(tmp_path: Path, server: RunningServer) -> None:
    paths, device_id = _enrolled_laptop(tmp_path / "laptop", server)
    code = admin.create_recovery_code(server.engine, device_id)
    env = {**os.environ, "HUBDESK_PIN": "864209"}
    done = subprocess.run([sys.executable, "-m", "hubdesk", "--data-dir", str(paths.data_dir),
                           "--volunteer", COORDINATOR, "recover", "--code", code],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Recovered" in done.stdout
    status = subprocess.run([sys.executable, "-m", "hubdesk", "--data-dir", str(paths.data_dir),
                             "--volunteer", COORDINATOR, "status", "--json"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert status.returncode == 0, status.stderr


def _slot_form(paths: AppPaths) -> int:
    ring = KeyRing.load(paths.data_dir)
    assert ring is not None and ring.recovery is not None
    return trust.sealed_version(trust.unb64(ring.recovery["sealed"]))


def _unbind_slot(paths: AppPaths) -> None:
    """As a laptop of the first release left it: the recovery slot sealed unbound."""
    opened = laptop.unlock_laptop(paths, COORDINATOR, PIN)
    vault = opened.store.vault
    opened.store.close()
    assert vault is not None
    slot = vault.ring.recovery
    assert slot is not None
    old = trust.seal_legacy(trust.unb64(slot["server_public_key"]), vault.key)
    vault.ring._data["recovery"]["sealed"] = trust.b64(old)  # the file as it was written then
    vault.ring.save()
    assert _slot_form(paths) == trust.LEGACY_SEALED_VERSION


def test_an_unbound_slot_is_resealed_at_the_next_unlock_and_still_recovers_before(
        tmp_path: Path, server: RunningServer) -> None:
    paths, device_id = _enrolled_laptop(tmp_path / "laptop", server)
    assert _slot_form(paths) == trust.SEALED_VERSION  # made bound at enrolment
    _unbind_slot(paths)
    # every PIN lost before it was unlocked again: the old form still recovers
    opened = recover_laptop(paths, admin.create_recovery_code(server.engine, device_id),
                            COORDINATOR, "555555")
    opened.store.close()
    # the next unlock re-seals it bound to this device (no network needed)
    laptop.unlock_laptop(paths, COORDINATOR, "555555").store.close()
    assert _slot_form(paths) == trust.SEALED_VERSION
    again = recover_laptop(paths, admin.create_recovery_code(server.engine, device_id),
                           COORDINATOR, "666666")
    again.store.close()
