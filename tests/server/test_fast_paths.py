"""The ingest fast paths give exactly what the plain paths give.

* ``plainly_valid`` (the hand-written item check) never accepts what the protocol
  model refuses, and ``check_item`` answers the same with or without it;
* the hand check is as strict as the schema: wrong types, extra fields, oversized
  values are rejected with the schema's reason;
* ``parse_json`` reads every body as ``json.loads`` does;
* ``receipt_json`` is ``BatchReceipt.model_dump_json()``; ``body_hash`` is the
  digest earlier servers stored; ``insert_records`` stores what SQLAlchemy's
  ``insert()`` stores; the one-query progress equals the sequence walk.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, insert, select

from hubdesk.core.hashing import canonical_bytes, content_hash
from hubdesk.core.ids import uuid7
from hubdesk.protocol.schemas import BatchReceipt, UploadItem
from hubdesk.server import ingest, record_insert, sequence, validation
from hubdesk.server.bootstrap import open_database
from hubdesk.server.db import write_tx
from hubdesk.server.errors import ApiError
from hubdesk.server.models import HELD, RECORDS
from hubdesk.server.testing import LiveServer, PostgresCluster
from hubdesk.server.validation import check_item, plainly_valid

DEVICE = "01a20000-0000-7000-8000-000000000001"
HUB = "01a20000-0000-7000-8000-0000000000aa"
VOLUNTEER = "01a20000-0000-7000-8000-000000000003"


def visit_item(seq: int = 1, **fields: Any) -> dict[str, Any]:
    payload = {
        "kind": "visit", "record_id": uuid7(), "version": 1, "base_version": None,
        "deleted": False, "device_id": DEVICE, "created_by": VOLUNTEER,
        "created_at": "2026-11-20T10:00:00.000000", "utc_offset_min": 60,
        "fields": {"session_id": uuid7(), "contact_mode": "walk_in", "age_band": "65_74",
                   "topics": ["money", "food"], "note": "café ☕", "first_visit": True,
                   "headcount": 3, "visitor_code": None, **fields},
    }
    return {"seq": seq, "content_hash": content_hash(payload), "payload": payload}


def slow_check(raw: Any) -> validation.CheckedItem:
    """``check_item`` with the hand check switched off (pydantic judges everything)."""
    original = validation.plainly_valid
    validation.plainly_valid = lambda _raw: False
    try:
        return check_item(raw, DEVICE, HUB)
    finally:
        validation.plainly_valid = original


def schema_accepts(raw: Any) -> bool:
    try:
        UploadItem.model_validate(raw)
    except ValidationError:
        return False
    return True


# -- the hand check against the schema --------------------------------------------------

UUIDS = st.one_of(st.just(DEVICE), st.builds(uuid7), st.sampled_from([
    DEVICE.upper(), DEVICE + "\n", DEVICE[:-1], DEVICE.replace("-", "_"), "", "x" * 36]),
    st.text(max_size=40))
INTS = st.one_of(st.integers(-3, 3), st.integers(), st.sampled_from(
    [2**53, 2**53 + 1, -(2**53), -(2**53) - 1, 1_000_000, 1_000_001, 1440, 1441, -1441]))
TEXTS = st.one_of(st.text(max_size=8), st.integers(195, 205).map(lambda n: "t" * n),
                  st.integers(3995, 4005).map(lambda n: "n" * n),
                  st.sampled_from(["\ud800", "a\udfffb", "2026-11-20T10:00:00"]))
ANY_SCALAR = st.one_of(st.none(), st.booleans(), INTS, st.floats(), TEXTS)
FIELD_VALUES = st.one_of(
    ANY_SCALAR,
    st.lists(TEXTS, max_size=3),
    st.integers(48, 52).map(lambda n: ["a"] * n),
    st.lists(st.dictionaries(st.text(max_size=3), st.one_of(TEXTS, INTS, st.floats(),
                                                             st.none()), max_size=2),
             max_size=2),
    st.dictionaries(st.text(max_size=3), ANY_SCALAR, max_size=2),
    st.lists(st.one_of(TEXTS, st.dictionaries(st.text(max_size=2), INTS, max_size=1)),
             max_size=3),
)
FIELDS = st.one_of(
    st.dictionaries(st.one_of(st.text(max_size=6), st.integers(38, 42).map(lambda n: "k" * n)),
                    FIELD_VALUES, max_size=6),
    st.integers(58, 62).map(lambda n: {f"f{i}": i for i in range(n)}),
    ANY_SCALAR,
)


SITES = ("seq", "content_hash", "record_id", "device_id", "created_by", "kind", "version",
         "base_version", "utc_offset_min", "deleted", "created_at", "fields", "field",
         "field", "field", "key")
KEYS = ("seq", "content_hash", "payload", "extra", "p.base_version", "p.deleted", "p.kind",
        "p.fields", "p.extra", "p.created_by")


@st.composite
def items(draw: st.DrawFn) -> Any:
    """Items near the valid shape: one or two parts changed, often to a value at or
    just past a bound, so the other parts stay valid and the change is what is judged."""
    item = visit_item()
    payload = item["payload"]
    for site in draw(st.lists(st.sampled_from(SITES), max_size=2)):
        if site == "seq":
            item["seq"] = draw(st.one_of(INTS, st.booleans(), st.floats(), TEXTS, st.none()))
        elif site == "content_hash":
            item["content_hash"] = draw(st.one_of(
                st.just("0" * 64), st.just("A" * 64), st.just("0" * 64 + "\n"),
                st.just("0" * 63), TEXTS, INTS))
        elif site in ("record_id", "device_id", "created_by"):
            payload[site] = draw(st.one_of(UUIDS, INTS, st.none()))
        elif site == "kind":
            payload["kind"] = draw(st.one_of(
                st.sampled_from(["session", "visit", "person", "banana", "Visit", ""]), INTS))
        elif site in ("version", "base_version", "utc_offset_min"):
            payload[site] = draw(st.one_of(INTS, st.booleans(), st.floats(), TEXTS, st.none()))
        elif site == "deleted":
            payload["deleted"] = draw(st.one_of(st.booleans(), INTS, st.none(), TEXTS))
        elif site == "created_at":
            payload["created_at"] = draw(st.one_of(
                TEXTS, st.integers(38, 42).map(lambda n: "2" * n), INTS))
        elif site == "fields":
            payload["fields"] = draw(FIELDS)
        elif site == "field":
            name = draw(st.one_of(st.sampled_from(["note", "topics", "age_band", "x"]),
                                  st.text(max_size=5),
                                  st.integers(38, 42).map(lambda n: "k" * n)))
            if isinstance(payload.get("fields"), dict):
                payload["fields"][name] = draw(FIELD_VALUES)
        else:
            key = draw(st.sampled_from(KEYS))
            target = payload if key.startswith("p.") else item
            name = key.removeprefix("p.")
            if name in target:
                del target[name]
            else:
                target[name] = 1
    if draw(st.booleans()):  # a correct checksum, so the later checks are reached too
        with contextlib.suppress(TypeError, ValueError, UnicodeEncodeError):
            item["content_hash"] = content_hash(payload)
    if draw(st.integers(0, 20)) == 0:
        return draw(st.one_of(st.none(), INTS, TEXTS, st.lists(INTS, max_size=2)))
    return item


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items())
def test_the_hand_check_accepts_only_what_the_schema_accepts(raw: Any) -> None:
    """The fast path's gate is the hand check plus the canonical encoding (which
    refuses lone surrogates, the one thing the hand check leaves to it)."""
    if plainly_valid(raw):
        try:
            canonical_bytes(raw["payload"], known_plain=True)
        except UnicodeEncodeError:
            return  # check_item falls back to pydantic here
        assert schema_accepts(raw), raw


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items())
def test_check_item_answers_the_same_with_and_without_the_hand_check(raw: Any) -> None:
    if not isinstance(raw, dict):
        return  # ingest never passes a non-dict item here (parse_batch refuses it)
    assert check_item(copy.deepcopy(raw), DEVICE, HUB) == slow_check(copy.deepcopy(raw))


def test_ordinary_items_take_the_fast_path() -> None:
    assert plainly_valid(visit_item())
    assert plainly_valid(visit_item(activities=[{"name": "Tea", "attendance": 4}]))
    deleted = visit_item()
    del deleted["payload"]["deleted"], deleted["payload"]["base_version"]  # defaults
    assert plainly_valid(deleted)
    assert not plainly_valid(visit_item(weight=71.5))  # a float: pydantic decides


def _with(path: str, value: Any) -> dict[str, Any]:
    item = visit_item()
    *parents, last = path.split(".")
    target: Any = item
    for step in parents:
        target = target[step]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    if not path.startswith("content_hash"):
        item["content_hash"] = content_hash(item["payload"])
    return item


@pytest.mark.parametrize("path, value, where", [
    ("seq", True, "seq"),
    ("seq", 0, "seq"),
    ("seq", 2**53, "seq"),
    ("seq", 1.0, "seq"),
    ("extra", 1, "extra"),
    ("payload.extra", 1, "payload.extra"),
    ("payload.created_by", KeyError, "payload.created_by"),
    ("content_hash", "A" * 64, "content_hash"),
    ("content_hash", "0" * 64 + "\n", "content_hash"),
    ("payload.record_id", DEVICE + "\n", "payload.record_id"),
    ("payload.device_id", DEVICE.upper(), "payload.device_id"),
    ("payload.version", 0, "payload.version"),
    ("payload.version", "1", "payload.version"),
    ("payload.version", 1_000_001, "payload.version"),
    ("payload.base_version", True, "payload.base_version"),
    ("payload.deleted", 0, "payload.deleted"),
    ("payload.utc_offset_min", 1441, "payload.utc_offset_min"),
    ("payload.created_at", "2" * 41, "payload.created_at"),
    ("payload.kind", "banana", "payload.kind"),
    ("payload.fields", {f"f{i}": i for i in range(61)}, "payload.fields"),
    ("payload.fields.note", "n" * 4001, "payload.fields.note"),
    ("payload.fields.nested", {"a": 1}, "payload.fields.nested"),
    # an int past the bound is refused, never taken as a float (issue 9)
    ("payload.fields.count", 2**60, "payload.fields.count"),
    ("payload.fields.topics", ["a"] * 51, "payload.fields.topics"),
    ("payload.fields.topics", ["t" * 201], "payload.fields.topics"),
    ("payload.fields.topics", [{"a": 1.5}], "payload.fields.topics"),
    ("payload.fields.name", "\ud800", "payload.fields.name"),
])
def test_the_hand_check_is_as_strict_as_the_schema(path: str, value: Any,
                                                    where: str | None) -> None:
    raw = _with(path, value) if not path.startswith("payload.fields.name") else _surrogate()
    checked = check_item(raw, DEVICE, HUB)
    assert checked == slow_check(raw)
    if where is None:
        assert checked.reason is None
    else:
        # a lone surrogate passes the hand check; the canonical encoding then refuses
        # it and pydantic words the reason
        assert not plainly_valid(raw) or path == "payload.fields.name"
        assert checked.reason is not None
        assert checked.reason.startswith("The record is not in the expected form: " + where)


def _surrogate() -> dict[str, Any]:
    item = visit_item()
    item["payload"]["fields"]["name"] = "\ud800"
    item["content_hash"] = "0" * 64
    return item


@pytest.mark.parametrize("fields, problem", [
    ({"age_band": ["65_74"]}, "age band"),
    ({"contact_mode": ["walk_in"]}, "way of contact"),
    ({"topics": [{"name": "money", "n": 1}]}, "topic"),
    ({"hub_id": ["x"]}, None),  # not another hub's id: filed under the device's hub
])
def test_a_list_where_a_code_belongs_is_rejected_not_a_crash(
        fields: dict[str, Any], problem: str | None) -> None:
    # these raised TypeError (unhashable) before, failing the whole batch with a 500
    checked = check_item(visit_item(**fields), DEVICE, HUB, frozenset({"x" * 36}))
    if problem is None:
        assert checked.reason is None
    else:
        assert checked.reason is not None and problem in checked.reason


# -- parsing -----------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
              st.integers(-(2**70), 2**70), st.text(),
              st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=2)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=4), children, max_size=4)),
    max_leaves=15,
)


def _read(body: bytes) -> tuple[str, str]:
    try:
        return "ok", repr(ingest.parse_json(body))
    except ApiError as error:
        return "refused", error.code


def _standard(body: bytes) -> tuple[str, str]:
    try:
        return "ok", repr(json.loads(body))
    except (ValueError, RecursionError):
        return "refused", "not_json"


@settings(max_examples=500, deadline=None)
@given(JSON_VALUES, st.booleans(), st.sampled_from([None, 1]))
def test_parse_json_reads_like_json_loads(value: Any, ascii_only: bool,
                                          indent: int | None) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode("utf-8",
                                                                            "surrogatepass")
    assert _read(body) == _standard(body)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.binary(max_size=40), st.sampled_from([
    b'[18446744073709551616]', b'[-9223372036854775809]', b"[NaN]", b"[Infinity]",
    b"[1E400]", b'["\\ud800"]', b'["\\udfff"]', b'\xef\xbb\xbf{"a": 1}', b'["\xed\xa0\x80"]',
    b'["\x01"]', b'{"a":1,"a":2}', b"[1,]", b"[01]", b"[1] x", b" [1.5e300] ", b"[-0.0]",
    b"[" * 5000 + b"]" * 5000, b'"\xff"', b"",
])))
def test_parse_json_accepts_and_refuses_like_json_loads(body: bytes) -> None:
    assert _read(body) == _standard(body)


# -- receipts, digests, rows ---------------------------------------------------------

@pytest.mark.parametrize("server_time", [
    datetime(2026, 11, 23, 6, 0, 1, 123456, tzinfo=UTC),
    datetime(2026, 11, 23, 6, 0, 1, tzinfo=UTC),
])
def test_receipt_json_is_the_models_json(server_time: datetime) -> None:
    answer = {"results": [
        {"seq": 1, "record_id": DEVICE, "version": 1, "status": "accepted"},
        {"seq": 2, "record_id": HUB, "version": 2, "status": "rejected",
         "reason": "The visit cannot be accepted: 'x' is not a known topic — “quoted”."},
    ], "counts": {"accepted": 1, "duplicate": 0, "conflict": 0, "rejected": 1}}
    progress: ingest.Progress = (2, [(4, 5), (9, 9)], 3)
    model = ingest._receipt(HUB, DEVICE, answer, progress).model_copy(
        update={"server_time": server_time})
    fast = ingest.receipt_json(HUB, DEVICE, answer, progress, server_time)
    assert fast == model.model_dump_json().encode("utf-8")
    assert BatchReceipt.model_validate_json(fast) == BatchReceipt.model_validate_json(
        model.model_dump_json())


def test_body_hash_is_the_digest_earlier_servers_stored() -> None:
    items = [visit_item(seq) for seq in range(1, 6)]
    odd = visit_item(6)
    odd["content_hash"] = {"not": "a hash"}
    for batch_items in (items, [*items, odd]):
        envelope = ingest.BatchEnvelope(batch_id=uuid7(), device_id=DEVICE, items=batch_items)
        summary = [envelope.batch_id, envelope.device_id,
                   [[item.get("seq"), item.get("content_hash")] for item in envelope.items]]
        text = json.dumps(summary, separators=(",", ":"), ensure_ascii=True, default=repr)
        assert ingest.body_hash(envelope) == hashlib.sha256(text.encode("ascii")).hexdigest()


def _rows(count: int, start: int = 1) -> list[dict[str, Any]]:
    now = datetime(2026, 11, 23, 6, 0, 1, 250000)
    rows = []
    for seq in range(start, start + count):
        item = visit_item(seq)
        rows.append({"kind": "visit", "record_id": item["payload"]["record_id"],
                     "version": 1, "base_version": None, "deleted": seq % 2 == 0,
                     "hub_id": HUB, "device_id": DEVICE, "seq": seq,
                     "content_hash": item["content_hash"],
                     "payload": json.dumps(item["payload"], ensure_ascii=False),
                     "origin": "device", "erased": False, "batch_id": uuid7(),
                     "received_at": now})
    return rows


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _database_url(request: pytest.FixtureRequest, tmp_path: Path, name: str) -> str:
    """A fresh database of the test's backend (PostgreSQL: in the run's own cluster)."""
    if request.node.callspec.params["backend"] == "postgres":
        cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
        return cluster.create_database()
    return f"sqlite:///{tmp_path / name}.sqlite3"


@pytest.mark.parametrize("backend", BACKENDS)
def test_insert_records_stores_what_sqlalchemy_stores(request: pytest.FixtureRequest,
                                                      tmp_path: Path, backend: str) -> None:
    """SQLite's executemany and PostgreSQL's COPY store what SQLAlchemy's insert stores."""
    rows = _rows(7)
    stored = []
    for name, write in (("core", lambda conn: conn.execute(insert(RECORDS), rows)),
                        ("fast", lambda conn: record_insert.insert_records(
                            conn, [record_insert.record_values(row) for row in rows]))):
        engine = open_database(_database_url(request, tmp_path, name))
        try:
            with write_tx(engine) as conn:
                write(conn)
            with engine.connect() as conn:
                stored.append(conn.exec_driver_sql(
                    "SELECT * FROM records ORDER BY row_id").all())
                # and read back through the types: the same values as were given
                back = conn.execute(select(RECORDS)).mappings().all()
                assert [{k: v for k, v in row.items() if k != "row_id"} for row in back] == rows
        finally:
            engine.dispose()
    assert stored[0] == stored[1] and len(stored[0]) == 7


