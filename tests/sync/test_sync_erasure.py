"""The right to erasure against unsent work, through the real server.

A coordinator erases a visit on the server (``erase-record``) while a laptop still
has unsent changes to it.  The server must not take new content for the erased
record; the laptop holds the erasure for a coordinator (downloads never overwrite
unsent work), and dealing with it erases the laptop's copy too.  The device's
sequence stays gap-free on the server throughout.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from hubdesk.server import admin
from hubdesk.server.models import HeldItem, RecordRow
from hubdesk.services import attention
from hubdesk.services.attention import AttentionKey
from hubdesk.store import sync_repo
from hubdesk.store.models import OutboxItem, Visit
from hubdesk.sync.status import needs_attention_items, sync_status
from tests.sync.harness import Laptop, RunningServer, server_rows

pytestmark = pytest.mark.integration


def _server_content(server: RunningServer, record_id: str) -> list[dict[str, object]]:
    """Every payload the server keeps for ``record_id`` (records and held items)."""
    with server.engine.connect() as conn:
        kept = conn.execute(select(RecordRow.payload).where(RecordRow.record_id == record_id)).scalars()
        held = conn.execute(select(HeldItem.payload).where(HeldItem.record_id == record_id)).scalars()
        payloads = [json.loads(p) for p in [*kept, *held] if p]
    # an erased laptop copy arrives as an identity-only placeholder: no content either
    return [p for p in payloads if p and not sync_repo.is_erased_payload(p)]


def _attention(laptop: Laptop) -> list[tuple[str, str]]:
    with laptop.store.unit_of_work() as db:
        return [(item.source, item.state) for item in needs_attention_items(db)]


def test_an_erasure_wins_over_unsent_changes(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("Pat")
    visit_id = laptop.record_visit()
    assert laptop.sync().completed
    laptop.edit_visit(visit_id)  # version 2, not sent yet
    admin.erase_record(server.engine, "visit", visit_id)

    laptop.sync()
    # the server refused the new version of an erased record and kept none of it
    assert _server_content(server, visit_id) == []
    assert _attention(laptop) == [("outbox", "rejected"), ("server", "erasure")]

    laptop.edit_visit(visit_id)  # a volunteer edits it again before anyone looks: version 3
    with laptop.store.unit_of_work() as db:
        [erasure] = [i for i in needs_attention_items(db) if i.state == "erasure"]
        attention.mark_dealt_with(db, laptop.actor, AttentionKey("server", erasure.ref))
    with laptop.store.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(Visit)
                         .where(Visit.record_id == visit_id)) == 0
        payloads = db.scalars(select(OutboxItem.payload).where(
            OutboxItem.kind == "visit", OutboxItem.record_id == visit_id)
            .order_by(OutboxItem.seq)).all()
        assert payloads == [sync_repo.erased_payload("visit", visit_id, v) for v in (1, 2, 3)]

    result = laptop.sync()  # version 3 goes as an empty placeholder, so no sequence gap
    assert result.completed and result.pending == 0
    assert _attention(laptop) == []
    with laptop.store.unit_of_work() as db:
        status = sync_status(db)
        assert status.unsent == 0 and status.needs_attention == 0
        outbox_seqs = sorted(db.scalars(select(OutboxItem.seq)).all())
    assert _server_content(server, visit_id) == []
    _, server_seqs = server_rows(server.engine, laptop.device_id)
    assert server_seqs == outbox_seqs == list(range(1, len(outbox_seqs) + 1))
