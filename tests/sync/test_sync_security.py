"""Issue 9 end to end with the real server and real laptops: an erasure reaches
every laptop that holds a copy, and plain HTTP to another computer is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hubdesk.core.errors import ValidationError
from hubdesk.core.paths import AppPaths
from hubdesk.server import admin
from hubdesk.store.engine import Store
from hubdesk.store.models import Visit
from hubdesk.sync.enrolment import enrol_laptop
from hubdesk.sync.errors import PlainHttpRefused
from hubdesk.sync.transport import HttpTransport, is_allowed_server_url
from tests.sync.harness import Laptop, RunningServer, check_invariants

pytestmark = pytest.mark.integration


def _copies(laptop: Laptop, visit_id: str) -> int:
    with laptop.store.unit_of_work() as db:
        return db.scalar(select(func.count()).select_from(Visit)
                         .where(Visit.record_id == visit_id)) or 0


def test_an_erasure_reaches_a_second_laptop(
        server: RunningServer, make_laptop: Callable[[str], Laptop]) -> None:
    first, second = make_laptop("Pat"), make_laptop("Sam")
    visit_id = first.record_visit()
    assert first.sync().completed
    # a coordinator's edit on the server sends a copy to every laptop of the hub
    admin.edit_record(server.engine, "visit", visit_id, {"first_visit": True})
    assert second.sync().completed and first.sync().completed
    assert _copies(second, visit_id) == 1 and _copies(first, visit_id) == 2

    admin.erase_record(server.engine, "visit", visit_id)
    for laptop in (first, second):
        assert laptop.sync().completed
        assert _copies(laptop, visit_id) == 0
    visits_before = server_visits(server)
    assert visits_before == 1  # the anonymous count stays on the server
    check_invariants(server, [first, second])


def server_visits(server: RunningServer) -> int:
    return int(admin.stats(server.engine)["visits"])


@pytest.mark.parametrize("url, allowed", [
    ("https://hubdesk.example.org", True),
    ("http://127.0.0.1:8787", True),
    ("http://localhost:8787", True),
    ("http://[::1]:8787", True),
    ("http://hubdesk.example.org", False),
    ("http://192.168.1.20:8787", False),
    ("ftp://hubdesk.example.org", False),
])
def test_plain_http_only_to_this_computer(url: str, allowed: bool) -> None:
    assert is_allowed_server_url(url) is allowed


def test_the_client_sends_nothing_over_plain_http_to_another_host(tmp_path: Path) -> None:
    transport = HttpTransport("http://192.0.2.1:9", connect_timeout=30)  # TEST-NET: no host
    with pytest.raises(PlainHttpRefused):
        transport.health()  # refused at once, not after a 30 s connect time-out
    transport.close()
    paths = AppPaths(tmp_path / "laptop").ensure()
    store = Store.open(paths.database, backups=paths.backups)
    try:
        with pytest.raises(ValidationError) as refused:
            enrol_laptop(store, "http://hubdesk.example.org", "ABCD-EFGH-JKLM")
        assert "https://" in refused.value.field_errors["server"]
    finally:
        store.close()


def test_enrolment_keeps_the_recovery_key_and_signs_with_the_laptop_key(
        server: RunningServer, make_laptop: Callable[[str], Laptop]) -> None:
    from hubdesk.protocol.signing import public_key_of
    from hubdesk.server.models import DEVICES
    from hubdesk.store import repositories
    from hubdesk.store.device_keys import signing_key

    laptop = make_laptop("Pat")
    with laptop.store.unit_of_work() as db:
        recovery_key = repositories.get_setting(db, "server_recovery_public_key")
        public = public_key_of(signing_key(db))
    with server.engine.connect() as conn:
        registered = conn.execute(select(DEVICES.c.public_key)
                                  .where(DEVICES.c.id == laptop.device_id)).scalar()
    assert registered == public
    assert isinstance(recovery_key, str) and len(recovery_key) == 44
