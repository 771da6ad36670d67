"""Screenshots of the capture screens (visit form, today's list) on a 1366×768 laptop,
at 100 % and 150 % text.

    .venv/bin/python tools/screenshots_capture.py [--out docs/screenshots]

Files are named ``capture-<state>-<percent>.png`` and ``today-list-<percent>.png``.
The window has the size the app gives it on that laptop (the work area, maximised,
minus the title bar).  Look at every one of them after a change.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository root

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from hubdesk.ui.context import AppContext
from tools.screenshots import ROOT, WINDOW_H, WINDOW_W, ScreenshotKit, run_tool


def _settle(context: AppContext, ms: int = 60) -> None:
    """Let queued database jobs and repaints finish (a tool script, not app code)."""
    QTest.qWait(ms)
    for _ in range(500):
        if not context.runner.busy:
            break
        QTest.qWait(20)
    QTest.qWait(ms)


def _key(widget: QWidget | None, key: Qt.Key | str,
         modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = widget or QApplication.focusWidget()
    assert target is not None
    if isinstance(key, str):  # a character: the stubs miss QTest's char overload
        QTest.keyClick(target, key, modifier)  # type: ignore[call-overload]
    else:
        QTest.keyClick(target, key, modifier)


def capture_screens(main: QWidget, context: AppContext, out_dir: Path, suffix: str) -> list[Path]:
    """Drive the capture page and today's list of ``main`` and save PNGs; returns their paths."""
    from hubdesk.ui.capture import VisitCaptureForm
    from hubdesk.ui.today_list import TodayVisitsView

    out_dir.mkdir(parents=True, exist_ok=True)
    form = main.capture  # type: ignore[attr-defined]
    today = main.today  # type: ignore[attr-defined]
    assert isinstance(form, VisitCaptureForm) and isinstance(today, TodayVisitsView)
    saved: list[Path] = []

    def shot(name: str) -> None:
        _settle(context)
        path = out_dir / f"{name}-{suffix}.png"
        main.grab().save(str(path))
        saved.append(path)

    main.show_capture()  # type: ignore[attr-defined]
    form.cancel()
    form.focus_first()
    shot("capture-empty")

    # two topics with their answers and a signpost, typed as a volunteer would
    _key(form.contact_mode, "w")
    _key(None, Qt.Key.Key_Tab)
    _key(None, "6")
    _key(None, Qt.Key.Key_Tab)
    _key(None, "f")
    form.topic_finder.setFocus()
    QTest.keyClicks(form.topic_finder, "alcohol")
    _key(form.topic_finder, Qt.Key.Key_Return)
    for key in ("3", Qt.Key.Key_Tab, "t", Qt.Key.Key_Tab, "l"):
        _key(None, key)
    form.topic_finder.setFocus()
    QTest.keyClicks(form.topic_finder, "physical")
    _key(form.topic_finder, Qt.Key.Key_Return)
    for key in ("4", Qt.Key.Key_Tab, "i", Qt.Key.Key_Tab, "s"):
        _key(None, key)
    shot("capture-two-topics")
    # the signpost, as the volunteer adds it: what they see right after Enter, no scrolling by hand
    form.picker.search.setFocus()
    QTest.keyClicks(form.picker.search, "exercise")
    _settle(context, 250)
    _key(form.picker.search, Qt.Key.Key_Return)
    _settle(context, 250)
    shot("capture-signpost")
    _key(form.picker.search, Qt.Key.Key_Return)  # Enter saves
    _settle(context, 200)
    shot("capture-saved")

    # a stray Enter after "Walk-in" asks instead of saving
    _key(form.contact_mode, "w")
    _key(None, Qt.Key.Key_Return)
    shot("capture-ask-empty")
    form.cancel()
    form.undo_button.hide()
    form.banner.hide()

    # a paused service asks before it is added
    form.picker.search.setFocus()
    QTest.keyClicks(form.picker.search, "men's shed")
    _settle(context, 250)
    _key(form.picker.search, Qt.Key.Key_Return)
    shot("capture-paused-service")
    _key(None, Qt.Key.Key_Return)  # "No, choose another"
    form.cancel()
    form.undo_button.hide()
    form.banner.hide()

    # validation errors: a referral without its source, a full postcode, too long a note
    form.cancel()
    form.undo_button.hide()
    form.banner.hide()
    _key(form.contact_mode, "r")
    QTest.keyClicks(form.postcode, "12AB")
    _key(form.postcode, Qt.Key.Key_Return)
    shot("capture-errors")

    # identity and agreements open
    form.cancel()
    form.undo_button.hide()
    form.banner.hide()
    _key(form.contact_mode, "r")
    form.referral.setCurrentIndex(form.referral.findData("gp"))
    form.identity_toggle.setChecked(True)
    QTest.keyClicks(form.preferred_name, "Maggie")
    QTest.keyClicks(form.contact, "07700 900123")
    form.agreement_checks["follow_up"].setChecked(True)
    form.follow_up.setChecked(True)
    form.safeguarding.setChecked(True)
    form.preferred_name.setFocus()
    _settle(context, 150)
    bar = form.scroll_area.verticalScrollBar()
    bar.setValue(form.identity_toggle.y() - 8)
    shot("capture-identity-agreements")
    form.safeguarding.setFocus()
    _settle(context, 150)
    bar.setValue(bar.maximum())
    shot("capture-agreements-safeguarding")
    form.cancel()

    main.show_today()  # type: ignore[attr-defined]
    today.reload()
    shot("today-list")
    today.table.setFocus()
    _key(today.table, Qt.Key.Key_Down)  # the volunteer chooses the newest visit
    shot("today-list-chosen")
    return saved


