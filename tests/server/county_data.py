"""The fixed report dataset (tests/reports/dataset.py) on a real server: uploaded through
the HTTP API by a test laptop, plus a second hub (Hitchin) with five walk-ins."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from hubdesk.core.hashing import content_hash
from hubdesk.server import admin
from hubdesk.server.testing import LiveServer
from hubdesk.store.outbox import _wire_value as _wire  # the laptop's wire form of a value
from tests.reports.dataset import SERVICES, records, rid
from tests.server.conftest import Laptop

VOL_E = "0190a000-0000-7000-8000-00000000000e"
MARCH = (date(2026, 3, 28), date(2026, 3, 30))


def upload(laptop: Laptop, versions: list[dict[str, Any]]) -> None:
    items = []
    for record in versions:
        fields = {k: _wire(v) for k, v in record["fields"].items()}
        if record["kind"] == "session":
            fields["hub_id"] = laptop.hub_id
        payload = {"kind": record["kind"], "record_id": record["record_id"],
                   "version": record["version"],
                   "base_version": record["version"] - 1 or None, "deleted": record["deleted"],
                   "device_id": laptop.device_id, "created_by": record["created_by"],
                   "created_at": "2026-03-01T00:00:00.000000", "utc_offset_min": 0,
                   "fields": fields}
        laptop.seq += 1
        items.append({"seq": laptop.seq, "content_hash": content_hash(payload),
                      "payload": payload})
    response = laptop.post(laptop.batch(items))
    assert response.status_code == 200, response.text
    statuses = {result["status"] for result in response.json()["results"]}
    assert statuses == {"accepted"}, response.json()["results"]


def _second_hub(server: LiveServer, make_laptop: Callable[..., Laptop]) -> Laptop:
    """Hitchin (North Herts): one drop-in on the 29th with five walk-ins by volunteer E."""
    hub_id = server.create_hub("Hitchin Hub", "North Herts")
    laptop = make_laptop(server, enrol=False)
    laptop.enrol(server.enrol_code(hub_id))
    session = {"kind": "session", "record_id": rid("session", 90), "version": 1,
               "deleted": False, "created_by": VOL_E, "fields": {
                   "hub_id": None, "venue_id": rid("session", 91), "session_type": "drop_in",
                   "session_date": "2026-03-29", "started_at": "2026-03-29T10:00:00",
                   "ended_at": None, "volunteers_present": [], "headcount": 1,
                   "activities": [], "warm_space": False, "status": "closed",
                   "volunteer_shifts": []}}
    visits = [{"kind": "visit", "record_id": rid("visit", 90 + n), "version": 1,
               "deleted": False, "created_by": VOL_E, "fields": {
                   "session_id": rid("session", 90), "visited_at": f"2026-03-29T10:1{n}:00",
                   "contact_mode": "walk_in", "referral_source": None, "age_band": "25_34",
                   "sex": "female", "postcode_district": None, "first_visit": True,
                   "visitor_code": None, "topics": ["money"], "safeguarding": False,
                   "note": "", "person_id": None}} for n in range(5)]
    upload(laptop, [session, *visits])
    return laptop


def fill_county(server: LiveServer, make_laptop: Callable[..., Laptop], tmp_path: Path,
                services: list[dict[str, Any]] = SERVICES) -> LiveServer:
    import_services(server, tmp_path, services)
    upload(make_laptop(server), records())
    _second_hub(server, make_laptop)
    return server


def import_services(server: LiveServer, folder: Path,
                    services: list[dict[str, Any]] = SERVICES) -> None:
    directory = folder / "services.json"
    directory.write_text(json.dumps(services), encoding="utf-8")
    admin.import_directory(server.engine, directory)
