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

SERVICE_FIELDS = ("id", "name", "organisation", "categories", "description", "access", "phone",
                  "web", "opening_times", "area", "eligibility", "last_verified", "status",
                  "is_sample")
#: the longest text each free-text field keeps
SERVICE_TEXT_LIMITS = {"name": 160, "organisation": 160, "description": 2000, "phone": 40,
                       "web": 200, "opening_times": 200, "area": 120, "eligibility": 300}
SERVICE_STATUSES = ("active", "paused", "closed")
SERVICE_ID_MAX = 64


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
