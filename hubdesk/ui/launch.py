"""How the app was started: a light module (no SQLAlchemy, no services), so the command
line can hand it to ``run_gui`` without slowing the first window (issue 8); a NamedTuple
for the same reason (a dataclass costs ~3 ms to create)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple


class LaunchOptions(NamedTuple):
    """How the app was started (from the command line)."""

    no_err_windows: bool = False
    exit_after_shown: bool = False
    volunteer: str | None = None
    log_file: Path | None = None
