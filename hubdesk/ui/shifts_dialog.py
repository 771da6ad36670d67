""""Volunteers signed in": sign volunteers in and out of the open session (volunteer hours).

Session ▸ Sign volunteers in or out… (Ctrl+Shift+I).  Pick a name with the arrow keys;
"Sign in" (Alt+I) or "Sign out" (Alt+O).  A volunteer signs only themselves; a
coordinator signs anyone (the service enforces it).  Esc or "Done" closes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from hubdesk.services import sessions
from hubdesk.services.common import Changes
from hubdesk.services.volunteer_hours import ShiftBoard, ShiftBoardRow, hours_text, shift_board
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import RowListModel
from hubdesk.ui.widgets import HintLabel, em, review_list, run_db

SHORTCUT = "Ctrl+Shift+I"


class ShiftModel(RowListModel[ShiftBoardRow]):
    def display(self, row: ShiftBoardRow) -> str:
        return row.text

    def row_id(self, row: ShiftBoardRow) -> str:
        return row.volunteer_id


class ShiftsDialog(BaseDialog):
    def __init__(self, context: AppContext, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__("Volunteers signed in", "Volunteers signed in", parent,
                         intro="Sign in when you arrive and out when you leave: "
                               "it counts the hub's volunteer hours.",
                         ok_text="Done", cancel_text=None)
        self.context = context
        self.session_id = session_id
        self.loaded = False
        self.board: ShiftBoard | None = None
        self.model = ShiftModel(self)
        self.list = review_list(self.model)
        self.list.setFixedHeight(em(self, 8))
        self.add_field("volunteer", "&Volunteers", self.list)
        row = QHBoxLayout()
        self.sign_in_button = QPushButton("Sign &in")
        self.sign_out_button = QPushButton("Sign &out")
        for button, signing_in in ((self.sign_in_button, True), (self.sign_out_button, False)):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, s=signing_in: self.sign(s))
            row.addWidget(button)
        row.addStretch(1)
        self.body_layout.addLayout(row)
        self.total = HintLabel("")
        self.total.setAccessibleName("Volunteer hours")
        self.add_widget(self.total)
        self.finish_body()
        self.fit_to_screen(width_em=36)
        self.setTabOrder(self.list, self.sign_in_button)
        self.setTabOrder(self.sign_in_button, self.sign_out_button)
        self.setTabOrder(self.sign_out_button, self.ok_button)
        self.list.selectionModel().currentChanged.connect(
            lambda current, _previous: self._selected(self.model.row_of(current)))
        context.runner.data_changed.connect(self._data_changed)
        self.reload()

    def reload(self) -> None:
        session_id = self.session_id
        run_db(self, self.context, lambda db: shift_board(db, session_id), self._loaded,
               self._failed)

    def _data_changed(self, changes: Changes) -> None:
        if "session" in changes.kinds or "volunteer" in changes.kinds:
            self.reload()

    def _loaded(self, board: ShiftBoard) -> None:
        self.board = board
        self.loaded = True
        self.total.setText(f"Volunteer hours in this session so far: {hours_text(board.minutes)}")
        self._selected(self.load_review_list(self.list, self.model, board.rows))

    @property
    def selected(self) -> ShiftBoardRow | None:
        return self.model.row_of(self.list.currentIndex())

    def _selected(self, row: ShiftBoardRow | None) -> None:
        self.sign_in_button.setEnabled(row is not None and not row.signed_in)
        self.sign_out_button.setEnabled(row is not None and row.signed_in)

    def sign(self, signing_in: bool) -> None:
        row = self.selected
        actor = self.context.actor
        if row is None or actor is None or self.busy:
            return
        session_id, volunteer_id = self.session_id, row.volunteer_id
        work = sessions.sign_in if signing_in else sessions.sign_out
        self.set_busy(True)
        self.clear_errors()
        run_db(self, self.context, lambda db: work(db, actor, session_id, volunteer_id),
               lambda _changes: self._signed(), self._failed)

    def _signed(self) -> None:
        self.set_busy(False)
        self.list.setFocus(Qt.FocusReason.OtherFocusReason)

    def _failed(self, error: BaseException) -> None:
        self.show_failure(error, self.context.errors.report, refusals_here=True)
