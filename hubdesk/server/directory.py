"""Import a council's services directory (JSON list or CSV) into the reference feed."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hubdesk.protocol.services import BadServiceEntry, parse_service
from hubdesk.server.db import write_tx
from hubdesk.server.errors import AdminError
from hubdesk.server.reference import upsert_reference


def read_directory(path: Path) -> list[dict[str, Any]]:
    """Services from a JSON list (like ``resources/services_sample.json``) or a CSV
    with the same column names (categories separated by ``;``)."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise AdminError(f"cannot read {path}: {error.strerror}") from error
    if path.suffix.lower() == ".json" or content.lstrip().startswith("["):
        try:
            entries = json.loads(content)
        except ValueError as error:
            raise AdminError(f"{path.name} is not valid JSON: {error}") from error
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise AdminError(f"{path.name} must hold a JSON list of services")
    else:
        reader = csv.DictReader(content.splitlines())
        if not reader.fieldnames or "name" not in reader.fieldnames:
            raise AdminError(f"{path.name}: a CSV directory needs a header row with 'name'")
        entries = list(reader)
    services = []
    for line, entry in enumerate(entries, start=1):
        try:
            services.append(parse_service(entry))
        except BadServiceEntry as error:
            raise AdminError(f"entry {line}: {error}") from error
    ids = [s["id"] for s in services]
    if len(set(ids)) != len(ids):
        raise AdminError(f"{path.name}: the same service id appears twice")
    return services


def import_directory(engine: Engine, path: Path) -> tuple[int, int]:
    """Publish the services of ``path``; returns (services read, services changed)."""
    services = read_directory(path)
    changed = 0
    with write_tx(engine) as conn:
        for service in services:
            changed += upsert_reference(conn, "services", service["id"], None, service)
    return len(services), changed
