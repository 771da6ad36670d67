"""Shared test configuration: offscreen Qt, a private data folder, a migrated store."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")
# cheap scrypt for *new* key slots, so the suite stays fast (store/keyring.py; never
# lowers a slot that exists); subprocesses the tests start inherit it
os.environ["HUBDESK_TEST_CHEAP_KDF"] = "1"
# never touch a real profile, even by accident
os.environ["HUBDESK_DATA_DIR"] = str(Path(os.environ.get("TMPDIR", "/tmp")) / "hubdesk-tests-never-used")
# the server's recovery key file, for servers over PostgreSQL (a SQLite server keeps it
# beside its database file): never the real profile
os.environ.setdefault("HUBDESK_SERVER_KEY_DIR", tempfile.mkdtemp(prefix="hubdesk-test-keys-"))

import contextlib

from hubdesk.core.paths import AppPaths
from hubdesk.services.common import Actor
from hubdesk.store.engine import Store
from tests.log_privacy import PersonalDetailWatch

COORDINATOR = "Pat Coordinator"
PIN = "246810"
#: a volunteer's PIN (the PIN policy: 6 to 12 digits, or a passphrase of 12+ characters)
VOLUNTEER_PIN = "135790"


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths(tmp_path / "data").ensure()


@pytest.fixture
def store(paths: AppPaths) -> Iterator[Store]:
    """A database built by running the real migrations."""
    opened = Store.open(paths.database, backups=paths.backups)
    yield opened
    opened.close()


@dataclass(frozen=True)
class Hub:
    actor: Actor
    venue_id: str
    session_id: str


@pytest.fixture
def hub(store: Store) -> Hub:
    """First run done, the coordinator unlocked, a lunch club open."""
    from hubdesk.services import sessions, setup, volunteers

    with store.unit_of_work() as db:
        setup.first_run_setup(db, setup.SetupForm(
            hub_name="Stevenage Healthy Hub", district="Stevenage", venue_name="St Mary's Hall",
            coordinator_name=COORDINATOR, pin=PIN))
    with store.unit_of_work() as db:
        actor = volunteers.unlock(db, COORDINATOR, PIN)
        venue_id = sessions.list_venues(db)[0].id
        session_id = sessions.open_session(db, actor, venue_id, "lunch_club").primary_id
    return Hub(actor, venue_id, session_id)


@pytest.fixture
def val(store: Store, hub: Hub) -> Actor:
    """A volunteer (not a coordinator) added by the hub's coordinator, unlocked."""
    from hubdesk.services import volunteers

    with store.unit_of_work() as db:
        volunteers.add_volunteer(db, hub.actor, "Val Volunteer", VOLUNTEER_PIN)
    with store.unit_of_work() as db:
        return volunteers.unlock(db, "Val Volunteer", VOLUNTEER_PIN)


# -- no personal data in any log, over the whole run (tests/log_privacy.py) -----------

_LOG_WATCH = PersonalDetailWatch()
_LOG_WATCH.install()


@pytest.fixture(autouse=True)
def _no_personal_details_in_logs() -> Iterator[None]:
    """Fails the test (at teardown) in which anything logged a personal detail, so the
    whole run (each xdist worker included) is checked test by test."""
    before = len(_LOG_WATCH.leaks)
    yield
    if len(_LOG_WATCH.leaks) > before:
        pytest.fail("a log line held synthetic personal details:\n  "
                    + "\n  ".join(_LOG_WATCH.leaks[before:before + 5]), pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests.log_privacy import scan_log_files

    leaks = list(_LOG_WATCH.leaks)  # already failed test by test; said once more here
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        with contextlib.suppress(OSError, ValueError):
            leaks += scan_log_files(factory.getbasetemp())
    if leaks:
        print(f"\nPERSONAL DATA IN LOGS ({len(leaks)}; {_LOG_WATCH.lines} lines watched):",
              *leaks[:20], sep="\n  ")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
