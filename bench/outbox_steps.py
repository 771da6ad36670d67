"""The laptop's own share of a sync, step by step, without a server.

    .venv/bin/python bench/outbox_steps.py [--visits 10000] [--batch 1000] [--json]

``bench/sync_throughput.py`` showed that the laptop set the pace of an end-to-end sync
(issue 13).  This bench replays the laptop's database work for every batch of that
sync, with every answer "accepted", and times each step:

- ``pending``: read the next ``--batch`` pending items (``sync_repo.pending_items``);
- ``store``: store the batch and mark its items ``sending`` (``sync_repo.store_batch``);
- ``apply``: apply the previous batch's receipt (``sync_repo.apply_receipt``);
- ``commit``: the commits (fsync, ``synchronous=FULL``).

As the sync engine does while its pipeline flows, a receipt is applied in the same
transaction as the next batch is stored (one commit a batch).  It runs four variants on
fresh stores filled alike (``sync_throughput.fill_outbox``), and prints each one's total
as a ratio to the store as shipped, measured in the same run:

- ``as_shipped``: the store and the engine as every laptop has them;
- ``two_commits``: each receipt in its own transaction, as before (two commits a batch);
- ``counts_index``: with ``ix_outbox_state_counts`` (the status line's covering index,
  stores 0009 to 0011): what that index cost each state change;
- ``payload_in_row``: a copy of every frozen payload put back into its outbox row, as
  before store 0010 moved them to ``outbox_payloads``: what rewriting the payload with
  each state change costs;
- ``sending_state``: storing a batch also moves its items to a ``sending`` state, as
  before store 0011 (now they stay ``pending`` and only name their batch): what a
  second state change an item costs in both state indexes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_throughput import fill_outbox, machine_summary

from hubdesk.core.clock import utc_now
from hubdesk.core.ids import uuid7
from hubdesk.core.paths import AppPaths
from hubdesk.store import sync_repo
from hubdesk.store.engine import Store
from hubdesk.store.models import SyncBatch
from hubdesk.store.sync_repo import ItemOutcome

STEPS = ("pending", "store", "apply", "commit")
VARIANTS = ("as_shipped", "two_commits", "counts_index", "payload_in_row", "sending_state")


def prepared_store(folder: Path, visits: int, variant: str) -> tuple[Store, int]:
    paths = AppPaths(folder).ensure()
    store = Store.open(paths.database)
    with store.unit_of_work() as db:
        sync_repo.ensure_device_state(db)
    records = fill_outbox(store, uuid7(), visits, seed=1)
    store.close()
    raw = sqlite3.connect(paths.database)
    if variant == "counts_index":
        raw.execute("CREATE INDEX ix_outbox_state_counts "
                    "ON outbox (state, kind, finalised_at, record_id)")

    elif variant == "payload_in_row":
        raw.execute("ALTER TABLE outbox ADD COLUMN payload_copy TEXT")
        raw.execute("UPDATE outbox SET payload_copy = (SELECT payload FROM outbox_payloads p "
                    "WHERE p.seq = outbox.seq)")
    raw.commit()
    raw.execute("VACUUM")
    raw.close()
    return Store.open(paths.database), records


def store_batch_as_sending(db: Any, batch_id: str, seqs: list[int], now: Any) -> None:
    """``sync_repo.store_batch`` as it was before store 0011: the items become
    ``sending`` (all consecutive here: one range, as the engine's batches are)."""
    db.add(SyncBatch(batch_id=batch_id, state="sending", created_at=now, first_seq=min(seqs),
                     last_seq=max(seqs), item_count=len(seqs)))
    db.connection().exec_driver_sql(
        "UPDATE outbox SET state = 'sending', batch_id = ?, attempts = attempts + 1 "
        "WHERE seq BETWEEN ? AND ? AND state = 'pending'", (batch_id, min(seqs), max(seqs)))
    db.flush()


def replay(store: Store, batch: int, *, one_commit_a_batch: bool = True,
           as_sending: bool = False) -> dict[str, float]:
    """Every batch as the sync engine stores and settles it (all accepted)."""
    spent = dict.fromkeys(STEPS, 0.0)

    def settle(db: Any, stored: tuple[str, list[Any]]) -> None:
        batch_id, items = stored
        begun = time.perf_counter()
        outcomes = [ItemOutcome(item.seq, "accepted", None) for item in items]
        sync_repo.apply_receipt(db, batch_id, outcomes,
                                {"high_seq": items[-1].seq, "gaps": []}, utc_now())
        spent["apply"] += time.perf_counter() - begun

    unsettled: tuple[str, list[Any]] | None = None
    while True:
        with store.unit_of_work() as db:
            if unsettled is not None and one_commit_a_batch:
                settle(db, unsettled)
            begun = time.perf_counter()
            items = sync_repo.pending_items(db, batch)
            read = time.perf_counter()
            batch_id = uuid7()
            if items:
                store_step = store_batch_as_sending if as_sending else sync_repo.store_batch
                store_step(db, batch_id, [item.seq for item in items], utc_now())
            stored = time.perf_counter()
        spent["commit"] += time.perf_counter() - stored
        spent["pending"] += read - begun
        spent["store"] += stored - read
        if unsettled is not None and not one_commit_a_batch:
            with store.unit_of_work() as db:
                settle(db, unsettled)
                applied = time.perf_counter()
            spent["commit"] += time.perf_counter() - applied
        if not items:
            break
        unsettled = batch_id, items
    return {step: round(seconds, 3) for step, seconds in spent.items()}


def run(visits: int, batch: int) -> dict[str, Any]:
    results: dict[str, Any] = {"visits": visits, "batch": batch, "machine": machine_summary()}
    for variant in VARIANTS:
        folder = Path(tempfile.mkdtemp(prefix=f"hubdesk-outbox-{variant}-"))
        try:
            store, records = prepared_store(folder, visits, variant)
            try:
                steps = replay(store, batch, one_commit_a_batch=variant != "two_commits",
                               as_sending=variant == "sending_state")
            finally:
                store.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        results[variant] = {"records": records, **steps, "total": round(sum(steps.values()), 3)}
    shipped = results["as_shipped"]["total"]
    for variant in VARIANTS:
        results[variant]["ratio_to_as_shipped"] = round(results[variant]["total"] / shipped, 3)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.visits, args.batch)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{results['machine']}; {args.visits} visits, batches of {args.batch}")
    print(f"{'variant':<16}" + "".join(f"{step:>13}" for step in (*STEPS, "total", "ratio")))
    for variant in VARIANTS:
        row = results[variant]
        print(f"{variant:<16}" + "".join(f"{row[step]:>12.2f}s" for step in (*STEPS, "total"))
              + f"{row['ratio_to_as_shipped']:>12.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
