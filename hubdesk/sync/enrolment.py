"""Enrolling this laptop with the hub's server: the one set of steps behind both
``hubdesk enrol`` (``sync.commands.enrol_command`` prints and returns an exit code)
and the app's "Connect to the hub's server" dialog.

:func:`enrol_laptop` does the work and raises typed errors; it never prints.  It is
safe to repeat with the same code from the same laptop (a lost answer must never
strand a laptop: transient failures are retried a few times).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError as PydanticValidationError

from hubdesk import __version__
from hubdesk.core.clock import utc_now
from hubdesk.core.errors import UserFacingError, ValidationError
from hubdesk.protocol.schemas import EnrolRequest, EnrolResponse
from hubdesk.protocol.signing import public_key_of, sign_enrolment
from hubdesk.services.recovery import refresh_recovery_slot
from hubdesk.store import repositories, sync_repo
from hubdesk.store.device_keys import signing_key
from hubdesk.store.engine import Store
from hubdesk.sync.errors import AuthRevoked, EnrolRefused, SyncError
from hubdesk.sync.transport import HttpTransport, is_allowed_server_url

ENROL_TRIES = 3
#: the settings key of the server's recovery public key (base64 raw X25519), kept for
#: the laptop's recovery slot (``protocol/trust.py``)
RECOVERY_KEY_SETTING = "server_recovery_public_key"
BAD_CODE = "That enrolment code is not valid. Check it and try again."


class WrongLaptop(UserFacingError):
    """The server's answer names another laptop (a proxy or a server bug): nothing saved."""

    def __init__(self) -> None:
        super().__init__("The server answered for a different laptop.",
                         hint="Ask the council's HubDesk team.")


@dataclass(frozen=True)
class EnrolResult:
    """What the laptop is now connected to (the token is kept out of ``repr``)."""

    server: str
    hub_id: str
    hub_name: str
    hub_district: str
    device_token: str = field(repr=False)


def normalise_server(server: str) -> str:
    return server.strip().rstrip("/")


def check_enrol_form(server: str, code: str) -> dict[str, str]:
    """Field errors ("server", "code") for the two answers; {} when both look right."""
    server, code = normalise_server(server), code.strip()
    errors: dict[str, str] = {}
    if not server:
        errors["server"] = "Enter the server address, for example https://hubdesk.example.org"
    elif not server.startswith(("http://", "https://")):
        errors["server"] = "The server address must start with https://"
    elif not is_allowed_server_url(server):
        errors["server"] = ("Use the server's https:// address: http:// is only for a server "
                            "on this computer")
    if not code:
        errors["code"] = "Enter the one-time code from the council's HubDesk team"
    return errors


def enrol_laptop(store: Store, server: str, code: str, *, app_version: str = __version__,
                 sleep: Callable[[float], None] = time.sleep) -> EnrolResult:
    """Enrol this laptop with a one-time code and save the enrolment.

    Raises:
        ValidationError: the address or code cannot be right (``field_errors`` keyed
            "server" / "code").
        EnrolRefused: the server refused the code; its message says why (unknown,
            expired, used by another laptop, this laptop was switched off).
        SyncError: the server could not be reached or answered badly (``Offline``,
            ``CaptivePortal``, ``InsecureConnection``...).
        WrongLaptop: the answer was for another laptop (nothing is saved).
    """
    server, code = normalise_server(server), code.strip()
    errors = check_enrol_form(server, code)
    if errors:
        raise ValidationError(errors)
    with store.unit_of_work() as db:
        device_id = sync_repo.ensure_device_state(db).device_id
        private_key = signing_key(db)
    try:
        # the public half is registered; the signature proves this laptop holds the
        # private half, so a code and a device id alone enrol nothing
        request = EnrolRequest(code=code, device_id=device_id,
                               device_public_key=public_key_of(private_key),
                               enrol_signature=sign_enrolment(private_key, code, device_id),
                               device_name=socket.gethostname()[:80], app_version=app_version)
    except PydanticValidationError as error:
        raise ValidationError({"code": BAD_CODE}) from error
    transport = HttpTransport(server, app_version=app_version)
    try:
        transport.health()
        answer = _enrol_with_retries(transport, request, sleep)
        if answer.device_id != device_id:
            raise WrongLaptop()
        with store.unit_of_work() as db:
            sync_repo.save_enrolment(db, server_url=server, token=answer.device_token,
                                     hub=answer.hub.model_dump(), now=utc_now())
            repositories.put_setting(db, RECOVERY_KEY_SETTING, answer.recovery_public_key)
            refresh_recovery_slot(db)  # the database key sealed to this server (issue 8)
    finally:
        transport.close()
    return EnrolResult(server=server, hub_id=answer.hub.id, hub_name=answer.hub.name,
                       hub_district=answer.hub.district, device_token=answer.device_token)


def _enrol_with_retries(transport: HttpTransport, request: EnrolRequest,
                        sleep: Callable[[float], None]) -> EnrolResponse:
    for attempt in range(ENROL_TRIES):
        try:
            return transport.enrol(request)
        except AuthRevoked as refusal:
            # on the enrol endpoint a 401/403 is about the code (or this laptop being
            # switched off), never a revoked token: say the server's words
            message = refusal.hint if refusal.hint != AuthRevoked().hint else BAD_CODE
            raise EnrolRefused(401, "enrol_refused", message) from refusal
        except SyncError as failure:
            if not failure.transient or attempt == ENROL_TRIES - 1:
                raise
            sleep(1.0 + attempt)
    raise AssertionError("unreachable: the last try returns or raises")
