"""Qt item models over the plain rows the services return (checked with qtmodeltester).

The models hold plain values only (``ServiceRow``, ``VisitRow``); they never touch
the database.  Views fill them from ``runner.run_db`` results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView

from hubdesk.core.vocab import vocabularies
from hubdesk.services.directory import ServiceRow
from hubdesk.services.visit_places import VisitPlace
from hubdesk.services.visits import VisitRow

T = TypeVar("T")

ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""The record id (service id or visit id) of a row."""

Index = QModelIndex | QPersistentModelIndex

SYNC_BADGES = {
    "pending": "Waiting to send",
    "sent": "Sent ✓",
    "rejected": "Needs attention !",
    "conflict": "Needs attention !",
    "resolved": "Dealt with",
}


SHORT_ANSWERS = {"prefer_not": "Not said", "not_asked": "Not asked"}
"""Shorter table text for the long "Prefer not to say" (the full label is in the tooltip)."""


def alive_only(owner: QObject, hook: Callable[[T], None]) -> Callable[[T], None]:
    """Wrap a task-runner callback so it is skipped once ``owner`` was destroyed
    (a database answer can arrive after its screen closed)."""

    def call(value: T) -> None:
        if shiboken6.isValid(owner):
            hook(value)

    return call


def sync_badge(state: str) -> str:
    """Text + symbol for a sync state (colour is never the only signal)."""
    return SYNC_BADGES.get(state, "Waiting to send")


STATUS_WORDS = {"paused": "Paused", "closed": "Closed"}


def name_without_status(row: ServiceRow) -> str:
    """The service's name without a trailing "(paused)" the directory may have put in it."""
    name = row.name.rstrip()
    if row.status != "active" and name.lower().endswith(f"({row.status})"):
        return name[: -len(row.status) - 2].rstrip()
    return name


def service_line(row: ServiceRow) -> str:
    """One line for a service: its status said once ("Paused: …"), name and phone.

    A name that already ends in "(paused)" is not marked a second time; the phone
    number never wraps.
    """
    name = name_without_status(row)
    marker = STATUS_WORDS.get(row.status, row.status.capitalize()) if row.status != "active" else ""
    parts = [name]
    if row.phone:
        parts.append(row.phone.replace(" ", "\u00a0").replace("-", "\u2011"))
    line = " · ".join(parts)
    return f"{marker}: {line}" if marker else line


RowT = TypeVar("RowT")


