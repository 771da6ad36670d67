"""Right to erasure, subject access and retention, end to end: records uploaded over
HTTP by a laptop, the admin commands run as the real ``hubdesk-server`` program."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hubdesk.server.models import HELD, RECORDS
from hubdesk.server.security_log import security_events
from hubdesk.server.testing import LiveServer
from tests.server.test_cli import cli

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

NAME, PHONE = "Doreen Applethwaite", "07700 900789"  # synthetic personal details


def _person_with_visits(laptop: Any, created_at: datetime | None = None) -> tuple[str, list[str]]:
    person = laptop.payload(kind="person", fields={"preferred_name": NAME, "contact": PHONE,
                                                   "visitor_code": "K7Q2"})
    visits = [laptop.payload(fields={"person_id": person["record_id"], "note": f"{NAME} rang",
                                     "age_band": "75_84", "sex": "female"}) for _ in range(2)]
    if created_at is not None:
        for payload in (person, *visits):
            payload["created_at"] = created_at.replace(tzinfo=None).isoformat()
    answer = laptop.post(laptop.batch([laptop.item(p) for p in (person, *visits)])).json()
    assert answer["counts"]["accepted"] == 3, answer
    return person["record_id"], [v["record_id"] for v in visits]


def test_subject_access_then_erasure_keeps_the_counts(
        server: LiveServer, make_laptop: Callable[..., Any], tmp_path: Path) -> None:
    laptop = make_laptop(server)
    person_id, visit_ids = _person_with_visits(laptop)
    unrelated = laptop.post(laptop.batch([laptop.item()])).json()
    assert unrelated["counts"]["accepted"] == 1

    out = tmp_path / "sar" / "person.json"
    done = cli(server.db_url, "subject-access", "--person", person_id, "--out", str(out))
    assert "3 records" in done.stdout
    found = json.loads(out.read_text(encoding="utf-8"))
    assert {r["record_id"] for r in found["records"]} == {person_id, *visit_ids}
    assert NAME in out.read_text(encoding="utf-8")  # the file is for the person: it has it all

    before = server.stats()
    erased = cli(server.db_url, "erase", "--person", person_id)
    assert "2 records made anonymous" in erased.stdout
    after = server.stats()
    assert after["visits"] == before["visits"] == 3 and after["records"] == before["records"]
    cli(server.db_url, "subject-access", "--person", person_id, "--out", str(out))
    text = out.read_text(encoding="utf-8")
    assert NAME not in text and PHONE not in text and "K7Q2" not in text
    for record in json.loads(text)["records"]:
        if record["kind"] == "visit":  # the anonymous fields stay, for the hub's figures
            assert record["content"]["fields"]["age_band"] == "75_84"
            assert record["content"]["fields"]["person_id"] is None
    # the laptops learn of it: a tombstone in the hub's changes feed
    tombstones = [c for c in laptop.get("/v1/changes").json()["items"] if c["tombstone"]]
    assert [c["record_id"] for c in tombstones] == [person_id]
    # and a late copy of the person is refused, nothing kept
    late = laptop.payload(kind="person", record_id=person_id,
                          fields={"preferred_name": NAME, "contact": PHONE})
    refused = laptop.post(laptop.batch([laptop.item(late)])).json()
    assert refused["results"][0]["status"] == "rejected"
    events = [e.event for e in security_events(server.engine)]
    assert "subject_access_export" in events and "erasure" in events


def test_retention_anonymises_people_not_seen_for_two_years(
        server: LiveServer, make_laptop: Callable[..., Any], tmp_path: Path) -> None:
    laptop = make_laptop(server)
    old_person, _ = _person_with_visits(laptop, datetime.now(UTC) - timedelta(days=800))
    recent_person, _ = _person_with_visits(laptop, datetime.now(UTC) - timedelta(days=100))
    done = cli(server.db_url, "retention")
    assert "anonymised 1 people" in done.stdout
    out = tmp_path / "old.json"
    cli(server.db_url, "subject-access", "--person", old_person, "--out", str(out))
    assert NAME not in out.read_text(encoding="utf-8")
    cli(server.db_url, "subject-access", "--person", recent_person, "--out", str(out))
    assert NAME in out.read_text(encoding="utf-8")  # seen 100 days ago: kept
    assert "anonymised 0 people" in cli(server.db_url, "retention").stdout  # idempotent
    assert [e.detail for e in security_events(server.engine)
            if e.event == "retention"] == [f"person {old_person} anonymised"]


def test_a_late_copy_naming_an_erased_person_keeps_its_answers_not_the_person(
        server: LiveServer, make_laptop: Callable[..., Any]) -> None:
    """A laptop that had not heard of the erasure sends an edit of a visit naming the
    person: the visit's anonymous answers count, the person's details are not kept,
    and a copy the server refuses keeps nothing of them either (held items)."""
    laptop = make_laptop(server)
    person_id, visit_ids = _person_with_visits(laptop)
    cli(server.db_url, "erase", "--person", person_id)
    late = laptop.payload(record_id=visit_ids[0], version=2, base_version=1,
                          fields={"person_id": person_id, "note": f"{NAME} rang again",
                                  "visitor_code": "K7Q2", "age_band": "85_plus"})
    clash = laptop.payload(record_id=visit_ids[1], version=1,  # version 1 again, other content
                           fields={"person_id": person_id, "note": f"{NAME}, {PHONE}"})
    answer = laptop.post(laptop.batch([laptop.item(late), laptop.item(clash)])).json()
    assert [r["status"] for r in answer["results"]] == ["accepted", "conflict"], answer
    with server.engine.connect() as conn:
        stored = json.loads(conn.execute(select(RECORDS.c.payload).where(
            RECORDS.c.record_id == visit_ids[0], RECORDS.c.version == 2)).scalar_one())
        held = conn.execute(select(HELD.c.payload)).scalars().all()
    assert stored["fields"]["age_band"] == "85_plus"  # the anonymous answer counts
    assert stored["fields"]["person_id"] is None and stored["fields"]["note"] == ""
    assert stored["fields"]["visitor_code"] in ("", None)
    assert held == ["{}"]
    assert all(NAME not in str(p) and PHONE not in str(p) for p in (stored, *held))
