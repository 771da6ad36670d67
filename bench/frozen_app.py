"""Bundle size and cold start to window shown, for the frozen HubDesk client.

    .venv/bin/python bench/frozen_app.py                      # uses dist/hubdesk
    .venv/bin/python bench/frozen_app.py --build              # builds build.spec into a temp dir first
    .venv/bin/python bench/frozen_app.py --bundle DIR --runs 7 --platform xcb

Start-up is timed from outside: the wall clock from spawning the executable to
the ``window-shown`` line it prints when ``HUBDESK_EXIT_AFTER_SHOWN=1`` (the app
prints it, then quits, right after its main window is first shown).  The app's
own figure (seconds since ``hubdesk.cli.main`` began) is shown beside it.

* **first start**: a new, empty data folder (the database is created and
  migrated before the window shows: a laptop's first day);
* **start**: the same folder again, N times (median and worst).

The page cache is warm after the first run; a truly cold disk (first start
after boot) is slower, and cannot be reproduced here without root tricks that
would disturb other work on the machine.  Aim: <= 150 MB and <= 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AIM_MB = 150
AIM_SECONDS = 1.5


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def biggest_parts(internal: Path, count: int = 6) -> list[tuple[str, float]]:
    parts = []
    for child in internal.iterdir():
        if child.is_symlink():
            continue
        size = folder_size(child)[0] if child.is_dir() else child.stat().st_size
        parts.append((child.name, size / 1e6))
    return sorted(parts, key=lambda item: -item[1])[:count]


def build(workdir: Path) -> Path:
    print(f"building build.spec into {workdir} ...", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "pyinstaller"), "--noconfirm", "--clean", "--log-level",
         "WARN", "--distpath", str(workdir / "dist"), "--workpath", str(workdir / "build"),
         str(ROOT / "build.spec")],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return workdir / "dist" / "hubdesk"


def start_once(executable: Path, data_dir: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from spawn to ``window-shown`` (outside), and the app's own figure."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(executable), "--data-dir", str(data_dir), "--no-err-windows"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True,
    )
    assert process.stdout is not None
    outside = inside = None
    for line in process.stdout:
        if line.startswith("window-shown"):
            outside = time.perf_counter() - started
            inside = float(line.split()[1])
            break
    process.stdout.close()
    code = process.wait(timeout=60)
    if outside is None or inside is None:
        raise RuntimeError(f"no 'window-shown' line (exit code {code})")
    return outside, inside


class Xvfb:
    """A private X server for ``--platform xcb`` (stopped on exit)."""

    def __init__(self) -> None:
        self.display = ""
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Xvfb:
        for number in range(91, 120):
            if not Path(f"/tmp/.X11-unix/X{number}").exists():
                self.display = f":{number}"
                break
        self.process = subprocess.Popen(
            ["Xvfb", self.display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        socket = Path(f"/tmp/.X11-unix/X{self.display[1:]}")
        deadline = time.monotonic() + 10
        while not socket.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def measure(executable: Path, runs: int, platform: str) -> dict[str, float]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUBDESK_")}
    env["HUBDESK_EXIT_AFTER_SHOWN"] = "1"
    data_dir = Path(tempfile.mkdtemp(prefix="hubdesk-bench-"))
    try:
        with Xvfb() if platform == "xcb" else _nothing() as xvfb:
            if xvfb is not None:
                env["DISPLAY"] = xvfb.display
                env["QT_QPA_PLATFORM"] = "xcb"
            else:
                env["QT_QPA_PLATFORM"] = platform
            first_outside, first_inside = start_once(executable, data_dir, env)
            times = [start_once(executable, data_dir, env) for _ in range(runs)]
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    outside = [t[0] for t in times]
    inside = [t[1] for t in times]
    return {
        "first_start_s": round(first_outside, 3),
        "first_start_app_s": round(first_inside, 3),
        "start_median_s": round(statistics.median(outside), 3),
        "start_worst_s": round(max(outside), 3),
        "start_app_median_s": round(statistics.median(inside), 3),
    }


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "hubdesk",
                        help="the one-folder bundle (default: dist/hubdesk)")
    parser.add_argument("--build", action="store_true", help="build build.spec into a temp dir first")
    parser.add_argument("--runs", type=int, default=5, help="warm starts to time (default 5)")
    parser.add_argument("--platform", default="offscreen", choices=["offscreen", "xcb"],
                        help="Qt platform: offscreen, or xcb on a private Xvfb")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="hubdesk-bench-build-")) if args.build else None
    try:
        bundle = build(workdir) if workdir else args.bundle
        executable = bundle / ("hubdesk.exe" if sys.platform == "win32" else "hubdesk")
        if not executable.is_file():
            print(f"no frozen app at {executable}: build it, or pass --build", file=sys.stderr)
            return 1
        size, files = folder_size(bundle)
        figures = measure(executable, args.runs, args.platform)
        print(f"bundle:        {size / 1e6:.1f} MB in {files} files (aim <= {AIM_MB} MB)")
        print("largest parts: " + ", ".join(
            f"{name} {mb:.1f} MB" for name, mb in biggest_parts(bundle / "_internal")))
        print(f"platform:      {args.platform}")
        print(f"first start:   {figures['first_start_s']:.2f} s to window shown "
              f"(new data folder: database created and migrated; app says "
              f"{figures['first_start_app_s']:.2f} s)")
        print(f"start:         median {figures['start_median_s']:.2f} s, worst "
              f"{figures['start_worst_s']:.2f} s over {args.runs} runs (app says "
              f"{figures['start_app_median_s']:.2f} s) (aim <= {AIM_SECONDS} s)")
        print(json.dumps({"bundle_mb": round(size / 1e6, 1), "files": files,
                          "platform": args.platform, **figures}))
        within = size / 1e6 <= AIM_MB and figures["start_median_s"] <= AIM_SECONDS
        print("within aim" if within else "OVER AIM")
        return 0
    finally:
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
