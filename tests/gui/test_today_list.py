"""Today's visits: filter, model checks, and editing a visit into version 2."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hubdesk.services import visits
from hubdesk.services.visits import SignpostAnswer, TopicAnswer, VisitForm
from hubdesk.store.engine import Store
from hubdesk.ui.capture import VisitCaptureForm
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import ID_ROLE, ServiceListModel, VisitTableModel
from hubdesk.ui.today_list import TodayVisitsView
from tests.conftest import Hub
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _record(store: Store, hub: Hub, **fields: object) -> str:
    form = VisitForm(**{"contact_mode": "walk_in", **fields})  # type: ignore[arg-type]
    with store.unit_of_work() as db:
        changes = visits.record_visit(db, hub.actor, hub.session_id, form)
    return changes.ids[0]


@pytest.fixture
def view(qtbot: QtBot, hub_context: AppContext, store: Store,
         hub: Hub) -> Iterator[TodayVisitsView]:
    _record(store, hub, age_band="65_74", sex="female", visitor_code="AB-123",
            topics=[TopicAnswer("alcohol"), TopicAnswer("money")])
    _record(store, hub, age_band="35_49", sex="male", postcode_district="SG1",
            topics=[TopicAnswer("loneliness")], safeguarding=True)
    _record(store, hub, contact_mode="phone", age_band="85_plus", sex="female")
    widget = TodayVisitsView(hub_context)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    with qtbot.waitSignal(widget.loaded, timeout=5000):
        widget.show()
    yield widget
    wait_idle(qtbot, hub_context)


def _column(view: TodayVisitsView, column: int) -> list[str]:
    model = view.model
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def test_rows_say_what_was_recorded_in_text(view: TodayVisitsView, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(view.model)
    assert view.model.rowCount() == 3
    assert sorted(_column(view, VisitTableModel.column("How they came"))) == ["Phone", "Walk-in", "Walk-in"]
    assert "Alcohol, Money, debt or benefits" in _column(view, VisitTableModel.column("Topics"))
    assert sorted(_column(view, VisitTableModel.column("Safeguarding"))) == ["No", "No", "⚠ Yes"]
    assert set(_column(view, VisitTableModel.column("Version"))) == {"v1"}
    assert set(_column(view, VisitTableModel.column("Sending"))) == {"Waiting to send"}
    assert view.count.text() == "3 visits today"


def test_filter_by_code_postcode_and_topic(qtbot: QtBot, view: TodayVisitsView) -> None:
    with qtbot.waitSignal(view.loaded, timeout=5000) as loaded:
        qtbot.keyClicks(view.filter, "ab-1")
    assert loaded.args == [1]
    assert _column(view, VisitTableModel.column("Topics")) == ["Alcohol, Money, debt or benefits"]
    with qtbot.waitSignal(view.loaded, timeout=5000):
        view.filter.clear()
    with qtbot.waitSignal(view.loaded, timeout=5000):
        qtbot.keyClicks(view.filter, "sg1")
    assert _column(view, VisitTableModel.column("Age, sex")) == ["35–49 · Male"]
    with qtbot.waitSignal(view.loaded, timeout=5000):
        view.filter.clear()
    with qtbot.waitSignal(view.loaded, timeout=5000):
        view.topic.setCurrentIndex(view.topic.findData("loneliness"))
    assert view.model.rowCount() == 1 and _column(view, VisitTableModel.column("Safeguarding")) == ["⚠ Yes"]
    with qtbot.waitSignal(view.loaded, timeout=5000) as loaded:
        qtbot.keyClicks(view.filter, "nothing-like-this")
    assert loaded.args == [0]
    assert view.count.text() == "No visits match the filter."


def test_enter_on_a_row_edits_it_into_version_2(qtbot: QtBot, view: TodayVisitsView, store: Store,
                                                hub_context: AppContext) -> None:
    form = VisitCaptureForm(hub_context)
    qtbot.addWidget(form)
    form.show()
    wait_idle(qtbot, hub_context)
    view.edit_requested.connect(form.edit_visit)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.table.setFocus()
    came = VisitTableModel.column("How they came")
    target = next(row for row in range(3) if view.model.data(view.model.index(row, came)) == "Phone")
    view.table.setCurrentIndex(view.model.index(target, 0))
    visit_id = view.model.data(view.model.index(target, 0), ID_ROLE)
    with qtbot.waitSignal(form.edit_loaded, timeout=5000) as loaded:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert loaded.args == [visit_id]
    assert form.heading.text() == "Edit visit (version 1)"
    assert form.editing == visit_id
    assert form.contact_mode.currentData() == "phone"

    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    form.focus_first()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.sex
    qtbot.keyClick(form.sex, "m")
    with qtbot.waitSignal(form.saved, timeout=5000), qtbot.waitSignal(view.loaded, timeout=5000):
        qtbot.keyClick(form.sex, Qt.Key.Key_Return)
    assert "version 2" in form.banner.text()
    assert form.editing is None and form.heading.text() == "Who did you talk to?"
    row = next(r for r in range(3) if view.model.data(view.model.index(r, 0), ID_ROLE) == visit_id)
    assert view.model.data(view.model.index(row, VisitTableModel.column("Version"))) == "v2"
    assert view.model.data(view.model.index(row, VisitTableModel.column("Age, sex"))).endswith("· Male")
    with store.unit_of_work() as db:
        assert visits.visit_version(db, str(visit_id)) == 2
        assert visits.get_visit_form(db, str(visit_id)).sex == "male"


def test_models_pass_the_model_tester(qtmodeltester, store: Store, hub: Hub) -> None:  # type: ignore[no-untyped-def]
    from hubdesk.services import directory

    _record(store, hub, topics=[TopicAnswer("food")])
    with store.unit_of_work() as db:
        rows = visits.list_visits(db)
        services = directory.search_directory(db, "")
    table = VisitTableModel()
    table.set_rows(rows)
    qtmodeltester.check(table)
    listing = ServiceListModel()
    listing.set_rows(services)
    qtmodeltester.check(listing)
    assert listing.rowCount() == len(services) > 10
    assert str(listing.data(listing.index(0, 0))).startswith("Crisis support: ")
    assert listing.data(listing.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert listing.data(QModelIndex()) is None
    assert SignpostAnswer(services[0].id).kind == "signpost"


def test_newest_first_with_venue_and_volunteer_and_nothing_preselected(
        qtbot: QtBot, view: TodayVisitsView, hub: Hub) -> None:
    model = view.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "Venue" in headers and "Volunteer" in headers
    venue, volunteer = headers.index("Venue"), headers.index("Volunteer")
    assert set(_column(view, venue)) == {"St Mary's Hall"}
    assert set(_column(view, volunteer)) == {hub.actor.display_name}
    modes = _column(view, headers.index("How they came"))
    assert modes[0] == "Phone"                              # the last one recorded is on top
    # nothing is chosen until the volunteer chooses: Enter on the list opens nothing
    assert not view.table.selectionModel().hasSelection()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(view.table.hasFocus)
    opened: list[str] = []
    view.edit_requested.connect(lambda visit_id, _version: opened.append(visit_id))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened == []
    assert not view.edit_button.isEnabled()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)             # the first row, not the second
    assert view.table.selectionModel().isRowSelected(0, QModelIndex())
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened == [view.model.data(view.model.index(0, 0), ID_ROLE)]


def test_a_visit_changed_since_the_list_was_drawn_is_edited_on_its_newest_version(
        qtbot: QtBot, view: TodayVisitsView, store: Store, hub: Hub, hub_context: AppContext) -> None:
    form = VisitCaptureForm(hub_context)
    qtbot.addWidget(form)
    form.show()
    wait_idle(qtbot, hub_context)
    view.edit_requested.connect(form.edit_visit)
    visit_id = str(view.model.data(view.model.index(0, 0), ID_ROLE))
    with store.unit_of_work() as db:                      # changed elsewhere after the list was drawn
        newer = visits.get_visit_form(db, visit_id)
        newer.sex = "male"
        visits.edit_visit(db, hub.actor, visit_id, newer, base_version=1)
    view.table.selectRow(0)
    with qtbot.waitSignal(form.edit_loaded, timeout=5000):
        qtbot.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    assert form.state.base_version == 2 and form.sex.currentData() == "male"
    assert "changed since the list was shown" in form.banner.text()
