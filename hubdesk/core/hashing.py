"""Canonical JSON and content hashes shared by the client and the server.

``canonical_json`` is the definition.  ``canonical_bytes`` gives the same text as
UTF-8, through orjson when it is installed (the server has it) and the value holds
only types whose orjson text is byte-identical: dicts with str keys, lists, str,
bool, None and ints within 64 bits.  Floats are left to the standard library
(orjson writes ``1e16`` where ``json`` writes ``1e+16``), and so is anything orjson
refuses (a lone surrogate), so every value gives the same bytes, or the same error,
either way (``tests/unit/test_canonical.py`` checks this property).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

try:  # a server dependency; the laptop does without (same text, slower)
    import orjson
except ImportError:  # pragma: no cover - depends on the installation
    orjson = None  # type: ignore[assignment]

_INT64_LOW, _INT64_HIGH = -(2**63), 2**63


def canonical_json(payload: Any) -> str:
    """JSON with sorted keys and no spaces: the same content always gives the same text."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def is_plain(value: Any) -> bool:
    """True when ``value`` holds only dicts with str keys, lists, str, bool, None and
    ints within 64 bits (exact types, no subclasses): orjson's text for it is
    ``canonical_json``'s."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return _INT64_LOW <= value < _INT64_HIGH
    try:
        if kind is dict:
            return all(type(key) is str and is_plain(item) for key, item in value.items())
        if kind is list:
            return all(is_plain(item) for item in value)
    except RecursionError:
        return False
    return False


def canonical_bytes(payload: Any, *, known_plain: bool = False) -> bytes:
    """``canonical_json(payload).encode("utf-8")``, faster.

    ``known_plain``: the caller has already checked what :func:`is_plain` checks
    (the server's strict item check does), so the walk is skipped.  Raises what the
    standard path raises (``UnicodeEncodeError`` for a lone surrogate, ``TypeError``
    for a value JSON cannot hold).
    """
    if orjson is not None and (known_plain or is_plain(payload)):
        try:
            return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # e.g. a lone surrogate: the standard path gives the usual error
    return canonical_json(payload).encode("utf-8")


def content_hash(payload: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``payload``."""
    return hashlib.sha256(canonical_bytes(payload)).hexdigest()
