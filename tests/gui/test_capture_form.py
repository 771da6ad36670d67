"""The quick visit form, driven through the real widget."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hubdesk.services import directory, visits
from hubdesk.store.engine import Store
from hubdesk.store.models import Alert
from hubdesk.ui.capture import VisitCaptureForm
from hubdesk.ui.context import AppContext
from tests.conftest import Hub
from tests.gui.conftest import wait_idle
from tests.gui.keyboard import type_standard_visit

pytestmark = pytest.mark.gui


def test_standard_visit_by_keyboard_only(qtbot: QtBot, form: VisitCaptureForm, store: Store,
                                         hub_context: AppContext) -> None:
    assert QApplication.focusWidget() is form.contact_mode
    with qtbot.waitSignal(form.saved, timeout=10_000) as saved:
        presses = type_standard_visit(qtbot, form)
    print(f"KEY PRESSES FOR THE STANDARD VISIT: {presses}")
    assert presses <= 25
    visit_id = saved.args[0]
    wait_idle(qtbot, hub_context)
    with store.unit_of_work() as db:
        recorded = visits.get_visit_form(db, visit_id)
        row = visits.list_visits(db)[0]
    assert (recorded.contact_mode, recorded.age_band, recorded.sex) == ("walk_in", "65_74", "female")
    assert [(t.topic, t.furthest_step, t.response, t.action) for t in recorded.topics] == [
        ("alcohol", "advise", "thinking", "leaflet"),
        ("physical_activity", "assist", "intends_service", "signposted"),
    ]
    assert len(recorded.signposts) == 1
    assert recorded.signposts[0].topic == "physical_activity"
    assert recorded.signposts[0].kind == "signpost"
    assert row.id == visit_id and row.version == 1 and row.signposts == 1
    # the form reset for the next person, kept the session, and focus is back on the first field
    assert form.collect() == visits.VisitForm()
    assert hub_context.session_id
    assert QApplication.focusWidget() is form.contact_mode
    assert "2 topics, 1 signpost" in form.banner.text()
    assert form.banner.text().startswith("✓ Saved: visit at ")


def _focus(qtbot: QtBot, widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(widget.hasFocus)


def test_a_new_form_starts_anonymous_with_not_asked_answers(form: VisitCaptureForm) -> None:
    assert form.collect() == visits.VisitForm()
    assert form.age_band.currentText() == "Not asked" and form.sex.currentText() == "Not asked"
    assert form.heading.text() == "Who did you talk to?"
    assert not form.identity_box.isVisible() and not form.agreement_box.isVisible()
    assert "Samaritans" in form.picker.crisis.text() and "116\u00a0123" in form.picker.crisis.text()


def test_errors_are_shown_next_to_fields_and_summarised(qtbot: QtBot, form: VisitCaptureForm,
                                                        store: Store, hub: Hub) -> None:
    qtbot.keyClick(form.contact_mode, Qt.Key.Key_Return)      # Enter on an empty form
    assert form.summary.isVisible()
    assert form.summary.messages == ["Choose how the person came to you."]
    assert form.fields["contact_mode"].error.text() == "Error: Choose how the person came to you."
    assert form.summary.hasFocus()
    # referred in: the referral question appears and is required
    _focus(qtbot, form.contact_mode)
    qtbot.keyClick(form.contact_mode, "r")
    assert form.fields["referral_source"].isVisible()
    assert not form.summary.isVisible()                      # the fixed error went away
    qtbot.keyClicks(form.postcode, "12AB")
    qtbot.keyClick(form.postcode, Qt.Key.Key_Return)
    assert set(form.summary.messages) == {"Choose who referred the person.",
                                          "Enter only the first half of the postcode, like SG1."}
    assert form.fields["postcode_district"].error.isVisible()
    wait_idle(qtbot, form.context)
    with store.unit_of_work() as db:
        assert visits.list_visits(db) == []


def test_topic_chips_toggle_with_space_and_say_so_in_text(qtbot: QtBot, form: VisitCaptureForm) -> None:
    _focus(qtbot, form.topic_finder)
    qtbot.keyClick(form.topic_finder, Qt.Key.Key_Tab)
    chip = QApplication.focusWidget()
    assert chip is form.chips.chips["smoking"]
    qtbot.keyClick(chip, Qt.Key.Key_Right)
    alcohol = form.chips.chips["alcohol"]
    assert QApplication.focusWidget() is alcohol
    qtbot.keyClick(alcohol, Qt.Key.Key_Space)
    assert alcohol.isChecked() and alcohol.text() == "✓ Alcohol"
    assert form.topic_row("alcohol") is not None
    # the chips are one Tab stop: Tab goes on to the new topic's first question
    qtbot.keyClick(alcohol, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.topic_row("alcohol").step  # type: ignore[union-attr]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is alcohol
    qtbot.keyClick(alcohol, Qt.Key.Key_Space)
    assert not alcohol.isChecked() and alcohol.text() == "+ Alcohol"
    assert form.topic_row("alcohol") is None


def test_safeguarding_raises_an_alert_and_says_what_happens_next(
        qtbot: QtBot, form: VisitCaptureForm, store: Store) -> None:
    qtbot.keyClick(form.contact_mode, "w")
    form.safeguarding.setChecked(True)
    assert form.safeguarding_note.isVisible()
    assert "tell the coordinator now" in form.safeguarding_note.text()
    _focus(qtbot, form.note)
    qtbot.keyClicks(form.note, "Worried about her")
    assert form.note_counter.text() == "17 of 500 characters"
    with qtbot.waitSignal(form.saved, timeout=5000) as saved:      # Ctrl+Enter saves from the note
        qtbot.keyClick(form.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "Safeguarding alert raised: tell the coordinator now." in form.banner.text()
    wait_idle(qtbot, form.context)
    with store.unit_of_work() as db:
        alerts = db.scalars(select(Alert)).all()
        assert [a.visit_id for a in alerts] == [saved.args[0]]
        assert visits.get_visit_form(db, saved.args[0]).note == "Worried about her"


def test_identity_needs_an_agreement_per_purpose(qtbot: QtBot, form: VisitCaptureForm,
                                                 store: Store) -> None:
    qtbot.keyClick(form.contact_mode, "w")
    form.identity_toggle.click()
    assert form.identity_box.isVisible() and not form.agreement_box.isVisible()
    qtbot.keyClicks(form.preferred_name, "Maggie")
    qtbot.keyClicks(form.contact, "07700 900123")
    assert form.agreement_box.isVisible()                  # shown once a detail is given
    qtbot.keyClick(form.contact, Qt.Key.Key_Return)
    assert "agreements" in form._errors
    assert form.agreements_error.isVisible()
    form.agreement_checks["follow_up"].setChecked(True)
    form.follow_up.setChecked(True)
    with qtbot.waitSignal(form.saved, timeout=5000) as saved:
        qtbot.keyClick(form.contact, Qt.Key.Key_Return)
    wait_idle(qtbot, form.context)
    with store.unit_of_work() as db:
        recorded = visits.get_visit_form(db, saved.args[0])
    assert recorded.preferred_name == "Maggie" and recorded.contact == "07700 900123"
    assert [a.purpose for a in recorded.agreements if a.given] == ["follow_up"]
    assert recorded.follow_up_due is not None and recorded.follow_up_due > date.today()
    assert not form.identity_box.isVisible()                # reset for the next person


def test_enter_before_the_search_answered_still_adds_then_saves(qtbot: QtBot, form: VisitCaptureForm,
                                                               store: Store) -> None:
    qtbot.keyClick(form.contact_mode, "w")
    _focus(qtbot, form.picker.search)
    qtbot.keyClicks(form.picker.search, "samaritans")
    qtbot.keyClick(form.picker.search, Qt.Key.Key_Return)   # picks once the answer arrives
    with qtbot.waitSignal(form.saved, timeout=5000) as saved:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    wait_idle(qtbot, form.context)
    with store.unit_of_work() as db:
        recorded = visits.get_visit_form(db, saved.args[0])
        names = directory.services_by_ids(db, [s.service_id for s in recorded.signposts])
    assert list(names.values()) == ["Samaritans"]


def test_after_a_signpost_is_added_no_result_looks_chosen_and_enter_saves(
        qtbot: QtBot, form: VisitCaptureForm, store: Store) -> None:
    """The emptied search lists the directory to browse: no row is marked as if Enter would
    add it (the first crisis line used to be), and Enter saves with the one signpost."""
    picker = form.picker
    qtbot.keyClick(form.contact_mode, "w")
    _focus(qtbot, picker.search)
    qtbot.keyClicks(picker.search, "drinkline")
    qtbot.waitUntil(lambda: not picker.search_pending, timeout=3000)
    wait_idle(qtbot, form.context)
    assert picker.results.currentIndex().row() == 0         # typed: Enter adds this one
    with qtbot.waitSignal(picker.changed, timeout=3000):
        qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not picker.search_pending, timeout=3000)
    wait_idle(qtbot, form.context)
    assert picker.search.text() == "" and picker.model.rowCount() > 0
    assert not picker.results.currentIndex().isValid()
    assert not picker.results.selectionModel().hasSelection()
    with qtbot.waitSignal(form.saved, timeout=5000) as saved:
        qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    wait_idle(qtbot, form.context)
    with store.unit_of_work() as db:
        recorded = visits.get_visit_form(db, saved.args[0])
        names = directory.services_by_ids(db, [s.service_id for s in recorded.signposts])
    assert list(names.values()) == ["Drinkline"]


def test_tab_goes_through_a_chosen_signpost_in_reading_order(qtbot: QtBot, form: VisitCaptureForm) -> None:
    _focus(qtbot, form.picker.search)
    qtbot.keyClicks(form.picker.search, "drinkline")
    with qtbot.waitSignal(form.picker.changed, timeout=5000):
        qtbot.keyClick(form.picker.search, Qt.Key.Key_Return)
    assert form.picker.chosen_names() == ["Drinkline"]
    order = []
    for _ in range(5):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget().accessibleName())  # type: ignore[union-attr]
    assert order == ["Category", "Matching services", "Kind of signpost to Drinkline",
                     "Topic the signpost to Drinkline is for", "Remove Drinkline"]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.identity_toggle
