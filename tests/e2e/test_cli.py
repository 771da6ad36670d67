"""The real ``hubdesk`` program as a subprocess, with its own data folder."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def hubdesk(data_dir: Path, *args: str, pin: str = "123456") -> subprocess.CompletedProcess[str]:
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
        result = hubdesk(tmp_path / name, "export", "--from", "2000-01-01", "--to", "2100-01-01",
                         "--format", "csv", "--out", str(out))
        assert result.returncode == 0, result.stderr
    rows = []
    for name in ("a", "b"):
        with (tmp_path / f"{name}.csv").open(newline="") as handle:
            rows.append([row[2:] for row in csv.reader(handle)])  # ids are new each run
    strip_time = [[r[:1] + r[2:] for r in table] for table in rows]  # times of day move with the clock
    assert strip_time[0] == strip_time[1]
    assert len(rows[0]) == 121


def test_export_has_no_identity_or_notes(tmp_path: Path) -> None:
    assert hubdesk(tmp_path, "demo", "--visits", "400", "--seed", "2").returncode == 0
    out = tmp_path / "visits.csv"
    assert hubdesk(tmp_path, "export", "--from", "2000-01-01", "--to", "2100-01-01",
                   "--format", "csv", "--out", str(out)).returncode == 0
    text = out.read_text()
    assert "07700" not in text  # demo follow-ups carry phone numbers: never exported
    header = set(text.splitlines()[0].split(","))
    assert not header & {"note", "contact", "preferred_name", "person_id", "visitor_code"}


def test_bad_usage_exits_2_and_failures_exit_1_with_one_line(tmp_path: Path) -> None:
    assert hubdesk(tmp_path, "demo").returncode == 2  # --visits missing
    assert hubdesk(tmp_path, "demo", "--visits", "5", "--days", "0").returncode == 2
    assert hubdesk(tmp_path, "demo", "--visits", "5").returncode == 0
    wrong = hubdesk(tmp_path, "demo", "--visits", "5", pin="999999")
    assert wrong.returncode == 1
    assert wrong.stderr.strip().count("\n") == 0 and "PIN" in wrong.stderr
    unknown_format = hubdesk(tmp_path, "export", "--from", "2026-01-01", "--to", "2026-01-02",
                             "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"))
    assert unknown_format.returncode == 1 and "not available yet" in unknown_format.stderr
