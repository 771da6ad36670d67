"""Help: every keyboard shortcut of the window, and the "Your first lunch club" guide.

The shortcut list is read from the window itself each time it opens (its QActions,
its QShortcuts and the Alt+letter keys of the labels that move focus to a field), so
a shortcut added anywhere in the window is listed without anyone editing a list here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QTextBrowser, QWidget

from hubdesk.core.paths import resources_dir
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.widgets import em

GUIDE_FILE = Path("help") / "first_lunch_club.md"
ALWAYS = (("Enter", "Save (in a form or dialog)"), ("Esc", "Cancel or close"),
          ("Tab / Shift+Tab", "Move to the next / previous field"))


@dataclass(frozen=True)
class ShortcutLine:
    section: str
    keys: str
    what: str


def key_text(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.NativeText)


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def mnemonic_key(text: str) -> str:
    """"Alt+P" for a label text "Find a to&pic"; "" when it has no mnemonic."""
    at = text.replace("&&", "").find("&")
    cleaned = text.replace("&&", "")
    if at < 0 or at + 1 >= len(cleaned):
        return ""
    return key_text(QKeySequence(f"Alt+{cleaned[at + 1].upper()}"))


def window_shortcuts(window: QWidget) -> list[ShortcutLine]:
    """Every shortcut the window answers to, in menu order, then the fields' Alt keys."""
    lines: list[ShortcutLine] = []
    seen: set[tuple[str, str]] = set()

    def add(section: str, keys: str, what: str) -> None:
        if keys and (keys, what) not in seen:
            seen.add((keys, what))
            lines.append(ShortcutLine(section, keys, what))

    menu_bar = getattr(window, "menuBar", None)
    if callable(menu_bar):
        for menu_action in menu_bar().actions():
            menu = menu_action.menu()
            if menu is None:
                continue
            section = _plain(menu_action.text())
            for action in menu.actions():
                for sequence in action.shortcuts():
                    add(section, key_text(sequence), _plain(action.text()))
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            add("Other", key_text(sequence), _plain(action.text()) or action.toolTip())
    listed = {line.keys for line in lines}
    for shortcut in window.findChildren(QShortcut):  # e.g. F5 inside the sync panel
        keys = key_text(shortcut.key())
        if keys not in listed:
            add("Other", keys, shortcut.whatsThis() or "Shortcut")
    for label in window.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is None or not label.text():
            continue
        add("Move to a field", mnemonic_key(label.text()), _plain(label.text()))
    for keys, what in ALWAYS:
        add("Everywhere", keys, what)
    return lines


def shortcuts_html(lines: list[ShortcutLine]) -> str:
    parts: list[str] = []
    section = None
    for line in lines:
        if line.section != section:
            if section is not None:
                parts.append("</table>")
            section = line.section
            parts.append(f"<h3>{html.escape(section)}</h3><table cellpadding='4'>")
        parts.append(f"<tr><td><b>{html.escape(line.keys)}</b></td>"
                     f"<td>{html.escape(line.what)}</td></tr>")
    if section is not None:
        parts.append("</table>")
    return "".join(parts)


class _ReadingDialog(BaseDialog):
    """A heading and one scrollable, keyboard-readable text (Esc or Enter closes)."""

    def __init__(self, title: str, heading: str, parent: QWidget | None, intro: str = "") -> None:
        super().__init__(title, heading, parent, intro=intro, ok_text="Close", cancel_text=None)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.setAccessibleName(heading)
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(em(self, 18))
        self.add_widget(self.text)
        self.body_layout.setStretchFactor(self.text, 1)

    def show_text(self) -> None:
        self.fit_to_screen(44)
        screen = self.screen()
        if screen is not None:
            self.resize(self.width(), min(em(self, 34), screen.availableGeometry().height() - 80))
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)


class ShortcutsDialog(_ReadingDialog):
    """Help ▸ Keyboard shortcuts: read from ``window`` when it opens."""

    def __init__(self, window: QWidget, parent: QWidget | None = None) -> None:
        super().__init__("Keyboard shortcuts", "Keyboard shortcuts", parent,
                         intro="Menus show these keys too. Alt+a letter moves to the field "
                               "whose label has that letter underlined.")
        self.lines = window_shortcuts(window)
        self.text.setHtml(shortcuts_html(self.lines))
        self.show_text()

    def plain_text(self) -> str:
        return self.text.toPlainText()


def guide_markdown() -> str:
    return (resources_dir() / GUIDE_FILE).read_text(encoding="utf-8")


class GuideDialog(_ReadingDialog):
    """Help ▸ Your first lunch club: the one-page guide (``resources/help``; the dialog's
    heading is its title, so the file starts with its first paragraph)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Your first lunch club", "Your first lunch club", parent)
        self.text.setMarkdown(guide_markdown())
        self.show_text()
