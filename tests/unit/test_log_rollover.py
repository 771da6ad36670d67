"""The log file is rolled over at start once it passes its size, keeping five older files."""

from __future__ import annotations

import logging
from pathlib import Path

from hubdesk.core.logging_setup import BACKUP_COUNT, configure_logging, roll_over_if_large


def test_a_small_log_is_appended_to(tmp_path: Path) -> None:
    log_file = tmp_path / "hubdesk.log"
    log_file.write_text("earlier start\n", encoding="utf-8")
    root = logging.getLogger("hubdesk")
    kept = (list(root.handlers), root.level, root.propagate)  # the run-wide log watch among them
    try:
        configure_logging(tmp_path)
        logging.getLogger("hubdesk.test").info("this start")
        configure_logging(None)  # closes the file handler
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in kept[0]:
            root.addHandler(handler)
        root.setLevel(kept[1])
        root.propagate = kept[2]
    text = log_file.read_text(encoding="utf-8")
    assert text.startswith("earlier start\n") and "this start" in text
    assert not (tmp_path / "hubdesk.log.1").exists()


def test_a_large_log_rolls_over_and_the_oldest_is_dropped(tmp_path: Path) -> None:
    log_file = tmp_path / "hubdesk.log"
    for number in range(1, BACKUP_COUNT + 1):
        (tmp_path / f"hubdesk.log.{number}").write_text(f"backup {number}", encoding="utf-8")
    log_file.write_text("x" * 100, encoding="utf-8")
    roll_over_if_large(log_file, max_bytes=50)
    assert not log_file.exists()
    assert (tmp_path / "hubdesk.log.1").read_text(encoding="utf-8") == "x" * 100
    for number in range(2, BACKUP_COUNT + 1):
        assert (tmp_path / f"hubdesk.log.{number}").read_text(encoding="utf-8") == f"backup {number - 1}"
    assert not (tmp_path / f"hubdesk.log.{BACKUP_COUNT + 1}").exists()


def test_no_log_file_yet_is_not_an_error(tmp_path: Path) -> None:
    roll_over_if_large(tmp_path / "hubdesk.log", max_bytes=1)
    assert list(tmp_path.iterdir()) == []
