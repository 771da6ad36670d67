"""The main window on a 1366x768 laptop (issue 7, defect 9): it fills the work area.

Each case runs the real window in its own process on a simulated screen (the screen
and the font size must be set before the QApplication exists).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]


def _open_window(tmp_path: Path, width: int, height: int, scale: float,
                 *what: str) -> dict[str, object]:
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{
        "name": "laptop", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    result = subprocess.run([sys.executable, "-m", "tests.gui.window_probe", str(tmp_path / "data"),
                             str(scale), *what], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("{"))
    return dict(json.loads(line))


@pytest.mark.parametrize("scale", [1.0, 1.5])
def test_the_window_fills_a_1366x768_laptop_screen(tmp_path: Path, scale: float) -> None:
    shown = _open_window(tmp_path, 1366, 768, scale)
    print(f"at {scale:.0%}: {shown}")
    assert shown["maximized"] is True
    assert shown["window"] == shown["screen"]


def test_a_large_screen_gets_a_comfortable_window_not_a_maximised_one(tmp_path: Path) -> None:
    shown = _open_window(tmp_path, 2560, 1440, 1.0)
    window, screen = shown["window"], shown["screen"]
    assert isinstance(window, list) and isinstance(screen, list)
    assert shown["maximized"] is False
    assert 1000 <= window[0] < screen[0] and 600 <= window[1] <= screen[1]


@pytest.mark.parametrize("scale", [1.0, 1.5])
def test_the_volunteers_dialog_fits_a_1366x768_screen_without_scrolling(
        tmp_path: Path, scale: float) -> None:
    """Issue 8: at 150 % text the dialog used to scroll; its layout now fits."""
    shown = _open_window(tmp_path, 1366, 768, scale, "volunteers")
    print(f"at {scale:.0%}: {shown}")
    dialog, screen = shown["dialog"], shown["screen"]
    assert isinstance(dialog, list) and isinstance(screen, list)
    assert shown["people"] == 2  # loaded, so the list has its real height
    assert shown["scrolls"] is False
    assert dialog[1] <= screen[1]
