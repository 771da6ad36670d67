"""Signed batch files: a laptop's unsent batch carried on a USB stick.

File format (JSON)::

    {"format": "hubdesk-batch", "version": 2, "batch": <UploadBatch>, "signature": "<base64>"}

The signature is the laptop's Ed25519 signature (``hubdesk.protocol.signing``),
checked with the public key the laptop registered at enrolment: nothing in the
server's database can forge one.  Unsigned files, and the older HMAC-signed ones,
are refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hubdesk.protocol.schemas import BatchReceipt
from hubdesk.protocol.signing import BATCH_FILE_FORMAT, BATCH_FILE_VERSION, signature_matches
from hubdesk.server import devices, ingest
from hubdesk.server.errors import AdminError, ApiError
from hubdesk.server.security_log import record_event_now
from hubdesk.server.validation import UUID_RE


def import_batch_file(engine: Engine, path: Path) -> BatchReceipt:
    """Check the file's signature, then ingest it exactly as ``POST /v1/batches``."""
    try:
        document = json.loads(path.read_bytes())
    except OSError as error:
        raise AdminError(f"cannot read {path}: {error.strerror}") from error
    except (ValueError, RecursionError) as error:
        raise AdminError(f"{path.name} is not valid JSON") from error
    if not isinstance(document, dict) or not isinstance(document.get("batch"), dict):
        raise AdminError(f"{path.name} is not a HubDesk batch file (no 'batch' object)")
    if document.get("format", BATCH_FILE_FORMAT) != BATCH_FILE_FORMAT:
        raise AdminError(f"{path.name} is not a HubDesk batch file")
    batch: dict[str, Any] = document["batch"]
    device_id = batch.get("device_id")
    if not isinstance(device_id, str) or not UUID_RE.match(device_id):
        raise AdminError("the batch names no valid device id")
    signature = document.get("signature")
    if document.get("version") != BATCH_FILE_VERSION or not isinstance(signature, str):
        raise AdminError("the batch file is not signed with the laptop's key (made by an "
                         "older HubDesk?); export it again from the laptop")
    public_key = devices.device_public_key(engine, device_id)
    if not signature_matches(batch, public_key, signature):
        record_event_now(engine, "bad_batch_signature", device_id=device_id)
        raise AdminError("the batch file's signature does not match its laptop; "
                         "it may have been altered")
    identity = devices.device_identity(engine, device_id)
    try:
        receipt = ingest.ingest_batch(engine, identity, batch, source="file")
    except ApiError as error:
        raise AdminError(error.message) from error
    record_event_now(engine, "batch_file_imported", device_id=device_id,
                     hub_id=identity.hub_id, detail=f"{len(receipt.results)} items")
    return receipt
