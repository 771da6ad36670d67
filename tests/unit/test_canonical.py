"""``canonical_bytes`` (orjson where it is byte-identical) against ``canonical_json``."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubdesk.core import hashing
from hubdesk.core.hashing import canonical_bytes, canonical_json, content_hash, is_plain

# every kind of text, lone surrogates included
TEXT = st.one_of(
    st.text(),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x7F)),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3),
    st.sampled_from(["é", "\u2028", "\u2029", "\x7f", "\x00", "😀", "\uffff", '"\\/']),
)
SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(),  # unbounded: beyond 64 bits too
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(),  # NaN and infinities too
    st.sampled_from([1e16, 1e-7, 1e22, -0.0, 5e-324, 1.7976931348623157e308, 0.1, 100.0]),
    TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.tuples(children, children),
        st.dictionaries(TEXT, children, max_size=5),
        st.dictionaries(st.one_of(TEXT, st.integers(), st.booleans(), st.none()), children,
                        max_size=3),
    ),
    max_leaves=20,
)


def _standard(value: Any) -> tuple[str, bytes | str]:
    """The bytes, or the kind of failure (which must be the same either way)."""
    try:
        return "ok", canonical_json(value).encode("utf-8")
    except Exception as error:
        return "error", type(error).__name__


def _fast(value: Any, **options: Any) -> tuple[str, bytes | str]:
    try:
        return "ok", canonical_bytes(value, **options)
    except Exception as error:
        return "error", type(error).__name__


@settings(max_examples=600, deadline=None)
@given(VALUES)
def test_canonical_bytes_is_canonical_json_for_every_value(value: Any) -> None:
    assert _fast(value) == _standard(value)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_the_orjson_path_is_byte_identical_where_it_is_taken(value: Any) -> None:
    if is_plain(value):
        assert _fast(value, known_plain=True) == _standard(value)


def test_orjson_is_really_used_on_the_server() -> None:
    # the speed-up only exists with orjson (a server dependency); the laptop may lack it
    assert hashing.orjson is not None


@pytest.mark.parametrize("value, plain", [
    ({"a": [1, "x", None, True, {"b": -(2**63)}]}, True),
    ({"a": 2**63}, False),  # beyond 64 bits: orjson refuses it
    ({"a": 1.5}, False),  # floats: orjson writes 1e16 where json writes 1e+16
    ({1: "a"}, False),  # json turns the key into "1", orjson refuses it
    ({"a": (1, 2)}, False),
    ({"a": math.nan}, False),
])
def test_is_plain(value: Any, plain: bool) -> None:
    assert is_plain(value) is plain
    assert canonical_bytes(value) == canonical_json(value).encode("utf-8")


def test_floats_keep_the_standard_text() -> None:
    payload = {"big": 1e16, "small": 1e-7, "nan": math.nan}
    assert canonical_bytes(payload) == b'{"big":1e+16,"nan":NaN,"small":1e-07}'


def test_lone_surrogate_fails_as_before() -> None:
    with pytest.raises(UnicodeEncodeError):
        canonical_bytes({"name": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        canonical_bytes({"name": "\ud800"}, known_plain=True)


def test_content_hash_of_a_stored_payload_is_unchanged() -> None:
    # a hash made by an earlier version of the app (json.dumps) still matches
    payload = {"kind": "visit", "fields": {"note": "café ☕", "topics": ["money"], "n": 3}}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert content_hash(payload) == hashlib.sha256(text.encode("utf-8")).hexdigest()
