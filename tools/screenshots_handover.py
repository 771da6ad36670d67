"""Screenshots of the coordinator's day, at 1366×768, 100 % and 150 % font.

    .venv/bin/python tools/screenshots_handover.py [--out docs/screenshots]

Saves ``welcome-<pct>.png`` (set up or join), ``join-hub-error-<pct>.png`` (a wrong
address said next to its field), ``settings-<pct>.png`` / ``settings-error-<pct>.png``,
``help-shortcuts-<pct>.png``, ``help-guide-<pct>.png`` and the handover wizard's steps
``handover-1-drafts`` … ``handover-6-summary`` (the sync step with the server out of
reach, offering the batch file), plus ``handover-summary-pdf.png`` (page 1 of the PDF,
by pdftoppm, when poppler-utils is installed).  Look at every one after a change.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.screenshots import WINDOW_H, WINDOW_W, ScreenshotKit, run_per_scale  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    return run_per_scale(__file__, shoot, argv, (__doc__ or "").splitlines()[0])


def _day(kit: ScreenshotKit, coordinator: object, volunteer: object) -> str:
    """A lunch club with visits, a headcount, an activity, a draft and two signed in."""
    from hubdesk.core.clock import utc_now
    from hubdesk.server.testing import free_port
    from hubdesk.services import sessions, visits
    from hubdesk.services.visits import SignpostAnswer, TopicAnswer, VisitForm
    from hubdesk.store import repositories, sync_repo
    from hubdesk.store.models import HubSession, Service

    with kit.store.unit_of_work() as db:
        venue_id = sessions.list_venues(db)[0].id
        session_id = sessions.open_session(db, coordinator, venue_id, "lunch_club").primary_id  # type: ignore[arg-type]
        service = db.query(Service).first()
        assert service is not None
        for topics in (["mental_wellbeing", "loneliness"], ["money"], ["food", "money"]):
            visits.record_visit(db, volunteer, session_id, VisitForm(  # type: ignore[arg-type]
                contact_mode="walk_in", age_band="65_74", sex="female", first_visit=True,
                topics=[TopicAnswer(t, "advise", "brief", "thinking", "signposted") for t in topics],
                signposts=[SignpostAnswer(service.id, "signpost", topics[0])]))
        sessions.add_headcount(db, coordinator, session_id, 5)  # type: ignore[arg-type]
        sessions.set_activity(db, coordinator, session_id, "Chair yoga", 9, 0)  # type: ignore[arg-type]
        visits.save_draft(db, volunteer, {"contact_mode": "walk_in"}, session_id=session_id)  # type: ignore[arg-type]
        row = repositories.current_version(db, HubSession, session_id)
        assert row is not None
        since = (utc_now() - timedelta(hours=3)).isoformat(timespec="seconds")
        row.volunteer_shifts = [
            {"volunteer_id": coordinator.volunteer_id, "signed_in_at": since},  # type: ignore[attr-defined]
            {"volunteer_id": volunteer.volunteer_id, "signed_in_at": since}]  # type: ignore[attr-defined]
        # connected to a server that is out of reach (the hall's Wi-Fi is down)
        sync_repo.save_enrolment(db, server_url=f"http://127.0.0.1:{free_port()}", token="hd2_x",
                                 hub={"id": row.hub_id,
                                      "name": "Stevenage Healthy Hub", "district": "Stevenage",
                                      "tier": "universal"}, now=utc_now())
    return session_id


def shoot(data_dir: Path, out: Path, scale: float) -> None:
    from PySide6.QtWidgets import QWizard

    from hubdesk.ui.handover.pages import DraftsPage, SessionsPage
    from hubdesk.ui.handover.sync_page import SyncPage
    from hubdesk.ui.handover.wizard import HandoverWizard, SummaryPage
    from hubdesk.ui.help_dialogs import GuideDialog, ShortcutsDialog
    from hubdesk.ui.join_dialog import JoinHubDialog, WelcomeDialog
    from hubdesk.ui.settings.dialog import SettingsDialog
    from hubdesk.ui.sync_controller import SyncController
    from hubdesk.ui.sync_menu import install_sync

    kit = ScreenshotKit(data_dir, out, scale, settle_ms=150)
    context, settle, save = kit.context, kit.settle, kit.save

    welcome = WelcomeDialog()
    welcome.show()
    save(welcome, "welcome")
    welcome.close()
    joining = JoinHubDialog(context)
    joining.show()
    joining.server.setText("hubdesk.example.org")
    joining.coordinator.setText("Sam Coordinator")
    joining.accept_requested()
    save(joining, "join-hub-error")
    joining.close()

    coordinator, volunteer = kit.first_run()
    _day(kit, coordinator, volunteer)
    window = kit.unlocked_window(coordinator)
    controller = install_sync(window, context, probe_interval=600, debounce=600,
                              connect_timeout=0.5, max_retries=0)
    window.sync_controller = controller  # type: ignore[attr-defined]
    settle()

    settings = SettingsDialog(context, window)
    settings.show()
    settle()
    save(settings, "settings")
    settings.show_area("Time zone").zone.setCurrentText("Mars/Olympus")  # type: ignore[attr-defined]
    settings.accept_requested()
    settle()
    save(settings, "settings-error")
    settings.close()

    shortcuts = ShortcutsDialog(window, window)
    shortcuts.show()
    save(shortcuts, "help-shortcuts")
    shortcuts.close()
    guide = GuideDialog(window)
    guide.show()
    save(guide, "help-guide")
    guide.close()

    wizard = HandoverWizard(context, controller if isinstance(controller, SyncController) else None,
                            window)
    wizard.show()
    settle()
    save(wizard, "handover-1-drafts")
    drafts = wizard.page_for(DraftsPage)
    drafts.list.item(0).setCheckState(drafts.list.item(0).checkState().Checked)
    drafts.discard_ticked()
    settle()
    wizard.next()
    settle()
    wizard.page_for(SessionsPage).checked.setChecked(True)
    save(wizard, "handover-2-sessions")
    wizard.page_for(SessionsPage).close_selected()
    settle()
    wizard.next()
    settle()
    save(wizard, "handover-3-volunteers")
    wizard.page_for(type(wizard.currentPage())).sign_out_all()  # type: ignore[attr-defined]
    settle()
    wizard.next()
    sync = wizard.page_for(SyncPage)
    for _ in range(100):
        settle(100)
        if sync.result is not None:
            break
    save(wizard, "handover-4-send-offline")
    usb = data_dir / "usb"
    usb.mkdir(exist_ok=True)
    sync.folder.setText(str(usb))
    sync.save_batch()
    settle()
    wizard.next()
    settle()
    save(wizard, "handover-5-receipt")
    wizard.next()
    settle()
    summary = wizard.page_for(SummaryPage)
    pdf = data_dir / "day.pdf"
    summary.path.setText(str(pdf))
    summary.save_pdf()
    settle(400)
    save(wizard, "handover-6-summary")
    assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm and pdf.is_file() and kit.suffix == "100":
        subprocess.run([pdftoppm, "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(out / "handover-summary-pdf")], check=True)
        print(out / "handover-summary-pdf.png")
    wizard.close()
    controller.stop()
    window.resize(WINDOW_W, WINDOW_H)
    window.close()
    kit.close()


if __name__ == "__main__":
    sys.exit(main())
