"""The right to erasure reaching every copy, through the real server.

* A coordinator erases a visit on the server (``erase --kind visit``) while a laptop
  still has unsent changes to it: the server takes nothing of the new version, and
  the erasure wins on the laptop at its next sync (applied at once, unsent changes
  included, and listed for a coordinator to see).
* A person's erasure (``erase --person``) reaches every laptop of the hub, also a
  second laptop that only holds the person's details because the server sent it a
  coordinator's edit; a late copy naming them keeps nothing of them on the server.

The device's sequence stays gap-free on the server throughout.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text

from hubdesk.server import admin
from hubdesk.server.models import HeldItem, RecordRow
from hubdesk.services import attention, visits
from hubdesk.services.attention import AttentionKey
from hubdesk.services.visit_form import AgreementAnswer, TopicAnswer, VisitForm
from hubdesk.store import erasures, sync_repo
from hubdesk.store.models import OutboxItem, Person, Visit
from hubdesk.store.outbox import SYNC_NOTE_SETTING
from hubdesk.store.repositories import put_setting
from hubdesk.sync.status import needs_attention_items, sync_status
from tests.sync.harness import Laptop, RunningServer, check_invariants, server_rows

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

    result = laptop.sync()
    assert result.completed and result.pending == 0
    # the server refused the new version of an erased record and kept none of it
    assert _server_content(server, visit_id) == []
    # the erasure won at once: the laptop holds nothing of the visit, its refused
    # version 2 left the list, and the erasure is listed for a coordinator to see
    assert _attention(laptop) == [("server", "erasure")]
    with laptop.store.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(Visit)
                         .where(Visit.record_id == visit_id)) == 0
        payloads = db.scalars(select(OutboxItem.payload).where(
            OutboxItem.kind == "visit", OutboxItem.record_id == visit_id)
            .order_by(OutboxItem.seq)).all()
        assert payloads == [sync_repo.erased_payload("visit", visit_id, v) for v in (1, 2)]
        [erasure] = [i for i in needs_attention_items(db) if i.state == "erasure"]
        assert "erased from this laptop too" in erasure.what_to_do
        attention.mark_dealt_with(db, laptop.actor, AttentionKey("server", erasure.ref))

    result = laptop.sync()
    assert result.completed and result.pending == 0
    assert _attention(laptop) == []
    with laptop.store.unit_of_work() as db:
        status = sync_status(db)
        assert status.unsent == 0 and status.needs_attention == 0
        outbox_seqs = sorted(db.scalars(select(OutboxItem.seq)).all())
    assert _server_content(server, visit_id) == []
    _, server_seqs = server_rows(server.engine, laptop.device_id)
    assert server_seqs == outbox_seqs == list(range(1, len(outbox_seqs) + 1))


# -- a person's erasure on two laptops -------------------------------------------------

NAME, PHONE, CODE = "Doreen Applethwaite", "07700 900789", "K7Q2"  # synthetic details
NOTE = "Doreen rang about her pension"
NEW_PHONE = "07700 900111"  # her new number, typed on the first laptop after the erasure
DETAILS = (NAME, PHONE, CODE, NOTE, NEW_PHONE, "Applethwaite", "900789", "900111")


def _identified_visit(laptop: Laptop) -> tuple[str, str]:
    """A visit naming a person (follow-up agreed), with the note the council syncs."""
    form = VisitForm(contact_mode="walk_in", age_band="75_84", sex="female", first_visit=True,
                     visitor_code=CODE, preferred_name=NAME, contact=PHONE, note=NOTE,
                     topics=[TopicAnswer("money", "advise", "brief", "thinking", "leaflet")],
                     agreements=[AgreementAnswer("follow_up", True)])
    with laptop.store.unit_of_work() as db:
        visit_id = visits.record_visit(db, laptop.actor, laptop.session_id, form).primary_id
        person_id = db.scalar(select(Visit.person_id).where(Visit.record_id == visit_id))
    assert person_id is not None
    return visit_id, person_id


def _council_syncs_notes(*laptops: Laptop) -> None:
    for laptop in laptops:
        with laptop.store.unit_of_work() as db:
            put_setting(db, SYNC_NOTE_SETTING, True)


def _everything_stored(laptop: Laptop) -> str:
    """Every row of every table of the laptop's (decrypted) store, as one text."""
    with laptop.store.engine.connect() as conn:
        tables = conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
        rows = [repr(tuple(row)) for table in tables
                for row in conn.execute(text(f'SELECT * FROM "{table}"'))]
    return "\n".join(rows)


