"""The capture form's small building blocks: a wrapping layout for the topic chips,
combo boxes that choose by typing, the chips themselves and the note box.

Also the screen's additions to the app stylesheet (``local_style``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QComboBox, QLayout, QLayoutItem, QPlainTextEdit, QPushButton, QWidget

from hubdesk.core.paths import resources_dir
from hubdesk.core.vocab import vocabularies
from hubdesk.ui.widgets import em

# Additions to resources/style.qss for this screen (same palette, all pairs ≥ 4.5:1).
# Checked chips and the open expander keep a normal weight: Qt sizes buttons for the
# unchecked font, so a bold checked state would clip the text.
LOCAL_STYLE = """
QLabel#crisisLine {
    border-left: 6px solid #b21e0e; background-color: #f3f2f1; padding: 0.3em 0.5em;
}
QLabel#confirmation {
    border-left: 6px solid #00703c; background-color: #f3f2f1; padding: 0.3em 0.5em;
    font-weight: bold;
}
QLabel#warningNote {
    border-left: 6px solid #b21e0e; background-color: #f3f2f1; padding: 0.3em 0.5em;
    font-weight: bold;
}
QPushButton#topicChip { padding: 0.2em 0.6em; }
QPushButton#topicChip:checked { font-weight: normal; }
QToolButton#expander:checked {
    color: #0b0c0c; background-color: #f3f2f1; border: 2px solid #0b0c0c; font-weight: normal;
}
QToolButton#expander:focus, QToolButton#expander:checked:focus {
    color: #0b0c0c; background-color: #ffdd00; border: 3px solid #0b0c0c;
}
QFrame#identityBox { border-left: 4px solid #b1b4b6; }
QFrame#askBox { border-left: 6px solid #1d70b8; background-color: #f3f2f1; }
"""


def local_style() -> str:
    """LOCAL_STYLE with the bundled icons' folder filled in (as the app stylesheet does)."""
    return LOCAL_STYLE.replace("@ICONS@", (resources_dir() / "icons").as_posix())


FIRST_VISIT_CHOICES: list[tuple[bool | None, str]] = [(None, "Not asked"), (True, "Yes"), (False, "No")]



