"""The signposting picker: type-ahead search over the services directory.

Typing searches the directory on the database lane (debounced ~150 ms, stale answers
dropped); Enter in the search box adds the highlighted (or first) result, even when
it is pressed before the answer arrived.  Crisis services are always shown on a line
of their own.  Each chosen service gets its kind (information / signpost / warm
handover / referral) and the topic it is for (guessed from its categories).

A paused or closed service is marked once in the results and is not added without a
question ("… is paused. Add it anyway?", with "No" focused).  Phone numbers never wrap
(their spaces are non-breaking).

Signals:
    changed(): the chosen signposts (or their kind/topic) changed.
    settled(): a pick asked for before its search answered has now been made (or failed).
    announced(str): what was just added or removed, in words (the form's status line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hubdesk.core.vocab import vocabularies
from hubdesk.services import directory
from hubdesk.services.directory import ServiceRow
from hubdesk.services.visits import SignpostAnswer
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import ID_ROLE, ServiceListModel, alive_only, name_without_status
from hubdesk.ui.signpost_search import ResultsView, SearchEdit, guess_topic, unbroken
from hubdesk.ui.widgets import (
    ErrorLabel,
    HintLabel,
    LabelledField,
    QuestionBar,
    combo_select,
    combo_with_terms,
    em,
)

SEARCH_DEBOUNCE_MS = 150


@dataclass
class _Chosen:
    answer: SignpostAnswer
    name: str
    widgets: list[QWidget]
    kind: QComboBox
    topic: QComboBox


class SignpostPicker(QWidget):
    changed = Signal()
    settled = Signal()
    announced = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._topics: list[str] = []
        self._chosen: list[_Chosen] = []
        self._search_number = 0
        self._searching = False
        self._pick_when_ready = False
        vocab = vocabularies()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(em(self, 0.4))

        self.crisis = QLabel(f"Crisis support: Samaritans {unbroken('116 123')} (any time, free)")
        self.crisis.setObjectName("crisisLine")
        self.crisis.setWordWrap(True)
        self.crisis.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.crisis.setAccessibleName("Crisis support services")
        layout.addWidget(self.crisis)

        self.search = SearchEdit()
        self.search.setPlaceholderText("Type a service, need or place")
        self.search.setMaxLength(directory.MAX_QUERY)
        self.category = combo_with_terms([(t.code, t.label) for t in vocab.service_categories.terms],
                                         placeholder="All categories")
        self.category.setMaxVisibleItems(12)
        fields = QGridLayout()
        fields.setHorizontalSpacing(em(self, 0.8))
        self.search_field = LabelledField(
            "Signp&ost to a service", self.search,
            "Type to search. Enter adds the first match; Down arrow to choose another.")
        self.category_field = LabelledField("Category", self.category)
        fields.addWidget(self.search_field, 0, 0)
        fields.addWidget(self.category_field, 0, 1, Qt.AlignmentFlag.AlignBottom)
        fields.setColumnStretch(0, 3)
        fields.setColumnStretch(1, 2)
        layout.addLayout(fields)

        self.model = ServiceListModel(self)
        self.results = ResultsView()
        self.results.setModel(self.model)
        self.results.setAccessibleName("Matching services")
        self.results.setUniformItemSizes(True)
        # one height whatever the number of matches, so nothing below jumps when the emptied
        # box lists the directory again; three and a half rows (a cut row says there is more),
        # so at 150 % text the row just chosen fits under the search box on a 1366x768 laptop
        self.results.setFixedHeight(em(self, 5.6))
        layout.addWidget(self.results)

        self.status = HintLabel()
        self.status.setAccessibleName("Signposting status")
        layout.addWidget(self.status)

        self.ask_box = QuestionBar("Question about the chosen service")
        self.ask_text = self.ask_box.text
        self.ask_no = self.ask_box.add_answer("No, choose another")
        self.ask_yes = self.ask_box.add_answer("Add it anyway")
        layout.addWidget(self.ask_box)
        self._asking: tuple[str, ServiceRow] | None = None

        self.chosen_box = QWidget()
        outer_chosen = QVBoxLayout(self.chosen_box)
        outer_chosen.setContentsMargins(0, 0, 0, 0)
        outer_chosen.setSpacing(em(self, 0.3))
        self.chosen_grid = QGridLayout()
        self.chosen_grid.setHorizontalSpacing(em(self, 0.8))
        self.chosen_grid.setVerticalSpacing(em(self, 0.3))
        # the list's heading is its first column's header: one line, so the row just added
        # stays in view with the search box at 150 % text on a 1366x768 laptop
        self.chosen_heading = QLabel("Chosen signposts")
        self.chosen_heading.setObjectName("fieldLabel")
        self.chosen_grid.addWidget(self.chosen_heading, 0, 0, Qt.AlignmentFlag.AlignBottom)
        for column, text in enumerate(("Kind", "For which topic"), start=1):
            self.chosen_grid.addWidget(HintLabel(text), 0, column, Qt.AlignmentFlag.AlignBottom)
        self.chosen_grid.setColumnStretch(0, 3)
        self.chosen_grid.setColumnStretch(1, 2)
        self.chosen_grid.setColumnStretch(2, 2)
        outer_chosen.addLayout(self.chosen_grid)
        self._next_grid_row = 1
        self.chosen_box.hide()
        layout.addWidget(self.chosen_box)
        self.error = ErrorLabel()
        layout.addWidget(self.error)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._timer.timeout.connect(self._run_search)
        self.search.textChanged.connect(self._schedule_search)
        self.category.currentIndexChanged.connect(self._schedule_search)
        self.search.pick_requested.connect(self._pick_from_search)
        self.search.down_pressed.connect(self._enter_results)
        self.results.pick_requested.connect(self._pick_current)
        self.results.doubleClicked.connect(lambda _index: self._pick_current())
        self.results.up_from_top.connect(lambda: self.search.setFocus(Qt.FocusReason.OtherFocusReason))
        self.ask_no.clicked.connect(self._decline_paused)
        self.ask_yes.clicked.connect(self._accept_paused)
        self.setTabOrder(self.search, self.category)
        self.setTabOrder(self.category, self.results)

        self.context.runner.run_db(directory.crisis_services, alive_only(self, self._show_crisis))
        self._run_search()

    # ---- public API -----------------------------------------------------------------

    def signposts(self) -> list[SignpostAnswer]:
        return [SignpostAnswer(c.answer.service_id, c.kind.currentData(), c.topic.currentData(),
                               c.answer.status) for c in self._chosen]

    def chosen_names(self) -> list[str]:
        return [c.name for c in self._chosen]

    def set_signposts(self, answers: Sequence[SignpostAnswer], names: dict[str, str]) -> None:
        self._clear_chosen()
        for answer in answers:
            self._add(answer, names.get(answer.service_id, "A service no longer in the directory"),
                      notify=False)

    def clear(self) -> None:
        self._clear_chosen()
        self.search.clear()
        self.category.setCurrentIndex(0)
        self.status.clear()
        self.error.set_error(None)

    def set_topics(self, topics: Sequence[str]) -> None:
        """The topics chosen on the form: each signpost's topic list follows them."""
        self._topics = list(topics)
        for chosen in self._chosen:
            self._fill_topics(chosen.topic, chosen.topic.currentData())

    def tab_chain(self) -> list[QWidget]:
        """The picker's widgets in reading order (the form threads its Tab order through them)."""
        chain: list[QWidget] = [self.search, self.category, self.results, self.ask_no, self.ask_yes]
        for chosen in self._chosen:
            chain += chosen.widgets[1:]
        return chain

    def last_chosen_widget(self) -> QWidget | None:
        """The newest chosen signpost's row (its name), for scrolling it into view."""
        return self._chosen[-1].widgets[0] if self._chosen else None

    def set_error(self, message: str | None) -> None:
        self.error.set_error(message)

    @property
    def pick_pending(self) -> bool:
        """Enter was pressed in the search box and the answer has not arrived yet."""
        return self._pick_when_ready

    @property
    def search_pending(self) -> bool:
        return self._timer.isActive() or self._searching

    # ---- crisis line ----------------------------------------------------------------

    def _show_crisis(self, rows: list[ServiceRow]) -> None:
        if rows:
            self.crisis.setText("⚠ Crisis support, always available — "
                                + ";  ".join(f"{r.name}: {unbroken(r.phone)}" if r.phone else r.name
                                             for r in rows))

    # ---- search ---------------------------------------------------------------------

    def _schedule_search(self) -> None:
        self._timer.start()

    def _run_search(self, text: str | None = None) -> None:
        self._search_number += 1
        number = self._search_number
        text = self.search.text() if text is None else text
        category = self.category.currentData()
        self._searching = True
        self.context.runner.run_db(
            lambda db: directory.search_directory(db, text, category),
            alive_only(self, lambda rows: self._show_results(number, rows)),
            alive_only(self, lambda error: self._search_failed(number, error)))

    def _search_failed(self, number: int, error: BaseException) -> None:
        if number == self._search_number:
            self._searching = False
            if self._pick_when_ready:
                self._pick_when_ready = False
                self.settled.emit()
        self.context.errors.report(error)

    def _show_results(self, number: int, rows: list[ServiceRow]) -> None:
        if number != self._search_number:
            return  # a newer search is on its way
        self._searching = False
        self.model.set_rows(rows)
        # the first match is marked only when Enter would add it (something was typed);
        # an empty box lists the directory to browse, and Enter there saves the visit
        if rows and (self.search.text().strip() or self._pick_when_ready):
            self.results.setCurrentIndex(self.model.index(0, 0))
        else:
            self.results.setCurrentIndex(QModelIndex())
            self.results.clearSelection()
        if self.search.text().strip() or self._pick_when_ready:
            self.status.setText(f"{len(rows)} matching service{'s' if len(rows) != 1 else ''}"
                                if rows else "No service matches; try fewer words or another category.")
        if self._pick_when_ready and not self._timer.isActive():
            self._pick_when_ready = False
            self._pick_current()
            self.settled.emit()

    def _pick_from_search(self) -> None:
        if self.search_pending:
            # the answer for what was typed is not here yet: search for it now, pick when it
            # arrives, and empty the box so a second Enter goes on to save the visit
            text = self.search.text()
            self._pick_when_ready = True
            self._timer.stop()
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            self._run_search(text)
            return
        self._pick_current()

    def _enter_results(self) -> None:
        if self.model.rowCount() == 0:
            return
        self.results.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.results.currentIndex().isValid():
            self.results.setCurrentIndex(self.model.index(0, 0))

    def _pick_current(self) -> None:
        index: QModelIndex | QPersistentModelIndex = self.results.currentIndex()
        if not index.isValid() and self.model.rowCount():
            index = self.model.index(0, 0)
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is None:
            self.status.setText("No service to add: type part of its name first.")
            return
        service_id = str(self.model.data(index, ID_ROLE))
        if any(c.answer.service_id == service_id for c in self._chosen):
            self.status.setText(f"Already chosen: {row.name}")
            self.announced.emit(self.status.text())
        elif row.status != "active":
            self._ask_about(service_id, row)
            return
        else:
            self._add_service(service_id, row)
        self._ready_for_next()

    def _add_service(self, service_id: str, row: ServiceRow) -> None:
        answer = SignpostAnswer(service_id, "signpost", guess_topic(row.categories, self._topics))
        self._add(answer, row.name)
        topic = vocabularies().mecc_topics.label(answer.topic) if answer.topic else "no topic"
        note = f" — it is {row.status}: check it is open before they go" if row.status != "active" else ""
        count = len(self._chosen)
        self.status.setText(f"Added: {row.name} (for {topic}){note}")
        self.announced.emit(f"✓ Signpost added: {row.name} (for {topic}){note} · "
                            f"{count} signpost{'s' if count != 1 else ''} chosen")

    def _ready_for_next(self) -> None:
        if self.search.text():
            self.search.clear()
        else:
            self._schedule_search()
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)

    # ---- a paused or closed service: ask first ------------------------------------------

    def _ask_about(self, service_id: str, row: ServiceRow) -> None:
        self._asking = (service_id, row)
        self.ask_box.ask(f"{name_without_status(row)} is {row.status} at the moment. Add it anyway?",
                         self.ask_no)

    def _end_question(self) -> tuple[str, ServiceRow] | None:
        asked, self._asking = self._asking, None
        self.ask_box.hide()
        return asked

    def _decline_paused(self) -> None:
        asked = self._end_question()
        if asked is not None:
            self.status.setText(f"Not added: {asked[1].name}. Choose another service.")
        self.search.selectAll()
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)

    def _accept_paused(self) -> None:
        asked = self._end_question()
        if asked is not None:
            self._add_service(*asked)
        self._ready_for_next()

    # ---- chosen signposts -------------------------------------------------------------

    def _fill_topics(self, combo: QComboBox, keep: str | None) -> None:
        vocab = vocabularies()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("No particular topic", None)
        for topic in self._topics:
            combo.addItem(vocab.mecc_topics.label(topic), topic)
        if keep is not None:
            combo_select(combo, keep)
        combo.blockSignals(False)

    def _add(self, answer: SignpostAnswer, name: str, *, notify: bool = True) -> None:
        vocab = vocabularies()
        label = QLabel(name)
        label.setWordWrap(True)
        kind = combo_with_terms([(t.code, t.label) for t in vocab.signpost_kinds.terms])
        combo_select(kind, answer.kind)
        kind.setAccessibleName(f"Kind of signpost to {name}")
        kind.setToolTip("Information, signpost, warm handover or referral")
        topic = QComboBox()
        self._fill_topics(topic, answer.topic)
        topic.setAccessibleName(f"Topic the signpost to {name} is for")
        remove = QPushButton("Remove")
        remove.setAutoDefault(False)
        remove.setAccessibleName(f"Remove {name}")
        widgets: list[QWidget] = [label, kind, topic, remove]
        for column, widget in enumerate(widgets):
            self.chosen_grid.addWidget(widget, self._next_grid_row, column)
        self._next_grid_row += 1
        chosen = _Chosen(answer, name, widgets, kind, topic)
        self._chosen.append(chosen)
        kind.currentIndexChanged.connect(self.changed)
        topic.currentIndexChanged.connect(self.changed)
        remove.clicked.connect(lambda: self._remove(chosen))
        self.chosen_box.show()
        if notify:
            self.changed.emit()

    def _drop_widgets(self, chosen: _Chosen) -> None:
        for widget in chosen.widgets:
            self.chosen_grid.removeWidget(widget)
            widget.hide()
            widget.deleteLater()

    def _remove(self, chosen: _Chosen) -> None:
        self._chosen.remove(chosen)
        self._drop_widgets(chosen)
        self.chosen_box.setVisible(bool(self._chosen))
        self.status.setText(f"Removed: {chosen.name}")
        self.announced.emit(self.status.text())
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)
        self.changed.emit()

    def _clear_chosen(self) -> None:
        for chosen in self._chosen:
            self._drop_widgets(chosen)
        self._chosen.clear()
        self.chosen_box.hide()
