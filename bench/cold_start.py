"""Cold start to window shown, from source (the frozen app: bench/frozen_app.py).

    .venv/bin/python bench/cold_start.py [--runs 7] [--visits 100000 | --data-dir DIR]

Spawns ``python -m hubdesk --data-dir DIR`` with ``HUBDESK_EXIT_AFTER_SHOWN=1``
(offscreen Qt) and times, from the parent, spawn -> the ``window-shown`` line.
Baseline measured in the same run, each of its runs next to one of HubDesk's: a bare
PySide6 script that shows an empty QMainWindow the same way.  Aim (issue 2): <= 1.0 s; issue 8: the PIN screen comes
first, <= 2x the bare window.  Then, as its own figure, the time from the PIN
being given to a usable visit form (``HUBDESK_EXIT_AFTER_READY``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_QT = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow(); window.resize(1366, 768); window.show()
QTimer.singleShot(0, lambda: (print('window-shown', flush=True), window.close()))
app.exec()
"""


def time_to_shown(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=env)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("window-shown"):
            elapsed = time.perf_counter() - started
            break
    else:
        raise RuntimeError(f"{command} never showed its window (exit {process.wait()})")
    process.wait(timeout=60)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "HUBDESK_EXIT_AFTER_SHOWN": "1", "HUBDESK_PIN": "123456"}
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="hubdesk-start-"))
    if not (data_dir / "hubdesk.sqlite3").exists():
        subprocess.run([sys.executable, "-m", "hubdesk", "--data-dir", str(data_dir), "demo",
                        "--visits", str(args.visits)], env=env, check=True, stdout=subprocess.DEVNULL)
    app = [sys.executable, "-m", "hubdesk", "--data-dir", str(data_dir), "--no-err-windows"]
    bare = [sys.executable, "-c", BARE_QT]
    time_to_shown(app, env)  # first run warms the OS file cache, as any second start would be
    time_to_shown(bare, env)
    app_times: list[float] = []
    bare_times: list[float] = []
    for _ in range(args.runs):  # interleaved, so a change in the machine's load hits both alike
        app_times.append(time_to_shown(app, env))
        bare_times.append(time_to_shown(bare, env))
    app_median, bare_median = statistics.median(app_times), statistics.median(bare_times)
    print(f"cold start to window shown (HubDesk, {data_dir}): median {app_median:.3f} s, "
          f"max {max(app_times):.3f} s over {args.runs} runs")
    print(f"baseline (bare PySide6 window): median {bare_median:.3f} s; "
          f"HubDesk = x{app_median / bare_median:.2f} of baseline")
    after_pin = [time_to_form([*app, "--volunteer", "Coordinator"], env)
                 for _ in range(max(3, args.runs // 2))]
    print(f"PIN given -> visit form usable (key slot, open store, first load): median "
          f"{statistics.median(after_pin):.3f} s, max {max(after_pin):.3f} s")
    return 0


def time_to_form(command: list[str], env: dict[str, str]) -> float:
    """Seconds from the unlock starting (PIN given) to the visit form being usable."""
    ready_env = {**env, "HUBDESK_EXIT_AFTER_READY": "1"}
    ready_env.pop("HUBDESK_EXIT_AFTER_SHOWN", None)
    done = subprocess.run(command, env=ready_env, capture_output=True, text=True, timeout=120)
    stamps = dict(line.split() for line in done.stdout.splitlines()
                  if line.startswith(("unlock-started", "form-ready")))
    if "form-ready" not in stamps:
        raise RuntimeError(f"the form never became usable (exit {done.returncode})")
    return float(stamps["form-ready"]) - float(stamps["unlock-started"])


if __name__ == "__main__":
    sys.exit(main())
