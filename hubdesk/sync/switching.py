"""A shorter interpreter switch interval while an upload is pipelined.

During ``SyncEngine._push`` one thread POSTs batch n while the engine's thread
stores batch n+1 and applies n's receipt (Python and SQLCipher work holding the
GIL).  Each time the POSTing thread comes back from a socket call it must win the
GIL back, and CPython hands it over only after the switch interval (5 ms by
default): a 650 KB batch and its 110 KB receipt take several socket calls, so
the laptop adds ~5-10 ms to every batch on top of the server's own time
(``bench/README.md``, "GIL hand-over").  A 0.5 ms interval cuts that wait; the
cost is a few more thread switches while a sync runs.

The interval is process-wide, so nested or concurrent users are counted and the
previous interval comes back when the last one leaves.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: seconds; CPython's default is 0.005
UPLOAD_SWITCH_INTERVAL_S = 0.0005

_lock = threading.Lock()
_users = 0
_saved_interval = 0.0


@contextmanager
def quick_thread_switching(interval: float = UPLOAD_SWITCH_INTERVAL_S) -> Iterator[None]:
    """Run the block with at most ``interval`` seconds between thread switches."""
    global _users, _saved_interval
    with _lock:
        if _users == 0:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(interval, _saved_interval))
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                sys.setswitchinterval(_saved_interval)
