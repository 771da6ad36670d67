"""``scripts/dev.sh`` builds on the Python a fresh Debian 12 has (``/usr/bin/python3``).

So CI runs the suite on what a new user gets (3.11.2 there), not on whichever newer
``python3`` happens to be first on PATH.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEBIAN_PYTHON = Path("/usr/bin/python3")

needs_debian_python = pytest.mark.skipif(not DEBIAN_PYTHON.exists(),
                                         reason="no /usr/bin/python3 on this machine")


def which_python(env: dict[str, str]) -> str:
    done = subprocess.run(["bash", str(ROOT / "scripts" / "dev.sh"), "which-python"],
                          capture_output=True, text=True, env=env, timeout=30, check=True)
    return done.stdout.strip()


@needs_debian_python
def test_dev_script_prefers_debian_python_over_one_earlier_on_path(tmp_path: Path) -> None:
    decoy = tmp_path / "python3"
    decoy.write_text("#!/bin/sh\necho decoy\n")
    decoy.chmod(decoy.stat().st_mode | stat.S_IXUSR)
    env = {key: value for key, value in os.environ.items() if key != "PYTHON"}
    env["PATH"] = f"{tmp_path}{os.pathsep}{env.get('PATH', '')}"

    assert which_python(env) == str(DEBIAN_PYTHON)
    assert which_python({**env, "PYTHON": "/opt/other/python3"}) == "/opt/other/python3"


@needs_debian_python
@pytest.mark.skipif(bool(os.environ.get("PYTHON")), reason="PYTHON chose another interpreter")
def test_the_suite_runs_on_debian_python() -> None:
    """Run from the checkout's .venv (as dev.sh runs it), the interpreter is Debian's."""
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        pytest.skip("not running from the checkout's .venv")
    debian = subprocess.run([str(DEBIAN_PYTHON), "-c", "import sys; print(sys.version)"],
                            capture_output=True, text=True, check=True, timeout=30)
    assert sys.version == debian.stdout.strip()
