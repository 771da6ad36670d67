"""The sync engine against the real server: rejects, 413, revocation, captive portal,
cancel, the batch file, status and the end-of-day receipt, the two commands."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from hubdesk.core.clock import utc_now
from hubdesk.core.days import hub_today
from hubdesk.core.ids import uuid7
from hubdesk.server import admin
from hubdesk.server.batchfile import import_batch_file
from hubdesk.server.errors import AdminError
from hubdesk.store import sync_repo
from hubdesk.store.models import DeviceState, OutboxItem, SyncBatch, Visit
from hubdesk.store.outbox import finalise
from hubdesk.sync.batchfile import export_batch_file
from hubdesk.sync.commands import enrol_command, sync_command
from hubdesk.sync.engine import (
    Backoff,
    SyncProgress,
    end_of_day_receipt,
    needs_attention_items,
    sync_status,
)
from hubdesk.sync.status_text import status_line
from tests.sync.harness import Laptop, RunningServer, check_invariants

pytestmark = pytest.mark.integration


def bad_visit(laptop: Laptop, **fields: Any) -> str:
    """A finalised visit the server will refuse (built with the store models)."""
    values: dict[str, Any] = {
        "session_id": laptop.session_id, "visited_at": utc_now(), "contact_mode": "walk_in",
        "referral_source": None, "age_band": "65_74", "sex": "female",
        "postcode_district": None, "first_visit": True, "visitor_code": None, "topics": [],
        "safeguarding": False, "note": "", "person_id": None,
    }
    values.update(fields)
    record_id = uuid7()
    with laptop.store.unit_of_work() as db:
        visit = Visit(record_id=record_id, version=1, base_version=None, is_current=True,
                      deleted=False, device_id=laptop.device_id,
                      created_by=laptop.actor.volunteer_id, created_at=utc_now(),
                      utc_offset_min=0, origin="local", **values)
        db.add(visit)
        finalise(db, visit)
    return record_id


def states(laptop: Laptop) -> dict[str, int]:
    with laptop.store.unit_of_work() as db:
        rows = db.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state))
        return {state: count for state, count in rows.tuples()}


def test_a_rejected_record_never_blocks_the_rest(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("Pat")
    laptop.record_visit()
    martian = bad_visit(laptop, age_band="martian")
    from hubdesk.store import repositories as repo
    from hubdesk.store.outbox import SYNC_NOTE_SETTING

    with laptop.store.unit_of_work() as db:  # notes travel only when the council syncs them
        repo.put_setting(db, SYNC_NOTE_SETTING, True)
    too_long = bad_visit(laptop, note="x" * 5000)  # breaks the wire schema's bounds
    laptop.record_visit()
    result = laptop.sync(batch_size=200)
    assert result.completed and result.pending == 0
    assert result.rejected == 2 and result.needs_attention == 2
    counts = states(laptop)
    assert counts["rejected"] == 2 and counts["sent"] == sum(counts.values()) - 2
    with laptop.store.unit_of_work() as db:
        items = {item.record_id: item for item in needs_attention_items(db)}
    assert set(items) == {martian, too_long}
    assert all(item.reason and item.what_to_do for item in items.values())
    assert items[martian].kind_label == "Visit"
    check_invariants(server, [laptop])  # held on the server too: no gap in the sequence


def test_batch_halves_on_413_and_grows_after_clean_batches(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("Pat")
    for _ in range(12):
        laptop.record_visit()
    laptop.api.max_items = 5
    engine = laptop.engine()
    engine.batch_size = 40
    result = engine.run()
    assert result.completed and result.pending == 0, result
    assert laptop.api.calls["upload_413"] >= 3  # 40 -> 20 -> 10 -> 5
    assert engine.batch_size >= 5
    laptop.api.max_items = None
    for _ in range(30):
        laptop.record_visit()
    grown = laptop.engine()
    grown.run()
    assert grown.batch_size > engine.batch_size
    with laptop.store.unit_of_work() as db:
        abandoned = db.scalar(select(func.count()).select_from(SyncBatch)
                              .where(SyncBatch.state == "abandoned"))
    assert abandoned is not None and abandoned >= 3
    check_invariants(server, [laptop])


def test_revoked_laptop_says_so_and_keeps_its_data(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("Pat")
    laptop.record_visit()
    admin.revoke_device(server.engine, laptop.device_id)
    result = laptop.sync()
    assert result.error_kind == "AuthRevoked" and not result.completed
    assert not result.retryable  # no point retrying by itself
    with laptop.store.unit_of_work() as db:
        status = sync_status(db)
        assert status.revoked and status.unsent == result.pending > 0
        assert "disconnected" in status_line(status)
    again = laptop.sync()  # still switched off: refused again, nothing lost
    assert again.error_kind == "AuthRevoked"
    # the council reinstates it (the only way back): the laptop sends what it kept
    admin.reinstate_device(server.engine, laptop.device_id)
    back = laptop.sync()
    assert back.completed and back.pending == 0
    with laptop.store.unit_of_work() as db:
        assert not sync_status(db).revoked
    check_invariants(server, [laptop])


class _Portal(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><body>Welcome to Library Wi-Fi. Accept the terms.</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def portal() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Portal)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_captive_portal_tells_the_user_what_to_do(
    server: RunningServer, make_laptop: Callable[[str], Laptop], portal: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    laptop = make_laptop("Pat")
    laptop.record_visit()
    with laptop.store.unit_of_work() as db:
        db.execute(update(DeviceState).values(server_url=portal))
    assert sync_command(laptop.store, laptop.paths, as_json=True) == 1
    out, err = capsys.readouterr()
    report = json.loads(out.strip().splitlines()[-1])
    assert report["error_kind"] == "CaptivePortal" and report["pending"] > 0
    assert err.strip() == "Open the Wi-Fi login page, then sync."


def test_a_run_spares_the_collector_the_objects_it_found(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    """While a sync runs, what the process held before it is frozen (``gc.freeze``): a
    full collection in the run walks only what the run made; afterwards, nothing is."""
    import gc

    laptop = make_laptop("Pat")
    for _ in range(3):
        laptop.record_visit()
    frozen: list[tuple[str, int]] = []
    result = laptop.engine(batch_size=2).run(
        progress=lambda step: frozen.append((step.phase, gc.get_freeze_count())))
    assert result.completed and result.sent >= 3
    while_sending = [count for phase, count in frozen if phase == "sending"]
    assert while_sending and min(while_sending) > 10_000
    assert gc.get_freeze_count() == 0


def test_cancel_stops_between_steps_and_the_next_run_finishes(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("Pat")
    for _ in range(6):
        laptop.record_visit()
    waiting = states(laptop)["pending"]
    seen: list[SyncProgress] = []
    result = laptop.engine(batch_size=4).run(
        progress=seen.append, cancel=lambda: any(p.phase == "sending" and p.sent for p in seen))
    assert result.cancelled and not result.completed
    assert 0 < result.sent < waiting and result.pending == waiting - result.sent
    assert seen[0].phase == "checking" and seen[0].total == waiting
    # a batch stored with the last receipt but never sent is not left open
    with laptop.store.unit_of_work() as db:
        assert not db.scalar(select(func.count()).select_from(OutboxItem)
                             .where(OutboxItem.batch_id.is_not(None),
                                    OutboxItem.state == "pending"))
        assert not db.scalar(select(func.count()).select_from(SyncBatch)
                             .where(SyncBatch.state == "sending"))
    finished = laptop.sync()
    assert finished.completed and finished.pending == 0
    check_invariants(server, [laptop])


def test_a_flowing_push_commits_once_a_batch(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    """While the pipeline flows, settling batch n and storing n+2 are one transaction:
    one commit (one fsync) a batch, where there were two."""
    laptop = make_laptop("Pat")
    for _ in range(10):
        laptop.record_visit()
    waiting = states(laptop)["pending"]
    commits: list[None] = []
    event.listen(laptop.store.engine, "commit", lambda _connection: commits.append(None))
    steps: list[tuple[str, int]] = []
    engine = laptop.engine(batch_size=4)
    engine.on_step = lambda step: steps.append((step, len(commits)))
    result = engine.run()
    assert result.completed and result.pending == 0 and result.sent == waiting, result
    stored = [at for step, at in steps if step == "batch_stored"]
    applied = [at for step, at in steps if step == "receipt_applied"]
    batches = -(-waiting // 4)
    assert len(stored) == len(applied) == batches >= 8
    # from the first batch stored to the last receipt applied: the own commits of the
    # second and third batches (two go on the wire before the first answer), one per
    # receipt, and a look for pending items before each of the last two receipts (a visit
    # saved meanwhile still goes in this run; a look writes nothing); two a batch before
    assert applied[-1] - stored[0] <= batches + 4
    check_invariants(server, [laptop])


def test_backoff_is_full_jitter_and_honours_retry_after() -> None:
    values = iter([0.0, 0.999, 0.5, 0.5])
    backoff = Backoff(rng=lambda: next(values))
    assert backoff.delay(0) == 0.0
    assert 3.99 < backoff.delay(1) < 4.0  # U(0, 2 * 2**1)
    assert backoff.delay(20) == 300.0  # half of the 10-minute cap
    assert backoff.delay(0, retry_after=42.0) == 42.0  # never sooner than asked


def test_batch_file_is_imported_on_the_server_and_settled_by_the_next_sync(
    server: RunningServer, make_laptop: Callable[[str], Laptop], tmp_path: Path
) -> None:
    laptop = make_laptop("Pat")
    for _ in range(3):
        laptop.record_visit()
    exported = export_batch_file(laptop.store, tmp_path / "usb" / "batch.json")
    assert exported is not None and exported.items >= 3
    again = export_batch_file(laptop.store, tmp_path / "usb" / "again.json")
    assert again is not None and again.batch_id == exported.batch_id  # the same batch
    receipt = import_batch_file(server.engine, exported.path)
    assert receipt.counts.accepted == exported.items
    uploads_before = laptop.api.calls.get("upload", 0)
    result = laptop.sync()
    assert result.completed and result.pending == 0 and result.sent == exported.items
    assert laptop.api.calls.get("upload", 0) == uploads_before  # settled by GET, no POST
    # a tampered file is refused by the server
    document = json.loads(again.path.read_text())
    document["batch"]["items"][0]["payload"]["fields"]["age_band"] = "16_24"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document))
    with pytest.raises(AdminError):
        import_batch_file(server.engine, tampered)
    check_invariants(server, [laptop])


def test_status_and_end_of_day_receipt(server: RunningServer,
                                       make_laptop: Callable[[str], Laptop]) -> None:
    laptop = make_laptop("Pat")
    for _ in range(2):
        laptop.record_visit()
    with laptop.store.unit_of_work() as db:
        waiting = sync_status(db)
        receipt = end_of_day_receipt(db, hub_today())
    recorded = receipt.recorded
    assert waiting.unsent == recorded > 0
    assert status_line(waiting).startswith(f"2 visits waiting ({recorded} records")
    assert waiting.unsent_visits == 2
    assert receipt.received == 0 and receipt.missing == recorded
    bad_visit(laptop, age_band="martian")
    laptop.sync()
    with laptop.store.unit_of_work() as db:
        done = sync_status(db)
        receipt = end_of_day_receipt(db, hub_today())
    assert done.unsent == 0 and status_line(done) == "1 record needs attention"
    assert (receipt.recorded, receipt.received, receipt.needs_attention, receipt.duplicated) == (
        recorded + 1, recorded, 1, 0)
    assert receipt.sentence().startswith(f"{recorded + 1} recorded on this laptop")


def test_enrol_is_safe_to_repeat(server: RunningServer, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from hubdesk.core.paths import AppPaths
    from hubdesk.store.engine import Store

    paths = AppPaths(tmp_path / "new-laptop").ensure()
    store = Store.open(paths.database)
    try:
        code = server.enrol_code()
        assert enrol_command(store, paths, server.url, code) == 0
        with store.unit_of_work() as db:
            first = sync_repo.device_state(db)
            assert first is not None
            token, hub_id = first.device_token, first.hub_id
        assert enrol_command(store, paths, server.url, code) == 0  # the answer was "lost"
        with store.unit_of_work() as db:
            second = sync_repo.device_state(db)
            # a new random token (the first is dead); the sync below proves it works
            assert second is not None and second.device_token not in (None, token)
            assert hub_id == server.hub_id
        out = capsys.readouterr().out
        assert out.count("Enrolled this laptop with Stevenage Healthy Hub") == 2
        assert enrol_command(store, paths, server.url, "NOPE-NOPE-NOPE") == 1
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1
        assert sync_command(store, paths, as_json=True) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["pending"] == 0 and report["last_sync"] and report["needs_attention"] == 0
    finally:
        store.close()


def test_commands_on_a_laptop_that_is_not_enrolled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hubdesk.core.paths import AppPaths
    from hubdesk.store.engine import Store
    from hubdesk.sync.batchfile import export_batch_command

    paths = AppPaths(tmp_path / "fresh").ensure()
    store = Store.open(paths.database)
    try:
        assert sync_command(store, paths, as_json=True) == 1
        out, err = capsys.readouterr()
        report = json.loads(out)
        assert report["error_kind"] == "NotEnrolled" and report["pending"] == 0
        assert "not connected to a HubDesk server" in err and len(err.splitlines()) == 1
        assert export_batch_command(store, paths) == 1
        assert enrol_command(store, paths, "ftp://example", "ABCD-EFGH-JKLM") == 1
    finally:
        store.close()
