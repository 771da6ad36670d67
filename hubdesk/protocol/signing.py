"""The signature of a batch file (one definition for the laptop that writes it and
the server that checks it).

``HMAC-SHA256(key = device token (UTF-8), message = canonical_json(batch) (UTF-8))``
as lower-case hex, with ``hubdesk.core.hashing.canonical_json`` (sorted keys, no
spaces, ``ensure_ascii=False``).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from hubdesk.core.hashing import canonical_json

BATCH_FILE_FORMAT = "hubdesk-batch"


def sign_batch(batch: dict[str, Any], device_token: str) -> str:
    """The hex HMAC-SHA256 of the batch's canonical JSON, keyed by the device token.

    Raises UnicodeEncodeError when the batch holds a lone surrogate."""
    message = canonical_json(batch).encode("utf-8")
    return hmac.new(device_token.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_matches(batch: dict[str, Any], device_token: str, signature: str) -> bool:
    """True when ``signature`` (hex, any case) signs ``batch`` with ``device_token``."""
    return hmac.compare_digest(sign_batch(batch, device_token), signature.lower())
