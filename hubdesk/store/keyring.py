"""The database key's slots (DESIGN §9): the one file that lives beside the encrypted store.

The laptop's SQLCipher key is 32 random bytes held only *wrapped*:

- one slot per active volunteer: the key sealed with AES-256-GCM under a key
  derived from their PIN or passphrase by scrypt (>= 64 MiB, calibrated to
  >= 0.25 s on this laptop when the slot is made); each slot records its own
  KDF parameters, so a stronger default never locks out an older slot;
- one recovery slot: the key sealed to the server's recovery public key
  (``protocol.trust.seal``), which only the server can open, online, for a
  coordinator with a one-time code.

Slots are found by a keyed hash of the volunteer's name (``tag``), so the file
does not list who uses the laptop.  It is written atomically, mode 0600.

Test-only knob: ``HUBDESK_TEST_CHEAP_KDF=1`` makes *new* slots with a cheap
scrypt (1 MiB) so the suite stays fast.  It never lowers a slot that exists:
replacing a slot (a PIN reset) keeps the stronger of the old and new parameters.
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from typing import Any, NamedTuple

KEYRING_FILE = "keys.json"
CHEAP_KDF_ENV = "HUBDESK_TEST_CHEAP_KDF"
KEY_BYTES = 32
MIN_KDF_SECONDS = 0.25
_STRONG_N, _STRONG_R = 2**16, 8  # 128 * r * n = 64 MiB
_CHEAP_N, _CHEAP_R = 2**10, 8
_MAX_P = 16
_FORMAT = 1


class WrongSecret(Exception):
    """No slot for that name opens with that PIN (deliberately says no more)."""


class KdfParams(NamedTuple):  # NamedTuples: cheaper to create than frozen dataclasses (issue 8)
    n: int
    r: int
    p: int
    salt: bytes

    @property
    def strength(self) -> int:
        return self.n * self.r * self.p

    def derive(self, secret: str) -> bytes:
        import hashlib  # here, not at the top: loading OpenSSL would slow the PIN screen's start

        return hashlib.scrypt(secret.encode("utf-8"), salt=self.salt, n=self.n, r=self.r, p=self.p,
                              maxmem=256 * self.n * self.r + 2**20, dklen=KEY_BYTES)

    def to_json(self) -> dict[str, Any]:
        return {"name": "scrypt", "n": self.n, "r": self.r, "p": self.p, "salt": _b64(self.salt)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KdfParams:
        if data.get("name") != "scrypt":
            raise ValueError("unknown key derivation")
        return cls(int(data["n"]), int(data["r"]), int(data["p"]), _unb64(data["salt"]))


def cheap_kdf_requested() -> bool:
    return os.environ.get(CHEAP_KDF_ENV) == "1"


def new_kdf_params() -> KdfParams:
    """Parameters for a new slot: 64 MiB, with ``p`` raised until one derivation takes
    >= 0.25 s here (or the cheap test parameters, see the module docstring)."""
    salt = os.urandom(16)
    if cheap_kdf_requested():
        return KdfParams(_CHEAP_N, _CHEAP_R, 1, salt)
    params = KdfParams(_STRONG_N, _STRONG_R, 1, salt)
    started = time.perf_counter()
    params.derive("calibration")
    took = max(time.perf_counter() - started, 1e-3)
    p = min(_MAX_P, max(1, -(-int(MIN_KDF_SECONDS * 1000) // int(took * 1000 or 1))))
    return KdfParams(_STRONG_N, _STRONG_R, p, salt)


def _stronger(old: KdfParams, new: KdfParams) -> KdfParams:
    if new.strength >= old.strength:
        return new
    return KdfParams(old.n, old.r, old.p, new.salt)


class KeyRing:
    """The slots file of one data folder.  Not thread-safe: callers use it on one lane."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self._data = data

    # --- opening and saving -----------------------------------------------------------

    @classmethod
    def in_folder(cls, data_dir: Path) -> Path:
        return data_dir / KEYRING_FILE

    @classmethod
    def load(cls, data_dir: Path) -> KeyRing | None:
        path = cls.in_folder(data_dir)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        if data.get("format") != _FORMAT:
            raise ValueError("This HubDesk key file is from a newer version.")
        return cls(path, data)

    @classmethod
    def create(cls, data_dir: Path) -> KeyRing:
        ring = cls(cls.in_folder(data_dir), {"format": _FORMAT, "name_salt": _b64(os.urandom(16)),
                                             "slots": [], "recovery": None})
        ring.save()
        return ring

    def save(self) -> None:
        """Atomic replace; the file and its temporary copy are 0600 from birth."""
        temporary = self.path.with_name(self.path.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(self._data, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        _fsync_folder(self.path.parent)

    # --- volunteer slots --------------------------------------------------------------

    def tag(self, name: str) -> str:
        import hmac  # (see derive)

        clean = " ".join(name.split()).casefold()
        return hmac.new(_unb64(self._data["name_salt"]), clean.encode("utf-8"), "sha256").hexdigest()

    def has_slot(self, name: str) -> bool:
        return self._slot(self.tag(name)) is not None

    @property
    def slot_count(self) -> int:
        return len(self._data["slots"])

    def open_slot(self, name: str, secret: str) -> bytes:
        """The database key, or WrongSecret.  An unknown name costs the same time as a
        wrong PIN (a dummy derivation), so the slots cannot be probed for names."""
        tag = self.tag(name)
        slot = self._slot(tag)
        if slot is None:
            KdfParams(_CHEAP_N if cheap_kdf_requested() else _STRONG_N, 8, 1, bytes(16)).derive(secret)
            raise WrongSecret
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        wrapping_key = KdfParams.from_json(slot["kdf"]).derive(secret)
        blob = _unb64(slot["wrapped"])
        try:
            bound = str(slot.get("bound_tag", tag))
            return AESGCM(wrapping_key).decrypt(blob[:12], blob[12:], bound.encode("ascii"))
        except InvalidTag:
            raise WrongSecret from None

    def put_slot(self, name: str, secret: str, database_key: bytes) -> None:
        """Add or replace ``name``'s slot (never weaker than the one it replaces)."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        tag = self.tag(name)
        params = new_kdf_params()
        old = self._slot(tag)
        if old is not None:
            params = _stronger(KdfParams.from_json(old["kdf"]), params)
        nonce = os.urandom(12)
        wrapped = nonce + AESGCM(params.derive(secret)).encrypt(nonce, database_key, tag.encode("ascii"))
        slots = [s for s in self._data["slots"] if s["tag"] != tag]
        slots.append({"tag": tag, "kdf": params.to_json(), "wrapped": _b64(wrapped)})
        self._data["slots"] = slots
        self.save()

    def rename_slot(self, old_name: str, new_name: str) -> None:
        old_tag, new_tag = self.tag(old_name), self.tag(new_name)
        slot = self._slot(old_tag)
        if slot is None or old_tag == new_tag:
            return
        # the AES-GCM tag binds the slot's name tag: re-wrapping needs the PIN, so the
        # slot keeps its old binding and records it
        slot["bound_tag"] = slot.get("bound_tag", old_tag)
        slot["tag"] = new_tag
        self.save()

    def remove_slot(self, name: str) -> bool:
        tag = self.tag(name)
        before = len(self._data["slots"])
        self._data["slots"] = [s for s in self._data["slots"] if s["tag"] != tag]
        if len(self._data["slots"]) != before:
            self.save()
            return True
        return False

    def _slot(self, tag: str) -> dict[str, Any] | None:
        return next((s for s in self._data["slots"] if s["tag"] == tag), None)

    # --- the recovery slot ------------------------------------------------------------

    def put_recovery(self, server_public_key_b64: str, database_key: bytes, *, device_id: str,
                     server_url: str) -> None:
        from hubdesk.protocol import trust

        sealed = trust.seal(trust.unb64(server_public_key_b64), database_key,
                            context=trust.recovery_slot_context(device_id))
        self._data["recovery"] = {"server_public_key": server_public_key_b64,
                                  "sealed": trust.b64(sealed), "device_id": device_id,
                                  "server_url": server_url}
        self.save()

    @property
    def recovery(self) -> dict[str, str] | None:
        value = self._data.get("recovery")
        return dict(value) if value else None


class Vault(NamedTuple):
    """An open laptop's key ring and the database key it unlocked (kept in memory only)."""

    ring: KeyRing
    key: bytes

    @property
    def raw_key(self) -> str:
        return raw_sqlcipher_key(self.key)


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; the rename is durable enough there
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def raw_sqlcipher_key(database_key: bytes) -> str:
    """SQLCipher's raw-key form (``x'…'``): no second KDF inside SQLCipher."""
    return f"x'{database_key.hex()}'"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
