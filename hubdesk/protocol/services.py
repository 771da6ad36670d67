"""A services-directory entry as the server publishes it (reference stream
``services``): its fields, their bounds, and the one parser that reads an entry
from a council's JSON or CSV file.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from hubdesk.core.vocab import vocabularies
from hubdesk.protocol.text import clean_text

#: the longest text each free-text field keeps
SERVICE_TEXT_LIMITS = {"name": 160, "organisation": 160, "description": 2000, "phone": 40,
                       "web": 200, "email": 120, "opening_times": 200, "area": 120,
                       "eligibility": 300}
SERVICE_STATUSES = ("active", "paused", "closed")
SERVICE_ID_MAX = 64

#: what a coordinator's directory suggestion (record kind ``suggestion``) asks for
SUGGESTION_ACTIONS = ("add", "correct", "pause", "close", "reopen")
#: the service fields a suggestion may propose (only those it changes are present)
SUGGESTION_SERVICE_FIELDS = (*SERVICE_TEXT_LIMITS, "categories", "access")
SUGGESTION_REASON_MAX = 500


class BadServiceEntry(ValueError):
    """An entry that cannot be published; the message says why in plain English."""


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "y")


def parse_service(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One directory entry (a JSON object or a CSV row) as published; raises
    BadServiceEntry.  An entry without an id gets a stable one from name and organisation."""
    name = clean_text(str(entry.get("name") or ""), SERVICE_TEXT_LIMITS["name"])
    if not name:
        raise BadServiceEntry("a service needs a name")
    organisation = clean_text(str(entry.get("organisation") or ""),
                              SERVICE_TEXT_LIMITS["organisation"])
    service_id = str(entry.get("id") or "").strip().lower()
    if not service_id:
        service_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"hubdesk-service:{name}:{organisation}"))
    if len(service_id) > SERVICE_ID_MAX:
        raise BadServiceEntry(f"the id is longer than {SERVICE_ID_MAX} characters")
    categories = entry.get("categories") or []
    if isinstance(categories, str):
        categories = [c.strip() for c in re.split(r"[;|,]", categories) if c.strip()]
    if not isinstance(categories, list):
        raise BadServiceEntry("categories must be a list of codes")
    vocab = vocabularies()
    known = set(vocab.get("service_categories").codes())
    unknown = [c for c in categories if c not in known]
    if unknown:
        raise BadServiceEntry(f"unknown service category {unknown[0]!r}")
    access = str(entry.get("access") or "signpost_only")
    if access not in vocab.get("service_access"):
        raise BadServiceEntry(f"unknown access {access!r}")
    status = str(entry.get("status") or "active")
    if status not in SERVICE_STATUSES:
        raise BadServiceEntry(f"status must be one of {', '.join(SERVICE_STATUSES)}")
    verified = entry.get("last_verified") or None
    if verified is not None:
        try:
            verified = date.fromisoformat(str(verified)).isoformat()
        except ValueError as error:
            raise BadServiceEntry("last_verified must be YYYY-MM-DD") from error
    service: dict[str, Any] = {"id": service_id, "name": name, "organisation": organisation,
                               "categories": categories, "access": access, "status": status,
                               "last_verified": verified,
                               "is_sample": _truthy(entry.get("is_sample", False))}
    for key, limit in SERVICE_TEXT_LIMITS.items():
        if key not in service:
            service[key] = clean_text(str(entry.get(key) or ""), limit)
    return service


def suggestion_problem(fields: Mapping[str, Any]) -> str | None:
    """Why a ``suggestion`` record's fields cannot be kept, in plain English, or None.

    Fields: ``hub_id`` (the proposing hub), ``action`` (one of SUGGESTION_ACTIONS),
    ``service_id`` (the entry it is about; absent or None only for ``add``),
    ``reason`` (why, free text), and any of SUGGESTION_SERVICE_FIELDS with the
    proposed value. An ``add`` needs a ``name`` and at least one category.
    """
    action = fields.get("action")
    if action not in SUGGESTION_ACTIONS:
        return f"it asks for {str(action)[:40]!r}, not one of {', '.join(SUGGESTION_ACTIONS)}."
    if not isinstance(fields.get("hub_id"), str) or not fields.get("hub_id"):
        return "it has no hub."
    service_id = fields.get("service_id")
    if action == "add":
        if service_id is not None and not isinstance(service_id, str):
            return "its service id is not text."
        if not isinstance(fields.get("name"), str) or not str(fields.get("name")).strip():
            return "a new service needs a name."
        if not fields.get("categories"):
            return "a new service needs at least one category."
    elif not isinstance(service_id, str) or not service_id or len(service_id) > SERVICE_ID_MAX:
        return "it does not say which service it is about."
    for key, limit in SERVICE_TEXT_LIMITS.items():
        value = fields.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            return f"its {key.replace('_', ' ')} is not text of at most {limit} characters."
    reason = fields.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > SUGGESTION_REASON_MAX):
        return f"its reason is not text of at most {SUGGESTION_REASON_MAX} characters."
    vocab = vocabularies()
    categories = fields.get("categories")
    if categories is not None:
        known = set(vocab.get("service_categories").codes())
        if not isinstance(categories, list) or any(c not in known for c in categories):
            return "it names a service category that is not known."
    access = fields.get("access")
    if access is not None and access not in vocab.get("service_access"):
        return f"'{str(access)[:40]}' is not a known kind of access."
    return None
