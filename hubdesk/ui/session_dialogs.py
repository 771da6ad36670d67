"""Open a session at a venue; close it with its summary."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hubdesk.core.days import day_words
from hubdesk.core.errors import ValidationError
from hubdesk.core.vocab import vocabularies
from hubdesk.services import sessions
from hubdesk.services import venues as venue_service
from hubdesk.services.common import Changes
from hubdesk.services.sessions import SessionSummary, VenueInfo
from hubdesk.services.venues import VenueAdded
from hubdesk.services.volunteer_hours import hours_text
from hubdesk.ui.base_dialog import BaseDialog
from hubdesk.ui.context import AppContext
from hubdesk.ui.widgets import (
    Heading,
    HintLabel,
    LabelledField,
    combo_select,
    combo_with_terms,
    em,
    line_edit,
    run_db,
    set_dynamic_property,
)

# the venue service's field names -> this dialog's fields
VENUE_FIELDS = {"venue_name": "new_venue_name", "venue_type": "new_venue_type",
                "postcode_district": "new_venue_postcode"}


class OpenSessionDialog(BaseDialog):
    """Where is the hub meeting, and what kind of session is it?

    Coordinators can add a venue inline.

    Signals:
        opened(str): the new session's id (after it was saved).
    """

    opened = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Open a session", "Open a session", parent,
                         intro="Choose where the hub is meeting today.", ok_text="Open session")
        self.context = context
        vocab = vocabularies()
        self.session_id: str | None = None
        self.venue = QComboBox()
        self.add_field("venue", "Venue", self.venue)

        actor = context.actor
        self.is_coordinator = bool(actor and actor.is_coordinator)
        self.add_venue_button = QPushButton("Add a &venue…")
        self.add_venue_button.setAutoDefault(False)
        self.add_venue_button.setToolTip("Add a new place the hub meets (coordinators)")
        self.add_venue_button.clicked.connect(self.show_new_venue)
        self.add_venue_button.setVisible(self.is_coordinator)
        self.body_layout.addWidget(self.add_venue_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.new_venue_box = QFrame()
        self.new_venue_box.setObjectName("panel")
        box_layout = QVBoxLayout(self.new_venue_box)
        pad = em(self, 0.6)
        box_layout.setContentsMargins(pad, pad, pad, pad)
        box_layout.setSpacing(em(self, 0.6))
        box_layout.addWidget(Heading("New venue", level=2))
        self.new_venue_name = line_edit(max_length=120)
        self.new_venue_type = combo_with_terms((t.code, t.label) for t in vocab.venue_types.terms)
        combo_select(self.new_venue_type, "other")
        self.new_venue_postcode = line_edit(max_length=8)
        for name, label, field, hint in (
            ("new_venue_name", "Venue name", self.new_venue_name, ""),
            ("new_venue_type", "Type of venue", self.new_venue_type, ""),
            ("new_venue_postcode", "Postcode district (optional)", self.new_venue_postcode,
             "For example SG1"),
        ):
            labelled = LabelledField(label, field, hint, name=name)
            self.fields[name] = labelled
            box_layout.addWidget(labelled)
        self.save_venue_button = QPushButton("Save venue")
        self.save_venue_button.setAutoDefault(False)
        self.save_venue_button.clicked.connect(self.save_new_venue)
        box_layout.addWidget(self.save_venue_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.new_venue_box.hide()
        self.add_widget(self.new_venue_box)

        self.session_type = combo_with_terms((t.code, t.label) for t in vocab.session_types.terms)
        self.add_field("session_type", "Kind of session", self.session_type)
        self.warm_space = QCheckBox("This is also a &warm space")
        self.warm_space.setAccessibleName("This is also a warm space")
        self.session_type.currentIndexChanged.connect(self._type_changed)
        self.add_widget(self.warm_space)
        self.finish_body()
        self.fit_to_screen(30)
        self.set_busy(True)
        run_db(self, context, sessions.list_venues, self._show_venues, self._failed)
        run_db(self, context, sessions.default_session_type, self._usual_type)

    def _usual_type(self, code: str) -> None:
        """The kind of session chosen in Settings ▸ Sessions comes first."""
        combo_select(self.session_type, code)

    def _type_changed(self) -> None:
        if self.session_type.currentData() == "warm_space":
            self.warm_space.setChecked(True)

    def _show_venues(self, venues: list[VenueInfo], select: str | None = None) -> None:
        self.set_busy(False)
        current = select or self.venue.currentData()
        self.venue.clear()
        labels = vocabularies().venue_types
        for venue in venues:
            self.venue.addItem(f"{venue.name} ({labels.label(venue.venue_type).lower()})", venue.id)
        if current:
            combo_select(self.venue, current)
        self.venue.setFocus()

    def show_new_venue(self) -> None:
        self.new_venue_box.show()
        self.add_venue_button.hide()
        self.new_venue_name.setFocus()
        self.refit()

    def save_new_venue(self) -> None:
        name = self.new_venue_name.text().strip()
        if not name:
            self.show_errors({"new_venue_name": "Enter the venue's name."})
            return
        venue_type = str(self.new_venue_type.currentData())
        postcode = self.new_venue_postcode.text()
        actor = self.context.actor
        if actor is None:
            return
        self.set_busy(True)

        def work(db: Session) -> VenueAdded:
            try:
                return venue_service.add_venue(db, actor, name, venue_type, postcode)
            except ValidationError as error:  # said next to this dialog's own fields
                raise ValidationError({VENUE_FIELDS.get(key, key): message
                                       for key, message in error.field_errors.items()}) from error

        run_db(self, self.context, work, self._venue_saved, self._failed)

    def _venue_saved(self, added: VenueAdded) -> None:
        self.clear_errors()
        self._show_venues(added.venues, select=added.venue_id)
        self.new_venue_name.clear()
        self.new_venue_postcode.clear()
        self.new_venue_box.hide()
        self.add_venue_button.show()

    def accept_requested(self) -> None:
        new_venue_fields = (self.new_venue_name, self.new_venue_type, self.new_venue_postcode)
        if self.new_venue_box.isVisible() and self.focusWidget() in new_venue_fields:
            self.save_new_venue()
            return
        actor = self.context.actor
        venue_id = self.venue.currentData()
        if venue_id is None:
            self.show_errors({"venue": "Choose where the hub is meeting."})
            return
        if actor is None:
            self.show_errors({"venue": "Unlock HubDesk first."})
            return
        session_type = str(self.session_type.currentData())
        warm = self.warm_space.isChecked()
        self.clear_errors()
        self.set_busy(True)
        run_db(self, self.context,
            lambda db: sessions.open_session(db, actor, str(venue_id), session_type, warm_space=warm),
            self._opened, self._failed)

    def _opened(self, changes: Changes) -> None:
        self.set_busy(False)
        self.session_id = changes.primary_id
        self.context.set_session(changes.primary_id)
        self.opened.emit(changes.primary_id)
        self.done_ok()

    def _failed(self, error: BaseException) -> None:
        self.set_busy(False)
        if isinstance(error, ValidationError):
            renamed = {"venue_name": "new_venue_name"}
            self.show_errors({renamed.get(k, k): v for k, v in error.field_errors.items()})
            return
        self.context.errors.report(error)


def summary_figures(summary: SessionSummary) -> list[tuple[str, str, str]]:
    """(key, label, value) rows of a session summary, in reading order."""
    vocab = vocabularies()
    rows: list[tuple[str, str, str]] = [
        ("visits", "Visits recorded", str(summary.visits)),
        ("first_visits", "First visits", str(summary.first_visits)),
        ("headcount", "Helped without details (headcount)", str(summary.session.headcount)),
        ("people_engaged", "People engaged in total", str(summary.people_engaged)),
    ]
    topics = sorted(summary.topics.items(), key=lambda item: (-item[1], vocab.mecc_topics.label(item[0])))
    rows.append(("topics", "Topics talked about",
                 "\n".join(f"{vocab.mecc_topics.label(code)}: {count}" for code, count in topics) or "None"))
    kinds = [(t.code, t.label) for t in vocab.signpost_kinds.terms if summary.signposts.get(t.code)]
    rows.append(("signposts", f"Signposts and referrals ({summary.signposts_total})",
                 "\n".join(f"{label}: {summary.signposts[code]}" for code, label in kinds) or "None"))
    activities = summary.session.activities
    rows.append(("activities", f"Activities ({summary.activity_attendance} took part)",
                 "\n".join(f"{name}: {attendance} took part ({under} under 18)"
                           for name, attendance, under in activities) or "None"))
    rows.append(("volunteers", f"Volunteers ({summary.volunteers}, "
                               f"{hours_text(summary.volunteer_minutes)})",
                 "\n".join(line.text for line in summary.shifts) or "Nobody signed in"))
    rows.append(("safeguarding", "Safeguarding concerns flagged", str(summary.safeguarding)))
    return rows


def fill_summary_grid(grid: QGridLayout, summary: SessionSummary, *,
                      big_numbers: bool = True) -> dict[str, QLabel]:
    """Put the summary's figures in ``grid`` (label | value rows), replacing what was there;
    returns the value labels by key."""
    while grid.count():
        item = grid.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()
    values: dict[str, QLabel] = {}
    for row, (key, label, value) in enumerate(summary_figures(summary)):
        name = QLabel(label)
        name.setObjectName("fieldLabel")
        name.setWordWrap(True)
        shown = QLabel(value)
        shown.setWordWrap(True)
        if big_numbers and "\n" not in value and value.isdigit():
            shown.setObjectName("bigNumber")
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        shown.setAccessibleName(f"{label}: {value}")
        grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(shown, row, 1, Qt.AlignmentFlag.AlignTop)
        values[key] = shown
    grid.setColumnStretch(0, 1)
    grid.setColumnStretch(1, 1)
    return values


class CloseSessionDialog(BaseDialog):
    """Shows the session's summary; "Close session" finalises it for sending.

    After closing, the dialog shows the final summary with a "Done" button.

    Signals:
        closed(object): the final :class:`SessionSummary`.
    """

    closed = Signal(object)

    def __init__(self, context: AppContext, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__("Close the session", "Close the session", parent,
                         intro="Check the figures, then close the session. "
                               "Its figures are sent with the next sync.",
                         ok_text="Close session")
        self.context = context
        self.session_id = session_id
        self.summary: SessionSummary | None = None
        self.is_closed = False
        set_dynamic_property(self.ok_button, "primary", False)
        set_dynamic_property(self.ok_button, "warning", True)
        self.session_title = Heading("", level=2)
        self.add_widget(self.session_title)
        self.grid_box = QWidget()
        self.grid = QGridLayout(self.grid_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(em(self, 1.5))
        self.grid.setVerticalSpacing(em(self, 0.5))
        self.add_widget(self.grid_box)
        self.values: dict[str, QLabel] = {}
        self.loading = HintLabel("Adding up the figures…")
        self.add_widget(self.loading)
        self.finish_body()
        self.fit_to_screen(40)
        self.set_busy(True)
        run_db(self, context, lambda db: sessions.session_summary(db, session_id),
                              self._show_summary, self._failed)

    def _show_summary(self, summary: SessionSummary) -> None:
        self.set_busy(False)
        self.summary = summary
        self.loading.hide()
        self.session_title.setText(
            f"{summary.session.title} · {day_words(summary.session.session_date, year=True)}")
        self.values = fill_summary_grid(self.grid, summary)
        self.refit()
        self.ok_button.setFocus()

    def value(self, key: str) -> str:
        return self.values[key].text()

    def accept_requested(self) -> None:
        if self.is_closed:
            self.done_ok()
            return
        actor = self.context.actor
        if actor is None or self.summary is None:
            return
        self.set_busy(True)
        session_id = self.session_id
        run_db(self, self.context, lambda db: sessions.close_session(db, actor, session_id),
                                   self._closed, self._failed)

    def _closed(self, summary: SessionSummary) -> None:
        self.is_closed = True
        self.heading.setText("Session closed")
        self.intro.setText("These figures are saved and will be sent with the next sync.")
        self.ok_button.setText("Done")
        set_dynamic_property(self.ok_button, "warning", False)
        set_dynamic_property(self.ok_button, "primary", True)
        if self.cancel_button is not None:
            self.cancel_button.hide()
        self._show_summary(summary)
        if self.context.session_id == self.session_id:
            self.context.set_session(None)
        # the runner announces summary.changes to the other screens (status bar, today's list)
        self.closed.emit(summary)

    def _failed(self, error: BaseException) -> None:
        self.show_failure(error, self.context.errors.report)
