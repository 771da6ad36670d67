"""The expander "They want us to contact them or share their details": a name, contact
details, a follow-up and what the person agreed to.

Agreements (the ``records`` contract): once the agreement questions are shown, the form
carries one answer per purpose, ticked or not, so an unticked purpose is a withdrawal
and a restored draft keeps the whole agreement state.

Signals:
    changed(): any answer in the section changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hubdesk.services.visits import AgreementAnswer, VisitForm
from hubdesk.ui.capture.widgets import make_combo, vocab_pairs
from hubdesk.ui.widgets import ErrorLabel, HintLabel, LabelledField, combo_select, em

IDENTITY_TEXT = "They want us to contact them or share their &details"
CLOSED, OPENED = "▶", "▼"  # the expander's state in text, not only in an icon
IDENTITY_ERRORS = ("agreements", "preferred_name", "contact", "follow_up_method")


def qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


#: how far ahead a new follow-up is due unless the volunteer says otherwise
FOLLOW_UP_AFTER = timedelta(days=7)


class IdentitySection(QWidget):
    """``today`` gives the hub's date (its time zone, not the laptop's): a new follow-up
    is due a week from it."""

    changed = Signal()

    def __init__(self, today: Callable[[], date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self._due_given = False  # a due date was loaded or chosen (else: a week from today)
        self._setting_due = False
        self._agreements_on_record = False  # the loaded visit or draft had agreement answers
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(em(self, 0.6))
        self.toggle = QToolButton()
        self.toggle.setText(f"{CLOSED} {IDENTITY_TEXT}")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toggle.setObjectName("expander")
        self.toggle.setAccessibleName("They want us to contact them or share their details")
        self.toggle.setAutoRaise(False)
        self.toggle.setToolTip("Name, phone or email, a follow-up and what they agreed to")
        self.toggle.toggled.connect(self._show)
        layout.addWidget(self.toggle)
        self.box = QFrame()
        self.box.setObjectName("identityBox")
        grid = QGridLayout(self.box)
        grid.setHorizontalSpacing(em(self, 1.0))
        grid.setVerticalSpacing(em(self, 0.5))
        self.preferred_name = QLineEdit()
        self.preferred_name.setMaxLength(80)
        self.contact = QLineEdit()
        self.contact.setMaxLength(120)
        self.follow_up = QCheckBox("Plan a follow-up")
        self.follow_up_due = QDateEdit()
        self.follow_up_due.setCalendarPopup(True)
        self.follow_up_due.setDisplayFormat("d MMM yyyy")
        self.follow_up_method = make_combo(vocab_pairs("follow_up_methods"))
        self.fields = {
            "preferred_name": LabelledField("Preferred na&me", self.preferred_name),
            "contact": LabelledField("Phone or &email", self.contact,
                                     "Only when they agree to follow-up or sharing"),
            "follow_up_due": LabelledField("Follow up by", self.follow_up_due),
            "follow_up_method": LabelledField("Follow up how?", self.follow_up_method),
        }
        top = Qt.AlignmentFlag.AlignTop
        grid.addWidget(self.fields["preferred_name"], 0, 0, top)
        grid.addWidget(self.fields["contact"], 0, 1, top)
        grid.addWidget(self.follow_up, 1, 0, 1, 2)
        grid.addWidget(self.fields["follow_up_due"], 2, 0, top)
        grid.addWidget(self.fields["follow_up_method"], 2, 1, top)
        grid.addWidget(self._build_agreements(), 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.box.hide()
        layout.addWidget(self.box)
        for edit in (self.preferred_name, self.contact):
            edit.textChanged.connect(self._update_agreement_visibility)
            edit.textChanged.connect(self.changed)
        for check in self.agreement_checks.values():
            check.toggled.connect(self.changed)
        self.agreement_method.currentIndexChanged.connect(self.changed)
        self.follow_up_method.currentIndexChanged.connect(self.changed)
        self.follow_up_due.dateChanged.connect(self._due_edited)
        self.follow_up.toggled.connect(self._follow_up_toggled)
        self._enable_follow_up(False)

    def _build_agreements(self) -> QFrame:
        self.agreement_box = QFrame()
        self.agreement_box.setObjectName("agreementBox")
        layout = QVBoxLayout(self.agreement_box)
        layout.setContentsMargins(0, em(self, 0.3), 0, 0)
        heading = QLabel("What have they agreed to?")
        heading.setObjectName("fieldLabel")
        layout.addWidget(heading)
        layout.addWidget(HintLabel(
            "Ask about each one. We keep a name or contact details only with their agreement "
            "to follow-up or to sharing."))
        self.agreement_checks: dict[str, QCheckBox] = {}
        checks = QGridLayout()
        for position, (code, label) in enumerate(vocab_pairs("agreement_purposes")):
            check = QCheckBox(f"Yes: {label}")
            check.setAccessibleName(f"They agreed to: {label}")
            self.agreement_checks[code] = check
            checks.addWidget(check, position // 2, position % 2)
        layout.addLayout(checks)
        self.agreement_method = make_combo(vocab_pairs("agreement_methods"))
        method_field = LabelledField("How did they agree?", self.agreement_method)
        method_field.setMaximumWidth(em(self, 18))
        layout.addWidget(method_field)
        self.agreements_error = ErrorLabel()
        layout.addWidget(self.agreements_error)
        return self.agreement_box

    # ---- reading and loading --------------------------------------------------------

    def agreements(self) -> list[AgreementAnswer]:
        """One answer per purpose once the questions are shown (ticked or not); else none."""
        if not self._agreements_asked():
            return []
        method = self.agreement_method.currentData()
        return [AgreementAnswer(code, check.isChecked(), method)
                for code, check in self.agreement_checks.items()]

    def follow_up_due_date(self) -> date | None:
        if not self.follow_up.isChecked():
            return None
        chosen = self.follow_up_due.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def load(self, form: VisitForm) -> None:
        """Show ``form``'s identity answers (called while the form is loading)."""
        self._agreements_on_record = bool(form.agreements)
        self.preferred_name.setText(form.preferred_name)
        self.contact.setText(form.contact)
        agreed = {a.purpose for a in form.agreements if a.given}
        for code, check in self.agreement_checks.items():
            check.setChecked(code in agreed)
        methods = [a.method for a in form.agreements]
        combo_select(self.agreement_method, methods[0] if methods else "verbal")
        self.follow_up.setChecked(form.follow_up_due is not None)
        self._set_due(form.follow_up_due or self._today() + FOLLOW_UP_AFTER,
                      given=form.follow_up_due is not None)
        self._enable_follow_up(form.follow_up_due is not None)
        combo_select(self.follow_up_method, form.follow_up_method)
        self.toggle.setChecked(form.has_identity or bool(form.agreements)
                               or form.follow_up_due is not None)
        self._update_agreement_visibility()

    def tab_chain(self) -> list[QWidget]:
        return [self.toggle, self.preferred_name, self.contact, self.follow_up, self.follow_up_due,
                self.follow_up_method, *self.agreement_checks.values(), self.agreement_method]

    def paint_errors(self, errors: dict[str, str]) -> None:
        for name, field in self.fields.items():
            field.set_error(errors.get(name))
        self.agreements_error.set_error(errors.get("agreements"))
        if any(key in errors for key in IDENTITY_ERRORS):
            self.toggle.setChecked(True)

    def open(self) -> None:
        self.toggle.setChecked(True)

    # ---- reacting ---------------------------------------------------------------------

    def _agreements_asked(self) -> bool:
        has_identity = bool(self.preferred_name.text().strip() or self.contact.text().strip())
        any_agreed = any(check.isChecked() for check in self.agreement_checks.values())
        return has_identity or any_agreed or self._agreements_on_record

    def _update_agreement_visibility(self) -> None:
        self.agreement_box.setVisible(self._agreements_asked())

    def _show(self, shown: bool) -> None:
        self.toggle.setText(f"{OPENED if shown else CLOSED} {IDENTITY_TEXT}")
        self.box.setVisible(shown)
        self._update_agreement_visibility()

    def _enable_follow_up(self, on: bool) -> None:
        self.fields["follow_up_due"].setEnabled(on)
        self.fields["follow_up_method"].setEnabled(on)

    def _follow_up_toggled(self, on: bool) -> None:
        self._enable_follow_up(on)
        if on and not self._due_given:  # a week from the hub's today, when it is ticked
            self._set_due(self._today() + FOLLOW_UP_AFTER, given=False)
        self.changed.emit()

    def _set_due(self, day: date, *, given: bool) -> None:
        self._setting_due = True
        try:
            self.follow_up_due.setDate(qdate(day))
        finally:
            self._setting_due = False
        self._due_given = given

    def _due_edited(self) -> None:
        if not self._setting_due:
            self._due_given = True  # the volunteer chose it: keep it
        self.changed.emit()
