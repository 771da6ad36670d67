"""Today's visits: a filterable table, newest first, with where and by whom each visit was
recorded; Enter or double-click edits the chosen visit (a new version, on the version shown).

Nothing is chosen until the volunteer chooses (arrow keys or a click): Enter on a list
nobody has moved in opens nothing.

The list query runs on the database lane and is limited to the day, so filtering
stays fast with 100k visits in the database.  Typing in the filter is debounced and
stale answers are dropped.

Signals:
    edit_requested(str, int): the volunteer chose a visit to edit (its id, and the version
        the list showed: the form edits on the version it opens and says if that is newer).
    loaded(int): the table was refilled (number of rows) — tests and the status line use it.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QFont, QFontMetrics, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hubdesk.core.vocab import vocabularies
from hubdesk.services import access
from hubdesk.services.common import Changes
from hubdesk.services.visit_places import VisitPlace, places_of
from hubdesk.services.visits import VisitRow
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import ID_ROLE, SYNC_BADGES, VisitTableModel, alive_only
from hubdesk.ui.widgets import Heading, HintLabel, LabelledField, combo_with_terms, em

FILTER_DEBOUNCE_MS = 150


class VisitTable(QTableView):
    """Enter on the *chosen* row asks to edit it; getting focus chooses nothing.

    (Qt makes the first row current when a table gets focus, so Enter would open a visit
    nobody chose, and Down would skip the first row: that current row is dropped.)

    Signals:
        row_chosen(QModelIndex): Enter on the chosen row.
        resized(): the table changed size (the view refits its columns).
    """

    row_chosen = Signal(QModelIndex)
    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if not self.selectionModel().hasSelection():
            self.selectionModel().setCurrentIndex(QModelIndex(),
                                                  QItemSelectionModel.SelectionFlag.NoUpdate)

    def chosen(self) -> QModelIndex | None:
        rows = self.selectionModel().selectedRows()
        return rows[0] if rows else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            chosen = self.chosen()
            if chosen is not None:
                self.row_chosen.emit(chosen)
            event.accept()
            return
        super().keyPressEvent(event)


class TodayVisitsView(QWidget):
    edit_requested = Signal(str, int)
    loaded = Signal(int)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("todayVisits")
        self.context = context
        self.day: date | None = None  # None = today
        self._number = 0
        layout = QVBoxLayout(self)
        margin = em(self, 0.8)
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.setSpacing(em(self, 0.5))
        layout.addWidget(Heading("Today's visits"))
        layout.addWidget(HintLabel("Choose a visit and press Enter (or double-click) to change it. "
                                   "A change is saved as a new version; the old one is kept."))

        filters = QHBoxLayout()
        filters.setSpacing(em(self, 1.0))
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Visitor code, postcode district or topic")
        self.filter.setToolTip("Type to filter; Enter moves to the list")
        self.filter.setMaxLength(60)
        self.filter.setClearButtonEnabled(True)
        self.topic = combo_with_terms([(t.code, t.label) for t in vocabularies().mecc_topics.terms],
                                      placeholder="Any topic")
        self.topic.setMaxVisibleItems(12)
        self.filter_field = LabelledField("&Filter", self.filter)
        self.topic_field = LabelledField("T&opic", self.topic)
        filters.addWidget(self.filter_field, 3)
        filters.addWidget(self.topic_field, 2)
        layout.addLayout(filters)

        self.model = VisitTableModel(self)
        self.table = VisitTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Today's visits")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setTabKeyNavigation(False)
        self._size_columns()
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.count = HintLabel()
        self.count.setAccessibleName("Number of visits shown")
        bottom.addWidget(self.count, 1)
        self.edit_button = QPushButton("&Change this visit (Enter)")
        self.edit_button.setAutoDefault(False)
        self.edit_button.setToolTip("Change the chosen visit (Enter or double-click)")
        self.edit_button.clicked.connect(self._choose_selected)
        bottom.addWidget(self.edit_button)
        layout.addLayout(bottom)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FILTER_DEBOUNCE_MS)
        self._timer.timeout.connect(self.reload)
        self.filter.textChanged.connect(self._timer.start)
        self.filter.returnPressed.connect(lambda: self.table.setFocus(Qt.FocusReason.OtherFocusReason))
        self.topic.currentIndexChanged.connect(self.reload)
        self.table.row_chosen.connect(self._choose)
        self.table.resized.connect(self._fit_columns)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._choose)
        context.runner.data_changed.connect(self._data_changed)
        context.actor_changed.connect(lambda _actor: self.reload())
        self.setFocusProxy(self.table)
        QWidget.setTabOrder(self.filter, self.topic)
        QWidget.setTabOrder(self.topic, self.table)
        QWidget.setTabOrder(self.table, self.edit_button)
        self.reload()

    def _size_columns(self) -> None:
        """Column widths from the font (not ResizeToContents: measuring 500 styled rows on
        every reload would cost hundreds of milliseconds); row heights fixed likewise.

        Two sets of widths: roomy (whole typical values) and compact (shorter values are
        elided, the tooltip has them in full); ``_fit_columns`` picks the one that leaves
        the topics room without a sideways scroll bar (compact at 150 % on 1366 px)."""
        vocab = vocabularies()
        compact: dict[str, list[str]] = {
            "Time": ["00:00"], "Venue": ["St Mary's Hall"], "Volunteer": ["Val Volunteer"],
            "How they came": ["Referred in"], "Age, sex": ["65–74 · Female"], "Signposts": ["0"],
            "Safeguarding": ["⚠ Yes", "No"], "Version": ["v10"], "Sending": [SYNC_BADGES["sent"]],
        }
        roomy = {**compact, "Venue": ["St Mary's Church Hall"], "Volunteer": ["Pat Coordinator"],
                 "How they came": [t.label for t in vocab.contact_modes.terms],
                 "Age, sex": ["Not asked · Not said"], "Sending": list(SYNC_BADGES.values())}
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setMinimumSectionSize(em(self, 2))
        bold = QFont(self.font())
        bold.setBold(True)
        header_metrics = QFontMetrics(bold)
        metrics = self.fontMetrics()

        def widths(samples: dict[str, list[str]]) -> dict[int, int]:
            found = {}
            for column, title in enumerate(VisitTableModel.HEADERS):
                if title != VisitTableModel.STRETCH:
                    content = max(metrics.horizontalAdvance(text) for text in samples.get(title, [""]))
                    found[column] = max(content + em(self, 1.4),
                                        header_metrics.horizontalAdvance(title) + em(self, 0.9))
            return found

        self._widths = (widths(roomy), widths(compact))
        for column, title in enumerate(VisitTableModel.HEADERS):
            mode = (QHeaderView.ResizeMode.Stretch if title == VisitTableModel.STRETCH
                    else QHeaderView.ResizeMode.Interactive)
            header.setSectionResizeMode(column, mode)
        self._fit_columns()
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(metrics.height() + em(self, 0.9))

    def _fit_columns(self) -> None:
        roomy, compact = self._widths
        room = self.table.viewport().width() - em(self, 12)  # what the topics need at least
        chosen = roomy if sum(roomy.values()) <= room else compact
        for column, width in chosen.items():
            self.table.setColumnWidth(column, width)
        # compact (150 % text on a 1366 px laptop): the topics matter more than the version
        # number, which the edit form's heading says ("Edit visit (version 2)")
        self.table.setColumnHidden(VisitTableModel.column("Version"), chosen is compact)

    # ---- loading -----------------------------------------------------------------------

    def reload(self) -> None:
        """Ask the database lane for the day's visits matching the filter (stale answers dropped)."""
        self._timer.stop()
        self._number += 1
        number = self._number
        text, topic, day = self.filter.text().strip(), self.topic.currentData(), self.day
        actor = self.context.actor

        def load(db: Session) -> tuple[list[VisitRow], dict[str, VisitPlace]]:
            rows = access.visible_visits(db, actor, day, text=text, topic=topic)
            return rows, places_of(db, [row.id for row in rows])

        self.context.runner.run_db(load, alive_only(self, lambda found: self._show(number, *found)))

    def _data_changed(self, changes: Changes) -> None:
        if changes.kinds & {"visit", "conversation", "outcome", "sync", "outbox"} or not changes.kinds:
            self.reload()

    def _show(self, number: int, rows: list[VisitRow], places: dict[str, VisitPlace]) -> None:
        if number != self._number:
            return
        current = self.current_visit_id()
        self.model.set_rows(rows, places)
        filtered = bool(self.filter.text().strip() or self.topic.currentData())
        noun = "visit" if len(rows) == 1 else "visits"
        if rows:
            self.count.setText(f"{len(rows)} {noun}" + (" match the filter" if filtered else " today"))
        else:
            self.count.setText("No visits match the filter." if filtered else "No visits recorded today yet.")
        # keep the volunteer's choice across a reload; never choose for them
        for position, row in enumerate(rows):
            if row.id == current:
                self.table.selectRow(position)
        self.edit_button.setEnabled(self.table.chosen() is not None)
        self.loaded.emit(len(rows))

    # ---- choosing ----------------------------------------------------------------------

    def current_visit_id(self) -> str | None:
        """The chosen visit's id (None when nothing is chosen)."""
        index = self.table.chosen()
        if index is None:
            return None
        value = self.model.data(self.model.index(index.row(), 0), ID_ROLE)
        return str(value) if value else None

    def _choose_selected(self) -> None:
        chosen = self.table.chosen()
        if chosen is not None:
            self._choose(chosen)

    def _selection_changed(self) -> None:
        self.edit_button.setEnabled(self.table.chosen() is not None)

    def _choose(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if not index.isValid():
            return
        visit_id = self.model.data(self.model.index(index.row(), 0), ID_ROLE)
        if visit_id:
            row = self.model.row_at(index.row())
            self.edit_requested.emit(str(visit_id), row.version if row is not None else 0)
