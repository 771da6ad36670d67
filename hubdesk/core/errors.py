"""The error types every layer raises.

Two families (after qutebrowser's ``misc/sql.py``):

* :class:`UserFacingError` - the environment's fault or the user's input
  (disk full, database locked, offline, token revoked, a PIN that does not
  match).  The UI shows the message as it is; the CLI prints it on one line.
* everything else is a bug: the UI shows a crash dialog with a copyable report.
"""

from __future__ import annotations

from collections.abc import Mapping


class HubDeskError(Exception):
    """Base class for errors we raise on purpose."""


class UserFacingError(HubDeskError):
    """An error whose message a volunteer can read and act on."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ValidationError(UserFacingError):
    """Input that cannot be saved; ``field_errors`` maps a field name to its message."""

    def __init__(self, field_errors: Mapping[str, str]) -> None:
        self.field_errors = dict(field_errors)
        summary = "; ".join(self.field_errors.values()) or "Some answers need checking."
        super().__init__(summary)


class NotFoundError(UserFacingError):
    """A record the caller named does not exist (or is not visible to them)."""


class AuthError(UserFacingError):
    """A PIN that does not match, a locked volunteer, or a revoked device."""


class StorageError(UserFacingError):
    """The local database cannot be used: disk full, locked, corrupt, wrong key."""
