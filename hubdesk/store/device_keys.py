"""This laptop's signing key (DESIGN section 9: a laptop is a key pair).

An Ed25519 private key, made when the laptop's device row is made (first run) and
kept in the store; the server learns only the public half, at enrolment.  The
laptop signs its enrolment and its batch files with it (``protocol.signing``).
"""

from __future__ import annotations

import base64

from sqlalchemy.orm import Session


def new_signing_key() -> str:
    """A new raw Ed25519 private key, base64 (the column default of ``DeviceState``)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw,
                                                     NoEncryption())
    return base64.b64encode(raw).decode("ascii")


def signing_key(db: Session) -> bytes:
    """This laptop's raw private key (made now for a laptop set up before keys existed)."""
    from hubdesk.store.sync_repo import ensure_device_state

    state = ensure_device_state(db)
    if not state.signing_key:
        state.signing_key = new_signing_key()
        db.flush()
    return base64.b64decode(state.signing_key)
