"""Errors the server answers with an :class:`~hubdesk.protocol.schemas.ErrorBody`."""

from __future__ import annotations


class ApiError(Exception):
    """A refusal with an HTTP status, a machine code and a plain-English message."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code[:40]
        self.message = message[:300]
        self.headers = headers or {}


class AdminError(Exception):
    """An admin command that cannot be done (the CLI prints it on one line, exit 1)."""
