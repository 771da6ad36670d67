"""Screenshots of the coordinator's follow-ups, past sessions, volunteer sign-in and
venues, at 1366×768.

    .venv/bin/python tools/screenshots_followups.py [--out docs/screenshots]

Runs offscreen on a simulated 1366×768 laptop screen (``tools/screenshots.py``'s set-up),
at 100 % and 150 % font, with a throw-away data folder filled through the real services.
Saves ``main-follow-ups-due``, ``follow-ups``, ``follow-ups-contact``,
``follow-ups-errors``, ``follow-ups-done``, ``volunteer-shifts``, ``past-sessions``,
``past-sessions-reopened`` and ``venues`` (each ``-<pct>.png``), and the printed
summary of a past session (``session-summary-pdf-page-1.png``).  Look at every one.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.screenshots import ScreenshotKit, run_per_scale  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    return run_per_scale(__file__, shoot, argv, (__doc__ or "").splitlines()[0])


def _follow_up_visit(db: object, actor: object, session_id: str, days: int, services: int,
                     name: str, contact: str) -> None:
    from sqlalchemy import select

    from hubdesk.services import visits
    from hubdesk.services.time_zone import hub_today_for
    from hubdesk.services.visits import AgreementAnswer, SignpostAnswer, TopicAnswer, VisitForm
    from hubdesk.store.models import Service

    service_ids = list(db.scalars(select(Service.id).where(Service.status == "active")  # type: ignore[attr-defined]
                                  .order_by(Service.name).offset(days + 5).limit(services)))
    form = VisitForm(
        contact_mode="walk_in", age_band="75_84", sex="female",
        topics=[TopicAnswer("food", "assist", "brief", "intends_service", "signposted")],
        signposts=[SignpostAnswer(service_id, "signpost", "food") for service_id in service_ids],
        agreements=[AgreementAnswer("follow_up", True)], preferred_name=name, contact=contact,
        follow_up_due=hub_today_for(db) + timedelta(days=days))  # type: ignore[arg-type]
    visits.record_visit(db, actor, session_id, form)  # type: ignore[arg-type]


def _printed(summary: object, out: Path) -> None:
    import shutil
    import subprocess
    import tempfile

    from hubdesk.ui.session_print import write_summary_pdf

    with tempfile.TemporaryDirectory() as temp:
        pdf = write_summary_pdf(summary, Path(temp) / "summary.pdf")  # type: ignore[arg-type]
        if shutil.which("pdftoppm") is None:
            print("pdftoppm not found: the printed summary was not rendered")
            return
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(out / "session-summary-pdf-page-1")], check=True)
        print(f"{out / 'session-summary-pdf-page-1.png'}")


def shoot(data_dir: Path, out: Path, scale: float) -> None:
    from hubdesk.core.clock import utc_now
    from hubdesk.services import follow_ups, sessions, venues
    from hubdesk.services.follow_ups import FollowUpAnswer
    from hubdesk.store import repositories as repo
    from hubdesk.store.models import HubSession

    kit = ScreenshotKit(data_dir, out, scale, settle_ms=150)
    store, settle, save = kit.store, kit.settle, kit.save
    coordinator, volunteer = kit.first_run()
    with store.unit_of_work() as db:
        venue_id = sessions.list_venues(db)[0].id
        venues.add_venue(db, coordinator, "Bedwell Community Centre", "other", "SG1")
        old = venues.add_venue(db, coordinator, "Old Town Library", "library", "SG1").venue_id
        venues.set_venue_retired(db, coordinator, old, True)
        earlier = sessions.open_session(db, coordinator, venue_id, "lunch_club").primary_id
        sessions.sign_in(db, coordinator, earlier, coordinator.volunteer_id)
        sessions.sign_in(db, coordinator, earlier, volunteer.volunteer_id)
        for days, services, name, contact in ((-3, 2, "Margaret", "07700 900412"),
                                              (-1, 1, "Derek", "derek@example.org"),
                                              (0, 1, "Ann", "01438 000111"),
                                              (2, 1, "Joan", "07700 900987"),
                                              (-6, 1, "Brian", "07700 900555")):
            _follow_up_visit(db, coordinator, earlier, days, services, name, contact)
        sessions.add_headcount(db, coordinator, earlier, 6)
        sessions.set_activity(db, coordinator, earlier, "Chair exercise", 14, 0)
    with store.unit_of_work() as db:  # that session was two days ago, 12:00 to 15:00
        row = repo.current_version(db, HubSession, earlier)
        assert row is not None
        start = utc_now().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=2)
        row.session_date -= timedelta(days=2)
        row.started_at = start
        row.volunteer_shifts = [
            {"volunteer_id": coordinator.volunteer_id,
             "signed_in_at": (start - timedelta(minutes=20)).isoformat(timespec="seconds")},
            {"volunteer_id": volunteer.volunteer_id,
             "signed_in_at": start.isoformat(timespec="seconds")}]
        sessions.finish_session(db, coordinator, row, start + timedelta(hours=3))
    with store.unit_of_work() as db:
        sessions.sign_out_all(db, coordinator, session_ids=[earlier])
        listed = follow_ups.list_follow_ups(db, coordinator).rows
        brian = listed[0]
        follow_ups.record_follow_up(db, coordinator, brian.id, FollowUpAnswer(
            "Started at the foodbank on Friday", done=True,
            outcome_id=brian.signposts[0].outcome_id, status="engaged"), base_version=brian.version)
        today = sessions.open_session(db, coordinator, venue_id, "drop_in").primary_id
        sessions.sign_in(db, coordinator, today, coordinator.volunteer_id)
    kit.context.set_session(today)

    window = kit.unlocked_window(coordinator)
    settle()
    save(window, "main-follow-ups-due")

    tools = window.coordinator_tools
    tools.show_follow_ups()
    settle()
    dialog = window.dialog
    save(dialog, "follow-ups")
    dialog.list.setCurrentIndex(dialog.model.index(0, 0))
    dialog.show_contact()
    settle()
    save(dialog, "follow-ups-contact")
    dialog.accept_requested()  # no words: the error is shown
    settle()
    save(dialog, "follow-ups-errors")
    dialog.show_combo.setCurrentIndex(1)
    settle()
    save(dialog, "follow-ups-done")
    dialog.close()
    settle()

    tools.show_shifts()
    settle()
    save(window.dialog, "volunteer-shifts")
    window.dialog.close()
    settle()

    tools.show_past_sessions()
    settle()
    past = window.dialog
    past.list.setCurrentIndex(past.model.index(1, 0))
    settle()
    save(past, "past-sessions")
    if scale == 1.0 and past.summary is not None:  # the printed summary, as a PNG to look at
        _printed(past.summary, out)
    past.reopen_or_close()
    settle()
    save(past, "past-sessions-reopened")
    past.close()
    settle()

    tools.show_venues()
    settle()
    save(window.dialog, "venues")
    window.dialog.close()
    settle()
    window.close()
    kit.close()


if __name__ == "__main__":
    sys.exit(main())
