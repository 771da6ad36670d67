"""Small shared widgets: a labelled field (label above, inline error), an error summary,
headings and a few helpers every screen uses.

Accessibility rules baked in here so screens get them for free: the label is the
input's buddy and its accessible name, the error is said next to the field (text,
not colour alone), and sizes come from the font, never from pixels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from PySide6.QtCore import QAbstractItemModel
    from PySide6.QtWidgets import QComboBox, QListView
    from sqlalchemy.orm import Session

    from hubdesk.ui.context import AppContext


def em(widget: QWidget, count: float = 1.0) -> int:
    """``count`` times the widget font's height in pixels (for spacing that follows the font)."""
    return max(1, round(widget.fontMetrics().height() * count))


def set_dynamic_property(widget: QWidget, name: str, value: object) -> None:
    """Set a property used by the stylesheet and re-polish so the style updates."""
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


class Heading(QLabel):
    """The one clear heading of a screen (``level`` 1) or a section heading (2)."""

    def __init__(self, text: str, level: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("heading" if level == 1 else "subheading")
        self.setProperty("headingLevel", level)
        self.setWordWrap(True)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * (1.6 if level == 1 else 1.25))
        font.setBold(True)
        self.setFont(font)
        self.setAccessibleName(text)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setAccessibleName(text)


class HintLabel(QLabel):
    """Secondary text under a heading or label (still ≥ 4.5:1 contrast in the stylesheet)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("hint")
        self.setWordWrap(True)


class ErrorLabel(QLabel):
    """An inline error message next to a field: hidden until there is something to say.

    The message starts with "Error:" for screen readers and so colour is not the only signal.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.hide()

    def set_error(self, message: str | None) -> None:
        if message:
            self.setText(f"Error: {message}")
            self.setAccessibleName(f"Error: {message}")
            self.show()
        else:
            self.clear()
            self.setAccessibleName("")
            self.hide()

    @property
    def message(self) -> str:
        return self.text().removeprefix("Error: ")


class LabelledField(QWidget):
    """A label ABOVE its input, an optional hint, and an inline error label.

    The label is the input's buddy (Alt+mnemonic focuses it) and the input's
    accessible name.  ``set_error`` marks the input (``invalid`` property used by
    the stylesheet) and shows the message; ``set_error(None)`` clears it.
    """

    def __init__(self, label: str, field: QWidget, hint: str = "",
                 parent: QWidget | None = None, *, name: str = "") -> None:
        super().__init__(parent)
        self.field = field
        self.name = name
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(max(2, em(self, 0.25)))
        self.label = QLabel(label)
        self.label.setObjectName("fieldLabel")
        self.label.setWordWrap(True)
        self.label.setBuddy(field)
        layout.addWidget(self.label)
        self.hint = HintLabel(hint)
        self.hint.setVisible(bool(hint))
        layout.addWidget(self.hint)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        layout.addWidget(field)
        plain = label.replace("&&", "\0").replace("&", "").replace("\0", "&")
        field.setAccessibleName(plain)
        if hint:
            field.setAccessibleDescription(hint)
        self.setFocusProxy(field)

    @property
    def plain_label(self) -> str:
        return self.field.accessibleName()

    def set_error(self, message: str | None) -> None:
        self.error.set_error(message)
        set_dynamic_property(self.field, "invalid", bool(message))
        base = self.plain_label
        self.field.setAccessibleDescription(f"Error: {message}" if message else self.hint.text())
        self.field.setAccessibleName(base)

    @property
    def has_error(self) -> bool:
        return not self.error.isHidden()


class ErrorSummary(QFrame):
    """"There is a problem": the list of errors at the top of a form.

    Each entry is a link; activating it emits ``focus_requested(name)`` and, when
    the field was registered with :meth:`set_errors`' ``fields``, focuses it.
    The summary takes focus so a screen reader says it, but it never swallows typing:
    a key that is not for the summary (not Tab, Enter or an arrow between links) moves
    focus to the first field with an error and goes on to it.

    Signals:
        focus_requested(str): the user chose an error in the summary.
    """

    focus_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None, title: str = "There is a problem") -> None:
        super().__init__(parent)
        self.setObjectName("errorSummary")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        self.title = QLabel(title)
        self.title.setObjectName("errorSummaryTitle")
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.body = QLabel()
        self.body.setObjectName("errorSummaryBody")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByKeyboard
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.body.linkActivated.connect(self._on_link)
        layout.addWidget(self.body)
        self._fields: dict[str, QWidget] = {}
        self._names: list[str] = []
        self._messages: list[str] = []
        self.body.installEventFilter(self)
        self.hide()

    @property
    def messages(self) -> list[str]:
        return list(self._messages)

    def first_field(self) -> QWidget | None:
        return next((self._fields[n] for n in self._names if n in self._fields), None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._pass_on(event):
            super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.body and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._pass_on(event)
        return super().eventFilter(watched, event)

    def _pass_on(self, event: QKeyEvent) -> bool:
        """Send a key meant for a field on to the first field with an error."""
        kept = {Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Return, Qt.Key.Key_Enter,
                Qt.Key.Key_Escape, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left,
                Qt.Key.Key_Right}
        plain = not event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier
                                          | Qt.KeyboardModifier.KeypadModifier)
        target = self.first_field()
        if event.key() in kept or not plain or not event.text() or target is None:
            return False
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        QApplication.sendEvent(target, QKeyEvent(event.type(), event.key(), event.modifiers(),
                                                 event.text(), event.isAutoRepeat(), event.count()))
        return True

    def set_errors(self, errors: Mapping[str, str] | Iterable[str],
                   fields: Mapping[str, QWidget] | None = None, *, focus: bool = True) -> None:
        """Show ``errors`` (name → message, or plain messages); hide when empty."""
        from html import escape

        items = list(errors.items()) if isinstance(errors, Mapping) else [("", m) for m in errors]
        self._fields = dict(fields or {})
        self._names = [name for name, _ in items]
        self._messages = [message for _, message in items]
        if not items:
            self.body.clear()
            self.hide()
            return
        lines = []
        for name, message in items:
            if name and name in self._fields:
                lines.append(f'<li><a href="{escape(name)}">{escape(message)}</a></li>')
            else:
                lines.append(f"<li>{escape(message)}</li>")
        self.body.setText("<ul style='margin-left:0'>" + "".join(lines) + "</ul>")
        self.setAccessibleDescription("; ".join(self._messages))
        self.show()
        if focus:
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_errors(self) -> None:
        self.set_errors({}, focus=False)

    def _on_link(self, name: str) -> None:
        self.focus_requested.emit(name)
        widget = self._fields.get(name)
        if widget is not None:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)


