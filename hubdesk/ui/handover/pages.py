"""The handover's first three steps: unfinished visits, open sessions, volunteers signed in.

Each page shows the wizard's latest :class:`~hubdesk.sync.handover.HandoverDay` and
lets the coordinator act on it; a step is complete when nothing is left in it, and
every action re-reads the day (``HandoverWizard.reload``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWizardPage,
)
from sqlalchemy.orm import Session

from hubdesk.services import sessions
from hubdesk.services.sessions import MAX_ATTENDANCE, SessionInfo, SessionSummary
from hubdesk.sync.handover import HandoverDay, discard_drafts
from hubdesk.ui.widgets import ErrorLabel, Heading, HintLabel, LabelledField, em

if TYPE_CHECKING:
    from hubdesk.ui.handover.wizard import HandoverWizard

ID_ROLE = Qt.ItemDataRole.UserRole


class HandoverPage(QWizardPage):
    """A page that redraws from the day and says what went wrong in words."""

    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__()
        self.page_layout = QVBoxLayout(self)
        self.page_layout.setSpacing(em(self, 0.7))
        # the screen's one heading (QWizard's own title is small and unstyled)
        self.heading = Heading(title)
        self.page_layout.addWidget(self.heading)
        self.intro = HintLabel(subtitle)
        self.page_layout.addWidget(self.intro)
        self.error = ErrorLabel()
        self.page_layout.addWidget(self.error)

    @property
    def handover(self) -> HandoverWizard:
        from hubdesk.ui.handover.wizard import HandoverWizard

        wizard = self.wizard()
        assert isinstance(wizard, HandoverWizard)
        return wizard

    def initializePage(self) -> None:
        self.error.set_error(None)
        self.handover.reload()

    def show_day(self, day: HandoverDay) -> None:
        self.completeChanged.emit()

    def failed(self, error: BaseException) -> None:
        from hubdesk.core.errors import UserFacingError

        if isinstance(error, UserFacingError):
            self.error.set_error(str(error))
            return
        self.handover.context.errors.report(error)

    def button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAutoDefault(True)
        return button


class DraftsPage(HandoverPage):
    def __init__(self) -> None:
        super().__init__("Unfinished visits",
                         "A visit that was started but not saved is not a record yet. Finish it "
                         "in the form, or discard it; Next opens once none are left.")
        self.list = QListWidget()
        self.list.setAccessibleName("Unfinished visits")
        self.list_field = LabelledField("Unfinished visits (Space ticks one to discard)", self.list)
        self.page_layout.addWidget(self.list_field)
        self.empty = HintLabel("No unfinished visits: nothing to do here.")
        self.page_layout.addWidget(self.empty)
        row = QHBoxLayout()
        self.discard_button = self.button("&Discard the ticked visits",
                                          "They are removed for good; nothing was sent")
        self.discard_button.clicked.connect(self.discard_ticked)
        self.finish_button = self.button("&Finish mine in the form",
                                         "Closes the handover; open it again when you are done")
        self.finish_button.clicked.connect(self.finish_in_form)
        row.addWidget(self.discard_button)
        row.addWidget(self.finish_button)
        row.addStretch(1)
        self.page_layout.addLayout(row)
        self.page_layout.addStretch(1)
        self.count = 0

    def show_day(self, day: HandoverDay) -> None:
        self.list.clear()
        for draft in day.drafts:
            item = QListWidgetItem(draft.text)
            item.setData(ID_ROLE, draft.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.count = len(day.drafts)
        has = bool(day.drafts)
        for widget in (self.list_field, self.discard_button):
            widget.setVisible(has)
        self.finish_button.setVisible(any(d.is_mine for d in day.drafts))
        self.empty.setVisible(not has)
        if has:
            self.list.setCurrentRow(0)
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
        super().show_day(day)

    def isComplete(self) -> bool:
        return self.count == 0

    def ticked(self) -> list[str]:
        return [str(self.list.item(i).data(ID_ROLE)) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def discard_ticked(self) -> None:
        chosen = self.ticked()
        if not chosen:
            self.error.set_error("Tick the unfinished visits to discard (Space ticks the one "
                                 "selected).")
            return
        self.error.set_error(None)
        actor = self.handover.actor
        self.handover.act(lambda db: discard_drafts(db, actor, chosen), self)

    def finish_in_form(self) -> None:
        self.handover.finish_drafts_requested.emit()
        self.handover.reject()


class SessionsPage(HandoverPage):
    def __init__(self) -> None:
        super().__init__("Close today's sessions",
                         "Check the headcount and the activities, then close each session; "
                         "Next opens once all are closed.")
        self.list = QListWidget()
        self.list.setAccessibleName("Open sessions")
        self.list_field = LabelledField("Open sessions", self.list)
        self.list.setMaximumHeight(em(self, 6))
        self.page_layout.addWidget(self.list_field)
        self.details = HintLabel()
        self.details.setAccessibleName("Activities")
        self.page_layout.addWidget(self.details)
        self.headcount = QSpinBox()
        self.headcount.setRange(0, MAX_ATTENDANCE)
        self.headcount.setMaximumWidth(em(self, 8))
        self.headcount_field = LabelledField(
            "&Headcount (people who gave no details)", self.headcount,
            "Change it here if the +1 taps missed anyone")
        self.page_layout.addWidget(self.headcount_field)
        self.checked = QCheckBox("I have &checked the headcount and the activities")
        self.page_layout.addWidget(self.checked)
        self.close_button = self.button("C&lose this session", "Its figures are then final")
        self.close_button.clicked.connect(self.close_selected)
        self.page_layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.empty = HintLabel("No session is open today: nothing to close.")
        self.page_layout.addWidget(self.empty)
        self.page_layout.addStretch(1)
        self.open: tuple[SessionInfo, ...] = ()
        self.list.currentRowChanged.connect(self._show_session)

    def show_day(self, day: HandoverDay) -> None:
        self.open = day.open_sessions
        self.list.clear()
        for info in day.open_sessions:
            self.list.addItem(f"{info.title} ({info.opened_text})")
        has = bool(self.open)
        for widget in (self.list_field, self.details, self.headcount_field, self.checked,
                       self.close_button):
            widget.setVisible(has)
        self.empty.setVisible(not has)
        if has:
            self.list.setCurrentRow(0)
            self._show_session(0)
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
        super().show_day(day)

    def _show_session(self, row: int) -> None:
        if not 0 <= row < len(self.open):
            return
        info = self.open[row]
        activities = "; ".join(
            f"{name}: {attendance} took part" + (f" ({under} under 18)" if under else "")
            for name, attendance, under in info.activities) or "none recorded"
        self.details.setText(f"Activities: {activities}. To change them, use "
                             "Go ▸ This session before closing.")
        self.headcount.setValue(info.headcount)
        self.checked.setChecked(False)

    def isComplete(self) -> bool:
        return not self.open

    def close_selected(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.open):
            return
        if not self.checked.isChecked():
            self.error.set_error("Tick “I have checked the headcount and the activities” first.")
            self.checked.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.error.set_error(None)
        info, actor, count = self.open[row], self.handover.actor, self.headcount.value()

        def close(db: Session) -> SessionSummary:
            if count != info.headcount:
                sessions.add_headcount(db, actor, info.id, count - info.headcount)
            return sessions.close_session(db, actor, info.id)  # the runner announces its Changes

        self.handover.act(close, self, closed_session=info.id)


class VolunteersPage(HandoverPage):
    def __init__(self) -> None:
        super().__init__("Sign volunteers out",
                         "Sign-in and sign-out times give the volunteer hours in the council's "
                         "report.")
        self.list = QListWidget()
        self.list.setAccessibleName("Volunteers still signed in")
        self.list_field = LabelledField("Still signed in", self.list)
        self.page_layout.addWidget(self.list_field)
        self.sign_out_button = self.button("&Sign everyone out now",
                                           "Each shift ends now; closed sessions get a new version")
        self.sign_out_button.clicked.connect(self.sign_out_all)
        self.page_layout.addWidget(self.sign_out_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.empty = HintLabel("Everybody is signed out.")
        self.page_layout.addWidget(self.empty)
        self.page_layout.addStretch(1)
        self.session_ids: tuple[str, ...] = ()

    def show_day(self, day: HandoverDay) -> None:
        self.list.clear()
        for shift in day.shifts:
            self.list.addItem(shift.text)
        self.session_ids = day.shift_session_ids
        has = bool(day.shifts)
        self.list_field.setVisible(has)
        self.sign_out_button.setVisible(has)
        self.empty.setVisible(not has)
        if has:
            self.sign_out_button.setFocus(Qt.FocusReason.OtherFocusReason)
        super().show_day(day)

    def isComplete(self) -> bool:
        return not self.session_ids

    def sign_out_all(self) -> None:
        actor, ids = self.handover.actor, list(self.session_ids)
        self.handover.act(lambda db: sessions.sign_out_all(db, actor, ids), self)
