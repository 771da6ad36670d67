"""The metrics folder shared by worker processes (kept apart from ``metrics`` because
prometheus-client must not be imported before the folder is named)."""

from __future__ import annotations

from pathlib import Path

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def fresh_metrics_folder(folder: str) -> None:
    """Remove a previous run's figures (prometheus-client's advice for a restart)."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
