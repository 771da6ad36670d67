"""The directory screen's table model and the words of one entry's details.

Status, "open now" and crisis support are said in words in their own columns (colour
is never the only signal); the model holds plain ``ServiceRow`` values only.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from hubdesk.core.vocab import vocabularies
from hubdesk.services.directory import ServiceRow
from hubdesk.services.suggestions import ACTION_WORDS, SuggestionRow
from hubdesk.ui.models import ID_ROLE, RowTableModel, name_without_status

Index = QModelIndex | QPersistentModelIndex

STATUS_MEANING = {"active": "Running", "paused": "Paused: not taking people for now",
                  "closed": "Closed: this service has stopped"}


class DirectoryTableModel(RowTableModel[ServiceRow]):
    """One row per service: name (crisis support said first), status, open now, checked."""

    HEADERS = ("Service", "Status", "Open now?", "Last checked")

    def row_of_id(self, service_id: str) -> int:
        return next((i for i, row in enumerate(self._rows) if row.id == service_id), -1)

    def _text(self, row: ServiceRow, column: int) -> str:
        if column == 0:
            return ("Crisis support: " if row.is_crisis else "") + name_without_status(row)
        if column == 1:
            return row.status_words
        if column == 2:  # short in the table; the details say it in full
            words = row.opening.words
            if words.startswith("Cannot tell") or not words:
                return "Cannot tell"
            return (words.replace("Open now (any time)", "Open any time")
                    .replace("Open now, ", "Open, ").replace("Closed now, ", "Closed, "))
        return row.verified_words

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(self.HEADERS):
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, index.column())
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.HEADERS[index.column()]}: {self._text(row, index.column())}"
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == 1:
                return STATUS_MEANING.get(row.status, row.status)
            if index.column() == 2:
                return row.opening.words or "No opening times given"
            return self._text(row, index.column())
        if role == ID_ROLE:
            return row.id
        return None


def details_html(row: ServiceRow, suggestions: Sequence[SuggestionRow]) -> str:
    """Everything the directory says about one service, with this laptop's suggestions
    about it near the top."""
    vocab = vocabularies()
    lines = [f"<h3>{escape(name_without_status(row))}</h3>"]
    if row.is_crisis:
        lines.append("<p><b>Crisis support</b>: always listed first.</p>")
    lines.append(f"<p><b>Status:</b> {escape(STATUS_MEANING.get(row.status, row.status))}</p>")
    for suggestion in suggestions:  # first: what the coordinator is waiting on
        what = ACTION_WORDS.get(suggestion.action, suggestion.action)
        if suggestion.changed:
            what += f" ({', '.join(suggestion.changed)})"
        lines.append(f"<p><b>Your suggestion:</b> {escape(what)}. {escape(suggestion.words)}.</p>")

    def add(label: str, value: str) -> None:
        if value:
            lines.append(f"<p><b>{label}:</b> {escape(value)}</p>")

    add("Organisation", row.organisation)
    add("Categories", ", ".join(vocab.service_categories.label(c) for c in row.categories))
    add("About", row.description)
    add("Phone", row.phone.replace(" ", "\u00a0"))
    add("Website", row.web)
    add("Email", row.email)
    add("Opening times", row.opening_times or "Not given")
    add("Open now", row.opening.words)
    add("Area", row.area)
    add("Who it is for", row.eligibility)
    add("How people get in touch", row.access_label)
    add("Last checked by the council", row.verified_words)
    return "".join(lines)
