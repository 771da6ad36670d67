"""The open session's anonymous headcount (+1 / −1) and its activities with attendance.

Two widgets:

* :class:`HeadcountBar` — the compact, always-visible "+1" strip for the main window.
* :class:`SessionPanel` — the "This session" page: headcount and activity attendance.

Both reload from ``session_info`` when the open session or its data change.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hubdesk.core.days import day_words
from hubdesk.core.errors import ValidationError
from hubdesk.services import sessions
from hubdesk.services.common import Changes
from hubdesk.services.sessions import MAX_ATTENDANCE, SessionInfo
from hubdesk.ui.context import AppContext
from hubdesk.ui.widgets import (
    ErrorSummary,
    Heading,
    HintLabel,
    LabelledField,
    em,
    run_db,
    set_dynamic_property,
)

HEADCOUNT_TEXT = "Someone we helped without details: +1"
UNDO_TEXT = "Undo last +1 (−1)"
SUGGESTED_ACTIVITIES = ("Chair exercise", "Lunch", "Coffee morning", "Walking group",
                        "Health check", "Talk or workshop", "Arts and crafts")


def headcount_words(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'} helped without details"


class _SessionWatcher(QWidget):
    """Base: keeps ``self.info`` in step with the open session.

    Signals:
        info_changed(object): the SessionInfo (or None) after a reload.
    """

    info_changed = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.info: SessionInfo | None = None
        context.session_changed.connect(self.reload)
        context.runner.data_changed.connect(self._on_data_changed)
        if context.session_id is not None:
            self.reload()

    def _on_data_changed(self, changes: Changes) -> None:
        if "session" in changes.kinds:
            self.reload()

    def reload(self) -> None:
        session_id = self.context.session_id
        if session_id is None:
            self._apply(None)
            return
        run_db(self, self.context, lambda db: sessions.session_info(db, session_id), self._apply,
                                   self._failed)

    def _apply(self, info: SessionInfo | None) -> None:
        if info is not None and info.id != self.context.session_id:
            return  # an answer for a session that is no longer open
        self.info = info
        self.show_info(info)
        self.info_changed.emit(info)

    def show_info(self, info: SessionInfo | None) -> None:
        raise NotImplementedError

    def _failed(self, error: BaseException) -> None:
        self.context.errors.report(error)

    def change_headcount(self, delta: int) -> None:
        actor = self.context.actor
        session_id = self.context.session_id
        if actor is None or session_id is None:
            return
        run_db(self, self.context,
            lambda db: sessions.add_headcount(db, actor, session_id, delta), None, self._failed)


class HeadcountBar(_SessionWatcher):
    """One line: the count in words, a big "+1" button and an undo (−1) button."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(em(self, 0.6))
        self.plus = QPushButton(HEADCOUNT_TEXT)
        self.plus.setAccessibleName("Add one person helped without details")
        self.plus.clicked.connect(lambda: self.change_headcount(+1))
        layout.addWidget(self.plus)
        self.minus = QPushButton("−1")
        self.minus.setAccessibleName("Undo: take one off the headcount")
        self.minus.setToolTip("Take one off the headcount (undo a mis-tap)")
        self.minus.clicked.connect(lambda: self.change_headcount(-1))
        layout.addWidget(self.minus)
        self.count = QLabel()
        self.count.setObjectName("headcountText")
        self.count.setWordWrap(True)  # may take two lines beside the tabs at large font sizes
        layout.addWidget(self.count, 1)
        self.show_info(None)

    def show_info(self, info: SessionInfo | None) -> None:
        open_ = info is not None and info.status == "open"
        self.plus.setEnabled(open_)
        self.minus.setEnabled(open_ and info is not None and info.headcount > 0)
        self.count.setText(headcount_words(info.headcount) if info is not None else "")
        self.setVisible(info is not None)


