"""The end-of-day handover wizard, end to end by keyboard against the real server
(issue 10): discard a draft, check and close the session, sign volunteers out, sync
with progress, read the server's receipt, save the day's summary PDF (its figures are
the session summary's); and again with the server unreachable, taking the batch-file
path, then importing that file on the server: nothing lost, nothing twice."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hubdesk.core.clock import utc_now
from hubdesk.server.batchfile import import_batch_file
from hubdesk.server.models import RecordRow
from hubdesk.services import sessions, visits, volunteers
from hubdesk.services.common import Actor
from hubdesk.store import repositories
from hubdesk.store.models import HubSession, OutboxItem
from hubdesk.sync.handover import shift_hours
from hubdesk.sync.status import end_of_day_receipt
from hubdesk.ui.handover.pages import DraftsPage, SessionsPage, VolunteersPage
from hubdesk.ui.handover.sync_page import SyncPage
from hubdesk.ui.handover.wizard import HandoverWizard, ReceiptPage, SummaryPage
from tests.conftest import VOLUNTEER_PIN
from tests.gui.conftest import wait_idle
from tests.gui.keyboard import focused, press, tab_to
from tests.gui.test_sync_ui import FAST, SyncApp, sync_app  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.gui, pytest.mark.integration]

ALT = Qt.KeyboardModifier.AltModifier








def prepare_day(app: SyncApp, qtbot: QtBot) -> Actor:
    """Two visits, a headcount of 3, an activity, a volunteer's unfinished visit, and two
    volunteers signed in two hours ago (written to the session as the sign-in screen of
    the follow-ups work will: that service is not on main yet)."""
    laptop = app.laptop
    app.record_visit(qtbot, topics=2)
    app.record_visit(qtbot, topics=1)
    with laptop.store.unit_of_work() as db:
        volunteers.add_volunteer(db, laptop.actor, "Robin Volunteer", VOLUNTEER_PIN)
    with laptop.store.unit_of_work() as db:
        robin = volunteers.unlock(db, "Robin Volunteer", VOLUNTEER_PIN)
        visits.save_draft(db, robin, {"contact_mode": "walk_in", "age_band": "75_84"},
                          session_id=laptop.session_id)
        sessions.add_headcount(db, laptop.actor, laptop.session_id, 3)
        sessions.set_activity(db, laptop.actor, laptop.session_id, "Chair yoga", 9, 0)
        row = repositories.current_version(db, HubSession, laptop.session_id)
        assert row is not None
        since = (utc_now() - timedelta(hours=2)).isoformat(timespec="seconds")
        row.volunteer_shifts = [{"volunteer_id": laptop.actor.volunteer_id, "signed_in_at": since},
                                {"volunteer_id": robin.volunteer_id, "signed_in_at": since}]
    return robin


def open_wizard(app: SyncApp, qtbot: QtBot) -> HandoverWizard:
    app.window.activateWindow()
    qtbot.waitUntil(app.window.isActiveWindow, timeout=5000)
    app.window.capture.focus_first()
    press(qtbot, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(app.window.dialog, HandoverWizard)
                    and app.window.dialog.isVisible(), timeout=5000)
    wizard = app.window.dialog
    assert isinstance(wizard, HandoverWizard)
    return wizard


def next_page(qtbot: QtBot, wizard: HandoverWizard) -> None:
    page = wizard.currentPage()
    qtbot.waitUntil(lambda: wizard.button(QWizard.WizardButton.NextButton).isEnabled(), timeout=20_000)
    press(qtbot, Qt.Key.Key_N, ALT)
    qtbot.waitUntil(lambda: wizard.currentPage() is not page, timeout=5000)


def the_first_steps(app: SyncApp, qtbot: QtBot, wizard: HandoverWizard) -> None:
    """Drafts → sessions → volunteers, by keyboard."""
    drafts = wizard.page_for(DraftsPage)
    qtbot.waitUntil(lambda: drafts.list.count() == 1, timeout=5000)
    assert "Robin Volunteer" in drafts.list.item(0).text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # a draft is left
    assert focused() is drafts.list
    press(qtbot, Qt.Key.Key_Space)  # tick it
    tab_to(qtbot, drafts.discard_button)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: drafts.count == 0, timeout=5000)
    next_page(qtbot, wizard)

    page = wizard.page_for(SessionsPage)
    qtbot.waitUntil(lambda: page.list.count() == 1 and page.headcount.value() == 3, timeout=5000)
    assert "Chair yoga: 9 took part" in page.details.text()
    tab_to(qtbot, page.close_button)
    press(qtbot, Qt.Key.Key_Return)  # not ticked yet: said, nothing closed
    assert page.error.message.startswith("Tick “I have checked")
    assert focused() is page.checked
    tab_to(qtbot, page.headcount)
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.headcount, "4")  # one more person than the taps counted
    tab_to(qtbot, page.checked)
    press(qtbot, Qt.Key.Key_Space)
    tab_to(qtbot, page.close_button)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.open and page.empty.isVisible(), timeout=5000)
    assert app.context.session_id is None  # the window knows the session closed
    next_page(qtbot, wizard)

    people = wizard.page_for(VolunteersPage)
    qtbot.waitUntil(lambda: people.list.count() == 2, timeout=5000)
    assert focused() is people.sign_out_button
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: people.empty.isVisible() and people.isComplete(), timeout=5000)


def up_to_the_sync_step(app: SyncApp, qtbot: QtBot, *, online: bool) -> HandoverWizard:
    """Sync installed, the day recorded, the wizard opened by its shortcut and its first
    three steps done by keyboard; the sync step is showing."""
    app.window.sync_controller = app.install()  # type: ignore[attr-defined]
    if not online:
        app.server.stop()
    prepare_day(app, qtbot)
    wait_idle(qtbot, app.context)
    wizard = open_wizard(app, qtbot)
    the_first_steps(app, qtbot, wizard)
    next_page(qtbot, wizard)
    return wizard


def laptop_versions(app: SyncApp) -> set[tuple[str, str, int, str]]:
    with app.laptop.store.unit_of_work() as db:
        return {(i.kind, i.record_id, i.version, i.content_hash)
                for i in db.scalars(select(OutboxItem))}


def server_versions(app: SyncApp) -> list[tuple[str, str, int, str]]:
    with app.server.engine.connect() as conn:
        return [(r.kind, r.record_id, r.version, r.content_hash) for r in conn.execute(
            select(RecordRow).where(RecordRow.device_id == app.laptop.device_id))]


def pdf_text(path: Path, png_folder: Path) -> str:
    """The PDF's text (pdftotext), and a PNG of page 1 (pdftoppm) to look at."""
    pdftoppm, pdftotext = shutil.which("pdftoppm"), shutil.which("pdftotext")
    if pdftoppm is None or pdftotext is None:
        pytest.skip("poppler-utils (pdftoppm, pdftotext) is not installed")
    subprocess.run([pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", str(path),
                    str(png_folder / "handover-summary")], check=True, timeout=60)
    assert list(png_folder.glob("handover-summary*.png"))
    return subprocess.run([pdftotext, "-layout", str(path), "-"], check=True, timeout=60,
                          capture_output=True, text=True).stdout


