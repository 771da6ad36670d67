"""Report exports hold the same figures as the JSON; export-visits rows are anonymous."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from hubdesk.core.errors import UserFacingError
from hubdesk.reports.export import export_report
from hubdesk.reports.figures.tables import report_lines, section_title
from hubdesk.reports.laptop import laptop_report
from hubdesk.reports.visit_rows import VISIT_COLUMNS, export_visits
from hubdesk.store.engine import Store
from hubdesk.store.models import AuditEvent
from tests.conftest import Hub
from tests.reports.dataset import rid
from tests.reports.laptop_data import fill_store

FIRST, LAST = date(2026, 3, 28), date(2026, 3, 30)
HUB_NAME = "Stevenage Healthy Hub"  # the hub fixture's first-run set-up


@pytest.fixture
def filled(store: Store, hub: Hub) -> Hub:
    fill_store(store)
    return hub


def _json_figures(store: Store, hub: Hub) -> dict[tuple[str, str], Any]:
    with store.unit_of_work() as db:
        figures = laptop_report(db, hub.actor, FIRST, LAST).figures
    return {(line.section, line.code): line.value for line in report_lines(figures, "x")}


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def test_csv_and_xlsx_hold_the_same_figures_as_the_json(store: Store, filled: Hub,
                                                        tmp_path: Path) -> None:
    expected = _json_figures(store, filled)
    assert expected[("summary", "visits")] == 6 and expected[("sex", "female")] == 3
    with store.unit_of_work() as db:
        export_report(db, filled.actor, FIRST, LAST, "csv", tmp_path / "r.csv", exact=True)
        export_report(db, filled.actor, FIRST, LAST, "xlsx", tmp_path / "r.xlsx", exact=True)
    with (tmp_path / "r.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    from_csv = {(row["section"], row["code"]): _number(row["value"]) for row in rows}
    assert from_csv == expected
    book = load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames[0] == "About"
    assert book["About"]["B3"].value == "28 March 2026 to 30 March 2026"
    from_xlsx: dict[tuple[str, str], Any] = {}
    sections = {key for key, _ in expected}
    for section in sections:
        sheet = book[section_title(section)[:31]]
        assert [cell.value for cell in sheet[1]] == ["Area", "Code", "Label", "Count", "Percent"]
        for area, code, _label, value, _percent in sheet.iter_rows(min_row=2, values_only=True):
            assert isinstance(value, (int, float)) and not isinstance(value, bool)  # numbers
            from_xlsx[(section, str(code))] = value
            assert area == HUB_NAME
    assert from_xlsx == expected


def test_exports_that_leave_the_hub_hide_small_numbers(store: Store, filled: Hub,
                                                       tmp_path: Path) -> None:
    with store.unit_of_work() as db:
        export_report(db, filled.actor, FIRST, LAST, "xlsx", tmp_path / "r.xlsx")
        export_report(db, filled.actor, FIRST, LAST, "csv", tmp_path / "r.csv")
        exports = db.query(AuditEvent).filter(AuditEvent.action == "export").count()
    assert exports == 2  # each export is audited
    summary = load_workbook(tmp_path / "r.xlsx")["Summary"]
    values = {code: value for _, code, _, value, _ in summary.iter_rows(min_row=2, values_only=True)}
    assert values["visits"] == 6 and values["people_helped"] == 11  # 5 and over: exact numbers
    assert values["first_visits"] == "<5" and values["volunteers"] == "<5"
    sex = load_workbook(tmp_path / "r.xlsx")["Sex"]
    assert [row[3] for row in sex.iter_rows(min_row=2, values_only=True)] == ["<5", "<5", "<5"]
    assert [row[4] for row in sex.iter_rows(min_row=2, values_only=True)] == [None] * 3
    assert ",sex,female,Female,<5," in (tmp_path / "r.csv").read_text(encoding="utf-8")


def test_export_visits_rows_follow_design_section_8(store: Store, filled: Hub,
                                                   tmp_path: Path) -> None:
    with store.unit_of_work() as db:
        written = export_visits(db, filled.actor, FIRST, LAST, tmp_path / "v.csv")
    with (tmp_path / "v.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == VISIT_COLUMNS
        rows = {row["visit_id"]: row for row in reader}
    assert written == 6 and set(rows) == {rid("visit", n) for n in (1, 2, 3, 4, 5, 7)}
    first = rows[rid("visit", 1)]
    assert (first["date"], first["sex"], first["topics"], first["signposts"]) == (
        "2026-03-28", "female", "mental_wellbeing;money", "warm_handover:mental_health:Mind in Mid Herts")
    assert first["visitor_code"] == "A1" and first["first_visit"] == "yes"
    assert rows[rid("visit", 4)]["date"] == "2026-03-30"  # 23:30 UTC on the 29th is BST
    assert rows[rid("visit", 4)]["first_visit"] == ""


def test_bad_targets_say_what_is_wrong_and_write_nothing(store: Store, filled: Hub,
                                                        tmp_path: Path) -> None:
    with pytest.raises(UserFacingError, match="does not exist"), store.unit_of_work() as db:
        export_report(db, filled.actor, FIRST, LAST, "csv", tmp_path / "missing" / "r.csv")
    with pytest.raises(UserFacingError, match="period ends before"), store.unit_of_work() as db:
        export_visits(db, filled.actor, LAST, FIRST, tmp_path / "v.csv")
    assert not (tmp_path / "v.csv").exists()
