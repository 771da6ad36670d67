"""Per-item checks of an uploaded record version, with plain-English reasons.

Only what can be judged from the item itself lives here (no database): the
checksum, the sending laptop, the version chain and the kind's own fields.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import ValidationError

from hubdesk.core.hashing import canonical_bytes
from hubdesk.core.vocab import Vocabularies, vocabularies
from hubdesk.protocol.schemas import (
    MAX_CREATED_AT_CHARS,
    MAX_FIELD_INT,
    MAX_FIELD_LIST_ITEMS,
    MAX_FIELD_LIST_TEXT_CHARS,
    MAX_FIELD_NAME_CHARS,
    MAX_FIELD_TEXT_CHARS,
    MAX_FIELDS,
    MAX_REASON_CHARS,
    MAX_RECORD_BYTES,
    MAX_SEQ,
    MAX_UTC_OFFSET_MIN,
    MAX_VERSION,
    RECORD_KINDS,
    RecordPayload,
    UploadItem,
)
from hubdesk.protocol.services import suggestion_problem

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
REASON_MAX = MAX_REASON_CHARS
RECORD_TOO_LARGE = (f"This record holds more than {MAX_RECORD_BYTES // 1024} KB of text, far "
                    "more than any record needs; nothing of it was kept.")


def short(text: str, limit: int = REASON_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_UNION_TAGS = {"bool", "int", "float", "str", "none", "list", "dict"}


def _is_union_tag(step: object) -> bool:
    text = str(step)
    return isinstance(step, str) and ("[" in text or "-" in text or text in _UNION_TAGS)


def describe_validation_error(error: ValidationError, prefix: str = "") -> str:
    """The first problems of a pydantic error, as one short line.

    A value that matches no member of a union gives one error per member; those are
    folded into one "wrong type or size" line for the field.
    """
    by_place: dict[str, list[str]] = {}
    for problem in error.errors():
        steps = [str(step) for step in problem.get("loc", ()) if not _is_union_tag(step)]
        where = prefix + ".".join(steps) if steps else (prefix.rstrip(".") or "body")
        by_place.setdefault(where, []).append(str(problem.get("msg", "invalid")))
    parts = []
    for where, messages in list(by_place.items())[:3]:
        message = messages[0] if len(messages) == 1 else "a value of the wrong type or size"
        parts.append(f"{where}: {message}")
    more = len(by_place) - 3
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def item_identity(raw: Any) -> tuple[int, str, int] | None:
    """(seq, record_id, version) of a raw item, or None when they cannot be read.

    A receipt must name each item, so an item without a readable identity makes
    the whole batch malformed; any other problem only rejects that item.
    """
    if not isinstance(raw, dict):
        return None
    seq = raw.get("seq")
    payload = raw.get("payload")
    if not isinstance(payload, dict):
        return None
    record_id = payload.get("record_id")
    version = payload.get("version")
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        return None
    if not isinstance(record_id, str) or not UUID_RE.match(record_id):
        return None
    if type(version) is not int or not 1 <= version <= MAX_VERSION:
        return None
    return seq, record_id, version


def _is_iso_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_iso_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


LABELS = {
    "session": "session",
    "visit": "visit",
    "conversation": "conversation",
    "outcome": "signposting outcome",
    "follow_up": "follow-up",
    "agreement": "agreement",
    "person": "person",
    "suggestion": "directory suggestion",
}


class FieldRules:
    """Kind-specific field rules against the controlled vocabularies."""

    def __init__(self, vocab: Vocabularies) -> None:
        self._sets = {name: frozenset(vocab.get(name).codes()) for name in vocab.names()}
        self._checkers: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
            "session": self._check_session,
            "visit": self._check_visit,
            "conversation": self._check_conversation,
            "outcome": self._check_outcome,
            "follow_up": self._check_follow_up,
            "agreement": self._check_agreement,
            "suggestion": suggestion_problem,
        }

    def _codes(self, name: str) -> frozenset[str]:
        return self._sets[name]

    def check(self, kind: str, fields: Mapping[str, Any]) -> str | None:
        checker: Callable[[Mapping[str, Any]], str | None] | None = self._checkers.get(kind)
        return checker(fields) if checker else None

    # helpers -------------------------------------------------------------
    def _need_id(self, fields: Mapping[str, Any], name: str, what: str) -> str | None:
        value = fields.get(name)
        if not isinstance(value, str) or not value:
            return f"it has no {what}."
        return None

    def _optional_code(self, fields: Mapping[str, Any], name: str, vocab: str,
                       what: str) -> str | None:
        value = fields.get(name)
        if value is None:
            return None
        # a list or dict is no code either (and must not reach a set look-up)
        if not isinstance(value, str) or value not in self._codes(vocab):
            return f"'{short(str(value), 40)}' is not a known {what}."
        return None

    def _required_code(self, fields: Mapping[str, Any], name: str, vocab: str,
                       what: str) -> str | None:
        if fields.get(name) is None:
            return f"it has no {what}."
        return self._optional_code(fields, name, vocab, what)

    @staticmethod
    def _first(*problems: str | None) -> str | None:
        for problem in problems:
            if problem:
                return problem
        return None

    # kinds -----------------------------------------------------------------
    def _check_session(self, f: Mapping[str, Any]) -> str | None:
        return self._first(
            self._need_id(f, "hub_id", "hub"),
            self._need_id(f, "venue_id", "venue"),
            self._required_code(f, "session_type", "session_types", "session type"),
            None if _is_iso_date(f.get("session_date")) else "its date is missing or not a date.",
        )

    def _check_visit(self, f: Mapping[str, Any]) -> str | None:
        topics = f.get("topics")
        topic_problem = None
        if topics is not None:
            if not isinstance(topics, list):
                topic_problem = "its topics are not a list."
            else:
                codes = self._codes("mecc_topics")
                unknown = [t for t in topics if not isinstance(t, str) or t not in codes]
                if unknown:
                    topic_problem = f"'{short(str(unknown[0]), 40)}' is not a known topic."
        return self._first(
            self._need_id(f, "session_id", "session"),
            self._required_code(f, "contact_mode", "contact_modes", "way of contact"),
            self._optional_code(f, "referral_source", "referral_sources", "referral source"),
            self._optional_code(f, "age_band", "age_bands", "age band"),
            self._optional_code(f, "sex", "sexes", "sex"),
            topic_problem,
        )

    def _check_conversation(self, f: Mapping[str, Any]) -> str | None:
        return self._first(
            self._need_id(f, "visit_id", "visit"),
            self._required_code(f, "topic", "mecc_topics", "topic"),
            self._optional_code(f, "furthest_step", "mecc_steps", "MECC step"),
            self._optional_code(f, "intervention_level", "intervention_levels",
                                "intervention level"),
            self._optional_code(f, "response", "responses", "response"),
            self._optional_code(f, "action", "actions", "action"),
        )

    def _check_outcome(self, f: Mapping[str, Any]) -> str | None:
        return self._first(
            self._need_id(f, "visit_id", "visit"),
            self._need_id(f, "service_id", "service"),
            self._optional_code(f, "kind", "signpost_kinds", "kind of signposting"),
            self._optional_code(f, "status", "outcome_statuses", "outcome status"),
        )

    def _check_follow_up(self, f: Mapping[str, Any]) -> str | None:
        has_target = isinstance(f.get("outcome_id"), str) or isinstance(f.get("visit_id"), str)
        return self._first(
            None if has_target else "it names neither a visit nor an outcome.",
            None if _is_iso_date(f.get("due_date")) else "its due date is missing or not a date.",
            self._optional_code(f, "method", "follow_up_methods", "follow-up method"),
        )

    def _check_agreement(self, f: Mapping[str, Any]) -> str | None:
        return self._first(
            self._required_code(f, "purpose", "agreement_purposes", "purpose"),
            None if isinstance(f.get("given"), bool) else "it does not say yes or no.",
            self._optional_code(f, "method", "agreement_methods", "way of agreeing"),
        )


@lru_cache(maxsize=1)
def field_rules() -> FieldRules:
    return FieldRules(vocabularies())


class ItemView(NamedTuple):
    """The parts of a well-formed item that ingest needs (values as received: the
    schemas are strict, so they are what the protocol model would hold).  Named
    tuples, not frozen dataclasses: those take ~1.5 µs to build, ~1,000 times a batch."""

    seq: int
    content_hash: str
    kind: str
    record_id: str
    version: int
    base_version: int | None
    deleted: bool
    device_id: str
    created_at: str
    fields: Mapping[str, Any]


class CheckedItem(NamedTuple):
    """One item after the checks: ``reason`` is None when it may be stored."""

    reason: str | None
    canonical: str = ""  # the payload's canonical JSON (what was hashed)
    item: ItemView | None = None


# -- the strict form of an item, checked by hand --------------------------------------
# ``plainly_valid`` accepts a subset of what ``UploadItem`` accepts: the ordinary
# shapes, with every bound of the schema.  Anything else (a float, an unusual but
# legal value, any mistake) goes to pydantic, which judges it and words the reason,
# so a hand check can never let through what the schema refuses, nor change a reason
# (``tests/server/test_validation.py`` checks both against the protocol model).

_HEX64_RE = re.compile(r"[0-9a-f]{64}")
_ITEM_KEYS = frozenset(UploadItem.model_fields)
_PAYLOAD_KEYS = frozenset(RecordPayload.model_fields)
_PAYLOAD_REQUIRED = frozenset(name for name, info in RecordPayload.model_fields.items()
                              if info.is_required())
_KINDS = frozenset(RECORD_KINDS)
_UUID_FULL = UUID_RE.pattern.removeprefix("^").removesuffix("$")
_UUID_FULL_RE = re.compile(_UUID_FULL)
# every bound is the schema's own named constant, so the schema changes in one place
_FIELD_INT = MAX_FIELD_INT
_MAX_FIELDS, _MAX_FIELD_NAME, _MAX_TEXT = MAX_FIELDS, MAX_FIELD_NAME_CHARS, MAX_FIELD_TEXT_CHARS
_MAX_LIST, _MAX_LIST_TEXT = MAX_FIELD_LIST_ITEMS, MAX_FIELD_LIST_TEXT_CHARS
_MAX_VERSION, _MAX_OFFSET, _MAX_CREATED_AT = MAX_VERSION, MAX_UTC_OFFSET_MIN, MAX_CREATED_AT_CHARS


def _uuid(value: Any) -> bool:
    return type(value) is str and _UUID_FULL_RE.fullmatch(value) is not None


@lru_cache(maxsize=256)
def _repeated_uuid(value: str) -> bool:
    """``_uuid`` for the ids every item of a batch repeats (laptop, volunteer)."""
    return _UUID_FULL_RE.fullmatch(value) is not None


def _plain_list(value: list[Any]) -> bool:
    if len(value) > _MAX_LIST:
        return False
    if all(type(entry) is str and len(entry) <= _MAX_LIST_TEXT for entry in value):
        return True
    return all(
        type(entry) is dict and all(
            type(key) is str and (
                (type(inner) is str and len(inner) <= _MAX_LIST_TEXT)
                or (type(inner) is int and -_FIELD_INT <= inner <= _FIELD_INT))
            for key, inner in entry.items())
        for entry in value)


def plainly_valid(raw: Any) -> bool:
    """True when ``raw`` is certainly a valid ``UploadItem`` (see above); False means
    "ask pydantic", not "invalid".  Strings are not checked for lone surrogates here:
    the canonical encoding that follows refuses them, and then pydantic judges."""
    if type(raw) is not dict or raw.keys() != _ITEM_KEYS:
        return False
    seq, digest, payload = raw["seq"], raw["content_hash"], raw["payload"]
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        return False
    if type(digest) is not str or _HEX64_RE.fullmatch(digest) is None:
        return False
    if type(payload) is not dict or not (_PAYLOAD_REQUIRED <= payload.keys() <= _PAYLOAD_KEYS):
        return False
    kind, version, base = payload["kind"], payload["version"], payload.get("base_version")
    offset, created_at = payload["utc_offset_min"], payload["created_at"]
    fields, device, volunteer = payload["fields"], payload["device_id"], payload["created_by"]
    if not (type(kind) is str and kind in _KINDS and _uuid(payload["record_id"])
            and type(device) is str and _repeated_uuid(device)
            and type(volunteer) is str and _repeated_uuid(volunteer)
            and type(version) is int and 1 <= version <= _MAX_VERSION
            and (base is None or (type(base) is int and 1 <= base <= _MAX_VERSION))
            and type(payload.get("deleted", False)) is bool
            and type(created_at) is str and len(created_at) <= _MAX_CREATED_AT
            and type(offset) is int and -_MAX_OFFSET <= offset <= _MAX_OFFSET
            and type(fields) is dict and len(fields) <= _MAX_FIELDS):
        return False
    # FieldValue, written out (this loop runs ~10 times per item)
    for name, value in fields.items():
        if type(name) is not str or len(name) > _MAX_FIELD_NAME:
            return False
        value_type = type(value)
        if value_type is str:
            if len(value) > _MAX_TEXT:
                return False
        elif value is None or value_type is bool:
            continue
        elif value_type is int:
            if not -_FIELD_INT <= value <= _FIELD_INT:
                return False
        elif value_type is list:
            if not _plain_list(value):
                return False
        else:
            return False  # a float, a nested dict, ...: pydantic decides
    return True


def check_item(raw: dict[str, Any], device_id: str, hub_id: str,
               other_hubs: frozenset[str] = frozenset()) -> CheckedItem:
    """Judge one raw item; the content hash is checked against the payload as received.

    ``other_hubs`` are the hubs this server knows besides the device's own: a
    record naming one of them is refused.  A hub id the server has never seen is
    the laptop's own offline set-up from before it was enrolled; such records are
    filed under the device's hub (ingest stores the device's hub, not the field).
    """
    encoded: bytes | None = None
    view: ItemView | None = None
    if plainly_valid(raw):
        try:
            encoded = canonical_bytes(raw["payload"], known_plain=True)
        except UnicodeEncodeError:
            encoded = None  # a lone surrogate: pydantic words the reason below
        else:
            payload = raw["payload"]
            view = ItemView(raw["seq"], raw["content_hash"], payload["kind"],
                            payload["record_id"], payload["version"],
                            payload.get("base_version"), payload.get("deleted", False),
                            payload["device_id"], payload["created_at"], payload["fields"])
    if view is None:
        try:
            model = UploadItem.model_validate(raw)
        except ValidationError as error:
            return CheckedItem(short("The record is not in the expected form: "
                                     + describe_validation_error(error, "")))
        try:
            encoded = canonical_bytes(raw["payload"])
        except UnicodeEncodeError:
            return CheckedItem("The record contains text that is not valid Unicode.")
        strict = model.payload
        view = ItemView(model.seq, model.content_hash, strict.kind, strict.record_id,
                        strict.version, strict.base_version, strict.deleted,
                        strict.device_id, strict.created_at, strict.fields)
    assert encoded is not None
    canonical = encoded.decode("utf-8")
    return CheckedItem(_judge(view, encoded, device_id, hub_id, other_hubs), canonical, view)


def _judge(item: ItemView, encoded: bytes, device_id: str, hub_id: str,
           other_hubs: frozenset[str]) -> str | None:
    """The checks after the form: checksum, laptop, version chain, the kind's fields."""
    # same as hubdesk.core.hashing.content_hash, without serialising twice
    if hashlib.sha256(encoded).hexdigest() != item.content_hash:
        return ("The record does not match its checksum; it may have been damaged "
                "on the way. It stays on the laptop.")
    if len(encoded) > MAX_RECORD_BYTES:
        return RECORD_TOO_LARGE
    label = LABELS[item.kind]
    if item.device_id != device_id:
        return "This record names a different laptop from the one sending it."
    if item.version == 1 and item.base_version is not None:
        return f"The first version of a {label} cannot build on another version."
    if item.version > 1 and (item.base_version is None or item.base_version >= item.version):
        return f"This edit of a {label} does not name the earlier version it changes."
    if not _is_iso_datetime(item.created_at):
        return f"The {label}'s time of creation is not a date and time."
    hub_field = item.fields.get("hub_id")
    if isinstance(hub_field, str) and hub_field != hub_id and hub_field in other_hubs:
        return "This laptop can only record for its own hub."
    if item.deleted:
        return None
    problem = field_rules().check(item.kind, item.fields)
    if problem:
        return short(f"The {label} cannot be accepted: {problem}")
    return None
