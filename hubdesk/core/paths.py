"""The one place that decides where files live.

platformdirs by default; ``--data-dir`` or ``HUBDESK_DATA_DIR`` override it so
tests, smoke runs and portable installs never touch the real profile.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NamedTuple

APP_NAME = "HubDesk"
APP_AUTHOR = "HubDesk"
DATA_DIR_ENV = "HUBDESK_DATA_DIR"


class AppPaths(NamedTuple):
    """Every file location of one data folder.  (A NamedTuple: a frozen dataclass costs
    ~3 ms to create, and the PIN screen waits for it, issue 8.)"""

    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "hubdesk.sqlite3"

    @property
    def backups(self) -> Path:
        return self.data_dir / "backups"

    @property
    def logs(self) -> Path:
        return self.data_dir / "logs"

    @property
    def exports(self) -> Path:
        return self.data_dir / "exports"

    def ensure(self) -> AppPaths:
        for folder in (self.data_dir, self.backups, self.logs, self.exports):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """Data folder from the argument, else ``HUBDESK_DATA_DIR``, else platformdirs."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    if chosen:
        return AppPaths(Path(chosen).expanduser().resolve())
    return AppPaths(_profile_data_dir())


def demo_paths() -> AppPaths:
    """A separate folder for demo data, never mixed with a real one."""
    return AppPaths(_profile_data_dir().with_name("HubDesk-demo"))


def _profile_data_dir() -> Path:
    import platformdirs  # only when no folder is given (5 ms of every start otherwise)

    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def resources_dir() -> Path:
    """``resources/`` from a source checkout, an installed wheel or a PyInstaller bundle."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    candidates = []
    if frozen_root:
        candidates.append(Path(frozen_root) / "resources")
    package_root = Path(__file__).resolve().parent.parent
    candidates += [package_root.parent / "resources", package_root / "resources",
                   Path(sys.prefix) / "share" / "hubdesk" / "resources"]  # wheel data-files
    for candidate in candidates:
        if (candidate / "vocabularies.json").is_file():
            return candidate
    raise FileNotFoundError("HubDesk resources folder not found (vocabularies.json)")
