""""Connect to the hub's server": a coordinator enrols this laptop with a one-time code.

The enrolment runs on the runner's background lane through :func:`enrol_laptop`
(the same steps as ``hubdesk enrol``; safe to repeat with the same code).

Signals:
    enrolled(str): the laptop is connected (a sentence naming the hub and server).
"""

from __future__ import annotations

import socket
import time

from pydantic import ValidationError as PydanticValidationError
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from hubdesk import __version__
from hubdesk.core.clock import utc_now
from hubdesk.core.errors import UserFacingError, ValidationError
from hubdesk.protocol.schemas import EnrolRequest
from hubdesk.store import sync_repo
from hubdesk.store.engine import Store
from hubdesk.sync.commands import ENROL_TRIES
from hubdesk.sync.errors import AuthRevoked, RequestRejected, SyncError
from hubdesk.sync.transport import HttpTransport
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.widgets import line_edit

BAD_CODE = "That code is not valid. Check it and try again."


def check_enrol_form(server: str, code: str) -> dict[str, str]:
    """Field errors for the two answers ({} when both look right)."""
    errors: dict[str, str] = {}
    if not server:
        errors["server"] = "Enter the server address, for example https://hubdesk.example.org"
    elif not server.startswith(("http://", "https://")):
        errors["server"] = "The server address must start with http:// or https://"
    if not code:
        errors["code"] = "Enter the one-time code from the council's HubDesk team"
    return errors


def enrol_laptop(store: Store, server: str, code: str, app_version: str = __version__) -> str:
    """Enrol this laptop; returns a sentence naming the hub.  Raises UserFacingError.

    A thin adapter over the steps of ``hubdesk.sync.commands.enrol_command`` (which
    prints and returns an exit code, so the app cannot call it).
    """
    server = server.strip().rstrip("/")
    errors = check_enrol_form(server, code.strip())
    if errors:
        raise ValidationError(errors)
    with store.unit_of_work() as db:
        device_id = sync_repo.ensure_device_state(db).device_id
    try:
        request = EnrolRequest(code=code.strip(), device_id=device_id,
                               device_name=socket.gethostname()[:80], app_version=app_version)
    except PydanticValidationError as error:
        raise ValidationError({"code": BAD_CODE}) from error
    transport = HttpTransport(server, app_version=app_version)
    try:
        transport.health()
        for attempt in range(ENROL_TRIES):
            try:
                answer = transport.enrol(request)
                break
            except AuthRevoked as refusal:  # a 401 here is about the code, not this laptop
                raise ValidationError({"code": refusal.hint or BAD_CODE}) from refusal
            except RequestRejected as refusal:  # e.g. a code used by another laptop
                raise ValidationError({"code": refusal.message or BAD_CODE}) from refusal
            except SyncError as failure:  # a lost answer must never strand a laptop
                if not failure.transient or attempt == ENROL_TRIES - 1:
                    raise
                time.sleep(1.0 + attempt)
        if answer.device_id != device_id:
            raise UserFacingError("The server answered for a different laptop. "
                                  "Ask the council's HubDesk team.")
        with store.unit_of_work() as db:
            sync_repo.save_enrolment(db, server_url=server, token=answer.device_token,
                                     hub=answer.hub.model_dump(), now=utc_now())
    finally:
        transport.close()
    return f"This laptop is connected to {answer.hub.name} ({answer.hub.district}) at {server}."


class EnrolDialog(BaseDialog):
    enrolled = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Connect to the hub's server", "Connect this laptop to the hub's server", parent,
            intro=("Ask the council's HubDesk team for the server address and a one-time "
                   "code. Records stay safe on this laptop until then."),
            ok_text="Connect")
        self.context = context
        self.server = line_edit("https://hubdesk.example.org", max_length=300)
        self.code = line_edit("", max_length=64)
        self.add_field("server", "&Server address", self.server, "It starts with https://")
        self.add_field("code", "One-time &code", self.code,
                       "It works for one laptop and runs out after a few days")
        self.finish_body()
        self.fit_to_screen(width_em=40)
        self.server.setFocus()

    def accept_requested(self) -> None:
        actor = self.context.actor
        if actor is None or not actor.is_coordinator:
            self.show_errors({"": "Only a coordinator can connect this laptop to a server."})
            return
        server, code = self.server.text().strip(), self.code.text().strip()
        errors = check_enrol_form(server, code)
        self.show_errors(errors)
        if errors:
            return
        self.set_busy(True)
        self.ok_button.setText("Connecting…")
        store = self.context.runner.store
        self.context.runner.run_background(lambda: enrol_laptop(store, server, code),
                                           self._done, self._failed)

    def _done(self, sentence: str) -> None:
        self.set_busy(False)
        self.enrolled.emit(sentence)
        self.done_ok()

    def reject(self) -> None:
        """Esc waits while a connection attempt runs (its answer must reach the app)."""
        if not self.busy:
            super().reject()

    def _failed(self, error: BaseException) -> None:
        self.set_busy(False)
        self.ok_button.setText("Connect")
        if isinstance(error, ValidationError):
            self.show_errors(error.field_errors)
        elif isinstance(error, SyncError):  # cannot reach it, a Wi-Fi login page...
            self.show_errors({"server": str(error)})
        elif isinstance(error, UserFacingError):
            self.show_errors({"": str(error)})
        else:
            self.context.errors.report(error)
