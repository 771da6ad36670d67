"""Screenshots of the capture screens (visit form, today's list) at 1366×768 and 150 % font.

Run on its own (``python tools/screenshots_capture.py [OUT_DIR]``, default
``docs/screenshots``) or call :func:`capture_screens` from ``tools/screenshots.py``
with an unlocked main window that has a session open.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from hubdesk.ui.context import AppContext  # noqa: E402


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


def capture_screens(main: QWidget, context: AppContext, out_dir: Path) -> list[Path]:
    """Drive the capture page and today's list of ``main`` and save PNGs; returns their paths."""
    from hubdesk.ui.capture_form import VisitCaptureForm
    from hubdesk.ui.today_list import TodayVisitsView

    out_dir.mkdir(parents=True, exist_ok=True)
    form = main.capture  # type: ignore[attr-defined]
    today = main.today  # type: ignore[attr-defined]
    assert isinstance(form, VisitCaptureForm) and isinstance(today, TodayVisitsView)
    saved: list[Path] = []

    def shot(name: str) -> None:
        _settle(context)
        path = out_dir / f"{name}.png"
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
    form.picker.search.setFocus()
    QTest.keyClicks(form.picker.search, "exercise")
    _settle(context, 250)
    _key(form.picker.search, Qt.Key.Key_Return)
    _settle(context, 250)
    form.topic_finder.setFocus()
    form.scroll_area.ensureWidgetVisible(form.topic_rows_box, 10, 10)
    shot("capture-two-topics")
    form.picker.search.setFocus()
    form.scroll_area.ensureWidgetVisible(form.picker.chosen_box, 10, 10)
    shot("capture-signpost")
    _key(form.picker.search, Qt.Key.Key_Return)  # Enter saves
    _settle(context, 200)
    shot("capture-saved")

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
    return saved


def main(argv: list[str]) -> int:
    from hubdesk.core.paths import AppPaths
    from hubdesk.services import sessions, setup, visits, volunteers
    from hubdesk.services.visits import SignpostAnswer, TopicAnswer, VisitForm
    from hubdesk.store.engine import Store
    from hubdesk.ui.app import make_application
    from hubdesk.ui.errors import ErrorReporter
    from hubdesk.ui.main_window import MainWindow
    from hubdesk.ui.tasks import TaskRunner

    out_dir = Path(argv[0]) if argv else ROOT / "docs" / "screenshots"
    app = make_application()
    font = app.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)
    app.setFont(font)
    with tempfile.TemporaryDirectory() as folder:
        paths = AppPaths(Path(folder)).ensure()
        store = Store.open(paths.database, backups=paths.backups)
        with store.unit_of_work() as db:
            setup.first_run_setup(db, setup.SetupForm(
                hub_name="Stevenage Healthy Hub", district="Stevenage", venue_name="St Mary's Hall",
                coordinator_name="Pat Coordinator", pin="246810"))
        with store.unit_of_work() as db:
            actor = volunteers.unlock(db, "Pat Coordinator", "246810")
            venue_id = sessions.list_venues(db)[0].id
            session_id = sessions.open_session(db, actor, venue_id, "lunch_club").primary_id
            from hubdesk.services import directory

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
        with store.unit_of_work() as db:
            for example in examples:
                visits.record_visit(db, actor, session_id, example)
        errors = ErrorReporter(no_err_windows=True, log_file=None)
        runner = TaskRunner(store, errors.report)
        context = AppContext(paths, runner, errors)
        window = MainWindow(context)
        window.resize(1366, 768)
        window.show()
        window.activateWindow()
        window.unlocked(actor)  # as after the PIN was entered
        _settle(context, 300)
        for path in capture_screens(window, context, out_dir):
            print(path)
        runner.shutdown()
        window.close()
        store.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
