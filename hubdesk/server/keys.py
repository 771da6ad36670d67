"""The server's recovery key pair (X25519, see ``protocol/trust.py``).

The private half never enters the database: it is a file, ``recovery-key``, in the
server's key folder, created with mode 0600 on first start.  A copy of the
database (a backup, a stolen dump) therefore cannot open any laptop's recovery
slot.  The folder is ``HUBDESK_SERVER_KEY_DIR`` if set; else, for a SQLite
database, the database file's folder; else the server's platformdirs data folder.
Losing the file means recovery slots made for its public half cannot be opened
(laptops still work; their volunteers' PINs still unlock them).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from sqlalchemy import URL, make_url

from hubdesk.protocol import trust

KEY_DIR_ENV = "HUBDESK_SERVER_KEY_DIR"
RECOVERY_KEY_FILE = "recovery-key"


@dataclass(frozen=True)
class ServerKeys:
    recovery_private: bytes = field(repr=False)
    recovery_public: bytes

    @property
    def recovery_public_b64(self) -> str:
        return trust.b64(self.recovery_public)


def key_folder(db_url: str | URL) -> Path:
    """Where the server's private keys live (see the module docstring)."""
    from_env = os.environ.get(KEY_DIR_ENV)
    if from_env:
        return Path(from_env)
    parsed = make_url(db_url) if isinstance(db_url, str) else db_url
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return Path(parsed.database).expanduser().resolve().parent
    return Path(platformdirs.user_data_dir("HubDesk-Server", "HubDesk"))


def load_or_create_keys(folder: Path) -> ServerKeys:
    """The key pair in ``folder``, made (0600, never overwritten) when absent."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    path = folder / RECOVERY_KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        private, _ = trust.new_recovery_key_pair()
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(base64.b64encode(private).decode("ascii") + "\n")
                out.flush()
                os.fsync(out.fileno())
    private = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
    if len(private) != 32:
        raise ValueError(f"{path} is not a HubDesk recovery key")
    public = X25519PrivateKey.from_private_bytes(private).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)
    return ServerKeys(private, public)
