"""The sync panel: "Sync now" with progress and Cancel, the last result, the records
that need attention (why, and what to do) and the end-of-day receipt.

A non-modal window over the main window (one at a time, see
``sync_menu.open_sync_panel``).  All reads run on the database lane.

A coordinator can mark a record as dealt with (after a confirmation; nothing is
deleted, see ``services.attention``); a volunteer sees why the button is disabled.

Signals:
    open_visit_requested(str): the user asked to open a visit that needs attention.
    conflicts_requested(): the user asked to settle a conflict (the Conflicts screen).
    loaded(): the attention list and the receipt were refilled (tests wait on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hubdesk.core.days import DEFAULT_TIME_ZONE, hub_today
from hubdesk.core.errors import UserFacingError
from hubdesk.services import attention
from hubdesk.services.attention import AttentionKey
from hubdesk.sync.engine import EndOfDayReceipt, NeedsAttentionItem, SyncResult, end_of_day_receipt
from hubdesk.sync.status import CONFLICT, SyncSnapshot, needs_attention_items
from hubdesk.sync.status_text import connection_text, receipt_detail, receipt_sentence, result_text
from hubdesk.ui.enrol_dialog import open_enrol_dialog
from hubdesk.ui.models import ID_ROLE, alive_only
from hubdesk.ui.sync_controller import SYNC_SHORTCUT, SyncController
from hubdesk.ui.widgets import Heading, HintLabel, LabelledField, em, run_db, set_dynamic_property

Index = QModelIndex | QPersistentModelIndex
KIND_ROLE = Qt.ItemDataRole.UserRole + 2

MAX_ROWS_SHOWN = 3  # the attention list is as tall as this many records, then scrolls
COORDINATOR_ONLY = "Only a coordinator can mark a record as dealt with: ask your coordinator."
DEALT_WITH_TIP = ("Take the chosen record off this list once you have dealt with it "
                  "(nothing is deleted; a server's erasure was carried out when it arrived)")

STATE_WORDS = {
    "rejected": "Not accepted by the server",
    "conflict": "Changed in two places",
    "held": "Server's change kept aside",
    "erasure": "Erased on the server",
}


def _plain_label(object_name: str = "", accessible_name: str = "") -> QLabel:
    """A word-wrapped label for plain text (never read as rich text)."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if accessible_name:
        label.setAccessibleName(accessible_name)
    return label


class NeedsAttentionModel(QAbstractTableModel):
    """Records that need attention: what, why (in plain English) and what to do."""

    HEADERS = ("Record", "Why", "What to do")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[NeedsAttentionItem] = []

    def set_rows(self, rows: Sequence[NeedsAttentionItem]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def item(self, row: int) -> NeedsAttentionItem:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.AccessibleTextRole):
            if column == 0:
                words = STATE_WORDS.get(item.state, item.state)
                version = f", version {item.version}" if item.version > 1 else ""
                return f"{item.kind_label}{version}\n{words}"
            if column == 1:
                return item.reason or "The server gave no reason."
            return item.what_to_do
        if role == ID_ROLE:
            return item.record_id
        if role == KIND_ROLE:
            return item.kind
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.HEADERS)):
            return self.HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class WrappedTextDelegate(QStyledItemDelegate):
    """Row heights that fit the wrapped text as it is painted.

    Qt wraps the text for a size hint at the full column width, but paints it inside
    the stylesheet's item padding (``QTableView::item { padding: 0.3em }``), so at some
    widths the hint is a line short and the last line is elided ("…").  The hint here
    wraps at the width the text is painted in.
    """

    PADDING_EM = 0.3  # as resources/style.qss

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        padding = 2 * max(1, round(option.fontMetrics.height() * self.PADDING_EM)) + 2
        if option.rect.width() <= 2 * padding:  # no column width yet: nothing to correct
            return super().sizeHint(option, index)
        narrowed = QStyleOptionViewItem(option)
        narrowed.rect.setWidth(option.rect.width() - padding)
        return super().sizeHint(narrowed, index)


@dataclass(frozen=True)
class PanelData:
    attention: list[NeedsAttentionItem]
    receipt: EndOfDayReceipt


def item_title(item: NeedsAttentionItem) -> str:
    """"Visit, version 2 – Not accepted by the server" (the list's first column, one line)."""
    version = f", version {item.version}" if item.version > 1 else ""
    return f"{item.kind_label}{version} – {STATE_WORDS.get(item.state, item.state)}"


