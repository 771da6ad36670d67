"""The county report over the real server (SQLite and PostgreSQL), from the same fixed
dataset and hand-worked answers as the laptop's test (tests/reports/dataset.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hubdesk.core.hashing import content_hash
from hubdesk.server import admin
from hubdesk.server.reports import ReportRequest, county_report
from hubdesk.server.testing import LiveServer
from hubdesk.store.outbox import _wire_value as _wire  # the laptop's wire form of a value
from tests.reports.dataset import EXPECTED_MARCH, SERVICES, records, rid
from tests.server.conftest import Laptop

VOL_E = "0190a000-0000-7000-8000-00000000000e"
MARCH = (date(2026, 3, 28), date(2026, 3, 30))


def _upload(laptop: Laptop, versions: list[dict[str, Any]]) -> None:
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
    _upload(laptop, [session, *visits])
    return laptop


@pytest.fixture
def county(server: LiveServer, make_laptop: Callable[..., Laptop], tmp_path: Path) -> LiveServer:
    directory = tmp_path / "services.json"
    directory.write_text(json.dumps(SERVICES), encoding="utf-8")
    admin.import_directory(server.engine, directory)
    _upload(make_laptop(server), records())
    _second_hub(server, make_laptop)
    return server


def test_every_figure_per_hub_district_and_county(county: LiveServer) -> None:
    report = county_report(county.engine, ReportRequest(*MARCH, exact=True))
    stevenage = {**EXPECTED_MARCH, "safeguarding_flags": {"raised": 1}}
    assert report["by_hub"]["Test Hub"] == stevenage
    assert report["by_district"]["Test district"] == stevenage
    hitchin = report["by_hub"]["Hitchin Hub"]
    assert (hitchin["visits"], hitchin["people_helped"], hitchin["visitors"]) == (5, 6, 5)
    assert report["by_district"]["North Herts"]["volunteers"] == 1
    assert report["visits"] == 11 and report["people_helped"] == 17
    assert report["sex"] == {"female": 8, "male": 2, "not_asked": 1}
    assert report["volunteers"] == 5  # A B C D at Stevenage, E at Hitchin
    assert report["mental_health"] == {"count": 2, "percent_of_visits": 18.2}
    assert report["mecc_by_topic"] == EXPECTED_MARCH["mecc_by_topic"]


@pytest.mark.parametrize(("day", "visits"), [
    (date(2026, 3, 28), 2), (date(2026, 3, 29), 1 + 5), (date(2026, 3, 30), 3),
    (date(2026, 3, 31), 1), (date(2026, 10, 24), 0), (date(2026, 10, 25), 2),
    (date(2026, 10, 26), 1),
])
def test_midnight_and_clock_change_days(county: LiveServer, day: date, visits: int) -> None:
    report = county_report(county.engine, ReportRequest(day, day, exact=True))
    assert report["visits"] == visits


def test_one_hub_and_one_district(county: LiveServer) -> None:
    hub = county_report(county.engine, ReportRequest(*MARCH, hub="hitchin hub", exact=True))
    assert hub["visits"] == 5 and list(hub["by_hub"]) == ["Hitchin Hub"]
    district = county_report(county.engine, ReportRequest(*MARCH, district="Test district",
                                                          exact=True))
    assert district["visits"] == 6 and list(district["by_district"]) == ["Test district"]
    assert district["volunteers"] == 4


def test_small_numbers_are_hidden_unless_exact(county: LiveServer) -> None:
    report = county_report(county.engine, ReportRequest(*MARCH))
    stevenage = report["by_hub"]["Test Hub"]
    assert stevenage["visits"] == 6
    assert stevenage["first_visits"] == "<5" and stevenage["sex"]["female"] == "<5"
    assert stevenage["mental_health"] == {"count": "<5", "percent_of_visits": None}
    assert report["sex"]["female"] == 8 and report["sex"]["male"] == "<5"
    assert stevenage["follow_ups"]["due"] == "<5"


def test_later_versions_count_and_erased_records_still_count(county: LiveServer) -> None:
    county_report(county.engine, ReportRequest(*MARCH, exact=True))
    # a coordinator's edit on the server: v2 (male) becomes female
    county.edit_record("visit", rid("visit", 2), {"sex": "female"})
    # erased after the report tables have it: still counted
    county.erase_record("visit", rid("visit", 3))
    report = county_report(county.engine, ReportRequest(*MARCH, exact=True))
    assert report["by_hub"]["Test Hub"]["sex"] == {"female": 4, "male": 1, "not_asked": 1}
    assert report["by_hub"]["Test Hub"]["visits"] == 6


def test_a_record_erased_before_any_report_still_counts(county: LiveServer) -> None:
    county.erase_record("visit", rid("visit", 3))
    report = county_report(county.engine, ReportRequest(date(2026, 3, 29), date(2026, 3, 29),
                                                        exact=True))
    assert report["by_hub"]["Test Hub"]["visits"] == 1
    assert report["by_hub"]["Test Hub"]["safeguarding_flags"] == {"raised": 1}
