"""The real ``hubdesk`` program, SIGKILLed the n-th time its sync engine reaches a step.

    python -m tests.sync.crashing_client <step>[:<n>] --data-dir D sync --json

Everything after the crash plan is handed to ``hubdesk.cli.main`` unchanged.  The kill
lives here, in the test harness, so it never ships in the app's code path; the engine
only reports its durable steps (``SyncEngine.on_step``).
"""

from __future__ import annotations

import os
import signal
import sys

from hubdesk import cli
from hubdesk.sync import engine


def crash_plan(raw: str) -> tuple[str, int]:
    step, _, count = raw.partition(":")
    if step not in engine.SYNC_STEPS:
        raise SystemExit(f"unknown sync step {step!r}; one of {', '.join(engine.SYNC_STEPS)}")
    return step, int(count or "1")


def install(step: str, nth: int) -> None:
    """Make every SyncEngine built from now on kill this process at ``step``'s n-th hit."""
    hits = 0
    original_init = engine.SyncEngine.__init__

    def kill_at_step(reached: str) -> None:
        nonlocal hits
        if reached != step:
            return
        hits += 1
        if hits >= nth:
            os.kill(os.getpid(), signal.SIGKILL)

    def init(self: engine.SyncEngine, *args: object, **kwargs: object) -> None:
        original_init(self, *args, **kwargs)  # type: ignore[arg-type]
        self.on_step = kill_at_step

    engine.SyncEngine.__init__ = init  # type: ignore[method-assign]


def main() -> int:
    step, nth = crash_plan(sys.argv[1])
    install(step, nth)
    return cli.main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
