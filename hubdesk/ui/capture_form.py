"""Quick visit capture: "Who did you talk to?" — recorded mostly by keyboard in well under a minute.

Keyboard contract (what ``tests/gui/keyboard.py`` relies on):

* focus starts on "How did they come to you?"; closed combo boxes select by typing
  (``w`` = Walk-in, ``6`` = 65–74, ``f`` = Female); the furthest-step combo also takes
  the digits 1–4 (Ask, Assess, Advise, Assist);
* Alt+P ("Find a topic"): type part of a topic, Enter ticks its chip and moves to that
  topic's row (step → response → action by Tab); the chips themselves are one Tab stop,
  arrows move between them and Space toggles;
* Alt+O ("Signpost to a service"): type, Enter adds the first match (Down to choose another);
* **Enter saves** from anywhere (a focused button is pressed instead); in the note
  Ctrl+Enter saves.  Esc clears the form (or cancels an edit), with Undo.

The unfinished form is autosaved as a draft ~500 ms after any change (on the database
lane) and restored when the volunteer unlocks again, so it survives the app being killed.

Signals:
    saved(str): a visit was saved (its id); the form has already reset for the next person.
    draft_saved(str): the autosaved draft (its id) is committed to the database.
    draft_restored(str): a draft was loaded into the form (its id).
    edit_loaded(str): a visit was loaded for editing (its id).
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import shiboken6
from PySide6.QtCore import QDate, QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hubdesk.core.clock import local_offset_minutes, local_today, to_local, utc_now
from hubdesk.core.errors import NotFoundError, ValidationError
from hubdesk.core.ids import uuid7
from hubdesk.core.paths import resources_dir
from hubdesk.core.vocab import vocabularies
from hubdesk.services import access, directory, visits
from hubdesk.services.common import Actor, Changes
from hubdesk.services.visits import AgreementAnswer, TopicAnswer, VisitForm
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import alive_only
from hubdesk.ui.signpost_picker import SearchEdit, SignpostPicker
from hubdesk.ui.widgets import (
    ErrorLabel,
    ErrorSummary,
    Heading,
    HintLabel,
    LabelledField,
    combo_select,
    em,
    set_dynamic_property,
)

log = logging.getLogger("hubdesk.ui.capture")

DRAFT_DEBOUNCE_MS = 500
IDENTITY_TEXT = "They want us to contact them or share their &details"
CLOSED, OPENED = "▶", "▼"  # the expander's state in text, not only in an icon

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
"""


def local_style() -> str:
    """LOCAL_STYLE with the bundled icons' folder filled in (as the app stylesheet does)."""
    return LOCAL_STYLE.replace("@ICONS@", (resources_dir() / "icons").as_posix())
FIRST_VISIT_CHOICES: list[tuple[bool | None, str]] = [(None, "Not asked"), (True, "Yes"), (False, "No")]


# ---- small building blocks ---------------------------------------------------------------

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


def _combo(terms: Sequence[tuple[Any, str]], placeholder: str | None = None, *,
           digit_keys: bool = False) -> KeyCombo:
    combo = KeyCombo(digit_keys=digit_keys)
    if placeholder is not None:
        combo.addItem(placeholder, None)
    for code, label in terms:
        combo.addItem(label, code)
    combo.setMaxVisibleItems(12)
    return combo


def _pairs(name: str) -> list[tuple[str, str]]:
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


@dataclass
class TopicRow:
    """The compact row under the chips for one chosen topic."""

    topic: str
    label: QLabel
    step: KeyCombo
    response: KeyCombo
    action: KeyCombo
    intervention_level: str = "very_brief"

    def widgets(self) -> list[QWidget]:
        return [self.label, self.step, self.response, self.action]

    def answer(self) -> TopicAnswer:
        return TopicAnswer(self.topic, self.step.currentData(), self.intervention_level,
                           self.response.currentData(), self.action.currentData())


@dataclass
class _Snapshot:
    form: dict[str, Any]
    edit_id: str | None
    edit_version: int
    names: dict[str, str]


def match_topic(text: str, terms: Sequence[tuple[str, str]]) -> str | None:
    """The topic a few typed letters most likely mean (label start, word start, then anywhere)."""
    needle = " ".join(text.lower().split())
    if not needle:
        return None
    lowered = [(code, label.lower()) for code, label in terms]
    for code, label in lowered:
        if label.startswith(needle):
            return code
    for code, label in lowered:
        if any(word.startswith(needle) for word in label.replace(",", " ").split()):
            return code
    for code, label in lowered:
        if needle in label or code.startswith(needle.replace(" ", "_")):
            return code
    return None


# ---- the form ------------------------------------------------------------------------------

