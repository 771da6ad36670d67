"""Fast checks of the server's pure parts (no server, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubdesk.core.hashing import content_hash
from hubdesk.server.directory import read_directory
from hubdesk.server.errors import AdminError
from hubdesk.server.sequence import walk_sequence
from hubdesk.server.validation import check_item

DEVICE = "01a20000-0000-7000-8000-000000000001"
HUB = "01a20000-0000-7000-8000-0000000000aa"


def item(kind: str, fields: dict[str, object], **envelope: object) -> dict[str, object]:
    payload = {"kind": kind, "record_id": "01a20000-0000-7000-8000-000000000002",
               "version": 1, "base_version": None, "deleted": False, "device_id": DEVICE,
               "created_by": "01a20000-0000-7000-8000-000000000003",
               "created_at": "2026-11-20T10:00:00", "utc_offset_min": 0, "fields": fields,
               **envelope}
    return {"seq": 1, "content_hash": content_hash(payload), "payload": payload}


@pytest.mark.parametrize("start, seqs, expected", [
    (0, [], (0, [], 0)),
    (0, [1, 2, 3], (3, [], 0)),
    (0, [2, 3], (0, [(1, 1)], 1)),
    (3, [4, 6, 9], (4, [(5, 5), (7, 8)], 3)),
    (10, [11, 12], (12, [], 0)),
])
def test_walk_sequence(start: int, seqs: list[int],
                       expected: tuple[int, list[tuple[int, int]], int]) -> None:
    assert walk_sequence(start, seqs) == expected


def test_gap_list_is_capped_but_counted() -> None:
    high, gaps, missing = walk_sequence(0, list(range(2, 600, 2)))
    assert high == 0 and len(gaps) == 100 and missing == 299


@pytest.mark.parametrize("kind, fields, problem", [
    ("visit", {"session_id": "s", "contact_mode": "walk_in"}, None),
    ("visit", {"contact_mode": "walk_in"}, "session"),
    ("visit", {"session_id": "s", "contact_mode": "walk_in", "topics": ["astrology"]},
     "astrology"),
    ("visit", {"session_id": "s", "contact_mode": "walk_in", "age_band": "ancient"}, "age band"),
    ("session", {"hub_id": HUB, "venue_id": "v", "session_type": "drop_in",
                 "session_date": "2026-11-20"}, None),
    ("session", {"hub_id": HUB, "venue_id": "v", "session_type": "drop_in",
                 "session_date": "20/11/2026"}, "date"),
    ("conversation", {"visit_id": "v", "topic": "smoking", "furthest_step": "advise"}, None),
    ("conversation", {"visit_id": "v", "topic": "smoking", "furthest_step": "hug"}, "step"),
    ("outcome", {"visit_id": "v", "service_id": "s", "status": "offered"}, None),
    ("outcome", {"visit_id": "v"}, "service"),
    ("follow_up", {"visit_id": "v", "due_date": "2026-12-01"}, None),
    ("follow_up", {"due_date": "2026-12-01"}, "neither"),
    ("agreement", {"purpose": "follow_up", "given": True}, None),
    ("agreement", {"purpose": "follow_up", "given": "yes"}, "yes or no"),
    ("person", {"preferred_name": "Sam"}, None),
])
def test_field_rules(kind: str, fields: dict[str, object], problem: str | None) -> None:
    checked = check_item(item(kind, fields), DEVICE, HUB)
    if problem is None:
        assert checked.reason is None
    else:
        assert checked.reason is not None and problem in checked.reason


def test_version_chain_rules() -> None:
    first_with_base = item("person", {}, base_version=1)
    assert "cannot build" in (check_item(first_with_base, DEVICE, HUB).reason or "")
    edit_without_base = item("person", {}, version=2)
    assert "earlier version" in (check_item(edit_without_base, DEVICE, HUB).reason or "")
    good_edit = item("person", {}, version=2, base_version=1)
    assert check_item(good_edit, DEVICE, HUB).reason is None
    deleted = item("visit", {}, version=2, base_version=1, deleted=True)
    assert check_item(deleted, DEVICE, HUB).reason is None  # a deletion needs no fields


def test_lone_surrogate_is_rejected_not_crashing() -> None:
    bad = item("person", {})
    bad["payload"]["fields"] = {"preferred_name": "\ud800"}  # type: ignore[index]
    reason = check_item(bad, DEVICE, HUB).reason or ""
    assert "payload.fields.preferred_name: a value of the wrong type or size" in reason


def test_directory_csv_and_json(tmp_path: Path) -> None:
    csv_file = tmp_path / "d.csv"
    csv_file.write_text("name,organisation,categories,access,last_verified,is_sample\n"
                        "Lunch club,Age UK,social;food,self_refer,2026-10-01,yes\n",
                        encoding="utf-8")
    [service] = read_directory(csv_file)
    assert service["categories"] == ["social", "food"] and service["is_sample"] is True
    assert service["last_verified"] == "2026-10-01" and len(service["id"]) == 36
    assert read_directory(csv_file)[0]["id"] == service["id"]  # stable id from the name
    json_file = tmp_path / "d.json"
    json_file.write_text('[{"name": "X", "last_verified": "01/10/2026"}]', encoding="utf-8")
    with pytest.raises(AdminError, match="YYYY-MM-DD"):
        read_directory(json_file)


def test_migrations_match_the_models_and_sqlite_is_durable(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from hubdesk.server.bootstrap import open_database
    from hubdesk.server.models import ServerBase

    engine = open_database(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, ServerBase.metadata) == []
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        engine.dispose()


def test_server_canonical_encoder_matches_core_hashing() -> None:
    from hubdesk.core.hashing import canonical_bytes, canonical_json

    payload = {"b": [1, 2.5, None, True], "a": {"z": "é\u2028\n\x00", "y": -(2**53)},
               "c": 1e-05}
    assert canonical_bytes(payload) == canonical_json(payload).encode("utf-8")
    plain = {"b": [1, None, True], "a": {"z": "é\u2028\n\x00\U0001f600", "y": -(2**53)}}
    assert canonical_bytes(plain, known_plain=True) == canonical_json(plain).encode("utf-8")


def test_server_process_settles_its_garbage_collector() -> None:
    """A worker freezes its start-up objects and collects young objects rarely (issue 13),
    keeping the older generations' rhythm; run in a child so this process keeps its own."""
    import subprocess
    import sys

    from hubdesk.server.app import GC_YOUNG_THRESHOLD

    shown = subprocess.run(
        [sys.executable, "-c",
         "import gc; default = gc.get_threshold()\n"
         "from hubdesk.server.app import settle_startup_objects\n"
         "settle_startup_objects()\n"
         "print(*default, *gc.get_threshold(), gc.get_freeze_count())"],
        capture_output=True, text=True, check=True, timeout=120)
    young, middle, old, young_now, middle_now, old_now, frozen = map(int, shown.stdout.split())
    assert (young_now, middle_now, old_now) == (GC_YOUNG_THRESHOLD, middle, old)
    assert young_now > young
    assert frozen > 10_000  # FastAPI, SQLAlchemy and pydantic's objects
