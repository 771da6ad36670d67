"""The app's code path carries no test-only process killing (the crash tests bring
their own: tests/sync/crashing_client.py)."""

from __future__ import annotations

from pathlib import Path

import hubdesk

PACKAGE = Path(hubdesk.__file__).resolve().parent


def test_no_module_of_the_app_kills_its_own_process() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(word in path.read_text(encoding="utf-8") for word in ("SIGKILL", "os.kill("))
    ]
    assert offenders == []
