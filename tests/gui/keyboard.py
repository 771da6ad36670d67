"""Keyboard-only driving of the visit form, counting the key presses it needs.

What counts: every key press that is not free text — Tab, arrows, Space, Enter, Esc,
shortcuts (Alt+letter = 1), and single letters/digits typed into a closed combo box to
choose an answer ("w" for Walk-in).  What does not count: characters typed into a search
box or a free-text field (``KeyCounter.type``).  Keys always go to the widget that has
focus, as a real keyboard would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

ALT = Qt.KeyboardModifier.AltModifier
NONE = Qt.KeyboardModifier.NoModifier


@dataclass
class KeyCounter:
    qtbot: QtBot
    count: int = 0
    log: list[str] = field(default_factory=list)

    def focus(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has keyboard focus"
        return widget

    def press(self, key: Qt.Key | str, modifier: Qt.KeyboardModifier = NONE) -> None:
        """One counted key press, sent to the focused widget."""
        target = self.focus()
        self.qtbot.keyClick(target, key, modifier)
        self.count += 1
        name = key if isinstance(key, str) else Qt.Key(key).name
        prefix = "Alt+" if modifier == ALT else ""
        self.log.append(f"{prefix}{name}@{type(target).__name__}")

    def type(self, text: str) -> None:
        """Free text into the focused search or text box (not counted)."""
        self.qtbot.keyClicks(self.focus(), text)
        self.log.append(f"'{text}'")


def type_standard_visit(qtbot: QtBot, form: QWidget) -> int:
    """Record the standard visit by keyboard only; returns the counted key presses.

    Walk-in, 65–74, female; Alcohol (Advise, thinking about it, leaflet) and Physical
    activity (Assist, intends to use a service, signposted); one signpost found by typing
    "exercise referral" in the picker (its topic is guessed: Physical activity); Enter saves.
    Focus must be on the form's first field ("How did they come to you?").
    """
    keys = KeyCounter(qtbot)
    keys.press("w")                 # Walk-in
    keys.press(Qt.Key.Key_Tab)      # -> Age band
    keys.press("6")                 # 65–74
    keys.press(Qt.Key.Key_Tab)      # -> Sex
    keys.press("f")                 # Female
    keys.press(Qt.Key.Key_P, ALT)   # Find a topic
    keys.type("alcohol")
    keys.press(Qt.Key.Key_Return)   # ticks Alcohol, focus -> its furthest step
    keys.press("3")                 # Advise
    keys.press(Qt.Key.Key_Tab)
    keys.press("t")                 # Thinking about it
    keys.press(Qt.Key.Key_Tab)
    keys.press("l")                 # Leaflet
    keys.press(Qt.Key.Key_P, ALT)
    keys.type("physical")
    keys.press(Qt.Key.Key_Return)   # ticks Physical activity
    keys.press("4")                 # Assist
    keys.press(Qt.Key.Key_Tab)
    keys.press("i")                 # Intends to use a service
    keys.press(Qt.Key.Key_Tab)
    keys.press("s")                 # Signposted
    keys.press(Qt.Key.Key_O, ALT)   # Signpost to a service
    keys.type("exercise referral")
    keys.press(Qt.Key.Key_Return)   # adds the first match
    keys.press(Qt.Key.Key_Return)   # saves
    print(f"standard visit by keyboard: {keys.count} key presses: {' '.join(keys.log)}")
    return keys.count


# -- plain keyboard helpers for screens other than the visit form ------------------------------


def focused() -> QWidget:
    """The widget a real keyboard's keys would go to."""
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has keyboard focus"
    return widget


def press(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = NONE) -> None:
    qtbot.keyClick(focused(), key, modifier)


def tab_to(qtbot: QtBot, target: QWidget, limit: int = 25) -> None:
    """Press Tab (on whatever has focus) until ``target`` has focus."""
    for _ in range(limit):
        if focused() is target:
            return
        press(qtbot, Qt.Key.Key_Tab)
    assert focused() is target, f"Tab never reached {target.accessibleName() or target!r}"
