"""``hubdesk --smoke`` from source: the same self-test the frozen bundle runs in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "hubdesk_rev0001.sqlite"


def smoke(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], str]:
    report = tmp_path / "smoke.txt"
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("HUBDESK_")}
    environment.update(QT_QPA_PLATFORM="offscreen", HUBDESK_SMOKE_REPORT=str(report),
                       TMPDIR=str(tmp_path), **env)
    done = subprocess.run([sys.executable, "-m", "hubdesk", "--smoke"], capture_output=True,
                          text=True, env=environment, timeout=180, check=False)
    return done, report.read_text(encoding="utf-8") if report.exists() else ""


def test_smoke_passes_and_migrates_the_old_fixture(tmp_path: Path) -> None:
    done, report = smoke(tmp_path, HUBDESK_SMOKE_FIXTURE=str(FIXTURE))

    assert done.returncode == 0, done.stderr
    assert report.startswith("hubdesk smoke OK")
    assert report in done.stdout
    assert "1 visit recorded in the encrypted store and read back" in report
    assert "fixture 0001->" in report and "rows kept" in report
    assert "main window 'HubDesk" in report and "unlocked and closed" in report
    assert "crash dialog shows and copies the report" in report
    # its own temporary folder, removed afterwards
    assert not list(tmp_path.glob("hubdesk-smoke-*"))


def test_smoke_fails_with_a_reason_and_exit_code_1(tmp_path: Path) -> None:
    broken = tmp_path / "not-a-database.sqlite"
    broken.write_bytes(b"this is not SQLite" * 100)

    done, report = smoke(tmp_path, HUBDESK_SMOKE_FIXTURE=str(broken))

    assert done.returncode == 1
    assert report.startswith("hubdesk smoke FAILED at migrate fixture:")
    assert report.strip() in done.stderr


def test_smoke_without_a_console_reports_through_the_file(tmp_path: Path) -> None:
    """A windowed build has no stdout or stderr (None in Python); the smoke, its
    logging and its crash-dialog step must still work and report."""
    report = tmp_path / "smoke.txt"
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("HUBDESK_")}
    environment.update(QT_QPA_PLATFORM="offscreen", HUBDESK_SMOKE_REPORT=str(report),
                       TMPDIR=str(tmp_path))
    done = subprocess.run(["sh", "-c", 'exec "$0" -m hubdesk --smoke >&- 2>&-', sys.executable],
                          env=environment, timeout=180, check=False)

    assert done.returncode == 0, report.read_text() if report.exists() else "no report"
    text = report.read_text(encoding="utf-8")
    assert text.startswith("hubdesk smoke OK") and "no console" in text
    assert "crash dialog shows and copies the report" in text
