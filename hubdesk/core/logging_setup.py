"""Logging that works frozen: a file in the data folder's logs, a stream handler only
when ``sys.stderr`` exists (windowed PyInstaller builds set it to None).

The file is rolled over when a start finds it past 2 MB (``hubdesk.log.1`` … ``.5``
kept): a session writes kilobytes, and checking at start spares every start
``logging.handlers`` (socket, pickle, queue: 8 ms before the PIN screen, issue 8).

Log lines never carry personal data: record ids and counts, never names, notes or
contact details.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5


def configure_logging(log_dir: Path | None, *, verbose: bool = False) -> Path | None:
    root = logging.getLogger("hubdesk")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    log_file: Path | None = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = log_dir / "hubdesk.log"
        roll_over_if_large(log_file)
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(file_handler)
    if sys.stderr is not None:
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
        stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(stream)
    root.propagate = False
    return log_file


def roll_over_if_large(log_file: Path, max_bytes: int = MAX_BYTES) -> None:
    """``hubdesk.log`` past ``max_bytes`` becomes ``.1`` (``.1`` becomes ``.2`` …, the
    oldest dropped).  If another HubDesk holds the file (Windows), it is left as it is."""
    try:
        if log_file.stat().st_size < max_bytes:
            return
        for number in range(BACKUP_COUNT - 1, 0, -1):
            older = log_file.with_name(f"{log_file.name}.{number}")
            if older.exists():
                os.replace(older, log_file.with_name(f"{log_file.name}.{number + 1}"))
        os.replace(log_file, log_file.with_name(f"{log_file.name}.1"))
    except OSError:
        return
