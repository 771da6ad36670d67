"""The unfinished visit is autosaved and survives the app being killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from hubdesk.core.paths import AppPaths
from hubdesk.services import visits
from hubdesk.store.engine import Store
from hubdesk.ui.capture import VisitCaptureForm
from hubdesk.ui.context import AppContext
from tests.conftest import COORDINATOR, PIN, Hub
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]


def _new_form(qtbot: QtBot, context: AppContext) -> VisitCaptureForm:
    form = VisitCaptureForm(context)
    qtbot.addWidget(form)
    form.show()
    return form


def test_draft_is_saved_after_a_pause_and_restored(qtbot: QtBot, hub_context: AppContext,
                                                   store: Store, hub: Hub) -> None:
    first = _new_form(qtbot, hub_context)
    wait_idle(qtbot, hub_context)
    with qtbot.waitSignal(first.draft_saved, timeout=5000) as saved:
        qtbot.keyClick(first.contact_mode, "p")       # Pre-booked (then Phone on a 2nd p)
        qtbot.keyClick(first.sex, "m")
        qtbot.keyClicks(first.postcode, "sg2")
        first.chips.chips["food"].click()
    with store.unit_of_work() as db:
        draft = visits.load_draft(db, hub.actor)
    assert draft is not None and draft.id == saved.args[0]
    assert draft.form["sex"] == "male" and draft.form["postcode_district"] == "sg2"
    assert [t["topic"] for t in draft.form["topics"]] == ["food"]
    first.close()

    second = VisitCaptureForm(hub_context)
    qtbot.addWidget(second)
    with qtbot.waitSignal(second.draft_restored, timeout=5000):
        second.show()
    assert second.contact_mode.currentData() == "pre_booked"
    assert second.sex.currentData() == "male"
    assert second.postcode.text() == "sg2"
    assert second.chips.checked() == ["food"]
    assert second.chips.chips["food"].text() == "✓ Food access"
    assert "had not finished" in second.banner.text()

    # a saved visit discards its draft
    with qtbot.waitSignal(second.saved, timeout=5000):
        second.save()
    wait_idle(qtbot, hub_context)
    with store.unit_of_work() as db:
        assert visits.load_draft(db, hub.actor) is None


def test_esc_clears_with_undo_and_discards_the_draft(qtbot: QtBot, hub_context: AppContext,
                                                     store: Store, hub: Hub) -> None:
    form = _new_form(qtbot, hub_context)
    wait_idle(qtbot, hub_context)
    with qtbot.waitSignal(form.draft_saved, timeout=5000):
        qtbot.keyClick(form.contact_mode, "w")
    qtbot.keyClick(form.contact_mode, Qt.Key.Key_Escape)
    assert form.contact_mode.currentData() is None
    assert form.banner.text() == "Form cleared." and form.undo_button.isVisible()
    wait_idle(qtbot, hub_context)

    def draft_gone() -> bool:  # the discard runs on the database lane
        with store.unit_of_work() as db:
            return visits.load_draft(db, hub.actor) is None

    qtbot.waitUntil(draft_gone, timeout=10_000)
    with qtbot.waitSignal(form.draft_saved, timeout=10_000):
        form.undo_button.click()
    assert form.contact_mode.currentData() == "walk_in"


@pytest.mark.slow
def test_killed_mid_visit_the_draft_is_there_on_restart(qtbot: QtBot, paths: AppPaths, hub: Hub,
                                                        hub_context: AppContext) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.gui.draft_driver", str(paths.data_dir), COORDINATOR, PIN,
         hub.session_id],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
            if line.startswith(("draft-saved", "bug")):
                break
        assert lines and lines[-1].startswith("draft-saved"), (lines, process.stderr)
        os.kill(process.pid, signal.SIGKILL)  # no chance to tidy up
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()

    form = VisitCaptureForm(hub_context)
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.draft_restored, timeout=5000) as restored:
        form.show()
    assert restored.args[0] == lines[-1].split()[1]
    assert form.contact_mode.currentData() == "approached"
    assert form.age_band.currentData() == "75_84"
    assert form.visitor_code.text() == "ZX-42"
    assert form.chips.checked() == ["loneliness"]
    assert form.note.toPlainText() == "Lost her husband in the spring"


def test_an_unfinished_visit_waits_while_another_is_edited(qtbot: QtBot, hub_context: AppContext,
                                                           store: Store, hub: Hub) -> None:
    with store.unit_of_work() as db:
        saved_id = visits.record_visit(db, hub.actor, hub.session_id,
                                       visits.VisitForm(contact_mode="phone")).ids[0]
    form = _new_form(qtbot, hub_context)
    wait_idle(qtbot, hub_context)
    with qtbot.waitSignal(form.draft_saved, timeout=5000):
        qtbot.keyClick(form.contact_mode, "w")
        qtbot.keyClicks(form.visitor_code, "KEEP-1")
    with qtbot.waitSignal(form.edit_loaded, timeout=5000):
        form.edit_visit(saved_id)
    assert form.heading.text() == "Edit visit (version 1)"
    assert form.contact_mode.currentData() == "phone" and form.visitor_code.text() == ""
    assert "comes back when you finish this edit" in form.banner.text()

    # Esc cancels the edit (undo-able) and the unfinished visit comes back
    with qtbot.waitSignal(form.draft_restored, timeout=5000):
        qtbot.keyClick(form.contact_mode, Qt.Key.Key_Escape)
    assert form.editing is None and form.heading.text() == "Who did you talk to?"
    assert form.visitor_code.text() == "KEEP-1"
    assert form.banner.text().startswith("Edit cancelled; the saved visit is unchanged.")
    assert form.undo_button.isVisible()

    # edit again and save: version 2, then the unfinished visit is back again
    with qtbot.waitSignal(form.edit_loaded, timeout=5000):
        form.edit_visit(saved_id)
    qtbot.keyClick(form.sex, "f")
    with qtbot.waitSignal(form.draft_restored, timeout=5000):
        qtbot.keyClick(form.sex, Qt.Key.Key_Return)
    assert form.banner.text().startswith("✓ Saved: your edit made version 2 of the visit")
    assert form.visitor_code.text() == "KEEP-1" and form.contact_mode.currentData() == "walk_in"
    wait_idle(qtbot, hub_context)
    with store.unit_of_work() as db:
        assert visits.visit_version(db, saved_id) == 2
        draft = visits.load_draft(db, hub.actor)
    assert draft is not None and draft.form["visitor_code"] == "KEEP-1"


def test_an_edit_draft_keeps_its_base_version_and_every_agreement_answer(
        qtbot: QtBot, hub_context: AppContext, store: Store, hub: Hub) -> None:
    """An edit left half-done comes back on the version it was opened on, with the
    unticked agreement still there as "not given" (so saving withdraws it)."""
    form_v1 = visits.VisitForm(
        contact_mode="walk_in", preferred_name="Maggie", contact="07700 900123",
        agreements=[visits.AgreementAnswer("follow_up", True, "verbal")])
    with store.unit_of_work() as db:
        visit_id = visits.record_visit(db, hub.actor, hub.session_id, form_v1).primary_id
    first = _new_form(qtbot, hub_context)
    wait_idle(qtbot, hub_context)
    with qtbot.waitSignal(first.edit_loaded, timeout=5000):
        first.edit_visit(visit_id)
    with qtbot.waitSignal(first.draft_saved, timeout=5000):
        first.agreement_checks["follow_up"].click()     # the person withdraws their agreement
    first.close()
    with store.unit_of_work() as db:                     # meanwhile the visit moves on to v2
        newer = visits.get_visit_form(db, visit_id)
        newer.age_band = "85_plus"
        visits.edit_visit(db, hub.actor, visit_id, newer, base_version=1)
        draft = visits.load_draft(db, hub.actor)
    assert draft is not None and draft.base_version == 1

    second = VisitCaptureForm(hub_context)
    qtbot.addWidget(second)
    with qtbot.waitSignal(second.draft_restored, timeout=5000):
        second.show()
    assert second.editing == visit_id
    assert second.state.base_version == 1                # not the current version 2
    answers = {a.purpose: a.given for a in second.collect().agreements}
    assert answers["follow_up"] is False and len(answers) == len(second.agreement_checks)
