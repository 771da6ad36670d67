"""Where the laptop's privacy and the server's security meet (DESIGN §9): the
wire shapes of key recovery and audit-chain verification, agreed once here.

Key recovery
    The laptop's database key is kept in one wrapped slot per active volunteer
    and in a *recovery slot*: the key sealed (X25519 + HKDF-SHA256 +
    ChaCha20-Poly1305, :func:`seal`) to the server's recovery public key, which
    the laptop learns at enrolment (``EnrolResponse.recovery_public_key``), and
    bound to its device id (:func:`recovery_slot_context`, the AEAD's associated
    data), so a slot copied from laptop A opens for nobody posing as laptop B. When
    every PIN is forgotten, a council administrator issues a one-time recovery
    code for that device (``hubdesk-server recovery-code --device ID``, audited),
    and the coordinator's laptop posts a :class:`RecoveryRequest` to
    ``POST /v1/recovery`` (no bearer token: the device's credentials are inside
    the locked store). The server checks the code against the device (never a
    revoked one), opens the slot and answers with the key sealed again to the
    laptop's one-off ``reply_public_key`` (bound to :func:`recovery_reply_context`),
    so the key never crosses the wire in the clear, even behind a TLS-terminating
    proxy.  A slot sealed before binding (version 1) is still opened, logged, and
    answered in the same form; each laptop re-seals its slot at its next unlock.

Audit verification
    Each laptop keeps a hash chain of audit events (``prev_hash`` -> ``hash``,
    :func:`audit_link_hash`). It sends the links the server has not verified yet
    to ``POST /v1/audit`` (:class:`AuditUpload`, bearer token); the server stores
    them append-only by (device, seq), checks each link's hash and that it
    follows the link before it, and answers an :class:`AuditReceipt`. A link
    whose hash does not match, or a seq already held with another hash, is a
    break: reported in ``stats`` and the server's log. Links carry no personal
    data (``detail`` never does).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from hubdesk.core.hashing import content_hash
from hubdesk.protocol.schemas import MAX_SEQ, Sha256Hex, Strict, Uuid

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of a chain's first link."""

MAX_AUDIT_LINKS = 500
#: 2: bound to a context (purpose + device id) as associated data; 1: the unbound
#: form of the first release, still opened by the server until each laptop re-seals
SEALED_VERSION = 2
LEGACY_SEALED_VERSION = 1
_INFO = b"hubdesk-recovery-v1"
_KEY_BYTES = 32

Base64Key = Annotated[str, StringConstraints(min_length=44, max_length=44,
                                             pattern=r"^[A-Za-z0-9+/]{43}=$")]
Base64Sealed = Annotated[str, StringConstraints(min_length=8, max_length=512,
                                                pattern=r"^[A-Za-z0-9+/]+={0,2}$")]


# --- wire shapes ----------------------------------------------------------------

class RecoveryRequest(Strict):
    device_id: Uuid
    code: Annotated[str, StringConstraints(min_length=6, max_length=64)]
    sealed_key: Base64Sealed  # the laptop's recovery slot, as stored
    reply_public_key: Base64Key  # X25519, made for this request only


class RecoveryResponse(Strict):
    sealed_key: Base64Sealed  # the database key sealed to reply_public_key


class AuditLink(Strict):
    seq: Annotated[int, Field(ge=1, le=MAX_SEQ)]  # position in the laptop's chain, from 1
    at: datetime
    actor: Uuid | None
    device: Annotated[str, StringConstraints(max_length=40)]  # as hashed (the laptop's device id)
    action: Annotated[str, StringConstraints(max_length=20)]
    kind: Annotated[str, StringConstraints(max_length=20)]
    entity: Annotated[str, StringConstraints(max_length=40)]
    detail: Annotated[str, StringConstraints(max_length=200)]
    prev_hash: Sha256Hex
    hash: Sha256Hex


class AuditUpload(Strict):
    links: Annotated[list[AuditLink], Field(min_length=1, max_length=MAX_AUDIT_LINKS)]


class AuditReceipt(Strict):
    verified_through: Annotated[int, Field(ge=0, le=MAX_SEQ)]  # highest seq of an unbroken chain
    chain_ok: bool
    first_break: Annotated[int, Field(ge=1, le=MAX_SEQ)] | None = None


# --- the chain -------------------------------------------------------------------

