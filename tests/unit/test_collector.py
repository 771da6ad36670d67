"""``older_objects_frozen``: a sync's full collections walk only what the sync makes."""

from __future__ import annotations

import gc

from hubdesk.core.collector import older_objects_frozen


class Node:
    """A container the cycle collector tracks."""

    def __init__(self) -> None:
        self.other: Node | None = None


def test_objects_older_than_the_block_are_frozen_while_it_runs_and_only_then() -> None:
    assert gc.get_freeze_count() == 0
    older = [Node() for _ in range(1000)]
    with older_objects_frozen():
        frozen = gc.get_freeze_count()
        assert frozen >= len(older)
        made_inside = Node()
        made_inside.other = Node()
        made_inside.other.other = made_inside  # a cycle made in the block ...
        del made_inside
        assert gc.collect() >= 2  # ... is collected there as ever
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == 0
    assert gc.is_tracked(older[0])


def test_objects_someone_else_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with older_objects_frozen():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
