"""After unlock: which session this volunteer works in, never chosen silently.

:class:`UnlockSessionsFlow` walks what ``services.session_resume.open_on_unlock``
found: each session left open from an earlier day is put to a coordinator
(:class:`LeftOpenDialog`, "left open since Tuesday", closed with its real end
time); then, when several sessions are open today, :class:`ChooseSessionDialog`
asks which.  One session open today was already resumed by the service; the main
window says so in its notice line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QButtonGroup, QRadioButton, QVBoxLayout, QWidget

from hubdesk.core.days import day_words
from hubdesk.services.session_resume import (
    OpenOnUnlock,
    close_left_open_session,
    left_open_since,
    resume_session,
)
from hubdesk.services.sessions import SessionInfo, SessionSummary
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.widgets import em, line_edit, run_db

NOTHING_CHOSEN = "Choose the session you are working in, or press “None of these”."
NOT_A_TIME = "Type the time it ended as hours and minutes, such as 13:30."
_TIME_PATTERN = re.compile(r"\s*(\d{1,2})\s*[:.]?\s*(\d{2})\s*")


def parse_clock_time(text: str) -> time | None:
    """"13:30", "13.30", "1330" or "9:05" as a time of day; None for anything else."""
    match = _TIME_PATTERN.fullmatch(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def choice_text(info: SessionInfo) -> str:
    """"Lunch club, St Mary's Hall – opened 10:02 by Pat"."""
    return f"{info.title} – {info.opened_text}" if info.opened_text else info.title


def left_open_notice(left_open: Sequence[SessionInfo], today: date) -> str:
    """What a volunteer (who cannot close them) is told about sessions left open."""
    if not left_open:
        return ""
    first = left_open[0]
    more = f" and {len(left_open) - 1} more" if len(left_open) > 1 else ""
    return (f"{first.title} was {left_open_since(first.session_date, today)}{more}: "
            "today's visits will not go into it. Ask the coordinator to close it.")


class ChooseSessionDialog(BaseDialog):
    """Several sessions are open today: which one is this volunteer working in?

    Nothing is chosen in advance.  "None of these" leaves the volunteer without a
    session (they may open one).

    Signals:
        chosen(object): the :class:`SessionInfo` resumed (the volunteer joined it).
    """

    chosen = Signal(object)

    def __init__(self, context: AppContext, choices: Sequence[SessionInfo],
                 parent: QWidget | None = None) -> None:
        super().__init__("Which session?", "Which session are you working in?", parent,
                         intro="More than one session is open today. Choose yours.",
                         ok_text="Resume this session", cancel_text="None of these")
        self.context = context
        self.choices = list(choices)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(em(self, 0.4))
        self.group = QButtonGroup(self)
        self.radios: list[QRadioButton] = []
        for index, info in enumerate(self.choices):
            radio = QRadioButton(choice_text(info))
            radio.setAccessibleName(choice_text(info))
            self.group.addButton(radio, index)
            layout.addWidget(radio)
            self.radios.append(radio)
        if self.radios:
            box.setFocusProxy(self.radios[0])  # the error summary's link lands on the first
        self.add_field("session", "Sessions open today", box)
        self.group.idClicked.connect(lambda _id: self.clear_errors())
        self.finish_body()
        self.fit_to_screen(36)
        if self.radios:
            self.radios[0].setFocus()

    def accept_requested(self) -> None:
        index = self.group.checkedId()
        actor = self.context.actor
        if index < 0:
            self.show_errors({"session": NOTHING_CHOSEN})
            return
        if actor is None:
            return
        session_id = self.choices[index].id
        self.set_busy(True)
        run_db(self, self.context, lambda db: resume_session(db, actor, session_id),
               self._resumed, self._failed)

    def _resumed(self, info: SessionInfo) -> None:
        self.set_busy(False)
        self.chosen.emit(info)
        self.done_ok()

    def _failed(self, error: BaseException) -> None:
        self.show_failure(error, self.context.errors.report)


class LeftOpenDialog(BaseDialog):
    """A session from an earlier day is still open: close it with the time it ended.

    Signals:
        session_closed(object): the closed session's :class:`SessionSummary`.
    """

    session_closed = Signal(object)

    def __init__(self, context: AppContext, info: SessionInfo, today: date,
                 parent: QWidget | None = None) -> None:
        since = left_open_since(info.session_date, today)
        opened = f", {info.opened_text}" if info.opened_text else ""
        super().__init__(
            "Session left open", f"A session was {since}", parent,
            intro=(f"{info.title}{opened} on {day_words(info.session_date)}. Today's visits "
                   "will not go into it. Close it with the time it really ended."),
            ok_text="Close the session", cancel_text="Not now")
        self.context = context
        self.info = info
        self.ended_at = line_edit("13:30", max_length=8)
        self.ended_at.setText(_suggested_end(info.opened_at))
        self.ended_at.selectAll()  # typing replaces the suggestion
        self.ended_at.setMaximumWidth(em(self, 8))  # five characters, not the dialog's width
        after = f", after {info.opened_at:%H:%M}" if info.opened_at else ""
        self.add_field("ended_at", "When did it end?", self.ended_at,
                       hint=f"On {day_words(info.session_date)}{after}. Type the time as 13:30.")
        self.finish_body()
        self.fit_to_screen(36)
        self._fit_wrapped_intro()
        self.ended_at.setFocus()

    def _fit_wrapped_intro(self) -> None:
        """The base sizes the long intro as if it wrapped narrow (a size hint knows no
        width): take off what it does not need at this dialog's width."""
        layout = self.layout()
        margins = layout.contentsMargins() if layout is not None else None
        width = self.width() - (margins.left() + margins.right() if margins else 0)
        spare = self.intro.sizeHint().height() - self.intro.heightForWidth(width)
        if spare > 0:
            self.resize(self.width(), max(self.height() - spare, em(self, 12)))

    def accept_requested(self) -> None:
        actor = self.context.actor
        if actor is None:
            return
        ended = parse_clock_time(self.ended_at.text())
        if ended is None:
            self.show_errors({"ended_at": NOT_A_TIME})
            return
        session_id = self.info.id
        self.clear_errors()
        self.set_busy(True)
        run_db(self, self.context,
               lambda db: close_left_open_session(db, actor, session_id, ended),
               self._closed, self._failed)

    def _closed(self, summary: SessionSummary) -> None:
        self.set_busy(False)
        self.session_closed.emit(summary)
        self.done_ok()

    def _failed(self, error: BaseException) -> None:
        self.show_failure(error, self.context.errors.report)


