"""The real ``hubdesk`` program as a subprocess, with its own data folder."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PIN

pytestmark = pytest.mark.e2e


def hubdesk(data_dir: Path, *args: str, pin: str = PIN) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUBDESK_PIN": pin}
    env.pop("HUBDESK_DATA_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "hubdesk", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )


def test_demo_then_status_json_counts_the_visits(tmp_path: Path) -> None:
    made = hubdesk(tmp_path, "demo", "--visits", "300", "--seed", "5", "--days", "10")
    assert made.returncode == 0, made.stderr
    assert "Made 300 demo visits" in made.stdout
    status = hubdesk(tmp_path, "status", "--json")
    assert status.returncode == 0, status.stderr
    counts = json.loads(status.stdout)
    assert counts["visits"] == 300
    assert counts["unsent"] > 300  # visits plus their conversations, outcomes, sessions
    assert counts["needs_attention"] == 0
    assert counts["last_sync"] is None
    again = hubdesk(tmp_path, "demo", "--visits", "20", "--seed", "6")
    assert again.returncode == 0, again.stderr
    assert json.loads(hubdesk(tmp_path, "status", "--json").stdout)["visits"] == 320


def test_demo_is_reproducible_with_a_seed(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert hubdesk(tmp_path / name, "demo", "--visits", "120", "--seed", "9").returncode == 0
        out = tmp_path / f"{name}.csv"
        result = hubdesk(tmp_path / name, "export-visits", "--from", "2000-01-01",
                         "--to", "2100-01-01", "--out", str(out))
        assert result.returncode == 0, result.stderr
    rows = []
    for name in ("a", "b"):
        with (tmp_path / f"{name}.csv").open(newline="") as handle:
            rows.append([row[1:] for row in csv.reader(handle)])  # ids are new each run
    assert rows[0] == rows[1]
    assert len(rows[0]) == 121


def test_export_visits_has_no_identity_or_notes(tmp_path: Path) -> None:
    assert hubdesk(tmp_path, "demo", "--visits", "400", "--seed", "2").returncode == 0
    out = tmp_path / "visits.csv"
    assert hubdesk(tmp_path, "export-visits", "--from", "2000-01-01", "--to", "2100-01-01",
                   "--out", str(out)).returncode == 0
    text = out.read_text()
    assert "07700" not in text  # demo follow-ups carry phone numbers: never exported
    header = text.splitlines()[0].split(",")
    # DESIGN §8's columns; a visitor code is the non-identifying code on a card
    assert header == ["visit_id", "date", "venue", "session_type", "contact_mode",
                      "referral_source", "age_band", "sex", "first_visit", "visitor_code",
                      "topics", "signposts"]


def test_report_json_has_the_contract_keys_and_export_writes_every_format(tmp_path: Path) -> None:
    assert hubdesk(tmp_path, "demo", "--visits", "300", "--seed", "3", "--days", "20").returncode == 0
    result = hubdesk(tmp_path, "report", "--from", "2000-01-01", "--to", "2100-01-01", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    contract = {"visits", "people_helped", "visitors", "repeat_visitors", "first_visits", "sex",
                "age_bands", "age_bands_reported", "walk_in_or_self_referral",
                "referred_in_by_source", "mental_health", "signposts_by_kind",
                "signposts_by_category", "signposts_by_organisation", "mecc_by_topic",
                "mecc_by_step", "mecc_by_response", "follow_ups", "sessions_by_type",
                "activities", "attendance", "attendance_0_17", "volunteers", "volunteer_hours",
                "safeguarding_flags"}
    assert contract <= set(figures)
    assert figures["visits"] == 300
    text = hubdesk(tmp_path, "report", "--from", "2000-01-01", "--to", "2100-01-01")
    assert "Visits (conversations recorded): 300" in text.stdout
    env_free = {**os.environ}
    env_free.pop("QT_QPA_PLATFORM", None)  # the command sets offscreen itself
    for fmt in ("csv", "xlsx", "pdf"):
        out = tmp_path / f"report.{fmt}"
        made = subprocess.run(
            [sys.executable, "-m", "hubdesk", "--data-dir", str(tmp_path), "export", "--from",
             "2000-01-01", "--to", "2100-01-01", "--format", fmt, "--out", str(out)],
            capture_output=True, text=True, timeout=120, check=False,
            env={**env_free, "HUBDESK_PIN": PIN})
        assert made.returncode == 0, made.stderr
        assert out.stat().st_size > 1000
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


def test_bad_usage_exits_2_and_failures_exit_1_with_one_line(tmp_path: Path) -> None:
    assert hubdesk(tmp_path, "demo").returncode == 2  # --visits missing
    assert hubdesk(tmp_path, "demo", "--visits", "5", "--days", "0").returncode == 2
    assert hubdesk(tmp_path, "demo", "--visits", "5").returncode == 0
    wrong = hubdesk(tmp_path, "demo", "--visits", "5", pin="999999")
    assert wrong.returncode == 1
    assert wrong.stderr.strip().count("\n") == 0 and "PIN" in wrong.stderr
    no_folder = hubdesk(tmp_path, "export", "--from", "2026-01-01", "--to", "2026-01-02",
                        "--format", "xlsx", "--out", str(tmp_path / "missing" / "x.xlsx"))
    assert no_folder.returncode == 1 and "does not exist" in no_folder.stderr
    assert no_folder.stderr.strip().count("\n") == 0
    backwards = hubdesk(tmp_path, "report", "--from", "2026-01-02", "--to", "2026-01-01")
    assert backwards.returncode == 2