def _everything_on_the_server(server: RunningServer) -> str:
    with server.engine.connect() as conn:
        kept = conn.execute(select(RecordRow.payload)).scalars().all()
        held = conn.execute(select(HeldItem.payload)).scalars().all()
    return "\n".join(str(p) for p in [*kept, *held])


def test_a_persons_erasure_reaches_a_second_laptop_and_refuses_a_late_copy(
    server: RunningServer, make_laptop: Callable[[str], Laptop]
) -> None:
    first, second = make_laptop("Pat"), make_laptop("Sam")
    _council_syncs_notes(first, second)
    visit_id, person_id = _identified_visit(first)
    assert first.sync().completed
    # the coordinator corrects the record on the server: both laptops of the hub get it,
    # so the second laptop holds the person's details too
    admin.edit_record(server.engine, "person", person_id, {"contact": PHONE})
    admin.edit_record(server.engine, "visit", visit_id, {"age_band": "85_plus"})
    for laptop in (first, second):
        assert laptop.sync().completed
        stored = _everything_stored(laptop)
        assert all(detail in stored for detail in (NAME, PHONE, CODE, NOTE)), laptop.volunteer_name
    visits_before = admin.stats(server.engine)["visits"]

    admin.erase_person(server.engine, person_id)
    # late copies, made on the first laptop before it hears of the erasure: the visit
    # edited (naming the person) and the person's new phone number
    with first.store.unit_of_work() as db:
        form = visits.get_visit_form(db, visit_id)
        form.age_band, form.contact = "85_plus", NEW_PHONE
        visits.edit_visit(db, first.actor, visit_id, form,
                          base_version=visits.visit_version(db, visit_id))
    for laptop in (first, second):
        result = laptop.sync()
        assert result.completed and result.pending == 0, result

    for laptop in (first, second):
        stored = _everything_stored(laptop)
        assert not [d for d in DETAILS if d in stored], laptop.volunteer_name
        with laptop.store.unit_of_work() as db:
            visit = db.scalar(select(Visit).where(Visit.record_id == visit_id,
                                                  Visit.is_current.is_(True)))
            assert visit is not None and visit.person_id is None
            assert visit.sex == "female" and visit.topics == ["money"]  # the anonymous part
            assert db.scalar(select(func.count()).select_from(Person)) == 0
            # the person's unsent new version was erased too: said once, for the first
            listed = [(i.kind, i.state) for i in needs_attention_items(db)]
            assert listed == ([("person", "erasure")] if laptop is first else [])
    # the late copy reached the server without the person: its answers still count
    on_server = _everything_on_the_server(server)
    assert not [d for d in DETAILS if d in on_server]
    with server.engine.connect() as conn:
        versions = conn.execute(select(RecordRow.version).where(
            RecordRow.record_id == visit_id)).scalars().all()
        person_versions = conn.execute(select(RecordRow.version).where(
            RecordRow.record_id == person_id)).scalars().all()
    assert sorted(versions) == [1, 2, 3]
    assert sorted(person_versions) == [1, 2]  # the late person copy: refused, not kept
    assert admin.stats(server.engine)["visits"] == visits_before == 1

    with first.store.unit_of_work() as db:  # each laptop keeps the erasure in mind
        assert erasures.erased_here(db, "person", person_id)
    check_invariants(server, [first, second])