def confirm_words(item: NeedsAttentionItem) -> str:
    """What "Mark as dealt with" does to ``item``, for the confirmation."""
    if item.state == "erasure":
        return ("The server has erased this record, and it is already erased from this "
                "laptop too, with this laptop's unsent changes to it (they are not sent). "
                "Marking it as dealt with takes it off this list.")
    if item.state == "held":
        what = ("The server's copy and this laptop's are merged into a new version that is "
                "sent at the next sync; any answer they disagree on waits under Go ▸ "
                "Conflicting changes for you to choose. Nothing is deleted.")
    elif item.state == "conflict":
        what = ("It leaves the list. Nothing is deleted: this laptop keeps its version and "
                "the server keeps its copy.")
    else:
        what = ("It leaves the list and this copy is not sent again; a corrected copy you "
                "saved is sent as usual. Nothing is deleted: this copy stays on this laptop "
                "and the server keeps what it already has.")
    return f"Only do this once you have dealt with it. {what}"


def read_panel_data(db: Session, day: date) -> PanelData:
    return PanelData(needs_attention_items(db), end_of_day_receipt(db, day))


class SyncPanel(QDialog):
    open_visit_requested = Signal(str)
    conflicts_requested = Signal()
    loaded = Signal()

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.context = controller.context
        self.setWindowTitle("Sending and receiving – HubDesk")
        self.setObjectName("syncPanel")
        self._number = 0

        outer = QVBoxLayout(self)
        margin = em(self, 1.0)
        outer.setContentsMargins(margin, margin, margin, margin)
        outer.setSpacing(em(self, 0.6))
        outer.addWidget(Heading("Sending records to the server"))

        body = QWidget()
        layout = self.body_layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, em(self, 0.5), 0)
        layout.setSpacing(em(self, 0.6))
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(body)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(self.scroll_area, 1)

        # -- status and Sync now --
        self.state_label = _plain_label("syncPanelState")
        font = self.state_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.state_label.setFont(font)
        self.state_label.setAccessibleName("Sync status")
        layout.addWidget(self.state_label)
        self.server_label = HintLabel()
        self.server_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.server_label)

        buttons = QHBoxLayout()
        buttons.setSpacing(em(self, 0.8))
        self.sync_button = QPushButton(f"&Sync now ({SYNC_SHORTCUT})")
        set_dynamic_property(self.sync_button, "primary", True)
        self.sync_button.setToolTip(f"Send waiting records and get updates now ({SYNC_SHORTCUT})")
        self.sync_button.setAutoDefault(False)
        self.sync_button.clicked.connect(self.controller.sync_now)
        buttons.addWidget(self.sync_button)
        self.cancel_button = QPushButton("S&top")
        self.cancel_button.setToolTip("Stop the sync after the current step (nothing is lost)")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.controller.cancel)
        buttons.addWidget(self.cancel_button)
        self.connect_button = QPushButton("&Connect to the hub's server…")
        self.connect_button.setAutoDefault(False)
        self.connect_button.setToolTip("Connect this laptop with a one-time code (coordinators only)")
        self.connect_button.clicked.connect(lambda: open_enrol_dialog(self, self.controller))
        buttons.addWidget(self.connect_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        shortcut = QShortcut(QKeySequence(SYNC_SHORTCUT), self)
        shortcut.activated.connect(self.controller.sync_now)

        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Sync progress")
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("")
        self.progress_bar.hide()  # shown from the first run on
        layout.addWidget(self.progress_bar)
        self.progress_label = HintLabel()
        self.progress_label.setAccessibleName("Sync progress message")
        self.progress_label.hide()
        layout.addWidget(self.progress_label)
        self.result_field = _plain_label(accessible_name="Last sync")
        self.result_box = LabelledField("Last sync", self.result_field)
        layout.addWidget(self.result_box)

        # -- end of day --
        self.end_heading = Heading("End of day", level=2)
        layout.addWidget(self.end_heading)
        self.day_edit = QDateEdit()
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("d MMMM yyyy")
        now = self.hub_today()
        self.day_edit.setDate(QDate(now.year, now.month, now.day))
        self.day_edit.setMaximumDate(QDate(now.year, now.month, now.day))
        self.day_field = LabelledField("&Day", self.day_edit)
        self.day_field.setMaximumWidth(em(self, 14))
        layout.addWidget(self.day_field)
        self.receipt_label = _plain_label("receipt", "End-of-day receipt")
        font = self.receipt_label.font()
        font.setBold(True)
        self.receipt_label.setFont(font)
        layout.addWidget(self.receipt_label)
        self.receipt_detail = HintLabel()
        layout.addWidget(self.receipt_detail)

        # -- needs attention --
        self.attention_heading = Heading("Needs attention", level=2)
        layout.addWidget(self.attention_heading)
        self.attention_hint = HintLabel(
            "Records the server did not accept, and changes from the server kept aside because "
            "this laptop had changed the same record.")
        layout.addWidget(self.attention_hint)
        self.attention_model = NeedsAttentionModel(self)
        self.attention_view = QTableView()
        self.attention_view.setModel(self.attention_model)
        self.attention_view.setItemDelegate(WrappedTextDelegate(self.attention_view))
        self.attention_view.setAccessibleName("Records that need attention")
        self.attention_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.attention_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.attention_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.attention_view.setWordWrap(True)
        self.attention_view.setTabKeyNavigation(False)
        self.attention_view.verticalHeader().hide()
        self.attention_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.attention_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self.attention_view.setMinimumHeight(em(self, 8))
        # the stretched columns settle after a reset or resize: fit the rows again then
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_attention_view)
        header.sectionResized.connect(self._section_resized)
        self.attention_view.doubleClicked.connect(lambda _index: self._open_chosen())
        layout.addWidget(self.attention_view, 1)
        self.attention_empty = HintLabel("Nothing needs attention.")
        layout.addWidget(self.attention_empty)
        self.attention_actions = QWidget()
        actions = QHBoxLayout(self.attention_actions)
        actions.setContentsMargins(0, 0, 0, 0)
        actions.setSpacing(em(self, 0.8))
        self.open_button = QPushButton("&Open this visit")
        self.open_button.setAutoDefault(False)
        self.open_button.setToolTip("Open the chosen visit to check and save it again")
        self.open_button.clicked.connect(self._open_chosen)
        actions.addWidget(self.open_button)
        self.dealt_button = QPushButton("&Mark as dealt with…")
        self.dealt_button.setObjectName("markDealtWith")
        self.dealt_button.setAutoDefault(False)
        self.dealt_button.setAccessibleName("Mark as dealt with")
        self.dealt_button.clicked.connect(self._confirm_dealt_with)
        actions.addWidget(self.dealt_button)
        actions.addStretch(1)
        layout.addWidget(self.attention_actions)
        # for a volunteer the button is disabled: say why in words, not only by greying it
        self.dealt_hint = HintLabel(COORDINATOR_ONLY)
        self.dealt_hint.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.dealt_hint)
        self.dealt_note = _plain_label("doneNote", "Marked as dealt with")
        self.dealt_note.hide()
        layout.addWidget(self.dealt_note)
        self.confirm_box: QMessageBox | None = None  # the open "Mark as dealt with?" question
        self._marking = False
        self.attention_view.selectionModel().currentRowChanged.connect(
            lambda _current, _previous: self._update_open_button())

        layout.addStretch(0)

        close_box = QDialogButtonBox()
        self.close_button = close_box.addButton("Close", QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.setToolTip("Close this window (Esc)")
        self.close_button.setAutoDefault(False)
        close_box.rejected.connect(self.reject)
        outer.addWidget(close_box)

        QWidget.setTabOrder(self.sync_button, self.cancel_button)
        QWidget.setTabOrder(self.cancel_button, self.connect_button)
        QWidget.setTabOrder(self.connect_button, self.day_edit)
        QWidget.setTabOrder(self.day_edit, self.attention_view)
        QWidget.setTabOrder(self.attention_view, self.open_button)
        QWidget.setTabOrder(self.open_button, self.dealt_button)
        QWidget.setTabOrder(self.dealt_button, self.close_button)

        controller.state_changed.connect(self._state_changed)
        controller.snapshot_changed.connect(self._snapshot_changed)
        controller.running_changed.connect(self._running_changed)
        controller.progress.connect(self._progress)
        controller.finished.connect(self._finished)
        # bound methods, not lambdas: Qt drops these connections when the panel is deleted
        self.context.runner.data_changed.connect(self._data_changed)
        self.context.actor_changed.connect(self._actor_changed)
        self.day_edit.dateChanged.connect(lambda _date: self.reload())

        self._state_changed(controller.state_text)
        if controller.snapshot is not None:
            self._snapshot_changed(controller.snapshot)
        self._running_changed(controller.running)
        self._show_result(controller.last_result)
        self._update_connect_button()
        self._update_open_button()
        self._fit_to_screen()
        self.reload()

    # ---- layout -----------------------------------------------------------------------

    def _fit_to_screen(self) -> None:
        screen = self.screen()
        width, height = em(self, 46), em(self, 36)
        if screen is not None:
            available = screen.availableGeometry()
            width = min(width, available.width() - 40)
            height = min(height, available.height() - 60)
        self.resize(width, height)

    def show_section(self, section: str) -> None:
        """Scroll ``section`` ("attention" / "end_of_day"; anything else: the top) to the
        top of the panel and focus its first control."""
        target: QWidget | None = {"attention": self.attention_heading,
                                  "end_of_day": self.end_heading}.get(section)
        bar = self.scroll_area.verticalScrollBar()
        if target is None:
            bar.setValue(0)
            self.sync_button.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.body_layout.activate()
        bar.setValue(max(0, target.y() - em(self, 0.5)))
        if section == "attention":
            self.attention_view.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.day_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # ---- controller updates -------------------------------------------------------------

    def _state_changed(self, text: object) -> None:
        self.state_label.setText(str(text))
        self.state_label.setAccessibleDescription(str(text))

    def _snapshot_changed(self, snapshot: SyncSnapshot) -> None:
        self.server_label.setText(
            connection_text(snapshot.status, snapshot.server_url, snapshot.hub_name))
        self._update_connect_button()

    def _data_changed(self, _changes: object) -> None:
        self.reload()

    def _actor_changed(self, _actor: object) -> None:
        self._update_connect_button()
        self._update_open_button()

    def _update_connect_button(self) -> None:
        actor = self.context.actor
        snapshot = self.controller.snapshot
        needs = snapshot is None or not snapshot.status.enrolled or snapshot.status.revoked
        self.connect_button.setVisible(needs)
        allowed = bool(actor and actor.is_coordinator)
        self.connect_button.setEnabled(allowed)
        self.connect_button.setToolTip(
            "Connect this laptop with a one-time code" if allowed
            else "Only a coordinator can connect this laptop to a server")

    def _running_changed(self, running: bool) -> None:
        # move focus between the two buttons before one is disabled, or it wanders off
        had_focus = self.cancel_button.hasFocus() or self.sync_button.hasFocus()
        if running:
            self.cancel_button.setEnabled(True)
            if had_focus:
                self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)
            self.sync_button.setEnabled(False)
        else:
            self.sync_button.setEnabled(True)
            if had_focus:
                self.sync_button.setFocus(Qt.FocusReason.OtherFocusReason)
            self.cancel_button.setEnabled(False)
        if running:
            self.progress_bar.show()
            self.progress_label.show()
            self.progress_bar.setRange(0, 0)  # busy until the first count arrives
            self.progress_bar.setFormat("")
            self.progress_label.setText("Contacting the server…")

    def _progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
            self.progress_bar.setFormat(f"{min(done, total)} of {total} records")
        self.progress_label.setText(message)
        self.progress_bar.setAccessibleDescription(message)

    def _finished(self, result: SyncResult) -> None:
        self._show_result(result)
        total = max(1, self.progress_bar.maximum())
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(total if result.completed else self.progress_bar.value())
        self.progress_bar.setFormat("Finished" if result.completed else "Stopped")
        self.progress_label.setText("")
        self.progress_label.hide()
        self.reload()

    def _show_result(self, result: SyncResult | None) -> None:
        self.result_field.setText(result_text(result, self._zone()) if result is not None
                                  else "No sync has run since HubDesk started.")

    def _zone(self) -> str:
        snapshot = self.controller.snapshot
        return snapshot.status.zone if snapshot is not None else DEFAULT_TIME_ZONE

    def hub_today(self) -> date:
        return hub_today(self._zone())

    # ---- lists --------------------------------------------------------------------------

    def reload(self) -> None:
        self._number += 1
        number = self._number
        qdate = self.day_edit.date()
        day = date(qdate.year(), qdate.month(), qdate.day())
        self.context.runner.run_db(lambda db: read_panel_data(db, day),
                                   alive_only(self, lambda data: self._show(number, data)))

    def _show(self, number: int, data: PanelData) -> None:
        if number != self._number:
            return
        self.attention_model.set_rows(data.attention)
        has_rows = bool(data.attention)
        # the panel's focus widget, not hasFocus(): while a confirmation is on top (or just
        # closed) the panel is not the active window
        list_had_focus = self.focusWidget() in (self.attention_view, self.open_button,
                                                self.dealt_button)
        self.attention_view.setVisible(has_rows)
        self.attention_empty.setVisible(not has_rows)
        self.attention_actions.setVisible(has_rows)
        self._fit_attention_view()
        if has_rows:
            self.attention_view.setCurrentIndex(self.attention_model.index(0, 0))
        elif list_had_focus:  # the last one was dealt with: keep focus somewhere sensible
            self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._update_open_button()
        self.receipt_label.setText(receipt_sentence(data.receipt, self.hub_today()))
        self.receipt_detail.setText(receipt_detail(data.receipt))
        self.loaded.emit()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_attention_view()

    def _section_resized(self, _section: int, _old: int, _new: int) -> None:
        self._fit_timer.start()

    def _fit_attention_view(self) -> None:
        """Rows as tall as their wrapped text, and the list as tall as its first few
        records (it scrolls beyond): the panel scrolls as a whole, so a short box
        inside it would only make a second, cramped scroll area at 150 %."""
        view = self.attention_view
        view.resizeRowsToContents()
        rows = min(self.attention_model.rowCount(), MAX_ROWS_SHOWN)
        height = (view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
                  + sum(view.rowHeight(row) for row in range(rows)))
        view.setMinimumHeight(max(em(self, 8), height))

    def _chosen(self) -> NeedsAttentionItem | None:
        index = self.attention_view.currentIndex()
        if not index.isValid():
            return None
        return self.attention_model.item(index.row())

    def _update_open_button(self) -> None:
        """Enable "Open this visit" and "Mark as dealt with…" for the chosen row (and
        the unlocked volunteer); say in words why the second is disabled."""
        item = self._chosen()
        settle = item is not None and item.source == CONFLICT
        self.open_button.setText("&Choose the answers to keep…" if settle else "&Open this visit")
        self.open_button.setEnabled(item is not None and (item.kind == "visit" or settle))
        actor = self.context.actor
        coordinator = bool(actor and actor.is_coordinator)
        # a conflict is settled by choosing its answers, not by marking it
        self.dealt_button.setEnabled(item is not None and coordinator and not self._marking
                                     and not settle)
        if actor is None:
            why = "Unlock HubDesk as a coordinator to mark records as dealt with."
        elif not coordinator:
            why = COORDINATOR_ONLY
        else:
            why = ""
        self.dealt_hint.setText(why)
        self.dealt_hint.setVisible(bool(why) and self.attention_actions.isVisibleTo(self))
        self.dealt_button.setToolTip(why or DEALT_WITH_TIP)
        self.dealt_button.setAccessibleDescription(why or DEALT_WITH_TIP)

    def _open_chosen(self) -> None:
        item = self._chosen()
        if item is not None and item.source == CONFLICT:
            self.conflicts_requested.emit()
        elif item is not None and item.kind == "visit":
            self.open_visit_requested.emit(item.record_id)

    # ---- marking as dealt with -------------------------------------------------------

    def _confirm_dealt_with(self) -> None:
        """Ask first (window-modal, no nested event loop); "Mark as dealt with" goes on
        in :meth:`_mark_dealt_with`."""
        item = self._chosen()
        actor = self.context.actor
        if item is None or actor is None or not actor.is_coordinator or self._marking:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Mark as dealt with? – HubDesk",
                          f"Mark “{item_title(item)}” as dealt with?", parent=self)
        box.setInformativeText(confirm_words(item))
        box.setTextFormat(Qt.TextFormat.PlainText)
        confirm = box.addButton("&Mark as dealt with", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(confirm)
        box.setEscapeButton(cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        key = AttentionKey(item.source, item.ref)
        title = item_title(item)
        done = ("seen; it is erased from this laptop too" if item.state == "erasure"
                else "marked as dealt with. Nothing was deleted")

        def answered(button: object) -> None:
            self.confirm_box = None
            if button is confirm:
                self._mark_dealt_with(key, f"✓ {title}: {done}.")
            else:
                self.dealt_button.setFocus(Qt.FocusReason.OtherFocusReason)

        box.buttonClicked.connect(answered)
        self.confirm_box = box
        box.open()

    def _mark_dealt_with(self, key: AttentionKey, done_note: str) -> None:
        actor = self.context.actor
        if actor is None:
            return
        self._marking = True
        self.dealt_note.hide()
        if self.attention_view.isVisible():  # the button is disabled while it works
            self.attention_view.setFocus(Qt.FocusReason.OtherFocusReason)
        self._update_open_button()
        run_db(self, self.context, lambda db: attention.mark_dealt_with(db, actor, key),
               lambda _changes: self._marked(done_note), self._mark_failed)

    def _marked(self, done_note: str) -> None:
        # the runner announces the Changes: this panel and the status line reload
        self._marking = False
        self._show_dealt_note(done_note)
        self._update_open_button()

    def _mark_failed(self, error: BaseException) -> None:
        self._marking = False
        self._update_open_button()
        if isinstance(error, UserFacingError):
            self._show_dealt_note(str(error))
            self.reload()  # someone else dealt with it, or it has gone: show the list as it is
        else:
            self.context.errors.report(error)

    def _show_dealt_note(self, text: str) -> None:
        self.dealt_note.setText(text)
        self.dealt_note.setAccessibleDescription(text)
        self.dealt_note.show()
