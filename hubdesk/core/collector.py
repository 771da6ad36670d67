"""Sparing the cycle collector the objects a long piece of work did not make."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def older_objects_frozen() -> Iterator[None]:
    """Within the block, Python's cycle collector walks only objects made inside it.

    A sync makes thousands of short-lived containers a batch, so the collector runs
    often, and each full collection walked every object the process already had:
    modules, widgets, the ORM's mappings (``bench/sync_throughput.py``: two full
    collections of ~160,000 objects, ~0.35 s of a 10,000-visit sync).  Those objects
    outlive the block anyway, so they are frozen (``gc.freeze``) while it runs and
    given back to the collector after.  ``gc.freeze`` is process-wide: when anything
    is frozen already, the block changes nothing.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
