"""The signposting picker's search parts: the search box, the results list, the topic a
service is most likely for, and phone numbers that never wrap.

Signals: see each class.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListView

# service category -> the MECC topic a signpost in it is most likely for
CATEGORY_TOPICS: dict[str, str] = {
    "stop_smoking": "smoking",
    "alcohol_drugs": "alcohol",
    "weight": "healthy_weight",
    "activity": "physical_activity",
    "mental_health": "mental_wellbeing",
    "crisis": "mental_wellbeing",
    "social": "loneliness",
    "social_prescribing": "loneliness",
    "carers": "carer",
    "bereavement": "bereavement",
    "money": "money",
    "energy": "fuel",
    "food": "food",
    "housing": "housing",
    "employment": "employment",
    "digital": "forms_digital",
    "falls": "falls",
    "adult_social_care": "support_at_home",
}


def guess_topic(categories: Sequence[str], topics: Sequence[str]) -> str | None:
    """The chosen topic a service is most likely for (None when there is no good guess)."""
    wanted = [CATEGORY_TOPICS[c] for c in categories if c in CATEGORY_TOPICS]
    for topic in topics:
        if topic in wanted:
            return topic
    return topics[0] if len(topics) == 1 else None


class SearchEdit(QLineEdit):
    """A search box where Enter picks a result when there is text (else it passes Enter on,
    so the form saves) and Down moves into the results.

    Signals:
        pick_requested(): Enter with text in the box.
        down_pressed(): the Down arrow.
    """

    pick_requested = Signal()
    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain and self.text().strip():
            self.pick_requested.emit()
            event.accept()
            return
        if key == Qt.Key.Key_Down and plain:
            self.down_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class ResultsView(QListView):
    """Results list: Enter or Space adds the current service; Up on the first row goes back.

    Signals:
        pick_requested(): Enter/Space on a result.
        up_from_top(): Up pressed on the first row.
    """

    pick_requested = Signal()
    up_from_top = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.currentIndex().isValid():
            self.pick_requested.emit()
            event.accept()
            return
        if key == Qt.Key.Key_Up and self.currentIndex().row() <= 0:
            self.up_from_top.emit()
            event.accept()
            return
        super().keyPressEvent(event)


def unbroken(number: str) -> str:
    """A phone number that cannot wrap: non-breaking spaces and hyphens."""
    return number.replace(" ", "\u00a0").replace("-", "\u2011")
