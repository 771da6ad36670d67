"""First run: name the hub, its first venue and the first coordinator (with a PIN)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from hubdesk.core.errors import ValidationError
from hubdesk.core.vocab import vocabularies
from hubdesk.services import setup, volunteers
from hubdesk.services.common import Actor
from hubdesk.services.setup import SetupForm, validate_setup
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.pin_fields import PIN_HINT, add_new_pin_fields, with_pin_confirmed
from hubdesk.ui.widgets import Heading, combo_select, combo_with_terms, line_edit, run_db


@dataclass(frozen=True)
class FirstRunResult:
    actor: Actor
    hub_name: str


def _first_run_and_unlock(db: Session, form: SetupForm) -> FirstRunResult:
    """Runs on the database lane: set up, then unlock as the new coordinator."""
    setup.first_run_setup(db, form)
    actor = volunteers.unlock(db, form.coordinator_name, form.pin)
    return FirstRunResult(actor, form.hub_name.strip())


class FirstRunDialog(BaseDialog):
    """Creates the hub, first venue and coordinator; on success ``actor`` is the coordinator.

    Signals:
        completed(object): a :class:`FirstRunResult` after the set-up was saved.
    """

    completed = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            "Set up", "Set up HubDesk on this laptop", parent,
            intro="You only do this once. You can add more venues and volunteers later.",
            ok_text="Set up HubDesk", cancel_text="Cancel",
        )
        self.context = context
        self.result_value: FirstRunResult | None = None
        vocab = vocabularies()

        self.body_layout.addWidget(Heading("Your hub", level=2))
        self.hub_name = line_edit(max_length=120)
        self.add_field("hub_name", "Hub name", self.hub_name, "For example, Stevenage Healthy Hub")
        self.district = line_edit(max_length=80)
        self.add_field("district", "District or area", self.district)
        self.tier = combo_with_terms((t.code, t.label) for t in vocab.hub_tiers.terms)
        self.add_field("tier", "Kind of hub", self.tier)

        self.body_layout.addWidget(Heading("Where it meets first", level=2))
        self.venue_name = line_edit(max_length=120)
        self.add_field("venue_name", "Venue name", self.venue_name, "For example, St Mary's Church Hall")
        self.venue_type = combo_with_terms((t.code, t.label) for t in vocab.venue_types.terms)
        combo_select(self.venue_type, "church_hall")
        self.add_field("venue_type", "Type of venue", self.venue_type)
        self.postcode = line_edit(max_length=8)
        self.add_field("postcode_district", "Postcode district (optional)", self.postcode,
                       "The first half of the postcode only, for example SG1")

        self.body_layout.addWidget(Heading("The coordinator", level=2))
        self.coordinator = line_edit(max_length=80)
        self.add_field("coordinator_name", "Coordinator's name", self.coordinator,
                       "The name shown when they unlock HubDesk")
        self.pin, self.pin_confirm = add_new_pin_fields(
            self, hint=f"{PIN_HINT}. Keep it to yourself.")
        self.finish_body()
        self.fit_to_screen(34)
        self.hub_name.setFocus()

    def form(self) -> SetupForm:
        return SetupForm(
            hub_name=self.hub_name.text(),
            district=self.district.text(),
            venue_name=self.venue_name.text(),
            coordinator_name=self.coordinator.text(),
            pin=self.pin.text(),
            tier=str(self.tier.currentData()),
            venue_type=str(self.venue_type.currentData()),
            postcode_district=self.postcode.text(),
        )

    def validate(self) -> dict[str, str]:
        form = self.form()
        return with_pin_confirmed(self, validate_setup(form), form.pin, self.pin_confirm.text())

    def accept_requested(self) -> None:
        errors = self.validate()
        if errors:
            self.show_errors(errors)
            return
        self.clear_errors()
        self.set_busy(True)
        form = self.form()
        run_db(self, self.context, lambda db: _first_run_and_unlock(db, form),
                                   self._saved, self._failed)

    def _saved(self, result: FirstRunResult) -> None:
        self.set_busy(False)
        self.result_value = result
        self.completed.emit(result)
        self.done_ok()

    def _failed(self, error: BaseException) -> None:
        self.set_busy(False)
        if isinstance(error, ValidationError):
            renamed = {"name": "coordinator_name"}
            self.show_errors({renamed.get(k, k): v for k, v in error.field_errors.items()})
            return
        self.context.errors.report(error)
