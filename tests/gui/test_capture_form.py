"""The quick visit form, driven through the real widget."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hubdesk.services import visits
from hubdesk.store.engine import Store
from hubdesk.store.models import Alert
from hubdesk.ui.capture_form import VisitCaptureForm
from hubdesk.ui.context import AppContext
from tests.gui.capture_support import capture_context, wait_idle  # noqa: F401
from tests.gui.keyboard import type_standard_visit

pytestmark = pytest.mark.gui


@pytest.fixture
def form(qtbot: QtBot, capture_context: AppContext) -> VisitCaptureForm:  # noqa: F811
    widget = VisitCaptureForm(capture_context)
    qtbot.addWidget(widget)
    widget.resize(1200, 760)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    wait_idle(qtbot, capture_context)
    widget.focus_first()
    return widget


def test_standard_visit_by_keyboard_only(qtbot: QtBot, form: VisitCaptureForm, store: Store,
                                         capture_context: AppContext) -> None:  # noqa: F811
    assert QApplication.focusWidget() is form.contact_mode
    with qtbot.waitSignal(form.saved, timeout=10_000) as saved:
        presses = type_standard_visit(qtbot, form)
    print(f"KEY PRESSES FOR THE STANDARD VISIT: {presses}")
    assert presses <= 25
    visit_id = saved.args[0]
    wait_idle(qtbot, capture_context)
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
    assert capture_context.session_id
    assert QApplication.focusWidget() is form.contact_mode
    assert "2 topics, 1 signpost" in form.banner.text()
    assert form.banner.text().startswith("✓ Saved: visit at ")
