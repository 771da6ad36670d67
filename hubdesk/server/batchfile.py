"""Signed batch files: a laptop's unsent batch carried on a USB stick.

File format (JSON)::

    {"format": "hubdesk-batch", "batch": <UploadBatch>, "signature": "<hex>"}

The signature is defined once, in ``hubdesk.protocol.signing``.  Instead of a
signature, ``"device_token_hash": sha256(device token) hex`` is accepted too (weaker:
it proves only that the file came from a holder of the token's hash).
"""

from __future__ import annotations

import hmac
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hubdesk.protocol.schemas import BatchReceipt
from hubdesk.protocol.signing import BATCH_FILE_FORMAT, signature_matches
from hubdesk.server import devices, ingest
from hubdesk.server.errors import AdminError, ApiError
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
    token = devices.device_token(engine, device_id)
    signature = document.get("signature")
    token_digest = document.get("device_token_hash")
    if isinstance(signature, str):
        try:
            matches = signature_matches(batch, token, signature)
        except UnicodeEncodeError as error:
            raise AdminError("the batch contains text that is not valid Unicode") from error
        if not matches:
            raise AdminError("the batch file's signature does not match its laptop; "
                             "it may have been altered")
    elif isinstance(token_digest, str):
        if not hmac.compare_digest(devices.token_hash(token), token_digest.lower()):
            raise AdminError("the batch file's device token hash does not match its laptop")
    else:
        raise AdminError("the batch file is not signed")
    identity = devices.authenticate(engine, f"Bearer {token}")
    try:
        return ingest.ingest_batch(engine, identity, batch, source="file")
    except ApiError as error:
        raise AdminError(error.message) from error
