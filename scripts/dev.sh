#!/usr/bin/env bash
# Set everything up, then run the app (`run`) or the whole test suite (`test`).
#   bash scripts/dev.sh run     # the app, on a separate demo data folder filled by `hubdesk demo`
#   bash scripts/dev.sh test    # lint, type checks, import contracts and every test
# Works on a fresh Debian 12 machine as root (installs what Qt, PostgreSQL and NSIS need).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
what=${1:-}
case "$what" in run|test|setup|which-python) ;; *) echo "usage: bash scripts/dev.sh run|test|setup" >&2; exit 2;; esac

# Debian's own Python (3.11.2 on Debian 12) when it is there, so CI runs on what a new
# user has; $PYTHON overrides.  A .venv made from another Python is made again.
choose_python() {
  if [ -n "${PYTHON:-}" ]; then python=$PYTHON
  elif [ -x /usr/bin/python3 ]; then python=/usr/bin/python3
  else python=python3
  fi
}
choose_python
if [ "$what" = which-python ]; then echo "$python"; exit 0; fi

# --- system packages ---------------------------------------------------------
qt_runtime="libglib2.0-0 libgl1 libegl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libxkbcommon0 fonts-dejavu-core"
qt_window="libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-randr0 libxcb-xinerama0 libxcb-xfixes0"
python_pkgs="python3 python3-venv python3-dev"
test_pkgs="postgresql nsis xvfb xauth binutils"
# the county web page's tests drive Debian's headless Chromium (tests/server/chromium.py)
browser_pkgs="chromium chromium-driver"
wanted="$qt_runtime $qt_window $python_pkgs"
[ "$what" = test ] && wanted="$wanted $test_pkgs $browser_pkgs"
[ "$what" = setup ] && wanted="$wanted $browser_pkgs"
missing=""
for pkg in $wanted; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing system packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "Please install:$missing (sudo apt-get install -y$missing)" >&2
    exit 1
  fi
fi

# --- Python environment --------------------------------------------------------
choose_python  # again: the packages above may have just installed /usr/bin/python3
wanted_version=$("$python" -c 'import sys; print(sys.version.split()[0])')
if [ -x .venv/bin/python ] && [ "$(.venv/bin/python -c 'import sys; print(sys.version.split()[0])')" != "$wanted_version" ]; then
  echo "== .venv was made with another Python; making it again with $python ($wanted_version)"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $python ($wanted_version)"
  "$python" -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/python -m pip --version >/dev/null 2>&1 || .venv/bin/python -m ensurepip >/dev/null
  .venv/bin/python -m pip install -q --disable-pip-version-check uv
fi
stamp=.venv/.hubdesk-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "== installing HubDesk and its dependencies"
  # bytecode up front: some environments set PYTHONDONTWRITEBYTECODE, and recompiling
  # SQLAlchemy and Alembic on every start costs seconds
  .venv/bin/uv pip install -q --compile-bytecode --python .venv/bin/python -e '.[dev]'
  touch "$stamp"
fi
# and for HubDesk's own source (an editable install leaves it out); quick when up to date
.venv/bin/python -m compileall -q hubdesk >/dev/null

if [ "$what" = setup ]; then exit 0; fi

if [ "$what" = run ]; then
  # Demo data lives in its own folder, never mixed with a real one.
  demo_dir=${HUBDESK_DEMO_DIR:-$(.venv/bin/python -c 'from hubdesk.core.paths import demo_paths; print(demo_paths().data_dir)')}
  if [ ! -f "$demo_dir/hubdesk.sqlite3" ]; then
    echo "== filling the demo folder $demo_dir (unlock as 'Coordinator', PIN 123456)"
    HUBDESK_PIN=123456 .venv/bin/hubdesk --data-dir "$demo_dir" --volunteer Coordinator demo --visits 1500 --days 30
  fi
  echo "== starting HubDesk on $demo_dir — unlock as 'Coordinator' with PIN 123456"
  exec .venv/bin/hubdesk --data-dir "$demo_dir"
fi

# --- the whole test suite --------------------------------------------------------
export QT_QPA_PLATFORM=offscreen
echo "== ruff";           .venv/bin/ruff check .
echo "== mypy";           .venv/bin/mypy
echo "== import-linter";  .venv/bin/lint-imports
echo "== core, store, services, reports, sync without PySide6"
.venv/bin/python scripts/check_no_qt.py
echo "== pytest on Python $(.venv/bin/python -c 'import sys; print(sys.version.split()[0])') ($python)"
workers=${HUBDESK_TEST_WORKERS:-2}
# --dist load: a worker that crashes fails its one test and is replaced (xdist's
# loadgroup/loadscope schedulers can hang for good after a crash, pytest-xdist#1323).
# The outer timeout is a last guard so a hang fails the run instead of stalling CI.
timeout --kill-after=30 ${HUBDESK_TEST_TIMEOUT:-2400} \
  .venv/bin/python -m pytest -n "$workers" --dist load --max-worker-restart=4 -q -p no:randomly \
  --durations=15 ${HUBDESK_PYTEST_ARGS:-}