def test_the_handover_end_to_end_by_keyboard_against_the_real_server(
        qtbot: QtBot, sync_app: SyncApp, tmp_path: Path) -> None:  # noqa: F811
    app = sync_app
    wizard = up_to_the_sync_step(app, qtbot, online=True)

    sync = wizard.page_for(SyncPage)
    assert isinstance(wizard.currentPage(), SyncPage)
    qtbot.waitUntil(lambda: sync.result is not None, timeout=30_000)
    assert sync.result is not None and sync.result.completed and sync.result.pending == 0
    assert sync.state.text() == "Sent: the server has everything that was waiting."
    assert sync.batch_box.isHidden()
    next_page(qtbot, wizard)

    receipt_page = wizard.page_for(ReceiptPage)
    qtbot.waitUntil(lambda: receipt_page.receipt.text() != "", timeout=5000)
    held = server_versions(app)
    assert sorted(held) == sorted(laptop_versions(app))  # every version once, same content
    with app.laptop.store.unit_of_work() as db:
        receipt = end_of_day_receipt(db, sessions.session_info(db, app.laptop.session_id)
                                     .session_date)
    assert receipt.recorded == len(held) and receipt.missing == 0
    assert receipt_page.receipt.text() == (
        f"{len(held)} recorded on this laptop today, {len(held)} received by the server, "
        "0 missing, 0 duplicated.")
    assert receipt_page.unsent.text() == "Nobody has records waiting: the server has them all."
    assert receipt_page.purge.text().startswith("On this laptop: ")

    # the session reached the server closed, with the headcount fixed, then signed out
    with app.server.engine.connect() as conn:
        rows = conn.execute(select(RecordRow.version, RecordRow.payload).where(
            RecordRow.kind == "session", RecordRow.record_id == app.laptop.session_id)
            .order_by(RecordRow.version)).all()
    assert [r.version for r in rows] == [1, 2]
    closed, signed_out = (json.loads(r.payload)["fields"] for r in rows)
    assert closed["status"] == "closed" and closed["headcount"] == 4
    assert all("signed_out_at" not in s for s in closed["volunteer_shifts"])
    assert all(s.get("signed_out_at") for s in signed_out["volunteer_shifts"])
    hours = shift_hours(signed_out["volunteer_shifts"])
    assert 3.9 < hours < 4.2  # two volunteers, about two hours each
    next_page(qtbot, wizard)

    summary_page = wizard.page_for(SummaryPage)
    qtbot.waitUntil(lambda: summary_page.path.text().endswith(".pdf"), timeout=5000)
    target = tmp_path / "usb" / "day.pdf"
    target.parent.mkdir()
    tab_to(qtbot, summary_page.path)
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(summary_page.path, str(target))
    with qtbot.waitSignal(wizard.summary_saved, timeout=10_000):
        press(qtbot, Qt.Key.Key_S, ALT)
    assert target.is_file() and target.read_bytes().startswith(b"%PDF")

    with app.laptop.store.unit_of_work() as db:
        expected = sessions.session_summary(db, app.laptop.session_id)
    text = pdf_text(target, tmp_path)
    expected_rows = {
        "Visits": expected.visits, "First visits": expected.first_visits,
        "Headcount (no details given)": expected.session.headcount,
        "People engaged": expected.people_engaged, "Signposts": expected.signposts_total,
        "Safeguarding concerns": expected.safeguarding,
        "Activity attendance": expected.activity_attendance, "Volunteers": 2,
        "Volunteer hours": f"{hours:.1f}"}
    for label, value in expected_rows.items():
        # one session that day: its column and the day's total both hold the figure
        line = next(line for line in text.splitlines()
                    if re.match(rf"\s*{re.escape(label)}\s+\d", line))
        assert line.split()[-2:] == [str(value), str(value)], (label, line)
    assert expected.visits == 2 and expected.session.headcount == 4
    assert f"{len(held)} recorded on this laptop today" in text
    assert "Robin Volunteer" not in text.split("Still to send")[0]  # counts only above

    assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()
    with qtbot.waitSignal(wizard.finished, timeout=5000):
        press(qtbot, Qt.Key.Key_D, ALT)


