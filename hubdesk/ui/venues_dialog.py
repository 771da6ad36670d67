""""Venues": a coordinator renames a venue or retires it (no longer offered for new
sessions; sessions already recorded there keep it), or brings a retired one back.

HubDesk ▸ Venues….  Pick a venue with the arrow keys; type its new name (Alt+N) and
"Rename" (Alt+R); "Retire" / "Bring back" (Alt+T).  Adding a venue stays in "Open
session…".  Esc or "Done" closes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from hubdesk.services import venues
from hubdesk.services.common import Changes
from hubdesk.services.venues import MAX_VENUE_NAME, VenueRow
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import RowListModel
from hubdesk.ui.widgets import HintLabel, em, line_edit, review_list, run_db


class VenueModel(RowListModel[VenueRow]):
    def display(self, row: VenueRow) -> str:
        return row.line + (" · from the council" if row.from_server else "")


class VenuesDialog(BaseDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Venues", "Venues", parent,
                         intro="Rename a venue, or retire one the hub no longer uses: "
                               "it is then not offered for new sessions.",
                         ok_text="Done", cancel_text=None)
        self.context = context
        self.loaded = False
        self.model = VenueModel(self)
        self.list = review_list(self.model)
        self.list.setFixedHeight(em(self, 7))
        self.add_field("venue", "&Venues", self.list)
        self.new_name = line_edit(max_length=MAX_VENUE_NAME)
        self.add_field("venue_name", "&New name", self.new_name)
        row = QHBoxLayout()
        self.rename_button = QPushButton("&Rename")
        self.retire_button = QPushButton("Re&tire")
        for button in (self.rename_button, self.retire_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        row.addStretch(1)
        self.rename_button.clicked.connect(self.rename)
        self.retire_button.clicked.connect(self.toggle_retired)
        self.body_layout.addLayout(row)
        self.done_note = HintLabel("")
        self.done_note.hide()
        self.add_widget(self.done_note)
        self.finish_body()
        self.fit_to_screen(width_em=40)
        for first, second in ((self.list, self.new_name), (self.new_name, self.rename_button),
                              (self.rename_button, self.retire_button),
                              (self.retire_button, self.ok_button)):
            self.setTabOrder(first, second)
        self.list.selectionModel().currentChanged.connect(
            lambda current, _previous: self._selected(self.model.row_of(current)))
        context.runner.data_changed.connect(self._data_changed)
        self.reload()

    def reload(self) -> None:
        actor = self.context.actor
        if actor is None:
            return
        run_db(self, self.context, lambda db: venues.list_all_venues(db, actor), self._loaded,
               self._failed)

    def _data_changed(self, changes: Changes) -> None:
        if "venue" in changes.kinds or "sync" in changes.kinds:
            self.reload()

    def _loaded(self, rows: list[VenueRow]) -> None:
        self.loaded = True
        self._selected(self.load_review_list(self.list, self.model, rows))

    @property
    def selected(self) -> VenueRow | None:
        return self.model.row_of(self.list.currentIndex())

    def _selected(self, row: VenueRow | None) -> None:
        self.rename_button.setEnabled(row is not None)
        self.retire_button.setEnabled(row is not None)
        self.retire_button.setText("Re&tire" if row is None or row.active else "Bring bac&k")
        self.new_name.setText(row.name if row is not None else "")

    def rename(self) -> None:
        row = self.selected
        actor = self.context.actor
        if row is None or actor is None or self.busy:
            return
        venue_id, name = row.id, self.new_name.text()
        self._run(lambda db: venues.rename_venue(db, actor, venue_id, name), "✓ Renamed.")

    def toggle_retired(self) -> None:
        row = self.selected
        actor = self.context.actor
        if row is None or actor is None or self.busy:
            return
        venue_id, retire = row.id, row.active
        self._run(lambda db: venues.set_venue_retired(db, actor, venue_id, retire),
                  "✓ Retired: not offered for new sessions." if retire else "✓ Brought back.")

    def _run(self, work: object, done_text: str) -> None:
        self.set_busy(True)
        self.clear_errors()
        run_db(self, self.context, work, lambda _changes: self._done(done_text),  # type: ignore[arg-type]
               self._failed)

    def _done(self, text: str) -> None:
        self.set_busy(False)
        self.done_note.setText(text)
        self.done_note.show()

    def _failed(self, error: BaseException) -> None:
        self.show_failure(error, self.context.errors.report, refusals_here=True)
