"""``import-directory`` with Open Referral UK–style files as well as our own format:
schedules become readable opening times, taxonomy terms become our categories (a term we
do not use is named), every bad row is named, and nothing is half-imported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from hubdesk.core.opening_times import read_opening_times
from hubdesk.server import admin
from hubdesk.server.bootstrap import open_database
from hubdesk.server.directory import load_directory
from hubdesk.server.errors import AdminError
from hubdesk.server.models import REFERENCE
from tests.server.test_cli import SAMPLE, cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "directory"


def _published(db_url: str) -> dict[str, dict[str, object]]:
    engine = open_database(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(REFERENCE.c.item_id, REFERENCE.c.data)
                                .where(REFERENCE.c.stream == "services")).all()
    finally:
        engine.dispose()
    return {item_id: json.loads(data) for item_id, data in rows}


def test_open_referral_json_is_read_into_our_entries() -> None:
    loaded = load_directory(FIXTURES / "open_referral_services.json")
    money, knit, warm = loaded.services
    assert money["name"] == "Stevenage Money Advice Drop-in"
    assert money["organisation"] == "Stevenage Citizens Advice"
    assert (money["web"], money["email"], money["phone"]) == (
        "https://www.example.org/money-advice", "advice@example.org", "01438 000 111")
    assert money["area"] == "Stevenage" and money["last_verified"] == "2026-09-14"
    assert money["opening_times"] == "Mon–Wed 9.30am–4pm, Sat 10am–12pm"
    assert read_opening_times(money["opening_times"]) is not None  # the browser can read it
    assert money["categories"] == ["money"] and money["status"] == "active"
    assert money["eligibility"] == "Anyone living in Stevenage"
    assert (knit["status"], knit["area"], knit["phone"]) == ("paused", "Hitchin Library",
                                                             "01462 000 222")
    assert knit["categories"] == ["social"] and knit["opening_times"] == "Thu 2pm–4pm"
    assert (warm["status"], warm["organisation"]) == ("closed", "St Nicholas Church")
    assert warm["categories"] == ["energy", "food"]
    assert warm["opening_times"] == "Mon 10am–3pm, Wed 10am–3pm, Fri 10am–3pm"
    assert len(warm["id"]) == 36  # a stable id from name and organisation
    [note] = loaded.notes
    assert note.startswith("entry 1 (Stevenage Money Advice Drop-in): taxonomy term "
                           "'Parking permits' is not one of our categories")


def test_open_referral_csv_and_the_command_line(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    done = cli(db_url, "import-directory", str(FIXTURES / "open_referral_services.csv"))
    assert done.stdout.strip().splitlines()[-1] == "imported 2 services (2 new or changed)"
    published = _published(db_url)
    walks = published["svc-walk-1"]
    assert walks["opening_times"] == "Tue 10am–11.30am, Fri 10am–11.30am"
    assert walks["categories"] == ["activity"] and walks["email"] == "walks@example.org"
    assert published["svc-carers-1"]["categories"] == ["carers"]
    json_done = cli(db_url, "import-directory", str(FIXTURES / "open_referral_services.json"))
    assert "note: entry 1 (Stevenage Money Advice Drop-in): taxonomy term 'Parking permits'" \
        in json_done.stdout
    assert "imported 3 services (3 new or changed)" in json_done.stdout
    # our own format still imports beside them
    assert "imported 35 services" in cli(db_url, "import-directory", str(SAMPLE)).stdout
    assert len(_published(db_url)) == 2 + 3 + 35


def test_every_bad_row_is_named_and_nothing_is_imported(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    bad = tmp_path / "bad.csv"
    shutil.copy(FIXTURES / "open_referral_services.csv", bad)
    with bad.open("a", encoding="utf-8") as out:
        out.write(",,No name here,,,,,,Food,,active,\n")
        out.write("svc-x,Lunch club,Age UK,,,,,,Social groups,Someday 10:00-12:00,active,\n")
        out.write("svc-y,Pop-up,Age UK,,,,,,Food,Monday 10:00-12:00,sleeping,\n")
    with pytest.raises(AdminError) as refused:
        load_directory(bad)
    message = str(refused.value)
    assert message.startswith("bad.csv: nothing was imported, 3 problems to fix: ")
    assert "row 4: a service needs a name" in message
    assert "row 5: a regular schedule needs a weekday" in message and "'Someday'" in message
    assert "row 6: status 'sleeping' is not active, inactive or defunct" in message
    done = cli(db_url, "import-directory", str(bad), check=False)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "row 4" in done.stderr
    assert _published(db_url) == {}  # the good rows were not published either


def test_import_directory_publishes_all_or_nothing(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    try:
        first = admin.import_directory(engine, FIXTURES / "open_referral_services.json")
        again = admin.import_directory(engine, FIXTURES / "open_referral_services.json")
    finally:
        engine.dispose()
    assert (first.read, first.changed, again.changed) == (3, 3, 0)
