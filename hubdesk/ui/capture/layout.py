"""The capture screen's widgets and how they sit: heading, banner, the "save anyway?"
question, the scrolling body (about them, topics, signposting, identity, safeguarding,
note) and the action bar that is always on screen.

``CaptureLayout`` only builds and arranges; ``form.VisitCaptureForm`` adds the behaviour
(saving, drafts, errors).  Everything the volunteer just added is confirmed in the
status line of the action bar, which never scrolls away, even at 150 % text.

Signals:
    changed(): any answer changed (the form decides what that means).
    save_requested(): Ctrl+Enter in the note.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hubdesk.services import visits
from hubdesk.ui.capture.identity import IdentitySection
from hubdesk.ui.capture.topics import TopicSection
from hubdesk.ui.capture.widgets import FIRST_VISIT_CHOICES, NoteEdit, local_style, make_combo, vocab_pairs
from hubdesk.ui.context import AppContext
from hubdesk.ui.signpost_picker import SignpostPicker
from hubdesk.ui.widgets import (
    ErrorSummary,
    Heading,
    HintLabel,
    LabelledField,
    QuestionBar,
    em,
    set_dynamic_property,
)


class CaptureLayout(QWidget):
    changed = Signal()
    save_requested = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("captureForm")
        self.setStyleSheet(local_style())
        self.context = context
        outer = QVBoxLayout(self)
        margin = em(self, 0.8)
        outer.setContentsMargins(margin, em(self, 0.5), margin, em(self, 0.4))
        outer.setSpacing(em(self, 0.3))
        self._build_top(outer)
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
        body.addWidget(self.summary)
        self._build_about(body)
        body.addWidget(Heading("What did you talk about?", 2))
        self.topics = TopicSection()
        body.addWidget(self.topics)
        body.addWidget(Heading("Signposting", 2))
        self.picker = SignpostPicker(self.context)
        body.addWidget(self.picker)
        self.identity = IdentitySection(context.hub_today)
        body.addWidget(self.identity)
        self._build_end(body)
        body.addStretch(1)
        self._build_actions(outer)
        self._alias_sections()
        self._connect()
        self.setFocusProxy(self.contact_mode)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    # ---- building -------------------------------------------------------------------

    def _build_top(self, outer: QVBoxLayout) -> None:
        self.heading = Heading("Who did you talk to?")
        outer.addWidget(self.heading)
        self.subheading = HintLabel()
        self.subheading.hide()
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
        banner.addWidget(self.undo_button)
        outer.addLayout(banner)
        self.ask_box = QuestionBar("Question before saving")
        self.ask_text = self.ask_box.text
        self.ask_add_topic = self.ask_box.add_answer("&Add a topic", "Go to “Find a topic” (Enter)")
        self.ask_save_anyway = self.ask_box.add_answer(
            "Save it as it &is", "Save the visit without topics or signposts (Alt+I)")
        outer.addWidget(self.ask_box)

    def _build_about(self, body: QVBoxLayout) -> None:
        self.contact_mode = make_combo(vocab_pairs("contact_modes"), "Choose…")
        self.contact_mode.setToolTip("Type the first letter to choose, e.g. W for Walk-in")
        self.referral = make_combo(vocab_pairs("referral_sources"), "Choose…")
        self.age_band = make_combo(vocab_pairs("age_bands"))
        self.sex = make_combo(vocab_pairs("sexes"))
        self.first_visit = make_combo(FIRST_VISIT_CHOICES)
        self.visitor_code = QLineEdit()
        self.visitor_code.setMaxLength(16)
        self.postcode = QLineEdit()
        self.postcode.setMaxLength(8)  # room for a wrong "SG2 7": refused with a message, not cut
        self.fields: dict[str, LabelledField] = {
            "contact_mode": LabelledField("How did they come to you?", self.contact_mode),
            "referral_source": LabelledField("Who re&ferred them?", self.referral),
            "age_band": LabelledField("Age band", self.age_band),
            "sex": LabelledField("Sex", self.sex),
            "first_visit": LabelledField("First visit here?", self.first_visit, "Have they been before?"),
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

    def _build_end(self, body: QVBoxLayout) -> None:
        self.safeguarding = QCheckBox("I have a safeguarding &concern")
        self.safeguarding.setObjectName("safeguarding")
        self.safeguarding.setAccessibleName("I have a safeguarding concern")
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
        self.fields["note"] = LabelledField("Short &note (restricted)", self.note,
                                            "No names or contact details here. Ctrl+Enter saves.")
        body.addWidget(self.fields["note"])
        self.note_counter = HintLabel(f"0 of {visits.MAX_NOTE} characters")
        self.note_counter.setAccessibleName("Note length")
        body.addWidget(self.note_counter)

    def _build_actions(self, outer: QVBoxLayout) -> None:
        actions = QHBoxLayout()
        actions.setSpacing(em(self, 0.6))
        self.status = HintLabel()
        self.status.setAccessibleName("Form status")
        actions.addWidget(self.status, 1)
        self.clear_button = QPushButton("Clear form (Esc)")
        self.clear_button.setAutoDefault(False)
        self.clear_button.setToolTip("Clear the form, or cancel an edit (Esc). You can undo it.")
        actions.addWidget(self.clear_button)
        self.save_button = QPushButton("Save visit (Enter)")
        self.save_button.setAutoDefault(False)
        self.save_button.setToolTip("Save this visit (Enter; Ctrl+Enter in the note)")
        set_dynamic_property(self.save_button, "primary", True)
        actions.addWidget(self.save_button)
        outer.addLayout(actions)

    def _alias_sections(self) -> None:
        """The sections' widgets under the form's names (tests and tools drive them)."""
        self.topic_finder, self.topic_hint = self.topics.finder, self.topics.hint
        self.chips, self.topics_error = self.topics.chips, self.topics.error
        self.topic_rows_box = self.topics.rows_box
        identity = self.identity
        self.identity_toggle, self.identity_box = identity.toggle, identity.box
        self.preferred_name, self.contact = identity.preferred_name, identity.contact
        self.follow_up, self.follow_up_due = identity.follow_up, identity.follow_up_due
        self.follow_up_method, self.agreement_box = identity.follow_up_method, identity.agreement_box
        self.agreement_checks, self.agreement_method = identity.agreement_checks, identity.agreement_method
        self.agreements_error = identity.agreements_error
        self.fields.update(identity.fields)

    def _connect(self) -> None:
        for combo in (self.contact_mode, self.referral, self.age_band, self.sex, self.first_visit):
            combo.currentIndexChanged.connect(self.changed)
        for edit in (self.visitor_code, self.postcode):
            edit.textChanged.connect(self.changed)
        self.contact_mode.currentIndexChanged.connect(self._contact_mode_changed)
        self.safeguarding.toggled.connect(self._safeguarding_toggled)
        self.note.textChanged.connect(self._note_changed)
        self.note.submit.connect(self.save_requested)
        self.topics.changed.connect(self.changed)
        self.topics.topics_changed.connect(self._topics_changed)
        self.topics.announced.connect(self.status.setText)
        self.identity.changed.connect(self.changed)
        self.picker.changed.connect(self.changed)
        self.picker.changed.connect(self.refresh_tab_order)
        self.picker.announced.connect(self._announce_signpost)

    # ---- Tab order, focus, what the volunteer sees ----------------------------------------

    def tab_chain(self) -> list[QWidget]:
        """Every stop of the screen in reading order (hidden or disabled ones included)."""
        top: list[QWidget] = [self.undo_button, self.ask_add_topic, self.ask_save_anyway,
                              self.summary, self.summary.body]
        about: list[QWidget] = [self.contact_mode, self.referral, self.age_band, self.sex,
                                self.first_visit, self.visitor_code, self.postcode]
        end: list[QWidget] = [self.safeguarding, self.note, self.clear_button, self.save_button]
        return [*top, *about, *self.topics.tab_chain(), *self.picker.tab_chain(),
                *self.identity.tab_chain(), *end]

    def refresh_tab_order(self) -> None:
        chain = self.tab_chain()
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def focus_first(self) -> None:
        self.scroll_area.ensureVisible(0, 0)
        self.contact_mode.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_mode_texts(self, base_version: int | None) -> None:
        """Heading and buttons for a new visit (None) or an edit opened on ``base_version``."""
        if base_version is None:
            self.heading.setText("Who did you talk to?")
            self.subheading.hide()
            self.save_button.setText("Save visit (Enter)")
            self.clear_button.setText("Clear form (Esc)")
        else:
            self.heading.setText(f"Edit visit (version {base_version})")
            self.subheading.setText(f"Saving makes version {base_version + 1}; "
                                    "the earlier version is kept.")
            self.subheading.show()
            self.save_button.setText("Save changes (Enter)")
            self.clear_button.setText("Cancel edit (Esc)")

    def scroll_to(self, widget: QWidget) -> None:
        """Bring ``widget`` into view, with its label and error when it has them (Qt's own
        ensureWidgetVisible only shows a text box's cursor line)."""
        # a summary or section just shown has only *posted* its layout request: run it now
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        shown: QWidget = widget
        holder = widget.parentWidget()
        if isinstance(holder, LabelledField) and holder.height() < self.scroll_area.viewport().height():
            shown = holder
        if not self.body.isAncestorOf(shown):
            return
        corner = shown.mapTo(self.body, QPoint(0, 0))
        half_w, half_h = shown.width() // 2, shown.height() // 2
        self.scroll_area.ensureVisible(corner.x() + half_w, corner.y() + half_h,
                                       half_w + em(self, 0.5), half_h + em(self, 0.5))

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and self.body.isAncestorOf(new):
            self.scroll_to(new)

    def _announce_signpost(self, text: str) -> None:
        """Say what was added where it is always seen, and show the chosen row too."""
        self.status.setText(text)
        row = self.picker.last_chosen_widget()
        if row is not None:
            self.scroll_to(row)
            self.scroll_to(self.picker.search)  # the search box keeps focus: keep it in view

    def _topics_changed(self, topics: list[str]) -> None:
        self.picker.set_topics(topics)
        self.refresh_tab_order()

    def _contact_mode_changed(self) -> None:
        self.fields["referral_source"].setVisible(self.contact_mode.currentData() == "referred_in")

    def _safeguarding_toggled(self, on: bool) -> None:
        self.safeguarding_note.setVisible(on)
        self.changed.emit()

    def _note_changed(self) -> None:
        length = len(self.note.toPlainText())
        over = length > visits.MAX_NOTE
        self.note_counter.setText(f"{length} of {visits.MAX_NOTE} characters"
                                  + (f" — {length - visits.MAX_NOTE} too many" if over else ""))
        set_dynamic_property(self.note_counter, "invalid", over)
        self.changed.emit()
