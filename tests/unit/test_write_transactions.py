"""Write units begin IMMEDIATE: a download cannot race a save (issue 7, defect 6).

Two threads, two connections, one real database file.  The download is paused
right after it has checked the record for unsent local work (a fault injected
around the real apply step); the volunteer saves an edit of the same record in
that gap.  With pysqlite's old deferred BEGIN the check ran outside any
transaction, the save slipped in, and the download acted on a stale answer.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import select, update

from hubdesk.core.clock import utc_now
from hubdesk.core.ids import uuid7
from hubdesk.protocol.schemas import ChangeItem, RecordPayload
from hubdesk.services import visits
from hubdesk.store import sync_repo
from hubdesk.store.engine import Store
from hubdesk.store.models import OutboxItem, Visit
from hubdesk.store.outbox import record_payload
from tests.conftest import Hub
from tests.unit.test_visits import standard_form

PAUSE_S = 1.5


def coordinator_edit(store: Store, visit_id: str, **fields: Any) -> ChangeItem:
    """The server's version 2 of the visit, as the changes feed delivers it."""
    with store.unit_of_work() as db:
        row = db.scalars(select(Visit).where(Visit.record_id == visit_id)).one()
        payload = record_payload(row)
    payload.update(version=2, base_version=1, device_id=uuid7(), created_by=uuid7(),
                   fields={**payload["fields"], **fields})
    return ChangeItem(kind="visit", record_id=visit_id, version=2,
                      payload=RecordPayload.model_validate(payload))


def test_a_download_cannot_race_a_save(store: Store, hub: Hub,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    with store.unit_of_work() as db:
        visit_id = visits.record_visit(db, hub.actor, hub.session_id,
                                       standard_form(store)).primary_id
        db.execute(update(OutboxItem).values(state="sent"))  # as after a sync
    with store.unit_of_work() as db:
        form = visits.get_visit_form(db, visit_id)  # a volunteer opens version 1
    form.sex = "prefer_not"
    item = coordinator_edit(store, visit_id, age_band="85_plus")

    checked, saved = threading.Event(), threading.Event()
    real_check = sync_repo._has_local_work

    def check_then_pause(db: Any, kind: str, record_id: str) -> bool:
        answer = real_check(db, kind, record_id)
        checked.set()
        saved.wait(PAUSE_S)  # the gap a save could slip into
        return answer

    monkeypatch.setattr(sync_repo, "_has_local_work", check_then_pause)
    errors: list[BaseException] = []
    finished: dict[str, float] = {}

    def download() -> None:
        try:
            with store.unit_of_work() as db:
                sync_repo.apply_change_items(db, [item], utc_now())
            finished["download"] = time.monotonic()
        except BaseException as error:  # reported below
            errors.append(error)

    def save() -> None:
        try:
            checked.wait(5)
            with store.unit_of_work() as db:
                visits.edit_visit(db, hub.actor, visit_id, form, base_version=1)
            finished["save"] = time.monotonic()
        except BaseException as error:
            errors.append(error)
        finally:
            saved.set()

    threads = [threading.Thread(target=download), threading.Thread(target=save)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    with store.unit_of_work() as db:
        rows = db.execute(select(Visit.version, Visit.origin, Visit.age_band, Visit.sex,
                                 Visit.is_current)
                          .where(Visit.record_id == visit_id).order_by(Visit.version)).all()
    assert [tuple(r) for r in rows][1:] == [
        (2, "server", "85_plus", "female", False),
        (3, "local", "85_plus", "prefer_not", True)]
    # the save waited for the download's transaction, then merged onto its version
    assert finished["save"] > finished["download"]


def test_a_read_only_unit_never_waits_for_a_writer(store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db:
        visit_id = visits.record_visit(db, hub.actor, hub.session_id,
                                       standard_form(store)).primary_id
    writing, done = threading.Event(), threading.Event()

    def long_write() -> None:
        with store.unit_of_work() as db:
            db.execute(update(Visit).values(note="being written"))
            writing.set()
            done.wait(5)

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert writing.wait(5)
        started = time.monotonic()
        with store.read_only() as db:
            notes = db.scalars(select(Visit.note).where(Visit.record_id == visit_id)).all()
        assert time.monotonic() - started < 1.0
        assert notes == [""]  # the last committed state, not the half-written one
    finally:
        done.set()
        writer.join(10)
