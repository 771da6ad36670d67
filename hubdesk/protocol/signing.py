"""Laptop signatures (one definition for the laptop that signs and the server that
checks): Ed25519 over a purpose-tagged message, sent as base64.

* a batch file: ``BATCH_CONTEXT + canonical_json(batch)`` (UTF-8), with
  ``hubdesk.core.hashing.canonical_json`` (sorted keys, no spaces, ``ensure_ascii=False``);
* an enrolment: :func:`enrolment_message` (proves the laptop holds the private half
  of the public key it registers, so a code and a device id alone enrol nothing).

The private half never leaves the laptop; the server keeps only the public half,
so nothing in its database or a backup can sign as a laptop.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from hubdesk.core.hashing import canonical_json

BATCH_FILE_FORMAT = "hubdesk-batch"
BATCH_FILE_VERSION = 2  # 1 was HMAC with the device token (refused now)
BATCH_CONTEXT = b"hubdesk-batch-file-v2\n"
ENROL_CONTEXT = b"hubdesk-enrol-v1\n"


def new_device_key() -> tuple[bytes, str]:
    """A new laptop key pair: (raw 32-byte Ed25519 private key, base64 raw public key)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return raw, public_key_of(raw)


def public_key_of(private_raw: bytes) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = Ed25519PrivateKey.from_private_bytes(private_raw).public_key()
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def sign(private_raw: bytes, message: bytes) -> str:
    """The base64 Ed25519 signature of ``message``."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signature = Ed25519PrivateKey.from_private_bytes(private_raw).sign(message)
    return base64.b64encode(signature).decode("ascii")


def verify(public_key_b64: str, message: bytes, signature_b64: str) -> bool:
    """True when ``signature_b64`` signs ``message`` with the key ``public_key_b64``;
    False for a wrong signature and for keys or signatures that are not well formed."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        public = Ed25519PublicKey.from_public_bytes(
            base64.b64decode(public_key_b64.encode("ascii"), validate=True))
        public.verify(base64.b64decode(signature_b64.encode("ascii"), validate=True), message)
    except (InvalidSignature, ValueError, binascii.Error, UnicodeEncodeError):
        return False
    return True


def batch_message(batch: dict[str, Any]) -> bytes:
    """What a batch file's signature covers (UnicodeEncodeError for a lone surrogate)."""
    return BATCH_CONTEXT + canonical_json(batch).encode("utf-8")


def sign_batch(batch: dict[str, Any], private_raw: bytes) -> str:
    return sign(private_raw, batch_message(batch))


def signature_matches(batch: dict[str, Any], public_key_b64: str, signature: str) -> bool:
    try:
        message = batch_message(batch)
    except UnicodeEncodeError:
        return False
    return verify(public_key_b64, message, signature)


def enrolment_message(code: str, device_id: str, public_key_b64: str) -> bytes:
    return ENROL_CONTEXT + f"{code}\n{device_id}\n{public_key_b64}".encode()


def sign_enrolment(private_raw: bytes, code: str, device_id: str) -> str:
    return sign(private_raw, enrolment_message(code, device_id, public_key_of(private_raw)))
