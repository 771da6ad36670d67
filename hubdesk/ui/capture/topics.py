"""What did you talk about: the topic finder, the chips and one compact row per chosen topic.

Signals (of ``TopicSection``):
    changed(): a topic was ticked or unticked, or a row's answer changed.
    topics_changed(list): the chosen topics (in the order they were ticked) changed.
    announced(str): a topic was ticked or unticked, in words (the form's status line).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hubdesk.core.vocab import vocabularies
from hubdesk.services.visits import TopicAnswer
from hubdesk.ui.capture.widgets import ChipGroup, KeyCombo, make_combo, vocab_pairs
from hubdesk.ui.signpost_search import SearchEdit
from hubdesk.ui.widgets import ErrorLabel, HintLabel, LabelledField, combo_select, em, set_dynamic_property


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

    def combos(self) -> list[KeyCombo]:
        return [self.step, self.response, self.action]

    def answer(self) -> TopicAnswer:
        return TopicAnswer(self.topic, self.step.currentData(), self.intervention_level,
                           self.response.currentData(), self.action.currentData())


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


class TopicSection(QWidget):
    changed = Signal()
    topics_changed = Signal(list)
    announced = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: dict[str, TopicRow] = {}
        self._terms = vocab_pairs("mecc_topics")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(em(self, 0.6))
        self.finder = SearchEdit()
        self.finder.setPlaceholderText("e.g. alcohol, money, lonely")
        self.finder_field = LabelledField(
            "Find a to&pic", self.finder,
            "Type and press Enter, or tick topics below (arrows move, Space ticks)")
        self.hint = HintLabel()
        self.hint.setAccessibleName("Topic finder result")
        finder_row = QHBoxLayout()
        finder_row.setSpacing(em(self, 1.0))
        finder_row.addWidget(self.finder_field, 1)
        finder_row.addWidget(self.hint, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(finder_row)
        self.chips = ChipGroup(self._terms)
        layout.addWidget(self.chips)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        self.rows_box = QWidget()
        self.grid = QGridLayout(self.rows_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(em(self, 0.8))
        self.grid.setVerticalSpacing(em(self, 0.35))
        for column, text in enumerate(("Topic", "Furthest step (1–4)", "Their response", "What you did")):
            header = QLabel(text)
            header.setObjectName("fieldLabel")
            self.grid.addWidget(header, 0, column)
            self.grid.setColumnStretch(column, 3)
        self.rows_box.hide()
        layout.addWidget(self.rows_box)
        self.chips.toggled.connect(self._toggled)
        self.finder.pick_requested.connect(self.pick_from_finder)
        self.finder.textChanged.connect(self._show_hint)

    # ---- reading and loading --------------------------------------------------------

    def answers(self) -> list[TopicAnswer]:
        return [self._rows[t].answer() for t in self.chips.checked() if t in self._rows]

    def checked(self) -> list[str]:
        return self.chips.checked()

    def row(self, topic: str) -> TopicRow | None:
        return self._rows.get(topic)

    def load(self, answers: Sequence[TopicAnswer]) -> None:
        """Show exactly ``answers`` (signals blocked: loading is not a change)."""
        for topic in list(self._rows):
            self._drop_row(topic)
        for answer in answers:
            self._add_row(answer)
        self.chips.set_checked([a.topic for a in answers])
        self._relayout()
        self.finder.clear()
        self.hint.clear()

    def tab_chain(self) -> list[QWidget]:
        chain: list[QWidget] = [self.finder, *self.chips.tab_stops()]
        for topic in self.chips.checked():
            if topic in self._rows:
                chain += self._rows[topic].combos()
        return chain

    def paint_errors(self, errors: Mapping[str, str]) -> dict[str, QWidget]:
        """Mark the rows named in ``errors`` ("topic:<code>"); returns error key -> widget."""
        labels = vocabularies().mecc_topics
        messages = [errors["topics"]] if "topics" in errors else []
        targets: dict[str, QWidget] = {"topics": self.finder}
        for topic, row in self._rows.items():
            message = errors.get(f"topic:{topic}")
            for combo in row.combos():
                set_dynamic_property(combo, "invalid", message is not None)
            if message is not None:
                messages.append(f"{labels.label(topic)}: {message}")
                targets[f"topic:{topic}"] = row.step
        self.error.set_error("; ".join(messages) or None)
        return targets

    # ---- the finder -----------------------------------------------------------------

    def _show_hint(self, text: str) -> None:
        code = match_topic(text, self._terms)
        if not text.strip():
            self.hint.clear()
        elif code is None:
            self.hint.setText("No topic matches; try another word, or tick “Something else”.")
        else:
            label = vocabularies().mecc_topics.label(code)
            done = code in self.chips.checked()
            self.hint.setText(f"Already chosen: {label}" if done else f"Enter adds: {label}")

    def pick_from_finder(self) -> None:
        code = match_topic(self.finder.text(), self._terms)
        if code is None:
            return
        self.chips.set_checked_one(code, True)
        self.finder.clear()
        row = self._rows.get(code)
        if row is not None:
            row.step.setFocus(Qt.FocusReason.OtherFocusReason)
            self.hint.setText(f"Added: {vocabularies().mecc_topics.label(code)}")

    # ---- rows -----------------------------------------------------------------------

    def _toggled(self, code: str, on: bool) -> None:
        if on and code not in self._rows:
            self._add_row(TopicAnswer(code))
        elif not on and code in self._rows:
            self._drop_row(code)
        self._relayout()
        count = len(self._rows)
        label = vocabularies().mecc_topics.label(code)
        self.announced.emit(f"{'✓ Topic added' if on else 'Topic taken off'}: {label} · "
                            f"{count} topic{'s' if count != 1 else ''} chosen")
        self.changed.emit()

    def _drop_row(self, topic: str) -> None:
        for widget in self._rows.pop(topic).widgets():
            self.grid.removeWidget(widget)
            widget.hide()
            widget.deleteLater()

    def _add_row(self, answer: TopicAnswer) -> TopicRow:
        vocab = vocabularies()
        label_text = vocab.mecc_topics.label(answer.topic)
        label = QLabel(label_text)
        label.setWordWrap(True)
        step = make_combo([(t.code, f"{n} · {t.label}") for n, t in enumerate(vocab.mecc_steps.terms, 1)],
                          digit_keys=True)
        response = make_combo(vocab_pairs("responses"), "Not recorded")
        action = make_combo(vocab_pairs("actions"), "Not recorded")
        step.setAccessibleName(f"{label_text}: furthest step")
        step.setToolTip("1 Ask · 2 Assess · 3 Advise · 4 Assist")
        response.setAccessibleName(f"{label_text}: their response")
        action.setAccessibleName(f"{label_text}: what you did")
        combo_select(step, answer.furthest_step)
        combo_select(response, answer.response)
        combo_select(action, answer.action)
        for combo in (step, response, action):
            combo.currentIndexChanged.connect(self.changed)
        row = TopicRow(answer.topic, label, step, response, action, answer.intervention_level)
        self._rows[answer.topic] = row
        return row

    def _relayout(self) -> None:
        order = [t for t in self.chips.checked() if t in self._rows]
        for topic in order:
            for widget in self._rows[topic].widgets():
                self.grid.removeWidget(widget)
        for line, topic in enumerate(order, start=1):
            for column, widget in enumerate(self._rows[topic].widgets()):
                self.grid.addWidget(widget, line, column)
                widget.show()
        self.rows_box.setVisible(bool(order))
        self.topics_changed.emit(self.chips.checked())
