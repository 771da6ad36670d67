"""Errors on the capture form: said next to each field, summarised at the top, and taken
away as soon as they are fixed (a field never stays red after the fix).

The summary's links bring their field into view (opening the contact-details section
when the field is in it); what is typed while the summary has focus goes on to the first
field with an error (``ErrorSummary``).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from hubdesk.services import visits
from hubdesk.services.visits import VisitForm
from hubdesk.ui.capture.layout import CaptureLayout
from hubdesk.ui.capture.state import CaptureState
from hubdesk.ui.context import AppContext


class ErrorDisplay(CaptureLayout):
    """The form's error half (the form itself adds saving, drafts and keys)."""

    state: CaptureState

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._errors: dict[str, str] = {}
        self.summary.focus_requested.connect(self._focus_field)

    def collect(self) -> VisitForm:
        raise NotImplementedError

    def show_errors(self, errors: dict[str, str]) -> None:
        """Errors next to each field and summarised at the top (the summary takes focus;
        what is typed next goes on to the first field with an error)."""
        self._errors = dict(errors)
        self.summary.set_errors(errors, self._paint_errors())
        self.scroll_area.ensureVisible(0, 0)

    def clear_errors(self) -> None:
        self._errors = {}
        self._paint_errors()
        self.summary.clear_errors()

    def _paint_errors(self) -> dict[str, QWidget]:
        """Mark every field by the current errors (clearing the fixed ones); error key -> field."""
        errors = self._errors
        for name, field in self.fields.items():
            if name not in self.identity.fields:
                field.set_error(errors.get(name))
        self.identity.paint_errors(errors)
        self.picker.set_error(errors.get("signposts"))
        targets: dict[str, QWidget] = {name: field.field for name, field in self.fields.items()}
        targets.update(self.topics.paint_errors(errors))
        targets["signposts"] = self.picker.search
        targets["agreements"] = next(iter(self.agreement_checks.values()))
        return targets

    def _recheck_errors(self) -> None:
        """Errors disappear as they are fixed (the summary keeps its links, not the focus)."""
        form = visits.normalise(self.collect())
        remaining = {k: v for k, v in visits.validate_visit(form).items() if k in self._errors}
        if "session" in self._errors and self.context.actor is not None and (
                self.state.editing or not self.context.session_id):
            remaining = {"session": self._errors["session"], **remaining}
        if remaining != self._errors:
            self._errors = remaining
            self.summary.set_errors(remaining, self._paint_errors(), focus=False)

    def _focus_field(self, name: str) -> None:
        if name in self.identity.fields or name == "agreements":
            self.identity.open()
        self.scroll_to(self.fields[name].field if name in self.fields else self.body)