@pytest.mark.parametrize("backend", BACKENDS)
def test_insert_records_still_refuses_a_duplicate(request: pytest.FixtureRequest,
                                                  tmp_path: Path, backend: str) -> None:
    from sqlalchemy.exc import IntegrityError

    engine = open_database(_database_url(request, tmp_path, "dup"))
    try:
        rows = _rows(3)
        with write_tx(engine) as conn:
            record_insert.insert_records(conn, [record_insert.record_values(r) for r in rows])
        fresh = _rows(2, start=10)
        clash = dict(rows[1], record_id=uuid7())  # same (device, seq)
        with pytest.raises(IntegrityError), write_tx(engine) as conn:
            record_insert.insert_records(
                conn, [record_insert.record_values(r) for r in [*fresh, clash]])
        # the clash failed the whole bulk insert: nothing of it was stored
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(RECORDS)).scalar() == 3
    finally:
        engine.dispose()


@pytest.mark.parametrize("records, held, expected", [
    ([1, 2, 3], [3, 4], (4, [], 0)),  # a seq held and stored counts once
    ([1, 2, 5], [], (2, [(3, 4)], 2)),
    ([], [2], (0, [(1, 1)], 1)),
    ([], [], (0, [], 0)),
    ([1, 2, 3, 4, 6, 8], [7], (4, [(5, 5)], 1)),
])
def test_progress_in_one_query_equals_the_walk(tmp_path: Path, records: list[int],
                                               held: list[int],
                                               expected: tuple[Any, ...]) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'progress'}.sqlite3")
    try:
        with write_tx(engine) as conn:
            rows = [row for row in _rows(max([*records, *held, 1])) if row["seq"] in records]
            if rows:
                record_insert.insert_records(conn, [record_insert.record_values(r) for r in rows])
            for seq in held:
                conn.execute(insert(HELD).values(
                    device_id=DEVICE, hub_id=HUB, seq=seq, kind="visit", record_id=uuid7(),
                    version=1, status="rejected", reason="r", content_hash="", payload="{}",
                    batch_id=uuid7(), received_at=datetime(2026, 11, 23)))
        assert sequence.device_progress(engine, DEVICE) == expected
    finally:
        engine.dispose()


@pytest.mark.integration
def test_odd_items_are_rejected_alone_over_http(sqlite_server: LiveServer,
                                                make_laptop: Callable[..., Any]) -> None:
    laptop = make_laptop(sqlite_server)
    good = laptop.items(2)
    listed_code = laptop.item(fields={"age_band": ["65_74"]})
    float_field = laptop.item(fields={"weight_kg": 71.5})  # legal: pydantic's path
    response = laptop.post(laptop.batch([good[0], listed_code, float_field, good[1]]))
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted", "accepted"]
    assert "age band" in results[1]["reason"]
    assert results[0]["reason"] is None  # the receipt's shape is the model's
