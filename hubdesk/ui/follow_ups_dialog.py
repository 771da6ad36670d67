""""Follow-ups": a coordinator's check-backs, to do (overdue, due today, coming up) or done.

Opened from Go ▸ Follow-ups… (Ctrl+Shift+U) or the "N follow-ups due" button in the
status bar.  Pick one from the list; "Show contact" (Alt+C) shows the person's agreed
name and contact (audited; refused when the agreement was withdrawn).  Then either
"No answer, try again" (Alt+A: one more attempt, optionally on another day) or say what
happened, choose the signpost's status now and "Save result" (Enter).  Esc closes.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hubdesk.core.days import day_words
from hubdesk.core.errors import ValidationError
from hubdesk.core.vocab import vocabularies
from hubdesk.services import follow_ups
from hubdesk.services.common import Changes
from hubdesk.services.follow_ups import (
    DUE_FIELD,
    FOLLOW_UP_STATUSES,
    MAX_RESULT,
    RESULT_FIELD,
    STATUS_FIELD,
    AgreedContact,
    FollowUpAnswer,
    FollowUpList,
    FollowUpRow,
)
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import RowListModel
from hubdesk.ui.review_parts import details_panel, fit_list_to_rows, plain_text_label
from hubdesk.ui.widgets import (
    HintLabel,
    LabelledField,
    combo_with_terms,
    em,
    line_edit,
    review_list,
    run_db,
)

SHORTCUT = "Ctrl+Shift+U"
NONE_TO_DO = "There are no follow-ups to do."
NONE_DONE = "No follow-up has been done yet."
LEAVE_STATUS = "Leave it as it is"


def follow_up_line(row: FollowUpRow) -> str:
    """"Overdue · due Mon 30 Nov · Phone · Lunch club, St Mary's Hall · tried once"."""
    method = vocabularies().follow_up_methods.label(row.method)
    parts = [row.state_text, f"due {row.due_date:%a %d %b}", method]
    if row.place:
        parts.append(row.place)
    if row.attempts:
        parts.append("tried once" if row.attempts == 1 else f"tried {row.attempts} times")
    marker = "⚠ " if row.state == "overdue" else ("✓ " if row.state == "done" else "")
    return marker + " · ".join(parts)


def follow_up_details(row: FollowUpRow) -> str:
    """The selected follow-up in plain text, one fact a line (no personal data)."""
    visited = day_words(row.visited_on, year=True) if row.visited_on else "not on this laptop"
    lines = [f"Visit: {visited}" + (f", {row.place}" if row.place else ""),
             f"Due: {day_words(row.due_date, year=True)} ({row.state_text.lower()})",
             "Signposts: " + ("; ".join(s.text for s in row.signposts) or "none recorded")]
    lines.append(f"Tries so far: {row.attempts}")
    if row.result:
        lines.append(f"What happened: {row.result}")
    if not row.has_contact:
        lines.append("No contact details were kept for this visit.")
    return "\n".join(lines)


def counts_text(found: FollowUpList) -> str:
    if not found.rows:
        return ""
    upcoming = len(found.rows) - found.overdue - found.due
    return f"{found.overdue} overdue · {found.due} due today · {upcoming} coming up"


class DayField(QDateEdit):
    """A date where Tab leaves the field (QDateEdit's Tab walks day, month and year
    first); Left/Right move between the parts, Up/Down change them, Alt+Down opens the
    calendar."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


class FollowUpListModel(RowListModel[FollowUpRow]):
    def display(self, row: FollowUpRow) -> str:
        return follow_up_line(row)

    def details(self, row: FollowUpRow) -> str:
        return follow_up_details(row)