class FlowLayout(QLayout):
    """Lays widgets out left to right and wraps them (for the topic chips)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line_height = area.x(), area.y(), 0
        for item in self._items:
            widget = item.widget()
            if widget is not None and widget.isHidden():
                continue
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line_height > 0:
                x, y, line_height = area.x(), y + line_height + self._gap, 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._gap
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + margins.bottom()


class KeyCombo(QComboBox):
    """A combo box that also selects its n-th item with the digit n (when ``digit_keys``).

    Type-to-select starts afresh each time the box gets focus (Qt would otherwise glue a
    letter typed now to one typed in the same box a moment ago).
    """

    def __init__(self, parent: QWidget | None = None, *, digit_keys: bool = False) -> None:
        super().__init__(parent)
        self.digit_keys = digit_keys

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.view().keyboardSearch("")
        super().focusInEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if self.digit_keys and text.isdigit() and 1 <= int(text) <= self.count():
            self.setCurrentIndex(int(text) - 1)
            event.accept()
            return
        super().keyPressEvent(event)


def make_combo(terms: Sequence[tuple[Any, str]], placeholder: str | None = None, *,
           digit_keys: bool = False) -> KeyCombo:
    combo = KeyCombo(digit_keys=digit_keys)
    if placeholder is not None:
        combo.addItem(placeholder, None)
    for code, label in terms:
        combo.addItem(label, code)
    combo.setMaxVisibleItems(12)
    return combo


def vocab_pairs(name: str) -> list[tuple[str, str]]:
    return [(t.code, t.label) for t in vocabularies().get(name).terms]


class ChipGroup(QWidget):
    """Topic chips: checkable buttons, one Tab stop; arrows move, Space toggles.

    A chosen chip says so in text ("✓ Alcohol"), not only in colour.

    Signals:
        toggled(str, bool): a topic was ticked (True) or unticked (False).
    """

    toggled = Signal(str, bool)

    def __init__(self, terms: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Topics")
        layout = FlowLayout(self, spacing=em(self, 0.35))
        layout.setContentsMargins(0, 0, 0, 0)
        self.chips: dict[str, QPushButton] = {}
        self.labels = dict(terms)
        self._order: list[str] = []
        self._current = 0
        for code, label in terms:
            chip = QPushButton(self._text(label, False))
            chip.setObjectName("topicChip")
            chip.setCheckable(True)
            chip.setAutoDefault(False)
            chip.setAccessibleName(label)
            chip.setToolTip(f"{label}: Space ticks or unticks it")
            chip.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            chip.toggled.connect(functools.partial(self._on_toggled, code))
            chip.installEventFilter(self)
            layout.addWidget(chip)
            self.chips[code] = chip
        self._codes = list(self.chips)
        if self._codes:
            self.chips[self._codes[0]].setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    @staticmethod
    def _text(label: str, checked: bool) -> str:
        return f"✓ {label}" if checked else f"+ {label}"

    def checked(self) -> list[str]:
        """Ticked topics in the order they were ticked."""
        return list(self._order)

    def set_checked(self, codes: Sequence[str]) -> None:
        for chip in self.chips.values():
            chip.blockSignals(True)
            chip.setChecked(False)
        self._order = []
        for code in codes:
            if code in self.chips:
                self.chips[code].setChecked(True)
                self._order.append(code)
        for code, chip in self.chips.items():
            chip.setText(self._text(self.labels[code], chip.isChecked()))
            chip.blockSignals(False)

    def set_checked_one(self, code: str, on: bool) -> None:
        chip = self.chips.get(code)
        if chip is not None and chip.isChecked() != on:
            chip.setChecked(on)

    def tab_stops(self) -> list[QWidget]:
        return [self.chips[c] for c in self._codes]

    def _on_toggled(self, code: str, on: bool) -> None:
        chip = self.chips[code]
        chip.setText(self._text(self.labels[code], on))
        if on and code not in self._order:
            self._order.append(code)
        elif not on and code in self._order:
            self._order.remove(code)
        self.toggled.emit(code, on)

    def _make_current(self, index: int) -> None:
        for position, code in enumerate(self._codes):
            self.chips[code].setFocusPolicy(
                Qt.FocusPolicy.StrongFocus if position == index else Qt.FocusPolicy.ClickFocus)
        self._current = index

    def _neighbour(self, index: int, key: int) -> int:
        count = len(self._codes)
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Left):
            return (index + (1 if key == Qt.Key.Key_Right else -1)) % count
        if key == Qt.Key.Key_Home:
            return 0
        if key == Qt.Key.Key_End:
            return count - 1
        here = self.chips[self._codes[index]].geometry()
        down = key == Qt.Key.Key_Down
        best, best_score = index, None
        for position, code in enumerate(self._codes):
            other = self.chips[code].geometry()
            if (down and other.top() > here.bottom()) or (not down and other.bottom() < here.top()):
                score = (abs(other.top() - here.top()), abs(other.center().x() - here.center().x()))
                if best_score is None or score < best_score:
                    best, best_score = position, score
        return best

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(watched, QPushButton) and watched in self.chips.values():
            index = self._codes.index(next(c for c, w in self.chips.items() if w is watched))
            if event.type() == QEvent.Type.FocusIn:
                self._make_current(index)
            elif event.type() == QEvent.Type.KeyPress:
                assert isinstance(event, QKeyEvent)
                if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
                                   Qt.Key.Key_Home, Qt.Key.Key_End):
                    target = self._neighbour(index, event.key())
                    self._make_current(target)
                    self.chips[self._codes[target]].setFocus(Qt.FocusReason.TabFocusReason)
                    return True
        return super().eventFilter(watched, event)


class NoteEdit(QPlainTextEdit):
    """The short note: Tab moves on, Ctrl+Enter saves the visit.

    Signals:
        submit(): Ctrl+Enter.
    """

    submit = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submit.emit()
            event.accept()
            return
        super().keyPressEvent(event)