class SessionPanel(_SessionWatcher):
    """The "This session" page: headcount, and the activities run with their attendance."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        # the page scrolls, so it never forces the window taller than a 1366×768 screen
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        page.addWidget(self.scroll_area)
        content = QWidget()
        self.scroll_area.setWidget(content)
        outer = QVBoxLayout(content)
        margin = em(self, 1.0)
        outer.setContentsMargins(margin, margin, margin, margin)
        outer.setSpacing(em(self, 0.8))
        self.heading = Heading("This session")
        outer.addWidget(self.heading)
        self.title = HintLabel("No session is open.")
        outer.addWidget(self.title)

        self.headcount_box = QFrame()
        self.headcount_box.setObjectName("panel")
        box = QVBoxLayout(self.headcount_box)
        box.setContentsMargins(margin, margin, margin, margin)
        box.addWidget(Heading("People helped without details", level=2))
        box.addWidget(HintLabel("Count everyone you helped who did not give any details, "
                                "for example a quick question at the door."))
        self.headcount = QLabel("0")
        self.headcount.setObjectName("bigNumber")
        self.headcount.setAccessibleName("Headcount")
        font = self.headcount.font()
        font.setPointSizeF(font.pointSizeF() * 2)
        self.headcount.setFont(font)
        box.addWidget(self.headcount)
        row = QHBoxLayout()
        self.plus = QPushButton(HEADCOUNT_TEXT)
        set_dynamic_property(self.plus, "primary", True)
        self.plus.clicked.connect(lambda: self.change_headcount(+1))
        row.addWidget(self.plus)
        self.minus = QPushButton(UNDO_TEXT)
        self.minus.clicked.connect(lambda: self.change_headcount(-1))
        row.addWidget(self.minus)
        row.addStretch(1)
        box.addLayout(row)
        outer.addWidget(self.headcount_box)

        self.activity_box = QFrame()
        self.activity_box.setObjectName("panel")
        act = QVBoxLayout(self.activity_box)
        act.setContentsMargins(margin, margin, margin, margin)
        act.setSpacing(em(self, 0.6))
        act.addWidget(Heading("Activities and attendance", level=2))
        self.error_summary = ErrorSummary()
        act.addWidget(self.error_summary)
        grid = QGridLayout()
        grid.setHorizontalSpacing(em(self, 1.0))
        self.activity = QComboBox()
        self.activity.setEditable(True)
        self.activity.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.activity.addItems(SUGGESTED_ACTIVITIES)
        self.activity.setCurrentIndex(-1)
        self.attendance = QSpinBox()
        self.attendance.setRange(0, MAX_ATTENDANCE)
        self.under_18 = QSpinBox()
        self.under_18.setRange(0, MAX_ATTENDANCE)
        for spin in (self.attendance, self.under_18):
            spin.setAccelerated(True)
        self.fields = {
            "activity": LabelledField("Activity", self.activity, "Choose or type", name="activity"),
            "attendance": LabelledField("How many took part", self.attendance, "Everyone",
                                        name="attendance"),
            "attendance_under_18": LabelledField("Of them, under 18", self.under_18, "Aged 0 to 17",
                                                 name="attendance_under_18"),
        }
        for column, field in enumerate(self.fields.values()):
            grid.addWidget(field, 0, column, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        act.addLayout(grid)
        self.save_activity = QPushButton("Save attendance")
        self.save_activity.setToolTip("Save the activity's attendance (Enter)")
        self.save_activity.clicked.connect(self.submit_activity)
        act.addWidget(self.save_activity, 0, Qt.AlignmentFlag.AlignLeft)
        self.activities = QLabel()
        self.activities.setWordWrap(True)
        self.activities.setAccessibleName("Activities recorded")
        act.addWidget(self.activities)
        outer.addWidget(self.activity_box)
        outer.addStretch(1)
        self.show_info(None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in the activity fields saves the attendance; on a button it presses it."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = QApplication.focusWidget()
            if isinstance(focus, QPushButton) and self.isAncestorOf(focus):
                focus.click()
                return
            if focus is not None and self.activity_box.isAncestorOf(focus):
                self.submit_activity()
                return
        super().keyPressEvent(event)

    def show_info(self, info: SessionInfo | None) -> None:
        open_ = info is not None and info.status == "open"
        for widget in (self.plus, self.activity, self.attendance, self.under_18, self.save_activity):
            widget.setEnabled(open_)
        self.minus.setEnabled(open_ and info is not None and info.headcount > 0)
        if info is None:
            self.title.setText("No session is open. Open one from the Session menu (Ctrl+O).")
            self.headcount.setText("0")
            self.activities.setText("")
            return
        self.title.setText(f"{info.title} · {day_words(info.session_date)}")
        self.headcount.setText(str(info.headcount))
        self.headcount.setAccessibleName(headcount_words(info.headcount))
        if info.activities:
            self.activities.setText("Recorded so far:\n" + "\n".join(
                f"• {name}: {attendance} took part ({under} under 18)"
                for name, attendance, under in info.activities))
        else:
            self.activities.setText("No activities recorded yet.")

    def submit_activity(self) -> None:
        actor = self.context.actor
        session_id = self.context.session_id
        if actor is None or session_id is None:
            return
        name = self.activity.currentText()
        attendance = self.attendance.value()
        under = self.under_18.value()
        errors = {}
        if not name.strip():
            errors["activity"] = "Enter the activity's name."
        if attendance < 1:
            errors["attendance"] = "Enter how many people took part."
        if under > attendance:
            errors["attendance_under_18"] = "Under-18s cannot be more than everyone who took part."
        if errors:
            self._show_errors(errors)
            return
        run_db(self, self.context,
            lambda db: sessions.set_activity(db, actor, session_id, name, attendance, under),
            self._activity_saved, self._activity_failed)

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, field in self.fields.items():
            field.set_error(errors.get(key))
        self.error_summary.set_errors(errors, {k: f.field for k, f in self.fields.items()})

    def _activity_saved(self, _changes: Changes) -> None:
        self._show_errors({})
        self.activity.setCurrentIndex(-1)
        self.activity.setEditText("")
        self.attendance.setValue(0)
        self.under_18.setValue(0)
        self.activity.setFocus()

    def _activity_failed(self, error: BaseException) -> None:
        if isinstance(error, ValidationError):
            self._show_errors(error.field_errors)
            return
        self.context.errors.report(error)
