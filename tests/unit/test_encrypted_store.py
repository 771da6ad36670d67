"""The laptop's store is encrypted at rest (issue 8, DESIGN §9): files, keys, slots."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hubdesk.core.errors import AuthError, StorageError
from hubdesk.core.paths import AppPaths
from hubdesk.services import laptop, setup, volunteers
from hubdesk.store.encryption import SQLITE_MAGIC
from hubdesk.store.engine import Store
from hubdesk.store.keyring import KeyRing, Vault
from hubdesk.store.models import AuditEvent
from tests.conftest import COORDINATOR, PIN, VOLUNTEER_PIN

VOLUNTEER = "Val Volunteer"


def _new_laptop(paths: AppPaths) -> None:
    """First run on a fresh folder, as the app does it; one extra volunteer."""
    store = laptop.open_new_laptop(paths)
    try:
        with store.unit_of_work() as db:
            setup.first_run_setup(db, setup.SetupForm(
                hub_name="Stevenage Healthy Hub", district="Stevenage", venue_name="St Mary's Hall",
                coordinator_name=COORDINATOR, pin=PIN))
        with store.unit_of_work() as db:
            actor = volunteers.unlock(db, COORDINATOR, PIN)
            volunteers.add_volunteer(db, actor, VOLUNTEER, VOLUNTEER_PIN)
    finally:
        store.close()


def _files_with_plain_sqlite(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                if handle.read(16) == SQLITE_MAGIC:
                    found.append(path)
    return found


def _files_containing(folder: Path, needle: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_the_file_opens_neither_with_plain_sqlite_nor_a_wrong_key(paths: AppPaths) -> None:
    _new_laptop(paths)
    assert laptop.laptop_state(paths) is laptop.LaptopState.ENCRYPTED
    plain = sqlite3.connect(paths.database)
    with pytest.raises(sqlite3.DatabaseError):
        plain.execute("SELECT count(*) FROM volunteers").fetchone()
    plain.close()
    ring = KeyRing.load(paths.data_dir)
    assert ring is not None
    with pytest.raises(StorageError):
        Store.open(paths.database, vault=Vault(ring, os.urandom(32))).close()
    assert _files_with_plain_sqlite(paths.data_dir) == []
    assert _files_containing(paths.data_dir, COORDINATOR.encode()) == []
    assert _files_containing(paths.data_dir, b"Stevenage Healthy Hub") == []


def test_each_active_volunteers_pin_opens_it_and_a_deactivated_ones_does_not(paths: AppPaths) -> None:
    _new_laptop(paths)
    for name, pin in ((COORDINATOR, PIN), (VOLUNTEER, VOLUNTEER_PIN)):
        opened = laptop.unlock_laptop(paths, name, pin)
        assert opened.actor.display_name == name
        opened.store.close()
    with pytest.raises(AuthError):
        laptop.unlock_laptop(paths, VOLUNTEER, PIN)
    opened = laptop.unlock_laptop(paths, COORDINATOR, PIN)
    with opened.store.unit_of_work() as db:
        val = next(v for v in volunteers.list_volunteers(db) if v.display_name == VOLUNTEER)
        volunteers.deactivate_volunteer(db, opened.actor, val.id)
    opened.store.close()
    ring = KeyRing.load(paths.data_dir)
    assert ring is not None and not ring.has_slot(VOLUNTEER)
    with pytest.raises(AuthError):
        laptop.unlock_laptop(paths, VOLUNTEER, VOLUNTEER_PIN)


def test_files_are_private_to_the_user(paths: AppPaths) -> None:
    _new_laptop(paths)
    opened = laptop.unlock_laptop(paths, COORDINATOR, PIN)
    opened.store.close()
    assert stat.S_IMODE(paths.data_dir.stat().st_mode) == 0o700
    for path in paths.data_dir.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_a_plain_database_is_encrypted_in_place_keeping_every_record(paths: AppPaths) -> None:
    from hubdesk.services.demo import generate_demo

    plain = Store.open(paths.database, backups=paths.backups)
    with plain.unit_of_work() as db:
        setup.first_run_setup(db, setup.SetupForm(
            hub_name="Stevenage Healthy Hub", district="Stevenage", venue_name="St Mary's Hall",
            coordinator_name=COORDINATOR, pin=PIN))
    with plain.unit_of_work() as db:
        actor = volunteers.unlock(db, COORDINATOR, PIN)
        volunteers.add_volunteer(db, actor, VOLUNTEER, VOLUNTEER_PIN)
        generate_demo(db, actor, visits=60, seed=3, days=5)
    before = _counts(plain)
    plain.close()
    paths.backups.mkdir(exist_ok=True)
    (paths.backups / "hubdesk-before-0002.sqlite3").write_bytes(paths.database.read_bytes())
    assert laptop.laptop_state(paths) is laptop.LaptopState.PLAIN

    with pytest.raises(AuthError, match="coordinator"):
        laptop.unlock_laptop(paths, VOLUNTEER, VOLUNTEER_PIN)  # a volunteer cannot encrypt it
    assert laptop.laptop_state(paths) is laptop.LaptopState.PLAIN

    opened = laptop.unlock_laptop(paths, COORDINATOR, PIN)
    assert _counts(opened.store) == before
    opened.store.close()
    assert laptop.laptop_state(paths) is laptop.LaptopState.ENCRYPTED
    assert _files_with_plain_sqlite(paths.data_dir) == []
    assert _files_containing(paths.data_dir, COORDINATOR.encode()) == []
    assert _files_containing(paths.data_dir, b"St Mary's Hall") == []
    again = laptop.unlock_laptop(paths, COORDINATOR, PIN)
    assert _counts(again.store) == before
    again.store.close()


def _counts(store: Store) -> dict[str, int]:
    from hubdesk.store.base import Base

    # audit events grow with each login and the encryption itself; every other table is kept
    with store.unit_of_work() as db:
        return {table.name: db.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables if table.name != "audit_events"}


def test_wrong_pins_at_the_locked_screen_delay_then_lock_out_inside_the_store(
        paths: AppPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timedelta

    import hubdesk.services.laptop as laptop_module
    import hubdesk.services.volunteers as volunteers_module

    _new_laptop(paths)
    now = [datetime(2026, 12, 1, 10, 0)]
    monkeypatch.setattr(laptop_module, "utc_now", lambda: now[0])
    monkeypatch.setattr(volunteers_module, "utc_now", lambda: now[0])
    for _ in range(3):
        with pytest.raises(AuthError, match="do not match"):
            laptop.unlock_laptop(paths, VOLUNTEER, "000000")
    with pytest.raises(AuthError, match="Try again in 5 seconds"):
        laptop.unlock_laptop(paths, VOLUNTEER, VOLUNTEER_PIN)  # right PIN, but too soon
    now[0] += timedelta(seconds=6)
    with pytest.raises(AuthError, match="do not match"):
        laptop.unlock_laptop(paths, VOLUNTEER, "000000")
    now[0] += timedelta(seconds=16)
    with pytest.raises(AuthError, match="do not match"):
        laptop.unlock_laptop(paths, VOLUNTEER, "000000")  # the fifth: locked out
    with pytest.raises(AuthError, match="Try again in 5 minutes"):
        laptop.unlock_laptop(paths, VOLUNTEER, VOLUNTEER_PIN)
    now[0] += timedelta(seconds=30)
    # the coordinator's unlock moves the five failures into the encrypted store ...
    opened = laptop.unlock_laptop(paths, COORDINATOR, PIN)
    with opened.store.unit_of_work() as db:
        actions = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    opened.store.close()
    assert actions.count("failed_login") == 5 and actions.count("lockout") == 1
    # ... so clearing the file on disk does not lift the lockout: it lives inside the store
    (paths.data_dir / "unlock-attempts.json").unlink(missing_ok=True)
    with pytest.raises(AuthError, match="Too many wrong PINs"):
        laptop.unlock_laptop(paths, VOLUNTEER, VOLUNTEER_PIN)
    now[0] += timedelta(minutes=5)
    after_lockout = laptop.unlock_laptop(paths, VOLUNTEER, VOLUNTEER_PIN)
    after_lockout.store.close()
    assert after_lockout.actor.display_name == VOLUNTEER


def test_kdf_is_strong_by_default_and_the_test_knob_never_lowers_a_slot(
        paths: AppPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from hubdesk.store import keyring as keyring_module

    monkeypatch.delenv(keyring_module.CHEAP_KDF_ENV)
    strong = keyring_module.new_kdf_params()
    assert 128 * strong.n * strong.r >= 64 * 2**20
    started = time.perf_counter()
    strong.derive("123456")
    assert time.perf_counter() - started >= 0.2  # calibrated to >= 0.25 s when made
    ring = KeyRing.create(paths.data_dir)
    key = os.urandom(32)
    ring.put_slot(COORDINATOR, "123456", key)
    monkeypatch.setenv(keyring_module.CHEAP_KDF_ENV, "1")
    ring.put_slot(COORDINATOR, "654321", key)  # a reset under the test knob
    reloaded = KeyRing.load(paths.data_dir)
    assert reloaded is not None
    slot = reloaded._slot(reloaded.tag(COORDINATOR))
    assert slot is not None and slot["kdf"]["n"] * slot["kdf"]["r"] * slot["kdf"]["p"] >= strong.n * strong.r
    assert reloaded.open_slot(COORDINATOR, "654321") == key


def test_a_database_without_its_key_file_is_never_replaced(paths: AppPaths) -> None:
    _new_laptop(paths)
    before = paths.database.read_bytes()
    (paths.data_dir / "keys.json").rename(paths.data_dir / "keys.json.lost")
    assert laptop.laptop_state(paths) is laptop.LaptopState.UNREADABLE
    with pytest.raises(StorageError, match="Nothing was changed"):
        laptop.open_new_laptop(paths)  # what a first run would do
    with pytest.raises(StorageError):
        laptop.unlock_laptop(paths, COORDINATOR, PIN)
    assert paths.database.read_bytes() == before