def shoot(data_dir: Path, out: Path, scale: float) -> None:
    from hubdesk.services import directory, visits
    from hubdesk.services.visits import SignpostAnswer, TopicAnswer, VisitForm
    from hubdesk.ui.main_window import MainWindow

    kit = ScreenshotKit(data_dir, out, scale)
    actor, volunteer = kit.first_run()
    session_id = kit.open_session(actor)
    with kit.store.unit_of_work() as db:
        services = {s.name: s.id for s in directory.search_directory(db, "")}
    examples = [
        VisitForm("walk_in", None, "65_74", "female", True, "", "SG1",
                  [TopicAnswer("alcohol", "advise", "very_brief", "thinking", "leaflet"),
                   TopicAnswer("physical_activity", "assist", "very_brief", "intends_service",
                               "signposted")],
                  [SignpostAnswer(services["SAMPLE – Stevenage Exercise Referral"], "signpost",
                                  "physical_activity")]),
        VisitForm("referred_in", "gp", "75_84", "male", False, "HX-204", "SG2",
                  [TopicAnswer("loneliness", "assist", "brief", "made_plan", "warm_handover")],
                  [SignpostAnswer(services["SAMPLE – Lunch Club Befriending"], "warm_handover",
                                  "loneliness")], safeguarding=True),
        VisitForm("approached", None, "50_64", "prefer_not", None, "", "",
                  [TopicAnswer("money", "advise", "brief", "intends_service", "signposted")],
                  [SignpostAnswer(services["Citizens Advice"], "signpost", "money")]),
        VisitForm("phone", None, "85_plus", "female", None, "", "SG1", []),
    ]
    with kit.store.unit_of_work() as db:
        for number, example in enumerate(examples):
            visits.record_visit(db, volunteer if number % 2 else actor, session_id, example)
    window = MainWindow(kit.context)
    window.show()
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(WINDOW_W, WINDOW_H)  # maximised on the laptop, less its title bar
    window.activateWindow()
    window.unlocked(actor)  # as after the PIN was entered
    _settle(kit.context, 300)
    for path in capture_screens(window, kit.context, out, kit.suffix):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    kit.close(window)


if __name__ == "__main__":
    run_tool(__file__, shoot, __doc__)
