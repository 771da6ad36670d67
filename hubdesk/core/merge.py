"""The three-way field merge of DESIGN §4 (pure Python: used by edits and downloads).

Two sides changed the same record starting from a common base.  Field by field:
a field changed on one side only takes that side's value; changed on both sides to
the same value, that value; changed on both sides differently, it *clashes*: the
merged record keeps the value already stored (``theirs``: what everyone else sees)
and the clash keeps both values for a coordinator, so nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Clash:
    """One field both sides changed differently."""

    ours: Any
    theirs: Any


@dataclass
class MergeResult:
    merged: dict[str, Any]
    clashes: dict[str, Clash] = field(default_factory=dict)


def three_way_merge(base: Mapping[str, Any], ours: Mapping[str, Any],
                    theirs: Mapping[str, Any]) -> MergeResult:
    """Merge ``ours`` and ``theirs`` (both descended from ``base``), field by field.

    A field missing from a side counts as unchanged on that side.
    """
    merged: dict[str, Any] = dict(theirs)
    clashes: dict[str, Clash] = {}
    for name in dict.fromkeys([*base, *ours, *theirs]):  # a stable order: the fields' own
        before = base.get(name)
        mine = ours.get(name, before)
        other = theirs.get(name, before)
        if mine in (other, before):
            merged[name] = other
        elif other == before:
            merged[name] = mine
        else:
            merged[name] = other
            clashes[name] = Clash(mine, other)
    return MergeResult(merged, clashes)
