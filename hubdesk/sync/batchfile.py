"""A signed batch file, for when the venue's Wi-Fi blocks sync.

The laptop exports its unsent batch to a file that someone carries to the
server (``hubdesk-server import-batch FILE`` ingests it through the same path
and rules as an upload).  The batch is stored locally as ``sending`` first, so
the next normal sync asks the server for its receipt (``GET /v1/batches/{id}``)
and settles it - or sends the very same batch if the file never arrived.

File format: ``{"format": "hubdesk-batch", "version": 2, "batch": <UploadBatch JSON>,
"signature": <base64>}``: the laptop's Ed25519 signature, defined once in
``hubdesk.protocol.signing``; the server checks it with the public half it learnt at
enrolment, so nothing in its database can forge a file.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubdesk.core.clock import utc_now
from hubdesk.core.ids import uuid7
from hubdesk.core.paths import AppPaths
from hubdesk.protocol.schemas import MAX_BATCH_ITEMS
from hubdesk.protocol.signing import BATCH_FILE_FORMAT, BATCH_FILE_VERSION, sign_batch
from hubdesk.services.common import Actor, audit
from hubdesk.store import sync_repo
from hubdesk.store.device_keys import signing_key
from hubdesk.store.engine import Store
from hubdesk.sync.errors import NotEnrolled
from hubdesk.sync.wire import batch_document


@dataclass(frozen=True)
class ExportedBatch:
    path: Path
    batch_id: str
    items: int


def export_batch_file(store: Store, target: Path, actor: Actor | None = None) -> ExportedBatch | None:
    """Write the oldest unsettled batch (or a new one from pending items) to ``target``.

    Returns None when nothing is waiting.  Repeating the export re-writes the same
    batch until a sync settles it.
    """
    with store.unit_of_work() as db:
        state = sync_repo.device_state(db)
        if state is None or not state.device_token:
            raise NotEnrolled()
        device_id, private_key = state.device_id, signing_key(db)
        open_batches = sync_repo.open_batches(db)
        if open_batches:
            batch_id = open_batches[0].batch_id
            items = sync_repo.batch_items(db, batch_id)
        else:
            items = sync_repo.pending_items(db, MAX_BATCH_ITEMS)
            if not items:
                return None
            batch_id = uuid7()
            sync_repo.store_batch(db, batch_id, [i.seq for i in items], utc_now())
        audit(db, actor, "export", "batch", batch_id, f"{len(items)} records to a batch file")
    batch = batch_document(batch_id, device_id, items)
    document: dict[str, Any] = {
        "format": BATCH_FILE_FORMAT, "version": BATCH_FILE_VERSION, "batch": batch,
        "signature": sign_batch(batch, private_key),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return ExportedBatch(target, batch_id, len(items))


def export_batch_command(store: Store, paths: AppPaths, out: Path | None = None, *,
                         actor: Actor | None = None) -> int:
    """``hubdesk export-batch [--out FILE]``: one line on stdout, exit 0 / 1."""
    target = out or paths.exports / f"hubdesk-batch-{utc_now():%Y%m%dT%H%M%S}.json"
    try:
        exported = export_batch_file(store, target, actor)
    except NotEnrolled as error:
        print(str(error), file=sys.stderr)
        return 1
    if exported is None:
        print("Nothing is waiting to be sent.")
        return 0
    print(f"Saved {exported.items} records to {exported.path}. "
          "Take this file to the server; the next sync will confirm it.")
    return 0
