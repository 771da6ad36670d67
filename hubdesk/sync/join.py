"""Join an existing hub from the first screen: enrol this (new) laptop with the hub's
server and a one-time code, make the person at the keyboard its first coordinator, and
bring the hub's venues and directory down.

The enrolment is :func:`hubdesk.sync.enrolment.enrol_laptop`, the same steps as
``hubdesk enrol`` (safe to repeat with the same code from the same laptop).  Nothing is
written before the server has said yes: a wrong code, no connection, a Wi-Fi login
page or a certificate problem leaves the laptop as new as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from hubdesk import __version__
from hubdesk.core.errors import ValidationError
from hubdesk.core.pins import check_pin_format
from hubdesk.services import setup, volunteers
from hubdesk.services.common import Actor, audit
from hubdesk.store.engine import Store
from hubdesk.sync.engine import SyncEngine
from hubdesk.sync.enrolment import EnrolResult, check_enrol_form, enrol_laptop
from hubdesk.sync.errors import (
    CaptivePortal,
    InsecureConnection,
    Offline,
    PlainHttpRefused,
    RequestRejected,
    Stalled,
    SyncError,
)
from hubdesk.sync.transport import HttpTransport

NO_CONNECTION = ("HubDesk cannot reach a server at this address. Check that the laptop is "
                 "connected to the internet and that the address is typed exactly as given.")
PORTAL = ("Something other than the HubDesk server answered at this address: usually a "
          "Wi-Fi login page. Open a web browser, log in to the Wi-Fi, then press Join again.")
CERTIFICATE = ("HubDesk could not check the server's security certificate, so nothing was "
               "sent. On venue Wi-Fi, log in to it in a web browser first; otherwise ask the "
               "council's HubDesk team to check the server's certificate.")


@dataclass(frozen=True)
class JoinForm:
    server: str
    code: str
    coordinator_name: str
    pin: str


@dataclass(frozen=True)
class Joined:
    actor: Actor
    enrolment: EnrolResult
    first_sync_done: bool

    @property
    def sentence(self) -> str:
        done = ("" if self.first_sync_done else
                " The hub's venues and services will arrive at the next sync.")
        return (f"This laptop has joined {self.enrolment.hub_name} "
                f"({self.enrolment.hub_district}) at {self.enrolment.server}.{done}")


def check_join_form(form: JoinForm) -> dict[str, str]:
    """Field errors ("server", "code", "coordinator_name", "pin"); {} when all look right."""
    errors = check_enrol_form(form.server, form.code)
    name = setup.normalise_name(form.coordinator_name)
    if not name:
        errors["coordinator_name"] = "Enter your name, as you will type it to unlock HubDesk."
    elif len(name) > 80:
        errors["coordinator_name"] = "Keep the name under 80 characters."
    try:
        check_pin_format(form.pin)
    except ValidationError as error:
        errors["pin"] = next(iter(error.field_errors.values()))
    return errors


def join_problem(error: BaseException) -> tuple[str, str] | None:
    """(field, message) for a failed join the person can act on; None for a bug."""
    if isinstance(error, RequestRejected):  # the server's own words: wrong, expired, used
        return "code", error.message
    if isinstance(error, CaptivePortal):
        return "server", PORTAL
    if isinstance(error, InsecureConnection):
        return "server", CERTIFICATE
    if isinstance(error, Offline | Stalled):
        return "server", NO_CONNECTION
    if isinstance(error, PlainHttpRefused | SyncError):
        return "server", str(error)
    return None


def join_hub(store: Store, form: JoinForm, *, app_version: str = __version__) -> Joined:
    """Enrol, then make the first coordinator (their PIN opens the laptop's key) and sync.

    Runs on the background lane (network).  Raises ``ValidationError`` for the form,
    ``SyncError`` subclasses for the server's answer (see :func:`join_problem`).
    """
    errors = check_join_form(form)
    if errors:
        raise ValidationError(errors)
    enrolment = enrol_laptop(store, form.server, form.code, app_version=app_version)
    with store.unit_of_work() as db:
        setup.ensure_device(db)
        coordinator = setup.create_volunteer(db, form.coordinator_name, form.pin,
                                             role="coordinator")
        audit(db, None, "create", "volunteer", coordinator.id,
              "first coordinator (joined an existing hub)")
    with store.unit_of_work() as db:
        actor = volunteers.unlock(db, form.coordinator_name, form.pin)
    return Joined(actor, enrolment, _first_sync(store, enrolment, app_version))


def _first_sync(store: Store, enrolment: EnrolResult, app_version: str) -> bool:
    """The hub's venues, roster and directory now, so the laptop can record at once;
    a failure is left for the next sync."""
    transport = HttpTransport(enrolment.server, enrolment.device_token, app_version=app_version)
    try:
        result = SyncEngine(store, transport, max_retries=1, app_version=app_version).run()
    finally:
        transport.close()
    with store.unit_of_work() as db:
        setup.load_sample_directory(db)  # only when the server sent no directory
    return result.completed
