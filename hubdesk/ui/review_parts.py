"""Parts of a review dialog (alerts, follow-ups): the shaded "About this …" panel with
its selectable text, and a list as tall as its rows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QListView, QVBoxLayout

from hubdesk.ui.widgets import Heading, em


def plain_text_label(accessible_name: str = "", *, focusable: bool = False) -> QLabel:
    """A wrapping plain-text label whose text can be selected (and, ``focusable``, reached
    by Tab and read out)."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                  | Qt.TextInteractionFlag.TextSelectableByMouse)
    if focusable:
        label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    if accessible_name:
        label.setAccessibleName(accessible_name)
    return label


def details_panel(heading: str) -> tuple[QFrame, QVBoxLayout, QLabel]:
    """The shaded "About this …" box of a review dialog: (frame, its layout, the focusable
    details label, named by ``heading``)."""
    frame = QFrame()
    frame.setObjectName("notice")
    layout = QVBoxLayout(frame)
    layout.setSpacing(em(frame, 0.3))
    layout.addWidget(Heading(heading, level=2))
    details = plain_text_label(heading, focusable=True)
    layout.addWidget(details)
    return frame, layout, details


def fit_list_to_rows(view: QListView, most: int, extra_em: float = 0.4) -> None:
    """Make a review list as tall as its rows, up to ``most`` (it scrolls beyond): no
    empty box, no row cut in half."""
    shown = min(view.model().rowCount(), most)
    rows = sum(max(view.sizeHintForRow(r), em(view, 1.2)) + 2 * view.spacing()
               for r in range(shown))
    view.setFixedHeight(rows + 2 * view.frameWidth() + em(view, extra_em))
