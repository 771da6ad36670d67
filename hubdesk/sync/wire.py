"""The upload batch as it goes on the wire (shared by the engine and the batch file)."""

from __future__ import annotations

from typing import Any

from hubdesk.core.hashing import canonical_json
from hubdesk.store.sync_repo import OutgoingItem


def batch_document(batch_id: str, device_id: str, items: list[OutgoingItem]) -> dict[str, Any]:
    """The ``UploadBatch`` JSON of a stored batch (items in sequence order)."""
    return {
        "protocol": 1,
        "batch_id": batch_id,
        "device_id": device_id,
        "items": [
            {"seq": i.seq, "content_hash": i.content_hash, "payload": i.payload}
            for i in sorted(items, key=lambda i: i.seq)
        ],
    }


def batch_bytes(batch_id: str, device_id: str, items: list[OutgoingItem]) -> bytes:
    """The batch as JSON, each payload spliced in as stored (no decode / re-encode: this
    is the hot path of a big sync).  A resend of the same stored batch is byte-identical;
    the server hashes the parsed payload canonically, so spacing does not matter."""
    parts = [
        f'{{"content_hash":"{i.content_hash}","payload":{i.payload_json},"seq":{i.seq}}}'
        for i in sorted(items, key=lambda i: i.seq)
    ]
    head = canonical_json({"batch_id": batch_id, "device_id": device_id, "protocol": 1})
    return (head[:-1] + ',"items":[' + ",".join(parts) + "]}").encode("utf-8")