def _suggested_end(opened_at: datetime | None) -> str:
    """Two hours after it opened (a typical session), for the coordinator to correct."""
    if opened_at is None:
        return ""
    end = min(opened_at + timedelta(hours=2), opened_at.replace(hour=23, minute=59))
    return f"{end:%H:%M}"


class UnlockSessionsFlow(QObject):
    """The dialogs after one unlock, one at a time (see the module docstring).

    ``open_dialog`` shows a dialog the way the main window does (tests drive
    ``window.dialog``); ``say`` puts a line in the window's notice;
    ``resumed`` is called with the session the volunteer chose.

    Signals:
        finished(): nothing more to ask.
    """

    finished = Signal()

    def __init__(self, context: AppContext, found: OpenOnUnlock, parent: QWidget,
                 open_dialog: Callable[[QWidget], None], say: Callable[[str], None],
                 resumed: Callable[[SessionInfo], None]) -> None:
        super().__init__(parent)
        self.context = context
        self.found = found
        self._parent = parent
        self._open_dialog = open_dialog
        self._say = say
        self._resumed = resumed
        actor = context.actor
        coordinator = bool(actor and actor.is_coordinator)
        self._left_open = list(found.left_open) if coordinator else []
        self._choose = bool(found.to_choose)
        self._closed: list[str] = []

    def start(self) -> None:
        self._next()

    def _next(self) -> None:
        if self._left_open:
            info = self._left_open.pop(0)
            dialog = LeftOpenDialog(self.context, info, self.found.today, self._parent)
            dialog.session_closed.connect(self._left_open_closed)
            dialog.finished.connect(lambda _result: self._next())
            self._open_dialog(dialog)
            return
        if self._choose:
            self._choose = False
            chooser = ChooseSessionDialog(self.context, self.found.to_choose, self._parent)
            chooser.chosen.connect(self._resumed)
            chooser.finished.connect(lambda _result: self._next())
            self._open_dialog(chooser)
            return
        self.finished.emit()

    def _left_open_closed(self, summary: SessionSummary) -> None:
        info = summary.session
        self._closed.append(info.title)
        self._say(f"Closed: {info.title}, from {day_words(info.session_date)}.")
