"""Today's visits: a filterable table; Enter or double-click edits a visit (a new version).

The list query runs on the database lane and is limited to the day, so filtering
stays fast with 100k visits in the database.  Typing in the filter is debounced and
stale answers are dropped.

Signals:
    edit_requested(str): the volunteer chose a visit to edit (its id).
    loaded(int): the table was refilled (number of rows) — tests and the status line use it.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent
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

from hubdesk.core.vocab import vocabularies
from hubdesk.services import access
from hubdesk.services.common import Changes
from hubdesk.services.visits import VisitRow
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import ID_ROLE, SHORT_ANSWERS, SYNC_BADGES, VisitTableModel, alive_only
from hubdesk.ui.widgets import Heading, HintLabel, LabelledField, combo_with_terms, em

FILTER_DEBOUNCE_MS = 150


class VisitTable(QTableView):
    """Enter on a row asks to edit it (instead of passing Enter on).

    Signals:
        row_chosen(QModelIndex): Enter on the current row.
    """

    row_chosen = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.row_chosen.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


class TodayVisitsView(QWidget):
    edit_requested = Signal(str)
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
        self.edit_button.clicked.connect(lambda: self._choose(self.table.currentIndex()))
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
        every reload would cost hundreds of milliseconds); row heights fixed likewise."""
        vocab = vocabularies()
        samples: dict[int, list[str]] = {
            0: ["00:00"],
            1: [t.label for t in vocab.contact_modes.terms],
            2: [SHORT_ANSWERS.get(t.code, t.label) for t in vocab.age_bands.terms],
            3: [SHORT_ANSWERS.get(t.code, t.label) for t in vocab.sexes.terms],
            5: ["0"],
            6: ["⚠ Yes", "No"],
            7: ["v10"],
            8: list(SYNC_BADGES.values()),
        }
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setMinimumSectionSize(em(self, 2))
        bold = QFont(self.font())
        bold.setBold(True)
        header_metrics = QFontMetrics(bold)
        metrics = self.fontMetrics()
        for column, title in enumerate(VisitTableModel.HEADERS):
            if column == 4:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
                continue
            content = max(metrics.horizontalAdvance(text) for text in samples.get(column, [""]))
            width = max(content + em(self, 1.4), header_metrics.horizontalAdvance(title) + em(self, 0.9))
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(metrics.height() + em(self, 0.9))

    # ---- loading -----------------------------------------------------------------------

    def reload(self) -> None:
        """Ask the database lane for the day's visits matching the filter (stale answers dropped)."""
        self._timer.stop()
        self._number += 1
        number = self._number
        text, topic, day = self.filter.text().strip(), self.topic.currentData(), self.day
        actor = self.context.actor
        self.context.runner.run_db(
            lambda db: access.visible_visits(db, actor, day, text=text, topic=topic),
            alive_only(self, lambda rows: self._show(number, rows)))

    def _data_changed(self, changes: Changes) -> None:
        if changes.kinds & {"visit", "conversation", "outcome", "sync", "outbox"} or not changes.kinds:
            self.reload()

    def _show(self, number: int, rows: list[VisitRow]) -> None:
        if number != self._number:
            return
        current = self.current_visit_id()
        self.model.set_rows(rows)
        filtered = bool(self.filter.text().strip() or self.topic.currentData())
        noun = "visit" if len(rows) == 1 else "visits"
        if rows:
            self.count.setText(f"{len(rows)} {noun}" + (" match the filter" if filtered else " today"))
        else:
            self.count.setText("No visits match the filter." if filtered else "No visits recorded today yet.")
        self.edit_button.setEnabled(bool(rows))
        row_number = 0
        for position in range(len(rows)):
            if rows[position].id == current:
                row_number = position
        if rows:
            self.table.setCurrentIndex(self.model.index(row_number, 0))
        self.loaded.emit(len(rows))

    # ---- choosing ----------------------------------------------------------------------

    def current_visit_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        value = self.model.data(self.model.index(index.row(), 0), ID_ROLE)
        return str(value) if value else None

    def _choose(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if not index.isValid():
            return
        visit_id = self.model.data(self.model.index(index.row(), 0), ID_ROLE)
        if visit_id:
            self.edit_requested.emit(str(visit_id))
