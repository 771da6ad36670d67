"""Typed sync failures (raised by ``transport.py``, handled by ``engine.py``).

Each error carries a plain-English message a volunteer can act on.  The engine
decides per type whether to retry with backoff, split the batch, or stop.
"""

from __future__ import annotations

from hubdesk.core.errors import UserFacingError


class SyncError(UserFacingError):
    """Base class: something stopped a request from completing."""

    #: worth another try in the same run (after a backoff sleep)
    transient = False


class NotEnrolled(SyncError):
    def __init__(self) -> None:
        super().__init__(
            "This laptop is not connected to a HubDesk server yet.",
            hint="Ask your coordinator for an enrolment code.",
        )


class Offline(SyncError):
    """No route to the server (no network, refused, DNS, connection dropped)."""

    transient = True

    def __init__(self, detail: str = "") -> None:
        super().__init__("Cannot reach the HubDesk server.", hint="Check the internet connection.")
        self.detail = detail


class CaptivePortal(SyncError):
    """Something answered that is not our server (a Wi-Fi login page)."""

    def __init__(self) -> None:
        super().__init__("Open the Wi-Fi login page, then sync.")


class AuthRevoked(SyncError):
    """The device token was refused: the laptop was revoked or never enrolled there."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            "This laptop can no longer send records to the server.",
            hint=message or "Your records are kept safe here. Ask your coordinator to enrol it again.",
        )


class ServerBusy(SyncError):
    """429 / 503: the server asked us to come back later."""

    transient = True

    def __init__(self, retry_after: float | None = None) -> None:
        super().__init__("The server is busy.", hint="HubDesk will try again shortly.")
        self.retry_after = retry_after


class PayloadTooLarge(SyncError):
    """413: the batch was too big; nothing in it was stored."""

    transient = True

    def __init__(self) -> None:
        super().__init__("The batch was too large for the server.")


class Stalled(SyncError):
    """No bytes for longer than the stall timeout (a slow link that still moves is fine)."""

    transient = True

    def __init__(self) -> None:
        super().__init__("The connection to the server stalled.", hint="HubDesk will try again.")


class ServerError(SyncError):
    """5xx other than 503: a server-wide problem."""

    transient = True

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(
            "The server had a problem.", hint=message or "HubDesk will try again later."
        )
        self.status = status


class BadResponse(SyncError):
    """A truncated, non-JSON or schema-breaking answer."""

    transient = True

    def __init__(self, detail: str = "") -> None:
        super().__init__("The server's answer was incomplete.", hint="HubDesk will try again.")
        self.detail = detail


class RequestRejected(SyncError):
    """A 4xx the server explains (malformed batch, wrong hub, used code...)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message or "The server refused the request.")
        self.status = status
        self.code = code


class EnrolRefused(RequestRejected):
    """The server refused an enrolment code (unknown, expired or used by another laptop).

    Not a revoked laptop: its records were never at risk, the code was wrong.
    """


class InsecureConnection(SyncError):
    """TLS failed: an untrusted or wrong certificate, or a Wi-Fi portal intercepting HTTPS."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "HubDesk could not make a secure connection to the server.",
            hint="If you are on venue Wi-Fi, open its login page first; otherwise ask IT to "
                 "check the server's certificate.",
        )
        self.detail = detail


class PlainHttpRefused(SyncError):
    """The server address is ``http://`` to another computer: tokens and records would
    cross the network unencrypted, so nothing is sent."""

    def __init__(self) -> None:
        super().__init__(
            "HubDesk only talks to a server on another computer over a secure "
            "connection (https://).",
            hint="Use the https:// address from the council's HubDesk team.",
        )


class NotFound(SyncError):
    """404 for a resource we asked about (e.g. a batch the server never received)."""

    def __init__(self) -> None:
        super().__init__("Not found on the server.")