def test_with_the_server_unreachable_the_batch_file_carries_the_day_and_nothing_is_lost(
        qtbot: QtBot, sync_app: SyncApp, tmp_path: Path) -> None:  # noqa: F811
    app = sync_app
    wizard = up_to_the_sync_step(app, qtbot, online=False)  # the hall's Wi-Fi is down all day

    sync = wizard.page_for(SyncPage)
    qtbot.waitUntil(lambda: sync.result is not None, timeout=60_000)
    assert sync.result is not None and not sync.result.completed
    assert sync.state.text().startswith("Not everything was sent. Cannot reach the HubDesk server.")
    assert sync.batch_box.isVisible() and focused() is sync.folder
    usb = tmp_path / "usb-stick"
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(sync.folder, str(usb))
    tab_to(qtbot, sync.save_button)
    press(qtbot, Qt.Key.Key_Return)  # the folder does not exist yet: said, nothing written
    assert sync.folder_field.error.message.startswith("Choose a folder that exists")
    usb.mkdir()
    tab_to(qtbot, sync.save_button)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: sync.exported is not None, timeout=10_000)
    exported = sync.exported
    assert exported is not None and exported.path.parent == usb
    assert exported.items == len(laptop_versions(app))
    next_page(qtbot, wizard)

    receipt_page = wizard.page_for(ReceiptPage)
    qtbot.waitUntil(lambda: receipt_page.receipt.text() != "", timeout=5000)
    total = len(laptop_versions(app))
    assert receipt_page.receipt.text() == (
        f"{total} recorded on this laptop today, 0 received by the server, "
        f"{total} missing, 0 duplicated.")
    assert "Pat Coordinator" not in receipt_page.unsent.text()
    assert "Coordinator: " in receipt_page.unsent.text()  # the harness's coordinator
    assert "waiting to be sent: sync again where the Wi-Fi works, or take the batch file" \
        in receipt_page.unsent.text()
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=5000)

    # the council imports the file: every version arrives, once, with the same content
    receipt = import_batch_file(app.server.engine, exported.path)
    assert receipt.counts.accepted == total
    assert sorted(server_versions(app)) == sorted(laptop_versions(app))
    # back online: the next sync settles the batch without sending anything twice
    app.server.start()
    controller = app.window.sync_controller  # type: ignore[attr-defined]
    with qtbot.waitSignal(controller.finished, timeout=30_000) as finished:
        controller.sync_now()
    assert finished.args[0].completed
    assert sorted(server_versions(app)) == sorted(laptop_versions(app))
    with app.laptop.store.unit_of_work() as db:
        day = sessions.session_info(db, app.laptop.session_id).session_date
        after = end_of_day_receipt(db, day)
    assert (after.recorded, after.received, after.missing, after.duplicated) == (total, total, 0, 0)