class VisitCaptureForm(QWidget):
    saved = Signal(str)
    draft_saved = Signal(str)
    draft_restored = Signal(str)
    edit_loaded = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("captureForm")
        self.setStyleSheet(local_style())
        self.context = context
        self._actor: Actor | None = None
        self._draft_id = uuid7()
        self._draft_stored = False
        self._edit_id: str | None = None
        self._edit_version = 0
        self._loading = False
        self._saving = False
        self._save_when_settled = False
        self._undo: _Snapshot | None = None
        self._errors: dict[str, str] = {}
        self._rows: dict[str, TopicRow] = {}
        self._known_purposes: set[str] = set()
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DEBOUNCE_MS)
        self._draft_timer.timeout.connect(self._save_draft)
        self._loading = True
        self._build()
        self._loading = False
        self._load(VisitForm(), {}, edit_id=None, edit_version=0)
        context.actor_changed.connect(self._on_actor_changed)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
        self._set_mode_texts()
        self.setFocusProxy(self.contact_mode)
        if context.actor is not None:
            self._on_actor_changed(context.actor)

    # ---- building -------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        margin = em(self, 0.8)
        outer.setContentsMargins(margin, margin, margin, em(self, 0.4))
        outer.setSpacing(em(self, 0.4))

        self.heading = Heading("Who did you talk to?")
        outer.addWidget(self.heading)
        self.subheading = HintLabel()
        outer.addWidget(self.subheading)

        banner = QHBoxLayout()
        self.banner = QLabel()
        self.banner.setObjectName("confirmation")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Last action")
        self.banner.hide()
        banner.addWidget(self.banner, 1)
        self.undo_button = QPushButton("&Bring it back")
        self.undo_button.setAutoDefault(False)
        self.undo_button.setToolTip("Bring back what was cleared")
        self.undo_button.hide()
        self.undo_button.clicked.connect(self.undo)
        banner.addWidget(self.undo_button)
        outer.addLayout(banner)

        self.body = QWidget()
        self.body.setObjectName("captureBody")
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, em(self, 0.6), em(self, 0.6))
        body.setSpacing(em(self, 0.6))
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.body)
        outer.addWidget(self.scroll_area, 1)

        self.summary = ErrorSummary()
        self.summary.focus_requested.connect(self._focus_field)
        body.addWidget(self.summary)

        # -- about them
        self.contact_mode = _combo(_pairs("contact_modes"), "Choose…")
        self.contact_mode.setToolTip("Type the first letter to choose, e.g. W for Walk-in")
        self.referral = _combo(_pairs("referral_sources"), "Choose…")
        self.age_band = _combo(_pairs("age_bands"))
        self.sex = _combo(_pairs("sexes"))
        self.first_visit = _combo(FIRST_VISIT_CHOICES)
        self.visitor_code = QLineEdit()
        self.visitor_code.setMaxLength(16)
        self.postcode = QLineEdit()
        self.postcode.setMaxLength(5)
        self.fields: dict[str, LabelledField] = {
            "contact_mode": LabelledField("How did they come to you?", self.contact_mode),
            "referral_source": LabelledField("Who re&ferred them?", self.referral),
            "age_band": LabelledField("Age band", self.age_band),
            "sex": LabelledField("Sex", self.sex),
            "first_visit": LabelledField("First visit here?", self.first_visit,
                                         "Have they been before?"),
            "visitor_code": LabelledField("&Visitor code (optional)", self.visitor_code,
                                          "From their card, if they have one"),
            "postcode_district": LabelledField("Postcode d&istrict (optional)", self.postcode,
                                               "First half only, like SG1"),
        }
        # rows of side-by-side questions; a hidden question (referral) takes no room
        for names in (("contact_mode", "referral_source", "age_band", "sex"),
                      ("first_visit", "visitor_code", "postcode_district")):
            line = QHBoxLayout()
            line.setSpacing(em(self, 1.0))
            for name in names:
                line.addWidget(self.fields[name], 1, Qt.AlignmentFlag.AlignTop)
            if len(names) == 3:
                line.addStretch(1)
            body.addLayout(line)
        self.fields["referral_source"].hide()

        # -- topics
        body.addWidget(Heading("What did you talk about?", 2))
        topic_terms = _pairs("mecc_topics")
        self.topic_finder = SearchEdit()
        self.topic_finder.setPlaceholderText("e.g. alcohol, money, lonely")
        self.topic_finder_field = LabelledField(
            "Find a to&pic", self.topic_finder,
            "Type and press Enter, or tick topics below (arrows move, Space ticks)")
        self.topic_hint = HintLabel()
        self.topic_hint.setAccessibleName("Topic finder result")
        finder_row = QHBoxLayout()
        finder_row.setSpacing(em(self, 1.0))
        finder_row.addWidget(self.topic_finder_field, 1)
        finder_row.addWidget(self.topic_hint, 1, Qt.AlignmentFlag.AlignBottom)
        body.addLayout(finder_row)
        self.chips = ChipGroup(topic_terms)
        body.addWidget(self.chips)
        self.topics_error = ErrorLabel()
        body.addWidget(self.topics_error)
        self.topic_rows_box = QWidget()
        self.topic_grid = QGridLayout(self.topic_rows_box)
        self.topic_grid.setContentsMargins(0, 0, 0, 0)
        self.topic_grid.setHorizontalSpacing(em(self, 0.8))
        self.topic_grid.setVerticalSpacing(em(self, 0.35))
        for column, text in enumerate(("Topic", "Furthest step (1–4)", "Their response", "What you did")):
            header = QLabel(text)
            header.setObjectName("fieldLabel")
            self.topic_grid.addWidget(header, 0, column)
        self.topic_grid.setColumnStretch(0, 3)
        for column in (1, 2, 3):
            self.topic_grid.setColumnStretch(column, 3)
        self.topic_rows_box.hide()
        body.addWidget(self.topic_rows_box)

        # -- signposting
        body.addWidget(Heading("Signposting", 2))
        self.picker = SignpostPicker(self.context)
        body.addWidget(self.picker)

        # -- identity and agreements
        self.identity_toggle = QToolButton()
        self.identity_toggle.setText(f"{CLOSED} {IDENTITY_TEXT}")
        self.identity_toggle.setCheckable(True)
        self.identity_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.identity_toggle.setObjectName("expander")
        self.identity_toggle.setAccessibleName("They want us to contact them or share their details")
        self.identity_toggle.setAutoRaise(False)
        self.identity_toggle.setToolTip("Name, phone or email, a follow-up and what they agreed to")
        self.identity_toggle.toggled.connect(self._show_identity)
        body.addWidget(self.identity_toggle)
        self.identity_box = QFrame()
        self.identity_box.setObjectName("identityBox")
        identity = QGridLayout(self.identity_box)
        identity.setHorizontalSpacing(em(self, 1.0))
        identity.setVerticalSpacing(em(self, 0.5))
        self.preferred_name = QLineEdit()
        self.preferred_name.setMaxLength(80)
        self.contact = QLineEdit()
        self.contact.setMaxLength(120)
        self.fields["preferred_name"] = LabelledField("Preferred na&me", self.preferred_name)
        self.fields["contact"] = LabelledField("Phone or &email", self.contact,
                                               "Only when they agree to follow-up or sharing")
        identity.addWidget(self.fields["preferred_name"], 0, 0, Qt.AlignmentFlag.AlignTop)
        identity.addWidget(self.fields["contact"], 0, 1, Qt.AlignmentFlag.AlignTop)
        self.follow_up = QCheckBox("Plan a follow-up")
        self.follow_up_due = QDateEdit()
        self.follow_up_due.setCalendarPopup(True)
        self.follow_up_due.setDisplayFormat("d MMM yyyy")
        self.follow_up_method = _combo(_pairs("follow_up_methods"))
        self.fields["follow_up_due"] = LabelledField("Follow up by", self.follow_up_due)
        self.fields["follow_up_method"] = LabelledField("Follow up how?", self.follow_up_method)
        identity.addWidget(self.follow_up, 1, 0, 1, 2)
        identity.addWidget(self.fields["follow_up_due"], 2, 0, Qt.AlignmentFlag.AlignTop)
        identity.addWidget(self.fields["follow_up_method"], 2, 1, Qt.AlignmentFlag.AlignTop)
        self.agreement_box = QFrame()
        self.agreement_box.setObjectName("agreementBox")
        agreements = QVBoxLayout(self.agreement_box)
        agreements.setContentsMargins(0, em(self, 0.3), 0, 0)
        agreement_heading = QLabel("What have they agreed to?")
        agreement_heading.setObjectName("fieldLabel")
        agreements.addWidget(agreement_heading)
        agreements.addWidget(HintLabel(
            "Ask about each one. We keep a name or contact details only with their agreement "
            "to follow-up or to sharing."))
        self.agreement_checks: dict[str, QCheckBox] = {}
        checks = QGridLayout()
        for position, (code, label) in enumerate(_pairs("agreement_purposes")):
            check = QCheckBox(f"Yes: {label}")
            check.setAccessibleName(f"They agreed to: {label}")
            self.agreement_checks[code] = check
            checks.addWidget(check, position // 2, position % 2)
        agreements.addLayout(checks)
        self.agreement_method = _combo(_pairs("agreement_methods"))
        method_field = LabelledField("How did they agree?", self.agreement_method)
        method_field.setMaximumWidth(em(self, 18))
        agreements.addWidget(method_field)
        self.agreements_error = ErrorLabel()
        agreements.addWidget(self.agreements_error)
        identity.addWidget(self.agreement_box, 3, 0, 1, 2)
        identity.setColumnStretch(0, 1)
        identity.setColumnStretch(1, 1)
        self.identity_box.hide()
        body.addWidget(self.identity_box)

        # -- safeguarding and note
        self.safeguarding = QCheckBox("I have a safeguarding &concern")
        self.safeguarding.setObjectName("safeguarding")
        body.addWidget(self.safeguarding)
        self.safeguarding_note = QLabel(
            "What happens next: tell the coordinator now. When you save, an alert is raised "
            "for the coordinator.")
        self.safeguarding_note.setObjectName("warningNote")
        self.safeguarding_note.setWordWrap(True)
        self.safeguarding_note.hide()
        body.addWidget(self.safeguarding_note)
        self.note = NoteEdit()
        self.note.setAccessibleName("Short note")
        self.note.setFixedHeight(em(self, 3.6))
        self.fields["note"] = LabelledField(
            "Short &note (restricted)", self.note,
            "No names or contact details here. Ctrl+Enter saves.")
        body.addWidget(self.fields["note"])
        self.note_counter = HintLabel(f"0 of {visits.MAX_NOTE} characters")
        self.note_counter.setAccessibleName("Note length")
        body.addWidget(self.note_counter)
        body.addStretch(1)

        # -- actions (outside the scroll area: always reachable)
        actions = QHBoxLayout()
        actions.setSpacing(em(self, 0.6))
        self.status = HintLabel()
        self.status.setAccessibleName("Form status")
        actions.addWidget(self.status, 1)
        self.clear_button = QPushButton("Clear form (Esc)")
        self.clear_button.setAutoDefault(False)
        self.clear_button.setToolTip("Clear the form, or cancel an edit (Esc). You can undo it.")
        self.clear_button.clicked.connect(self.cancel)
        actions.addWidget(self.clear_button)
        self.save_button = QPushButton("Save visit (Enter)")
        self.save_button.setAutoDefault(False)
        self.save_button.setToolTip("Save this visit (Enter; Ctrl+Enter in the note)")
        set_dynamic_property(self.save_button, "primary", True)
        self.save_button.clicked.connect(self.save)
        actions.addWidget(self.save_button)
        outer.addLayout(actions)

        # -- change tracking
        for combo in (self.contact_mode, self.referral, self.age_band, self.sex, self.first_visit,
                      self.follow_up_method, self.agreement_method):
            combo.currentIndexChanged.connect(self._changed)
        for edit in (self.visitor_code, self.postcode, self.preferred_name, self.contact):
            edit.textChanged.connect(self._changed)
        self.contact_mode.currentIndexChanged.connect(self._contact_mode_changed)
        self.preferred_name.textChanged.connect(self._identity_changed)
        self.contact.textChanged.connect(self._identity_changed)
        for check in self.agreement_checks.values():
            check.toggled.connect(self._changed)
        self.follow_up.toggled.connect(self._follow_up_toggled)
        self.follow_up_due.dateChanged.connect(self._changed)
        self.safeguarding.toggled.connect(self._safeguarding_toggled)
        self.note.textChanged.connect(self._note_changed)
        self.note.submit.connect(self.save)
        self.chips.toggled.connect(self._topic_toggled)
        self.topic_finder.pick_requested.connect(self._pick_topic)
        self.topic_finder.textChanged.connect(self._topic_hint)
        self.picker.changed.connect(self._changed)
        self.picker.changed.connect(self._fix_tab_order)
        self.picker.settled.connect(self._picker_settled)
        self._follow_up_toggled(False)
        self._fix_tab_order()

    # ---- public API -----------------------------------------------------------------

    def start_new(self) -> None:
        """Ready for the next person: leaves an edit (undo-able) and focuses the first field.

        An unfinished new visit is kept (it is the autosaved draft), not cleared.
        """
        if self._edit_id is not None:
            self.cancel()
        self.focus_first()

    def edit_visit(self, visit_id: str) -> None:
        """Load a saved visit for editing; saving makes its next version.

        An unfinished new visit is kept as its draft and comes back when the edit is
        saved or cancelled.
        """
        self.flush_draft()  # the unfinished visit is committed before we switch

        actor = self.context.actor
        assert actor is not None

        def load(db: Session) -> tuple[VisitForm, int, dict[str, str]]:
            form = access.open_visit(db, actor, visit_id)
            names = directory.services_by_ids(db, [s.service_id for s in form.signposts])
            return form, visits.visit_version(db, visit_id), names

        def loaded(result: tuple[VisitForm, int, dict[str, str]]) -> None:
            form, version, names = result
            previous = self._snapshot()
            parked = previous.edit_id is None and not _blank(previous.form)
            dropped = previous if previous.edit_id is not None else None
            if dropped is not None:
                self._discard_draft()  # unsaved changes to the visit open before (undo-able)
            self._draft_timer.stop()
            self._draft_id, self._draft_stored = uuid7(), False
            self._load(form, names, edit_id=visit_id, edit_version=version)
            self._known_purposes = {a.purpose for a in form.agreements}
            if parked:
                self._show_banner("Your unfinished visit is kept: it comes back when you "
                                  "finish this edit.")
            elif dropped is not None:
                self._offer_undo("Changes you had not saved to the other visit were put away.",
                                 dropped)
            else:
                self._show_banner("")
            self.focus_first()
            self.edit_loaded.emit(visit_id)

        self.context.runner.run_db(load, alive_only(self, loaded))

    def save(self) -> None:
        """Validate, then record the visit (or the edit) on the database lane."""
        if self._saving:
            return
        if self.picker.pick_pending:  # Enter right after typing a service: add it first
            self._save_when_settled = True
            return
        actor = self.context.actor
        form = visits.normalise(self.collect())
        errors = visits.validate_visit(form)
        if actor is None:
            errors = {"session": "Unlock with your PIN before saving.", **errors}
        elif self._edit_id is None and not self.context.session_id:
            errors = {"session": "Open a session before recording visits.", **errors}
        if errors:
            self.show_errors(errors)
            return
        assert actor is not None
        self._saving = True
        self.save_button.setEnabled(False)
        self._draft_timer.stop()
        draft_id, edit_id, version = self._draft_id, self._edit_id, self._edit_version
        session_id = self.context.session_id or ""

        def work(db: Session) -> tuple[Changes, str]:
            if edit_id is not None:
                changes = access.save_visit_edit(db, actor, edit_id, form)
                visits.discard_draft(db, draft_id)
                return changes, edit_id
            changes = visits.record_visit(db, actor, session_id, form, draft_id=draft_id)
            return changes, _visit_id_in(db, changes)

        def done(result: tuple[Changes, str]) -> None:
            changes, visit_id = result
            self._saving = False
            self.save_button.setEnabled(True)
            if changes.kinds:  # the runner only announces a bare Changes; do it here
                self.context.runner.data_changed.emit(changes)
            self._after_save(form, visit_id, version, bool(changes.kinds))

        def failed(error: BaseException) -> None:
            if not shiboken6.isValid(self):
                self.context.errors.report(error)
                return
            self._saving = False
            self.save_button.setEnabled(True)
            if isinstance(error, ValidationError):
                self.show_errors(error.field_errors)
            elif isinstance(error, NotFoundError):
                self.show_errors({"session": str(error)})
            else:
                self.context.errors.report(error)

        self.context.runner.run_db(work, alive_only(self, done), failed)

    def cancel(self) -> None:
        """Esc: cancel an edit, or clear the form; both can be undone."""
        snapshot = self._snapshot()
        if self._edit_id is None and _blank(snapshot.form):
            self.clear_errors()
            self.focus_first()
            return
        was_edit = self._edit_id is not None
        self._reset()
        self._discard_draft()
        self._draft_id, self._draft_stored = uuid7(), False
        message = "Edit cancelled; the saved visit is unchanged." if was_edit else "Form cleared."
        self._offer_undo(message, snapshot)
        self.focus_first()
        if was_edit and self.context.actor is not None:
            self._restore_draft(self.context.actor, prefix=message)

    def undo(self) -> None:
        snapshot, self._undo = self._undo, None
        self.undo_button.hide()
        if snapshot is None:
            return
        self.flush_draft()
        # whatever is on screen now keeps its own draft; what comes back gets a new one
        self._draft_timer.stop()
        self._draft_id, self._draft_stored = uuid7(), False
        self._load(VisitForm.from_dict(snapshot.form), snapshot.names, edit_id=snapshot.edit_id,
                   edit_version=snapshot.edit_version)
        self._known_purposes = {a["purpose"] for a in snapshot.form.get("agreements", [])}
        self._show_banner("Brought back.")
        self._schedule_draft()
        self.focus_first()

    def collect(self) -> VisitForm:
        """The form's answers as a VisitForm (not yet normalised)."""
        contact_mode = self.contact_mode.currentData() or ""
        agreements = [AgreementAnswer(code, True, self.agreement_method.currentData())
                      for code, check in self.agreement_checks.items() if check.isChecked()]
        agreements += [AgreementAnswer(code, False, self.agreement_method.currentData())
                       for code, check in self.agreement_checks.items()
                       if not check.isChecked() and code in self._known_purposes]
        due: date | None = None
        if self.follow_up.isChecked():
            qdate = self.follow_up_due.date()
            due = date(qdate.year(), qdate.month(), qdate.day())
        return VisitForm(
            contact_mode=contact_mode,
            referral_source=self.referral.currentData() if contact_mode == "referred_in" else None,
            age_band=self.age_band.currentData(),
            sex=self.sex.currentData(),
            first_visit=self.first_visit.currentData(),
            visitor_code=self.visitor_code.text(),
            postcode_district=self.postcode.text(),
            topics=[self._rows[t].answer() for t in self.chips.checked() if t in self._rows],
            signposts=self.picker.signposts(),
            agreements=agreements,
            preferred_name=self.preferred_name.text(),
            contact=self.contact.text(),
            follow_up_due=due,
            follow_up_method=self.follow_up_method.currentData(),
            safeguarding=self.safeguarding.isChecked(),
            note=self.note.toPlainText(),
        )

    @property
    def editing(self) -> str | None:
        """The id of the visit being edited (None for a new visit)."""
        return self._edit_id

    @property
    def draft_id(self) -> str:
        return self._draft_id

    def topic_row(self, topic: str) -> TopicRow | None:
        return self._rows.get(topic)

    def focus_first(self) -> None:
        self.scroll_area.ensureVisible(0, 0)
        self.contact_mode.setFocus(Qt.FocusReason.OtherFocusReason)

    # ---- errors ---------------------------------------------------------------------

    def show_errors(self, errors: dict[str, str]) -> None:
        """Errors next to each field and summarised at the top (focus goes to the summary)."""
        self._errors = dict(errors)
        self._paint_errors()
        targets: dict[str, QWidget] = {name: field.field for name, field in self.fields.items()}
        targets["topics"] = self.topic_finder
        targets["signposts"] = self.picker.search
        targets["agreements"] = next(iter(self.agreement_checks.values()))
        for key in errors:
            if key.startswith("topic:") and key[6:] in self._rows:
                targets[key] = self._rows[key[6:]].step
        self.summary.set_errors(errors, targets)
        self.scroll_area.ensureVisible(0, 0)

    def clear_errors(self) -> None:
        self._errors = {}
        self._paint_errors()
        self.summary.clear_errors()

    def _paint_errors(self) -> None:
        errors = self._errors
        for name, field in self.fields.items():
            field.set_error(errors.get(name))
        topic_messages = [errors["topics"]] if "topics" in errors else []
        labels = vocabularies().mecc_topics
        for key, message in errors.items():
            if key.startswith("topic:"):
                topic = key[6:]
                topic_messages.append(f"{labels.label(topic)}: {message}")
                if topic in self._rows:
                    for combo in (self._rows[topic].step, self._rows[topic].response,
                                  self._rows[topic].action):
                        set_dynamic_property(combo, "invalid", True)
        for topic, row in self._rows.items():
            if f"topic:{topic}" not in errors:
                for combo in (row.step, row.response, row.action):
                    set_dynamic_property(combo, "invalid", False)
        self.topics_error.set_error("; ".join(topic_messages) or None)
        self.picker.set_error(errors.get("signposts"))
        self.agreements_error.set_error(errors.get("agreements"))
        if "agreements" in errors or "preferred_name" in errors or "contact" in errors \
                or "follow_up_method" in errors:
            self.identity_toggle.setChecked(True)

    def _focus_field(self, name: str) -> None:
        if name in ("agreements", "preferred_name", "contact", "follow_up_method"):
            self.identity_toggle.setChecked(True)

    # ---- reacting to input ------------------------------------------------------------

    def _changed(self, *_args: object) -> None:
        if self._loading:
            return
        if self._errors:  # errors disappear as they are fixed
            form = visits.normalise(self.collect())
            remaining = {k: v for k, v in visits.validate_visit(form).items() if k in self._errors}
            if "session" in self._errors:
                remaining["session"] = self._errors["session"]
            if remaining != self._errors:
                self._errors = remaining
                self._paint_errors()
                if remaining:
                    self.summary.set_errors(remaining, focus=False)
                else:
                    self.summary.clear_errors()
        if self.banner.isVisible() and not self.undo_button.isVisible():
            self.banner.hide()
        self._schedule_draft()

    def _picker_settled(self) -> None:
        if self._save_when_settled:
            self._save_when_settled = False
            self.save()

    def _contact_mode_changed(self) -> None:
        referred = self.contact_mode.currentData() == "referred_in"
        self.fields["referral_source"].setVisible(referred)

    def _identity_changed(self) -> None:
        self._update_agreement_visibility()

    def _update_agreement_visibility(self) -> None:
        has_identity = bool(self.preferred_name.text().strip() or self.contact.text().strip())
        any_agreed = any(check.isChecked() for check in self.agreement_checks.values())
        self.agreement_box.setVisible(has_identity or any_agreed or bool(self._known_purposes))

    def _show_identity(self, shown: bool) -> None:
        self.identity_toggle.setText(f"{OPENED if shown else CLOSED} {IDENTITY_TEXT}")
        self.identity_box.setVisible(shown)
        self._update_agreement_visibility()

    def _follow_up_toggled(self, on: bool) -> None:
        self.fields["follow_up_due"].setEnabled(on)
        self.fields["follow_up_method"].setEnabled(on)
        if on and not self._loading and self.follow_up_due.date() <= QDate.currentDate():
            self.follow_up_due.setDate(_qdate(local_today() + timedelta(days=7)))
        self._changed()

    def _safeguarding_toggled(self, on: bool) -> None:
        self.safeguarding_note.setVisible(on)
        self._changed()

    def _note_changed(self) -> None:
        length = len(self.note.toPlainText())
        over = length > visits.MAX_NOTE
        self.note_counter.setText(f"{length} of {visits.MAX_NOTE} characters"
                                  + (f" — {length - visits.MAX_NOTE} too many" if over else ""))
        set_dynamic_property(self.note_counter, "invalid", over)
        self._changed()

    def _topic_hint(self, text: str) -> None:
        code = match_topic(text, _pairs("mecc_topics"))
        if not text.strip():
            self.topic_hint.clear()
        elif code is None:
            self.topic_hint.setText("No topic matches; try another word, or tick “Something else”.")
        else:
            label = vocabularies().mecc_topics.label(code)
            done = code in self.chips.checked()
            self.topic_hint.setText(f"Already chosen: {label}" if done else f"Enter adds: {label}")

    def _pick_topic(self) -> None:
        code = match_topic(self.topic_finder.text(), _pairs("mecc_topics"))
        if code is None:
            return
        self.chips.set_checked_one(code, True)
        self.topic_finder.clear()
        row = self._rows.get(code)
        if row is not None:
            row.step.setFocus(Qt.FocusReason.OtherFocusReason)
            self.topic_hint.setText(f"Added: {vocabularies().mecc_topics.label(code)}")

    def _topic_toggled(self, code: str, on: bool) -> None:
        if on and code not in self._rows:
            self._add_row(TopicAnswer(code))
        elif not on and code in self._rows:
            row = self._rows.pop(code)
            for widget in row.widgets():
                self.topic_grid.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
        self._relayout_rows()
        self.picker.set_topics(self.chips.checked())
        self._changed()

    def _add_row(self, answer: TopicAnswer) -> TopicRow:
        vocab = vocabularies()
        label_text = vocab.mecc_topics.label(answer.topic)
        label = QLabel(label_text)
        label.setWordWrap(True)
        step = _combo([(t.code, f"{n} · {t.label}") for n, t in enumerate(vocab.mecc_steps.terms, 1)],
                      digit_keys=True)
        response = _combo(_pairs("responses"), "Not recorded")
        action = _combo(_pairs("actions"), "Not recorded")
        step.setAccessibleName(f"{label_text}: furthest step")
        step.setToolTip("1 Ask · 2 Assess · 3 Advise · 4 Assist")
        response.setAccessibleName(f"{label_text}: their response")
        action.setAccessibleName(f"{label_text}: what you did")
        combo_select(step, answer.furthest_step)
        combo_select(response, answer.response)
        combo_select(action, answer.action)
        for combo in (step, response, action):
            combo.currentIndexChanged.connect(self._changed)
        row = TopicRow(answer.topic, label, step, response, action, answer.intervention_level)
        self._rows[answer.topic] = row
        return row

    def _relayout_rows(self) -> None:
        order = [t for t in self.chips.checked() if t in self._rows]
        for topic in order:
            for widget in self._rows[topic].widgets():
                self.topic_grid.removeWidget(widget)
        for line, topic in enumerate(order, start=1):
            for column, widget in enumerate(self._rows[topic].widgets()):
                self.topic_grid.addWidget(widget, line, column)
                widget.show()
        self.topic_rows_box.setVisible(bool(order))
        self._fix_tab_order()

    def _fix_tab_order(self) -> None:
        chain: list[QWidget] = [self.contact_mode, self.referral, self.age_band, self.sex,
                                self.first_visit, self.visitor_code, self.postcode, self.topic_finder]
        chain += self.chips.tab_stops()
        for topic in self.chips.checked():
            if topic in self._rows:
                row = self._rows[topic]
                chain += [row.step, row.response, row.action]
        chain += self.picker.tab_chain()
        chain += [self.identity_toggle, self.preferred_name, self.contact, self.follow_up,
                  self.follow_up_due, self.follow_up_method, *self.agreement_checks.values(),
                  self.agreement_method, self.safeguarding, self.note, self.clear_button,
                  self.save_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and self.body.isAncestorOf(new):
            self.scroll_area.ensureWidgetVisible(new, em(self, 0.5), em(self, 1.5))

    # ---- keys -----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and mods in (
                Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier):
            focus = QApplication.focusWidget()
            pressable = isinstance(focus, QToolButton) or (
                isinstance(focus, QPushButton) and focus.objectName() != "topicChip"
                and focus is not self.save_button)
            if pressable and isinstance(focus, QAbstractButton) and focus.isEnabled():
                focus.click()
            else:
                self.save()
            event.accept()
            return
        if key == Qt.Key.Key_Escape and mods == Qt.KeyboardModifier.NoModifier:
            self.cancel()
            event.accept()
            return
        super().keyPressEvent(event)

    # ---- loading, resetting, the banner -------------------------------------------------

    def _set_mode_texts(self) -> None:
        if self._edit_id is None:
            self.heading.setText("Who did you talk to?")
            self.subheading.setText("")
            self.subheading.hide()
            self.save_button.setText("Save visit (Enter)")
            self.clear_button.setText("Clear form (Esc)")
        else:
            self.heading.setText(f"Edit visit (version {self._edit_version})")
            self.subheading.setText(f"Saving makes version {self._edit_version + 1}; "
                                    "the earlier version is kept.")
            self.subheading.show()
            self.save_button.setText("Save changes (Enter)")
            self.clear_button.setText("Cancel edit (Esc)")

    def _load(self, form: VisitForm, names: dict[str, str], *, edit_id: str | None,
              edit_version: int) -> None:
        self._loading = True
        try:
            self._edit_id, self._edit_version = edit_id, edit_version
            self._known_purposes = set()
            combo_select(self.contact_mode, form.contact_mode or None)
            combo_select(self.referral, form.referral_source)
            combo_select(self.age_band, form.age_band)
            combo_select(self.sex, form.sex)
            combo_select(self.first_visit, form.first_visit)
            self.visitor_code.setText(form.visitor_code)
            self.postcode.setText(form.postcode_district)
            for topic in list(self._rows):
                for widget in self._rows.pop(topic).widgets():
                    self.topic_grid.removeWidget(widget)
                    widget.hide()
                    widget.deleteLater()
            for answer in form.topics:
                self._add_row(answer)
            self.chips.set_checked([t.topic for t in form.topics])
            self._relayout_rows()
            self.picker.clear()
            self.picker.set_topics(self.chips.checked())
            self.picker.set_signposts(form.signposts, names)
            self._fix_tab_order()
            self.topic_finder.clear()
            self.topic_hint.clear()
            self.preferred_name.setText(form.preferred_name)
            self.contact.setText(form.contact)
            agreed = {a.purpose for a in form.agreements if a.given}
            for code, check in self.agreement_checks.items():
                check.setChecked(code in agreed)
            methods = [a.method for a in form.agreements]
            combo_select(self.agreement_method, methods[0] if methods else "verbal")
            self.follow_up.setChecked(form.follow_up_due is not None)
            self.follow_up_due.setDate(_qdate(form.follow_up_due or local_today() + timedelta(days=7)))
            self._follow_up_toggled(form.follow_up_due is not None)
            combo_select(self.follow_up_method, form.follow_up_method)
            self.safeguarding.setChecked(form.safeguarding)
            self.note.setPlainText(form.note)
            self.identity_toggle.setChecked(form.has_identity or bool(form.agreements)
                                            or form.follow_up_due is not None)
            self._update_agreement_visibility()
            self._contact_mode_changed()
            self._set_mode_texts()
        finally:
            self._loading = False
        self.clear_errors()

    def _reset(self) -> None:
        self._draft_timer.stop()
        self._load(VisitForm(), {}, edit_id=None, edit_version=0)
        self.identity_toggle.setChecked(False)

    def _snapshot(self) -> _Snapshot:
        form = self.collect()
        names = dict(zip([s.service_id for s in form.signposts], self.picker.chosen_names(), strict=False))
        return _Snapshot(form.to_dict(), self._edit_id, self._edit_version, names)

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
        self.undo_button.hide()
        self._undo = None

    def _offer_undo(self, text: str, snapshot: _Snapshot) -> None:
        self.banner.setText(text)
        self.banner.show()
        self._undo = snapshot
        self.undo_button.show()

    def _after_save(self, form: VisitForm, visit_id: str, version: int, changed: bool) -> None:
        topics, signposts = len(form.topics), len(form.signposts)
        counts = (f"{topics} topic{'s' if topics != 1 else ''}, "
                  f"{signposts} signpost{'s' if signposts != 1 else ''}")
        now = _local_hhmm()
        if version:
            text = (f"✓ Saved: your edit made version {version + 1} of the visit — {counts}"
                    if changed else f"Nothing changed; the visit stays at version {version}.")
        else:
            text = f"✓ Saved: visit at {now} — {counts}"
        if form.safeguarding:
            text += ". Safeguarding alert raised: tell the coordinator now."
        self._draft_id = uuid7()
        self._draft_stored = False
        self._reset()
        self._show_banner(text)
        self.focus_first()
        if version and self.context.actor is not None:  # bring back a visit parked for the edit
            self._restore_draft(self.context.actor, prefix=text)
        self.saved.emit(visit_id)

    # ---- drafts -----------------------------------------------------------------------

    def _schedule_draft(self) -> None:
        if not self._loading and self.context.actor is not None:
            self._draft_timer.start()

    def save_draft_now(self) -> None:
        """Alias of :meth:`flush_draft` (the main window calls it when closing)."""
        self.flush_draft()

    def flush_draft(self) -> None:
        """Save the draft now if a change is waiting (e.g. before locking or closing)."""
        if self._draft_timer.isActive():
            self._draft_timer.stop()
            self._save_draft()

    def _save_draft(self, actor: Actor | None = None) -> None:
        actor = actor or self.context.actor
        if actor is None or self._saving:
            return
        snapshot = self._snapshot()
        if snapshot.edit_id is None and _blank(snapshot.form):
            self._discard_draft(actor)
            return
        draft_id, session_id = self._draft_id, self.context.session_id

        def stored(saved_id: str) -> None:
            self._draft_stored = True
            self.draft_saved.emit(saved_id)

        self.context.runner.run_db(
            lambda db: visits.save_draft(db, actor, snapshot.form, session_id=session_id,
                                         draft_id=draft_id, base_visit_id=snapshot.edit_id),
            alive_only(self, stored))

    def _discard_draft(self, actor: Actor | None = None) -> None:
        self._draft_timer.stop()
        if not self._draft_stored:
            return
        draft_id = self._draft_id
        self._draft_stored = False
        self.context.runner.run_db(lambda db: visits.discard_draft(db, draft_id))

    def _on_actor_changed(self, actor: Actor | None) -> None:
        previous = self._actor
        if previous is not None and self._draft_timer.isActive():
            self._draft_timer.stop()
            self._save_draft(previous)
        if previous is not None and previous != actor:
            self._draft_id = uuid7()
            self._draft_stored = False
            self._reset()
            self._show_banner("")
        self._actor = actor
        if actor is not None and (previous is None or previous.volunteer_id != actor.volunteer_id):
            self._restore_draft(actor)

    def _restore_draft(self, actor: Actor, prefix: str = "") -> None:
        def load(db: Session) -> tuple[visits.DraftInfo, dict[str, str], int] | None:
            draft = visits.load_draft(db, actor)
            if draft is None:
                return None
            form = VisitForm.from_dict(draft.form)
            names = directory.services_by_ids(db, [s.service_id for s in form.signposts])
            version = 0
            if draft.base_visit_id:
                try:
                    version = visits.visit_version(db, draft.base_visit_id)
                except NotFoundError:
                    version = 0
            return draft, names, version

        def loaded(result: tuple[visits.DraftInfo, dict[str, str], int] | None) -> None:
            if result is None or self.context.actor != actor:
                return
            draft, names, version = result
            if not _blank(self._snapshot().form) or self._edit_id is not None:
                return  # the volunteer already started typing: keep what is on screen
            edit_id = draft.base_visit_id if version else None
            self._draft_id = draft.id
            self._draft_stored = True
            self._load(VisitForm.from_dict(draft.form), names, edit_id=edit_id, edit_version=version)
            self._known_purposes = set()
            when = _local_hhmm(draft.updated_at)
            text = (f"We kept the visit you had not finished (last changed {when}). "
                    "Carry on, or press Esc to clear it.")
            text = f"{prefix} {text}" if prefix else text
            if self._undo is not None:
                self._offer_undo(text, self._undo)
            else:
                self._show_banner(text)
            self.draft_restored.emit(draft.id)

        self.context.runner.run_db(load, alive_only(self, loaded))


def _local_hhmm(at_utc: datetime | None = None) -> str:
    """Local wall-clock time as HH:MM for naive UTC ``at_utc`` (now by default)."""
    moment = at_utc or utc_now()
    return to_local(moment, local_offset_minutes(moment)).strftime("%H:%M")


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _blank(form: dict[str, Any]) -> bool:
    return form == VisitForm().to_dict()


def _visit_id_in(db: Session, changes: Changes) -> str:
    """The visit's id among a record_visit's changes (a person record may come first)."""
    for record_id in changes.ids:
        try:
            visits.visit_version(db, record_id)
        except NotFoundError:
            continue
        return record_id
    return changes.primary_id