class RowListModel(QAbstractListModel, Generic[RowT]):
    """A read-only list over plain row values (never touches the database).

    Subclasses say how a row reads (:meth:`display`), what more it says
    (:meth:`details`, tooltip and accessible description) and its id.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[RowT] = []

    def set_rows(self, rows: Sequence[RowT]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> RowT | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, index: Index) -> RowT | None:
        """The row an index of a view points at (None for an invalid index)."""
        return self.row_at(index.row()) if index.isValid() else None

    @property
    def rows(self) -> list[RowT]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.display(row)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            return self.details(row)
        if role == ID_ROLE:
            return self.row_id(row)
        return None

    def display(self, row: RowT) -> str:
        raise NotImplementedError

    def details(self, row: RowT) -> str:
        return ""

    def row_id(self, row: RowT) -> str:
        return str(row.id)  # type: ignore[attr-defined]

    def set_rows_keeping(self, view: QAbstractItemView, rows: Sequence[RowT]) -> RowT | None:
        """Replace the rows and make the row that was current in ``view`` current again
        (by id; the first row when it is gone).  Returns the current row (None if empty)."""
        before = self.row_of(view.currentIndex())
        wanted = self.row_id(before) if before is not None else None
        self.set_rows(rows)
        keep = next((i for i, row in enumerate(self._rows)
                     if wanted is not None and self.row_id(row) == wanted), 0)
        if self._rows:
            view.selectionModel().setCurrentIndex(
                self.index(keep, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        return self.row_at(keep)


class ServiceListModel(RowListModel[ServiceRow]):
    """Directory search results for the signposting picker."""

    def display(self, row: ServiceRow) -> str:
        prefix = "Crisis support: " if row.is_crisis else ""
        return prefix + service_line(row)

    def details(self, row: ServiceRow) -> str:
        categories = ", ".join(vocabularies().service_categories.label(c) for c in row.categories)
        details = [row.organisation, categories, row.access_label, row.description]
        return "\n".join(d for d in details if d)


class RowTableModel(QAbstractTableModel, Generic[RowT]):
    """A read-only table over plain row values, one column per name in ``HEADERS``
    (never touches the database); subclasses say what each cell holds (``data``)."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[RowT] = []

    def set_rows(self, rows: Sequence[RowT]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    @property
    def rows(self) -> list[RowT]:
        return list(self._rows)

    def row_at(self, row: int) -> RowT | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None


class VisitTableModel(RowTableModel[VisitRow]):
    """Today's visits: one row per visit (current version), newest first as given.

    ``places`` (visit id -> venue, session type, volunteer) fills the Venue and
    Volunteer columns; a visit without one shows "—".
    """

    HEADERS = ("Time", "Venue", "Volunteer", "How they came", "Age, sex", "Topics", "Signposts",
               "Safeguarding", "Version", "Sending")
    STRETCH = "Topics"

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._places: dict[str, VisitPlace] = {}

    @classmethod
    def column(cls, header: str) -> int:
        return cls.HEADERS.index(header)

    def set_rows(self, rows: Sequence[VisitRow], places: Mapping[str, VisitPlace] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._places = dict(places or {})
        self.endResetModel()

    def _text(self, row: VisitRow, header: str) -> str:
        vocab = vocabularies()
        place = self._places.get(row.id)
        texts: dict[str, Callable[[], str]] = {
            "Time": lambda: row.local_time.strftime("%H:%M"),
            "Venue": lambda: place.venue if place and place.venue else "—",
            "Volunteer": lambda: place.volunteer if place and place.volunteer else "—",
            "How they came": lambda: vocab.contact_modes.label(row.contact_mode),
            "Age, sex": lambda: (f"{SHORT_ANSWERS.get(row.age_band) or vocab.age_bands.label(row.age_band)}"
                                 f" · {SHORT_ANSWERS.get(row.sex) or vocab.sexes.label(row.sex)}"),
            "Topics": lambda: ", ".join(vocab.mecc_topics.label(t) for t in row.topics) or "None",
            "Signposts": lambda: str(row.signposts),
            "Safeguarding": lambda: "⚠ Yes" if row.safeguarding else "No",
            "Version": lambda: f"v{row.version}",
            "Sending": lambda: sync_badge(row.sync_state),
        }
        return texts[header]()

    def _full_text(self, row: VisitRow, header: str) -> str:
        vocab = vocabularies()
        place = self._places.get(row.id)
        if header == "Age, sex":
            return f"Age {vocab.age_bands.label(row.age_band)}, sex {vocab.sexes.label(row.sex)}"
        if header == "Venue" and place and place.session_type:
            return f"{place.venue} ({vocab.session_types.label(place.session_type)})"
        return self._text(row, header)

    def _tooltip(self, row: VisitRow, header: str) -> str:
        if header == "Sending":
            return {"sent": "The server has this visit.",
                    "rejected": "The server could not take this visit; see the sync panel.",
                    "conflict": "Someone else changed this visit; a coordinator will resolve it.",
                    "resolved": "The server did not take this version; a coordinator marked it "
                                "as dealt with.",
                    }.get(row.sync_state, "Saved on this laptop; it will be sent at the next sync.")
        if header == "Version":
            return f"Version {row.version} (an edit saves a new version)"
        if header == "Safeguarding":
            return ("A safeguarding concern was raised for the coordinator." if row.safeguarding
                    else "No safeguarding concern.")
        if header == "Volunteer":
            return "Who recorded the visit"
        return self._full_text(row, header)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(self.HEADERS):
            return None
        row, header = self._rows[index.row()], self.HEADERS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, header)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, header)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{header}: {self._full_text(row, header)}"
        if role == ID_ROLE:
            return row.id
        return None
