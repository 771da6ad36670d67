"""The run-wide watch for personal details in logs catches one (and not ids)."""

from __future__ import annotations

import logging
from pathlib import Path

from tests.log_privacy import PersonalDetailWatch, personal_details_in, scan_log_files


def test_the_watch_catches_a_name_or_a_phone_number_and_nothing_else() -> None:
    watch = PersonalDetailWatch()
    logger = logging.getLogger("tests.log-privacy-check")
    logger.addHandler(watch)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # this deliberate leak must not reach the run-wide watch
    try:
        logger.info("batch 01a2 from device 01a3: 12 accepted, code K7QM-3XPA-9RTD")
        logger.warning("security bad_token device=- address=9a246ecb22264194")
        assert watch.leaks == [] and watch.lines == 2
        logger.warning("note: Eileen rang from 07700 900123")
        assert len(watch.leaks) == 1
    finally:
        logger.removeHandler(watch)
        logger.propagate = True
    assert personal_details_in("Margaret Thistlewood") and not personal_details_in("Model")


def test_log_files_are_scanned_too(tmp_path: Path) -> None:
    (tmp_path / "hubdesk.log").write_text("INFO x: visit 12 saved\n", encoding="utf-8")
    assert scan_log_files(tmp_path) == []
    (tmp_path / "other.log").write_text("INFO x: note Lost her husband\n", encoding="utf-8")
    assert scan_log_files(tmp_path) == ["other.log: Lost her husband"]
    (tmp_path / "other.log").unlink()  # keep the run-wide scan of the temp folder clean


def test_the_whole_run_is_watched() -> None:
    from tests.conftest import _LOG_WATCH

    before = _LOG_WATCH.lines
    logging.getLogger("hubdesk.test-watch").debug("a record the watch sees")
    assert _LOG_WATCH.lines > before