def audit_link_hash(*, prev_hash: str, at: datetime, actor: str | None, device: str, action: str,
                    kind: str, entity: str, detail: str) -> str:
    """The hash of one audit event, chained to the one before (the laptop's store
    and the server compute it with this one function)."""
    return content_hash({
        "prev": prev_hash, "at": at.isoformat(), "actor": actor, "device": device,
        "action": action, "kind": kind, "id": entity, "detail": detail,
    })


def first_break(links: Sequence[Mapping[str, Any]], prev_hash: str = GENESIS_HASH) -> int | None:
    """The seq of the first link that does not hash or does not follow on, else None.

    ``links`` are in seq order, each a mapping with AuditLink's field names
    (``at`` a datetime); ``prev_hash`` is the hash of the link before the first.
    """
    previous = prev_hash
    expected_seq: int | None = None
    for link in links:
        if expected_seq is not None and link["seq"] != expected_seq:
            return expected_seq
        recomputed = audit_link_hash(prev_hash=previous, at=link["at"], actor=link["actor"],
                                     device=link["device"], action=link["action"], kind=link["kind"],
                                     entity=link["entity"], detail=link["detail"])
        if link["prev_hash"] != previous or link["hash"] != recomputed:
            return int(link["seq"])
        previous, expected_seq = link["hash"], int(link["seq"]) + 1
    return None


# --- sealing (the recovery slot) ---------------------------------------------------

def new_recovery_key_pair() -> tuple[bytes, bytes]:
    """(private, public) raw X25519 bytes: the server's recovery pair, or a reply pair."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    private = X25519PrivateKey.generate()
    return (private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
            private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def recovery_slot_context(device_id: str) -> bytes:
    """What a recovery slot is bound to: its purpose and the laptop's device id."""
    return b"hubdesk recovery slot\x00" + device_id.encode("ascii")


def recovery_reply_context(device_id: str) -> bytes:
    """What the server's answer to a recovery is bound to."""
    return b"hubdesk recovery reply\x00" + device_id.encode("ascii")


def sealed_version(blob: bytes) -> int:
    """The form of a sealed blob: :data:`SEALED_VERSION` (bound to a context) or
    :data:`LEGACY_SEALED_VERSION` (made before binding, no context)."""
    return blob[0] if blob else 0


def seal(recipient_public: bytes, secret: bytes, *, context: bytes) -> bytes:
    """Seal ``secret`` so only the holder of the matching X25519 private key can open
    it, and only for ``context`` (the purpose and device id, authenticated as the
    AEAD's associated data: a slot moved to another device does not open)."""
    return _seal(recipient_public, secret, SEALED_VERSION, context)


def seal_legacy(recipient_public: bytes, secret: bytes) -> bytes:
    """The unbound form laptops sealed before version 2 (tests make old slots with it)."""
    return _seal(recipient_public, secret, LEGACY_SEALED_VERSION, b"")


def _seal(recipient_public: bytes, secret: bytes, version: int, context: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key = _derive(shared, ephemeral_public, recipient_public)
    # the key is new for every seal, so a fixed nonce is safe
    sealed = ChaCha20Poly1305(key).encrypt(bytes(12), secret, bytes([version]) + context)
    return bytes([version]) + ephemeral_public + sealed


def open_sealed(recipient_private: bytes, blob: bytes, *, context: bytes,
                allow_legacy: bool = False) -> bytes:
    """Open what :func:`seal` made for ``context``; ValueError if it was not sealed to
    this key, was altered or was sealed for another context.  ``allow_legacy`` also
    opens the unbound form of laptops that have not re-sealed yet (see
    ``services/recovery.py``: each laptop re-seals at its next unlock)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    version = sealed_version(blob)
    known = (SEALED_VERSION, LEGACY_SEALED_VERSION) if allow_legacy else (SEALED_VERSION,)
    if len(blob) < 1 + 32 + 16 or version not in known:
        raise ValueError("This is not a sealed key HubDesk can read.")
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    ephemeral_public = blob[1:33]
    own_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    key = _derive(shared, ephemeral_public, own_public)
    associated = blob[:1] + (context if version == SEALED_VERSION else b"")
    try:
        return ChaCha20Poly1305(key).decrypt(bytes(12), blob[33:], associated)
    except InvalidTag as exc:
        raise ValueError("The sealed key does not open with this key (wrong server, another "
                         "laptop's, or altered).") from exc


def _derive(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=ephemeral_public + recipient_public,
                info=_INFO).derive(shared)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def random_key() -> bytes:
    """A new random 32-byte key (the laptop's database key)."""
    return os.urandom(_KEY_BYTES)