class QuestionBar(QFrame):
    """A question asked inside the page, not in a modal box: a line of text and its answer
    buttons (hidden until asked).  Whoever asks puts focus on the safe answer."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("askBox")
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(em(self, 0.5), em(self, 0.3), em(self, 0.5), em(self, 0.3))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAccessibleName(accessible_name)
        self._row.addWidget(self.text, 1)
        self.hide()

    def add_answer(self, text: str, tooltip: str = "") -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)
        if tooltip:
            button.setToolTip(tooltip)
        self._row.addWidget(button)
        return button

    def ask(self, question: str, focus: QWidget) -> None:
        self.text.setText(question)
        self.show()
        focus.setFocus(Qt.FocusReason.OtherFocusReason)


def can_take_tab_focus(widget: QWidget) -> bool:
    """The widget is a Tab stop right now (shown, enabled, accepts Tab focus)."""
    return (widget.isVisible() and widget.isEnabled()
            and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus))


def focus_chain_step(chain: Sequence[QWidget], forward: bool) -> bool:
    """Move focus to the next (previous) Tab stop of ``chain`` after the focused widget,
    going round; False when the focused widget is not in the chain (Qt decides then)."""
    current = QApplication.focusWidget()
    stops = [w for w in chain if can_take_tab_focus(w) or w is current]
    holder = current
    while holder is not None and holder not in stops:
        holder = holder.parentWidget()  # e.g. a combo box's line edit, a proxy's child
    if holder is None or len(stops) < 2:
        return False
    position = stops.index(holder)
    for step in range(1, len(stops) + 1):
        candidate = stops[(position + (step if forward else -step)) % len(stops)]
        if candidate is not holder and can_take_tab_focus(candidate):
            reason = Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason
            candidate.setFocus(reason)
            return True
    return False


def combo_with_terms(terms: Iterable[tuple[str, str]], placeholder: str | None = None) -> QComboBox:
    """A combo box of (code, label) pairs; the code is the item data.

    ``placeholder`` adds a first item with data None ("Choose…").
    """
    from PySide6.QtWidgets import QComboBox  # here: the PIN screen uses this module (issue 8)

    combo = QComboBox()
    if placeholder is not None:
        combo.addItem(placeholder, None)
    for code, label in terms:
        combo.addItem(label, code)
    return combo


def combo_select(combo: QComboBox, code: object) -> bool:
    """Select the item whose data is ``code``; return whether it was found."""
    index = combo.findData(code)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0


def line_edit(placeholder: str = "", *, max_length: int = 200) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setMaxLength(max_length)
    edit.setClearButtonEnabled(False)
    return edit


def review_list(model: QAbstractItemModel) -> QListView:
    """A list to pick one row from (open alerts, conflicts): one row at a time, rows
    wrap instead of being cut, and Tab leaves the list (arrow keys move within it)."""
    from PySide6.QtWidgets import QAbstractItemView, QListView  # (see combo_with_terms)

    view = QListView()
    view.setModel(model)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setWordWrap(True)
    view.setUniformItemSizes(False)
    view.setTabKeyNavigation(False)
    return view


def run_db(owner: QObject, context: AppContext, work: Callable[[Session], Any],
           on_success: Callable[[Any], None] | None = None,
           on_failure: Callable[[BaseException], None] | None = None) -> int:
    """``context.runner.run_db`` for a widget: callbacks are skipped once ``owner`` is
    destroyed (an answer can arrive after its dialog closed); a failure is then still
    reported in the one place for errors."""

    def succeeded(value: Any) -> None:
        if on_success is not None and shiboken6.isValid(owner):
            on_success(value)

    def failed(error: BaseException) -> None:
        if on_failure is not None and shiboken6.isValid(owner):
            on_failure(error)
        else:
            context.errors.report(error)

    return context.runner.run_db(work, succeeded, failed)
