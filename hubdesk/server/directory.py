"""Import a council's services directory into the reference feed: our own format (a
JSON list like ``resources/services_sample.json``, or a CSV with the same column
names) or Open Referral UK–style entries (``protocol.open_referral``).

Every entry is read before anything is written: one bad row and nothing is imported,
with every bad row named in the message.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Engine

from hubdesk.protocol.open_referral import from_open_referral, is_open_referral
from hubdesk.protocol.services import BadServiceEntry, parse_service
from hubdesk.server.db import write_tx
from hubdesk.server.errors import AdminError
from hubdesk.server.reference import upsert_reference

#: problems named in the one-line refusal (the count says how many there were)
MAX_PROBLEMS_SHOWN = 5


class DirectoryFile(NamedTuple):
    services: list[dict[str, Any]]
    notes: list[str]  # what was read but left out (e.g. a taxonomy term we do not use)


class DirectoryImport(NamedTuple):
    read: int
    changed: int
    notes: list[str]


def _entries(path: Path) -> tuple[list[Any], str]:
    """The raw entries of the file, and what one is called in messages ("row", "entry")."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise AdminError(f"cannot read {path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise AdminError(f"{path.name} is not UTF-8 text; save it as UTF-8 (CSV UTF-8 in "
                         "a spreadsheet) and try again") from error
    if path.suffix.lower() == ".json" or content.lstrip()[:1] in ("[", "{"):
        try:
            entries = json.loads(content)
        except ValueError as error:
            raise AdminError(f"{path.name} is not valid JSON: {error}") from error
        if isinstance(entries, dict):  # an Open Referral API page, or {"services": [...]}
            entries = entries.get("content", entries.get("services", entries.get("items")))
        if not isinstance(entries, list):
            raise AdminError(f"{path.name} must hold a JSON list of services")
        return entries, "entry"
    reader = csv.DictReader(content.splitlines())
    names = set(reader.fieldnames or ())
    if not names & {"name", "service_name"}:
        raise AdminError(f"{path.name}: a CSV directory needs a header row with 'name' "
                         "(or 'service_name')")
    return list(reader), "row"


def _read_one(entry: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    notes: list[str] = []
    if is_open_referral(entry):
        mapped, problems, notes = from_open_referral(entry)
        if problems:
            raise BadServiceEntry("; ".join(problems))
        entry = mapped
    return parse_service(entry), notes


def load_directory(path: Path) -> DirectoryFile:
    """Every service of ``path`` checked; AdminError naming each bad row otherwise."""
    entries, called = _entries(path)
    services: list[dict[str, Any]] = []
    notes: list[str] = []
    problems: list[str] = []
    first_row = 2 if called == "row" else 1  # a CSV row's number is its line (header = 1)
    for number, entry in enumerate(entries, start=first_row):
        where = f"{called} {number}"
        if not isinstance(entry, Mapping):
            problems.append(f"{where}: not an object with a service's fields")
            continue
        try:
            service, entry_notes = _read_one(entry)
        except BadServiceEntry as error:
            problems.append(f"{where}: {error}")
            continue
        services.append(service)
        notes += [f"{where} ({service['name'][:40]}): {note}" for note in entry_notes]
    seen: dict[str, int] = {}
    for number, service in enumerate(services, start=1):
        if service["id"] in seen:
            problems.append(f"the service id {service['id'][:40]!r} appears twice")
        seen[service["id"]] = number
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        raise AdminError(f"{path.name}: nothing was imported, {len(problems)} "
                         f"{'problem' if len(problems) == 1 else 'problems'} to fix: {shown}"
                         + (f" (and {more} more)" if more > 0 else ""))
    return DirectoryFile(services, notes)


def read_directory(path: Path) -> list[dict[str, Any]]:
    """The services of ``path`` as published (see :func:`load_directory`)."""
    return load_directory(path).services


def import_directory(engine: Engine, path: Path) -> DirectoryImport:
    """Publish the services of ``path`` in one transaction (all or nothing)."""
    loaded = load_directory(path)
    changed = 0
    with write_tx(engine) as conn:
        for service in loaded.services:
            changed += upsert_reference(conn, "services", service["id"], None, service)
    return DirectoryImport(len(loaded.services), changed, loaded.notes)