class FollowUpsDialog(BaseDialog):
    """Signals:
    saved(str): a follow-up (by id) got a new attempt or its result.
    """

    saved = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Follow-ups", "Follow-ups", parent,
                         intro="Check back with the people who agreed to it. Record each try, "
                               "and what happened.",
                         ok_text="&Save result", cancel_text="Close")
        self.context = context
        self.loaded = False
        self.found: FollowUpList | None = None
        self._shown_id: str | None = None
        self.show_combo = QComboBox()
        self.show_combo.addItem("To do: overdue, due today and coming up", False)
        self.show_combo.addItem("Done", True)
        self.add_field("show", "S&how", self.show_combo)
        self.counts = HintLabel("")
        self.add_widget(self.counts)
        self.model = FollowUpListModel(self)
        self.list = review_list(self.model)
        self.list.setFixedHeight(em(self, 6))
        self.list_field = self.add_field("follow_ups", "&Follow-ups (oldest due first)", self.list)
        self.empty_note = HintLabel(NONE_TO_DO)
        self.empty_note.hide()
        self.add_widget(self.empty_note)

        self.details_box, box, self.details = details_panel("About this follow-up")
        self.contact_button = QPushButton("Show &contact")
        self.contact_button.setAutoDefault(False)
        self.contact_button.setToolTip("Show the name and phone or email the person agreed "
                                       "to be contacted on (this is recorded)")
        self.contact_button.clicked.connect(self.show_contact)
        box.addWidget(self.contact_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.contact = plain_text_label("Agreed contact")
        self.contact.setObjectName("contactDetails")
        self.contact.hide()
        box.addWidget(self.contact)
        self.add_widget(self.details_box)

        self.answer_box = QWidget()
        answer = QVBoxLayout(self.answer_box)
        answer.setContentsMargins(0, 0, 0, 0)
        answer.setSpacing(em(self, 0.8))
        self.body_layout.addWidget(self.answer_box)
        self.result_edit = line_edit(max_length=MAX_RESULT)
        self._field_into(answer, RESULT_FIELD, "&What happened?", self.result_edit,
                         "For example “She went to the foodbank on Tuesday”. "
                         "Do not write the person's name.")
        pair = QHBoxLayout()  # the signpost and its status side by side (saves height)
        pair.setSpacing(em(self, 1.0))
        answer.addLayout(pair)
        self.signpost = QComboBox()
        self.signpost_field = self._field_into(pair, "signpost", "Si&gnpost", self.signpost)
        vocab = vocabularies()
        self.status = combo_with_terms(
            [(code, vocab.outcome_statuses.label(code)) for code in FOLLOW_UP_STATUSES],
            placeholder=LEAVE_STATUS)
        self.status_field = self._field_into(pair, STATUS_FIELD, "Its status &now", self.status)
        pair.setStretch(0, 3)
        pair.setStretch(1, 2)
        retry = QHBoxLayout()
        retry.setSpacing(em(self, 1.0))
        answer.addLayout(retry)
        self.next_due = DayField()
        self.next_due.setCalendarPopup(True)
        self.next_due.setDisplayFormat("ddd d MMM yyyy")
        self._field_into(retry, DUE_FIELD, "&Try again on", self.next_due)
        self.attempt_button = QPushButton("No &answer, try again")
        self.attempt_button.setAutoDefault(False)
        self.attempt_button.setToolTip("Record one more try and keep the follow-up to do "
                                       "(on the day in “Try again on”)")
        self.attempt_button.clicked.connect(self.record_attempt)
        retry.addWidget(self.attempt_button, 0, Qt.AlignmentFlag.AlignBottom)
        retry.addStretch(1)
        self.done_note = QLabel("")
        self.done_note.setObjectName("doneNote")
        self.done_note.setWordWrap(True)
        self.done_note.hide()
        self.add_widget(self.done_note)
        self.finish_body()
        self.fit_to_screen(width_em=56)
        self.ok_button.setToolTip("Save what happened and mark the follow-up done (Enter)")

        chain: list[QWidget] = [
            self.show_combo, self.list, self.details, self.contact_button, self.result_edit,
            self.signpost, self.status, self.next_due, self.attempt_button, self.ok_button]
        if self.cancel_button is not None:
            chain.append(self.cancel_button)
        for first, second in itertools.pairwise(chain):
            self.setTabOrder(first, second)
        self.list.selectionModel().currentChanged.connect(
            lambda current, _previous: self._show_selected(self.model.row_of(current)))
        self.show_combo.currentIndexChanged.connect(lambda _index: self.reload())
        context.runner.data_changed.connect(self._data_changed)
        self._show_selected(None)
        self.reload()

    def _field_into(self, layout: QBoxLayout, name: str, label: str, field: QWidget,
                    hint: str = "") -> QWidget:
        labelled = LabelledField(label, field, hint, name=name)
        self.fields[name] = labelled  # errors are shown by it, as for the body's fields
        layout.addWidget(labelled)
        return labelled

    # ---- loading ----------------------------------------------------------------------

    @property
    def showing_done(self) -> bool:
        return bool(self.show_combo.currentData())

    def reload(self) -> None:
        actor = self.context.actor
        done = self.showing_done
        if actor is None:
            return
        run_db(self, self.context, lambda db: follow_ups.list_follow_ups(db, actor, done=done),
               self._loaded, self._failed)

    def _data_changed(self, changes: Changes) -> None:
        if changes.kinds & {"follow_up", "outcome", "visit", "sync"}:
            self.reload()

    def _loaded(self, found: FollowUpList) -> None:
        self.found = found
        current = self.load_review_list(self.list, self.model, found.rows)
        self.loaded = True
        self.counts.setText("" if self.showing_done else counts_text(found))
        self.counts.setVisible(bool(self.counts.text()))
        self.list_field.label.setText("&Follow-ups (latest due first)" if self.showing_done
                                      else "&Follow-ups (oldest due first)")
        self.empty_note.setText(NONE_DONE if self.showing_done else NONE_TO_DO)
        self.show_rows_or_empty(bool(found.rows), self.empty_note, self.list_field)
        if not found.rows:
            self._show_selected(None)
            return
        self._show_selected(current)
        fit_list_to_rows(self.list, 5)
        self.refit()

    @property
    def selected(self) -> FollowUpRow | None:
        return self.model.row_of(self.list.currentIndex())

    def _show_selected(self, row: FollowUpRow | None) -> None:
        shown_id = row.id if row is not None else None
        if shown_id != self._shown_id:  # another follow-up: the last one's errors go
            self._shown_id = shown_id
            self.clear_errors()  # (the "✓ saved" note stays: the saved one may have left the list)
        self.details_box.setVisible(row is not None)
        self.details.setText(follow_up_details(row) if row is not None else "")
        self.contact.hide()
        self.contact.setText("")
        self.contact_button.setEnabled(row is not None and row.has_contact)
        open_row = row is not None and row.state != "done"
        self.answer_box.setVisible(open_row)
        self.ok_button.setVisible(open_row)
        self.ok_button.setEnabled(open_row and not self.busy)
        self.signpost.clear()
        for signpost in row.signposts if row is not None else ():
            self.signpost.addItem(signpost.text, signpost.outcome_id)
        has_signposts = self.signpost.count() > 0
        self.signpost_field.setVisible(has_signposts)
        self.status_field.setVisible(has_signposts)
        self.status.setCurrentIndex(0)
        if row is not None and self.found is not None:
            self.next_due.setMinimumDate(_qdate(self.found.today))
            self.next_due.setDate(_qdate(max(row.due_date, self.found.today)).addDays(2))

    # ---- the contact ------------------------------------------------------------------

    def show_contact(self) -> None:
        row = self.selected
        actor = self.context.actor
        if row is None or actor is None:
            return
        follow_up_id = row.id
        run_db(self, self.context, lambda db: follow_ups.show_contact(db, actor, follow_up_id),
               self._contact_shown, self._failed)

    def _contact_shown(self, contact: AgreedContact) -> None:
        parts = [part for part in (contact.preferred_name, contact.contact) if part]
        self.contact.setText("Agreed contact: " + " · ".join(parts))
        self.contact.setAccessibleName(self.contact.text())
        self.contact.show()
        self.contact.setFocus(Qt.FocusReason.OtherFocusReason)
        QTimer.singleShot(0, self, lambda: self.scroll_area.ensureWidgetVisible(self.contact))

    # ---- saving -----------------------------------------------------------------------

    def _answer(self, done: bool) -> FollowUpAnswer:
        status = self.status.currentData() if self.status_field.isVisible() else None
        outcome = self.signpost.currentData() if status is not None else None
        return FollowUpAnswer(result=self.result_edit.text(), done=done, outcome_id=outcome,
                              status=status, next_due=None if done else _pydate(self.next_due))

    def accept_requested(self) -> None:
        """Enter / "Save result": the follow-up is done."""
        self._save(done=True)

    def record_attempt(self) -> None:
        self._save(done=False)

    def _save(self, *, done: bool) -> None:
        row = self.selected
        actor = self.context.actor
        if row is None or row.state == "done" or self.busy:
            return
        if not self.coordinator_or_say(actor, "Only a coordinator can record a follow-up."):
            return
        answer = self._answer(done)
        errors = follow_ups.check_answer(answer, self.found.today if self.found else row.due_date)
        self.show_errors(errors)
        if errors:
            return
        self.set_busy(True)
        self.done_note.hide()
        follow_up_id, version = row.id, row.version
        run_db(self, self.context,
               lambda db: follow_ups.record_follow_up(db, actor, follow_up_id, answer,
                                                      base_version=version),
               lambda _changes: self._saved(follow_up_id, done), self._failed)

    def _saved(self, follow_up_id: str, done: bool) -> None:
        self.set_busy(False)
        self.result_edit.clear()
        self.done_note.setText("✓ Result saved: the follow-up is done." if done
                               else "✓ Try recorded: the follow-up stays to do.")
        self.done_note.show()
        self.saved.emit(follow_up_id)

    def show_errors(self, errors: Mapping[str, str]) -> None:
        super().show_errors(errors)
        if errors:
            QTimer.singleShot(0, self, lambda: self.scroll_area.ensureWidgetVisible(self.answer_box))

    def _failed(self, error: BaseException) -> None:
        self.show_failure(error, self.context.errors.report, refusals_here=True)
        if isinstance(error, ValidationError) and "follow_up" in error.field_errors:
            self.reload()  # it changed meanwhile: show it as it is now


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(edit: QDateEdit) -> date:
    picked = edit.date()
    return date(picked.year(), picked.month(), picked.day())
