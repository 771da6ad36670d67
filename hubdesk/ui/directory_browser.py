""""Services directory": browse and search every service, with category and area
filters and "open now"; coordinators suggest changes from here.

Go ▸ Services directory… (Ctrl+Shift+D).  Typing searches on the database lane
(debounced, stale answers dropped, the same search as the signposting picker);
Down moves from the search box into the list; the selected service's details show
beside the list with this laptop's suggestions about it ("Suggested on …, waiting
for the council").  Crisis services are always at the top.  Esc closes.

Signals:
    loaded(): a search answered and the list shows its rows.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from hubdesk.core.vocab import vocabularies
from hubdesk.services import directory, suggestions
from hubdesk.services.directory import DirectoryPage, ServiceRow
from hubdesk.services.suggestions import SuggestionRow
from hubdesk.ui.context import AppContext
from hubdesk.ui.directory_table import DirectoryTableModel, details_html
from hubdesk.ui.signpost_search import SearchEdit
from hubdesk.ui.widgets import (
    Heading,
    HintLabel,
    LabelledField,
    combo_with_terms,
    em,
    focus_chain_step,
    run_db,
)

SHORTCUT = "Ctrl+Shift+D"
SEARCH_DEBOUNCE_MS = 150


class DirectoryDialog(QDialog):
    loaded = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Services directory – HubDesk")
        self.setModal(True)
        self._search_number = 0
        self._shown_number = 0
        self._suggestions: dict[str, list[SuggestionRow]] = {}
        self.page: DirectoryPage | None = None
        outer = QVBoxLayout(self)
        margin = em(self, 1.0)
        outer.setContentsMargins(margin, margin, margin, margin)
        outer.setSpacing(em(self, 0.5))
        outer.addWidget(Heading("Services directory"))
        self.intro = HintLabel("Search by name, need or place. Crisis services are always at "
                               "the top. Open or closed is judged at the hub's time now.")
        outer.addWidget(self.intro)
        outer.addLayout(self._build_filters())
        self.count_line = HintLabel("")
        self.count_line.setAccessibleName("How many services match")
        outer.addWidget(self.count_line)
        outer.addWidget(self._build_split(), 1)
        self.new_services_line = HintLabel("")
        self.new_services_line.setAccessibleName("New services you suggested")
        self.new_services_line.hide()
        outer.addWidget(self.new_services_line)
        outer.addLayout(self._build_buttons())

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.category.currentIndexChanged.connect(lambda _i: self.reload())
        self.area.currentIndexChanged.connect(lambda _i: self.reload())
        self.open_now.toggled.connect(lambda _on: self.reload())
        self.search.down_pressed.connect(self._into_list)
        self.search.pick_requested.connect(self._into_list)
        context.runner.data_changed.connect(self._data_changed)
        actor = context.actor
        coordinator = bool(actor and actor.is_coordinator)
        self.suggest_change.setVisible(coordinator)
        self.suggest_new.setVisible(coordinator)
        self._fit()
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)
        self.reload()

    # ---- building -----------------------------------------------------------------

    def _build_filters(self) -> QGridLayout:
        self.search = SearchEdit()
        self.search.setPlaceholderText("Type a service, need or place")
        self.search.setMaxLength(directory.MAX_QUERY)
        self.category = combo_with_terms(
            [(t.code, t.label) for t in vocabularies().service_categories.terms],
            placeholder="All categories")
        self.category.setMaxVisibleItems(12)
        self.area = QComboBox()
        self.area.addItem("All areas", None)
        self.open_now = QCheckBox("Open &now only")
        self.open_now.setToolTip("Only services whose opening times say they are open now")
        grid = QGridLayout()
        grid.setHorizontalSpacing(em(self, 0.8))
        grid.addWidget(LabelledField("&Search the directory", self.search), 0, 0,
                       Qt.AlignmentFlag.AlignBottom)
        self.search.setAccessibleDescription("Down arrow goes to the list of services.")
        self.search.setToolTip("Type to search; Down arrow goes to the list")
        grid.addWidget(LabelledField("Ca&tegory", self.category), 0, 1,
                       Qt.AlignmentFlag.AlignBottom)
        grid.addWidget(LabelledField("&Area", self.area), 0, 2, Qt.AlignmentFlag.AlignBottom)
        grid.addWidget(self.open_now, 0, 3, Qt.AlignmentFlag.AlignBottom)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)
        return grid

    def _build_split(self) -> QSplitter:
        self.model = DirectoryTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Services")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        self.details = QTextBrowser()
        self.details.setAccessibleName("About this service")
        self.details.setOpenLinks(False)
        self.details.setTabChangesFocus(True)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 1)
        self.split = split
        return split

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.suggest_change = QPushButton("Suggest a c&hange to this service…")
        self.suggest_change.setToolTip("Correct its details, or say it has paused, closed or "
                                       "reopened; the council checks it first")
        self.suggest_change.clicked.connect(self.suggest_change_to_current)
        self.suggest_new = QPushButton("Suggest a ne&w service…")
        self.suggest_new.setToolTip("A service that is not in the directory yet")
        self.suggest_new.clicked.connect(self.suggest_new_service)
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Close the directory (Esc)")
        self.close_button.clicked.connect(self.reject)
        for button in (self.suggest_change, self.suggest_new, self.close_button):
            button.setAutoDefault(False)
        row.addWidget(self.suggest_change)
        row.addWidget(self.suggest_new)
        row.addStretch(1)
        row.addWidget(self.close_button)
        return row

    def _fit(self) -> None:
        parent = self.parentWidget()
        screen = self.screen()
        available = screen.availableGeometry() if screen is not None else None
        width, height = em(self, 62), em(self, 38)
        if parent is not None:
            width, height = max(width, parent.width() - 40), max(height, parent.height() - 40)
        if available is not None:
            width = min(width, available.width() - 20)
            height = min(height, available.height() - 40)
        self.resize(width, height)
        self.split.setSizes([width * 2 // 3, width // 3])  # the list needs the room

    def tab_chain(self) -> list[QWidget]:
        """Every Tab stop in reading order."""
        return [self.search, self.category, self.area, self.open_now, self.table, self.details,
                self.suggest_change, self.suggest_new, self.close_button]

    def focusNextPrevChild(self, next: bool) -> bool:
        return focus_chain_step(self.tab_chain(), next) or super().focusNextPrevChild(next)

    # ---- loading ------------------------------------------------------------------

    def reload(self) -> None:
        self._timer.stop()
        self._search_number += 1
        number = self._search_number
        text = self.search.text()
        category = self.category.currentData()
        area = self.area.currentData()
        open_only = self.open_now.isChecked()

        def work(db: object) -> tuple[DirectoryPage, list[SuggestionRow]]:
            page = directory.browse_directory(db, text, category, area,  # type: ignore[arg-type]
                                              open_now_only=open_only)
            return page, suggestions.list_suggestions(db)  # type: ignore[arg-type]

        run_db(self, self.context, work, lambda found: self._show(number, *found))

    def _show(self, number: int, page: DirectoryPage, made: list[SuggestionRow]) -> None:
        if number != self._search_number:
            return  # a newer search is on its way
        self._shown_number = number
        self.page = page
        current = self.current_row()
        self._suggestions = {}
        for row in made:
            self._suggestions.setdefault(row.service_id or "", []).append(row)
        self.model.set_rows(page.rows)
        self._fill_areas(page.areas)
        shown = len(page.rows)
        what = "service" if page.matched == 1 else "services"
        if shown < page.matched:
            count = f"Showing {shown:,} of {page.matched:,} {what}: type to narrow the list."
        else:
            count = f"{page.matched:,} {what}" + (" open now" if self.open_now.isChecked() else "")
        self.count_line.setText(count + f" (times judged at {page.checked_at:%H:%M}, hub time)")
        added = self._suggestions.get("", [])
        self.new_services_line.setText("New services you suggested: " + "; ".join(
            f"{row.service_name} ({row.words[0].lower()}{row.words[1:]})" for row in added))
        self.new_services_line.setVisible(bool(added))
        if page.rows:
            wanted = self.model.row_of_id(current.id) if current is not None else -1
            self.table.selectionModel().setCurrentIndex(
                self.model.index(max(wanted, 0), 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
        self._show_current()
        self.loaded.emit()

    def _fill_areas(self, areas: list[str]) -> None:
        chosen = self.area.currentData()
        known = [self.area.itemData(i) for i in range(1, self.area.count())]
        if known == areas:
            return
        self.area.blockSignals(True)
        self.area.clear()
        self.area.addItem("All areas", None)
        for name in areas:
            self.area.addItem(name, name)
        index = self.area.findData(chosen)
        self.area.setCurrentIndex(max(index, 0))
        self.area.blockSignals(False)

    def current_row(self) -> ServiceRow | None:
        return self.model.row_at(self.table.currentIndex().row())

    def _show_current(self) -> None:
        row = self.current_row()
        self.suggest_change.setEnabled(row is not None)
        if row is None:
            self.details.setHtml("<p>No service matches. Try fewer words, another category "
                                 "or all areas.</p>")
            return
        self.details.setHtml(details_html(row, self._suggestions.get(row.id, [])))

    def _into_list(self) -> None:
        if self.model.rowCount():
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _data_changed(self, changes: object) -> None:
        kinds: set[str] = getattr(changes, "kinds", set())
        if kinds & {"suggestion", "service", "sync", "outbox"}:
            self.reload()

    # ---- suggestions --------------------------------------------------------------

    def suggest_change_to_current(self) -> None:
        row = self.current_row()
        if row is not None:
            self._open_suggestion(row)

    def suggest_new_service(self) -> None:
        self._open_suggestion(None)

    def _open_suggestion(self, row: ServiceRow | None) -> None:
        from hubdesk.ui.suggestion_dialog import SuggestionDialog

        dialog = SuggestionDialog(self.context, row, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._suggestion_saved)
        self.suggestion_dialog = dialog
        dialog.open()

    def _suggestion_saved(self, words: str) -> None:
        self.intro.setText(words)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
