"""Volunteer PINs, hashed with scrypt from the standard library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from hubdesk.core.errors import ValidationError

# n=2**14, r=8: ~16 MiB and ~50 ms per check: slow for a guesser, fine at unlock.
_N, _R, _P = 2**14, 8, 1
MIN_PIN_LENGTH = 6
MAX_PIN_LENGTH = 12
MIN_PASSPHRASE_LENGTH = 12
MAX_SECRET_LENGTH = 128
PIN_RULE = (f"A PIN is {MIN_PIN_LENGTH} to {MAX_PIN_LENGTH} digits, or use a passphrase of at "
            f"least {MIN_PASSPHRASE_LENGTH} characters.")


def check_pin_format(pin: str) -> None:
    """A PIN of 6-12 digits, or a passphrase (12-128 characters, not only digits/spaces)."""
    if pin.isdigit():
        ok = MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH
    else:
        ok = MIN_PASSPHRASE_LENGTH <= len(pin) <= MAX_SECRET_LENGTH and bool(pin.strip())
    if not ok:
        raise ValidationError({"pin": PIN_RULE})


def hash_pin(pin: str) -> str:
    """Return ``scrypt$n$r$p$salt$hash`` for storage."""
    check_pin_format(pin)
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    salt = base64.b64decode(salt_b64)
    expected = base64.b64decode(digest_b64)
    actual = hashlib.scrypt(
        pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(actual, expected)
