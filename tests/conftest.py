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
# never touch a real profile, even by accident
os.environ["HUBDESK_DATA_DIR"] = str(Path(os.environ.get("TMPDIR", "/tmp")) / "hubdesk-tests-never-used")
# the server's recovery key file, for servers over PostgreSQL (a SQLite server keeps it
# beside its database file): never the real profile
os.environ.setdefault("HUBDESK_SERVER_KEY_DIR", tempfile.mkdtemp(prefix="hubdesk-test-keys-"))

from hubdesk.core.paths import AppPaths
from hubdesk.services.common import Actor
from hubdesk.store.engine import Store
from tests.log_privacy import PersonalDetailWatch

COORDINATOR = "Pat Coordinator"
PIN = "2468"


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


# -- no personal data in the server's logs, over the whole run -----------------------

_LOG_WATCH = PersonalDetailWatch()
_LOG_WATCH.install()


@pytest.fixture(autouse=True)
def _no_personal_details_in_server_logs() -> Iterator[None]:
    """Fails the test (at teardown) in which the server logged a personal detail, so
    the whole run (each xdist worker included) is checked test by test."""
    before = len(_LOG_WATCH.leaks)
    yield
    if len(_LOG_WATCH.leaks) > before:
        pytest.fail("the server logged synthetic personal details:\n  "
                    + "\n  ".join(_LOG_WATCH.leaks[before:before + 5]), pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _LOG_WATCH.leaks:  # already failed test by test; said once more at the end
        print(f"\nThe server logged synthetic personal details ({len(_LOG_WATCH.leaks)} "
              f"lines of {_LOG_WATCH.lines}):", *_LOG_WATCH.leaks[:10], sep="\n  ")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
