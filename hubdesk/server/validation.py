"""Per-item checks of an uploaded record version, with plain-English reasons.

Only what can be judged from the item itself lives here (no database): the
checksum, the sending laptop, the version chain and the kind's own fields.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from hubdesk.core.vocab import Vocabularies, vocabularies
from hubdesk.protocol.schemas import MAX_SEQ, UploadItem

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
REASON_MAX = 200
#: the encoder behind ``hubdesk.core.hashing.canonical_json`` (same options), made once:
#: ``json.dumps`` would build a new encoder for every item
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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
    if type(version) is not int or not 1 <= version <= 1_000_000:
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
        if value not in self._codes(vocab):
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
                unknown = [t for t in topics if t not in self._codes("mecc_topics")]
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


@dataclass(frozen=True)
class CheckedItem:
    """One item after the checks: ``reason`` is None when it may be stored."""

    reason: str | None
    canonical: str = ""  # the payload's canonical JSON (what was hashed)
    item: UploadItem | None = None


def check_item(raw: dict[str, Any], device_id: str, hub_id: str,
               other_hubs: frozenset[str] = frozenset()) -> CheckedItem:
    """Judge one raw item; the content hash is checked against the payload as received.

    ``other_hubs`` are the hubs this server knows besides the device's own: a
    record naming one of them is refused.  A hub id the server has never seen is
    the laptop's own offline set-up from before it was enrolled; such records are
    filed under the device's hub (ingest stores the device's hub, not the field).
    """
    reason, canonical, item = _check_item(raw, device_id, hub_id, other_hubs)
    return CheckedItem(reason, canonical, item)


def _check_item(raw: dict[str, Any], device_id: str, hub_id: str,
                other_hubs: frozenset[str]) -> tuple[str | None, str, UploadItem | None]:
    try:
        item = UploadItem.model_validate(raw)
    except ValidationError as error:
        return short("The record is not in the expected form: "
                     + describe_validation_error(error, "")), "", None
    payload_raw = raw["payload"]
    try:
        canonical = _CANONICAL.encode(payload_raw)
        encoded = canonical.encode("utf-8")
    except UnicodeEncodeError:
        return "The record contains text that is not valid Unicode.", "", None
    # same as hubdesk.core.hashing.content_hash, without serialising twice
    if hashlib.sha256(encoded).hexdigest() != item.content_hash:
        return ("The record does not match its checksum; it may have been damaged "
                "on the way. It stays on the laptop."), canonical, item
    payload = item.payload
    label = LABELS[payload.kind]
    if payload.device_id != device_id:
        return "This record names a different laptop from the one sending it.", canonical, item
    if payload.version == 1 and payload.base_version is not None:
        return f"The first version of a {label} cannot build on another version.", canonical, item
    if payload.version > 1 and (payload.base_version is None
                                or payload.base_version >= payload.version):
        return f"This edit of a {label} does not name the earlier version it changes.", canonical, item
    if not _is_iso_datetime(payload.created_at):
        return f"The {label}'s time of creation is not a date and time.", canonical, item
    hub_field = payload.fields.get("hub_id")
    if hub_field is not None and hub_field != hub_id and hub_field in other_hubs:
        return "This laptop can only record for its own hub.", canonical, item
    if payload.deleted:
        return None, canonical, item
    problem = field_rules().check(payload.kind, payload.fields)
    if problem:
        return short(f"The {label} cannot be accepted: {problem}"), canonical, item
    return None, canonical, item
