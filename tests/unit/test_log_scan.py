"""The log scan of the whole run (tests/log_scan.py) finds what it is meant to find."""

from __future__ import annotations

import logging
from pathlib import Path

from tests.log_scan import LogCollector, findings, scan_log_files


def test_the_scan_finds_synthetic_details_in_records_and_files(tmp_path: Path) -> None:
    collector = LogCollector()
    logger = logging.getLogger("hubdesk.test-scan")
    logger.addHandler(collector)
    logger.propagate = False  # this deliberate leak must not reach the run-wide collector
    try:
        logger.warning("saved visit %s", "01a2-id")
        logger.warning("saved for %s", "Ada Testperson")
    finally:
        logger.removeHandler(collector)
        logger.propagate = True
    assert len(collector.leaks) == 1 and "Ada Testperson" in collector.leaks[0]
    assert findings("call 07700 912345 back") == ["07700 912345"]
    (tmp_path / "hubdesk.log").write_text("INFO x: visit 12 saved\n", encoding="utf-8")
    assert scan_log_files(tmp_path) == []
    (tmp_path / "other.log").write_text("INFO x: note Lost her husband\n", encoding="utf-8")
    assert scan_log_files(tmp_path) == ["other.log: Lost her husband"]
    (tmp_path / "other.log").unlink()  # keep the run-wide scan of the temp folder clean


def test_the_whole_run_is_scanned(pytestconfig: object) -> None:
    collector = getattr(pytestconfig, "_hubdesk_log_collector", None)
    assert isinstance(collector, LogCollector)
    logging.getLogger("hubdesk.test-scan").info("a record the collector sees")
    assert collector.records > 0
