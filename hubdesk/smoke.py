"""``hubdesk --smoke``: prove a build works where users run it.

Runs the real app's parts end to end in its own temporary data folder, with no
dialogs (errors go to stderr, the log and the report file, never a modal box):

1. the bundle: version, ``resources/``, the migrations folder;
2. a new database migrated to head; first-run setup; a volunteer unlocks, opens
   a session, records a visit and reads it back through the services layer;
3. SQLCipher: an encrypted database is migrated, written, reopened with its key
   (and refused with a wrong one), and its file is not readable as plain SQLite;
4. optionally (``--migrate-fixture FILE`` / ``HUBDESK_SMOKE_FIXTURE``) a copy of a
   database made by an earlier schema revision is migrated to head and compared
   row by row with the original: nothing lost, nothing changed;
5. last, the main window is opened, unlocked and closed (offscreen when there
   is no display), and a deliberate bug raised on the GUI thread must reach the
   crash dialog with a copyable report and the log file's path.

Prints one ``hubdesk smoke OK: ...`` line and returns 0, or prints
``hubdesk smoke FAILED at <step>: <reason>`` and returns 1.  Windowed builds on
Windows have no stdout, so the same line is also written to the file named by
``HUBDESK_SMOKE_REPORT`` when set.  ``HUBDESK_SMOKE_KEEP=1`` keeps the
temporary folder for a post-mortem.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import hubdesk

FIXTURE_ENV = "HUBDESK_SMOKE_FIXTURE"
REPORT_ENV = "HUBDESK_SMOKE_REPORT"
KEEP_ENV = "HUBDESK_SMOKE_KEEP"
SKIP_WINDOW_ENV = "HUBDESK_SMOKE_NO_WINDOW"  # only for running the smoke where Qt cannot start

SMOKE_PIN = "482615"
SMOKE_KEY = "smoke-test-key-not-secret"

log = logging.getLogger("hubdesk.smoke")

Row = tuple[Any, ...]
Snapshot = dict[str, tuple[list[str], list[Row]]]


class SmokeFailure(Exception):
    """A check failed; the message says what was expected."""


@dataclass
class SmokeReport:
    facts: list[str] = field(default_factory=list)

    def note(self, fact: str) -> None:
        self.facts.append(fact)
        log.info("smoke: %s", fact)


def run_smoke(fixture: str | os.PathLike[str] | None = None) -> int:
    """Run every check; 0 when all passed, 1 (with the reason printed) otherwise."""
    started = time.perf_counter()
    fixture = fixture or os.environ.get(FIXTURE_ENV) or None
    workdir = Path(tempfile.mkdtemp(prefix="hubdesk-smoke-"))
    report = SmokeReport()
    step = "start"
    try:
        from hubdesk.core.logging_setup import configure_logging

        log_file = configure_logging(workdir / "data" / "logs")
        steps: list[tuple[str, Callable[[], None]]] = [
            ("bundle", lambda: _check_bundle(report)),
            ("record a visit", lambda: _check_record_visit(workdir / "data", report)),
            ("sqlcipher", lambda: _check_sqlcipher(workdir / "cipher", report)),
        ]
        if fixture:
            steps.append(("migrate fixture",
                          lambda: _check_fixture(Path(fixture), workdir / "fixture", report)))
        if os.environ.get(SKIP_WINDOW_ENV) != "1":
            steps.append(("main window",
                          lambda: _check_main_window(workdir / "data", log_file, report)))
            steps.append(("crash dialog", lambda: _check_crash_dialog(log_file, report)))
        for name, check in steps:
            step = name
            check()
    except Exception as error:
        log.exception("smoke failed at %s", step)
        _emit(f"hubdesk smoke FAILED at {step}: {type(error).__name__}: {error}", failed=True)
        _cleanup(workdir)
        return 1
    took = time.perf_counter() - started
    _emit(f"hubdesk smoke OK in {took:.1f} s: " + "; ".join(report.facts))
    _cleanup(workdir)
    return 0


# --- the steps ---------------------------------------------------------------

def _check_bundle(report: SmokeReport) -> None:
    from hubdesk.core.paths import resources_dir
    from hubdesk.store.engine import MIGRATIONS_DIR, head_revision

    resources = resources_dir()
    versions = sorted(p.name for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py"))
    if not (MIGRATIONS_DIR / "env.py").is_file() or not versions:
        raise SmokeFailure(f"no Alembic migrations at {MIGRATIONS_DIR}")
    for name in ("vocabularies.json", "services_sample.json"):
        if not (resources / name).is_file():
            raise SmokeFailure(f"resources/{name} missing from {resources}")
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    console = "" if sys.stderr is not None else ", no console"
    report.note(f"HubDesk {hubdesk.__version__} {frozen}{console}, schema head "
                f"{head_revision()} ({len(versions)} migrations)")


def _check_record_visit(data_dir: Path, report: SmokeReport) -> None:
    from hubdesk.core.paths import AppPaths
    from hubdesk.services import laptop, sessions, setup, status, visits, volunteers
    from hubdesk.store.encryption import database_is_plain
    from hubdesk.store.engine import current_revision, head_revision

    paths = AppPaths(data_dir).ensure()
    store = laptop.open_new_laptop(paths)  # encrypted (SQLCipher), as every real laptop
    try:
        if current_revision(store.engine) != head_revision():
            raise SmokeFailure("a new database was not migrated to head")
        with store.unit_of_work() as db:
            if not setup.needs_first_run(db):
                raise SmokeFailure("a new database should need first-run setup")
            setup.first_run_setup(db, setup.SetupForm(
                hub_name="Smoke Test Hub", district="Stevenage", venue_name="Smoke Test Hall",
                coordinator_name="Smoke Coordinator", pin=SMOKE_PIN))
        with store.unit_of_work() as db:
            actor = volunteers.unlock(db, "Smoke Coordinator", SMOKE_PIN)
        with store.unit_of_work() as db:
            venue = sessions.list_venues(db)[0]
            session_id = sessions.open_session(db, actor, venue.id, "drop_in").primary_id
        form = visits.VisitForm(
            contact_mode="walk_in", referral_source="self", age_band="65_74", sex="female",
            first_visit=True, topics=[visits.TopicAnswer(topic="loneliness")])
        with store.unit_of_work() as db:
            visit_id = visits.record_visit(db, actor, session_id, form).primary_id
    finally:
        store.close()
    # read back through a freshly unlocked store (the PIN's key slot): committed, not cached
    if database_is_plain(paths.database):
        raise SmokeFailure("the database file is not encrypted")
    store = laptop.unlock_laptop(paths, "Smoke Coordinator", SMOKE_PIN).store
    try:
        with store.unit_of_work() as db:
            rows = visits.list_visits(db, session_id=session_id)
            counts = status.status_counts(db)
    finally:
        store.close()
    if [row.id for row in rows] != [visit_id]:
        raise SmokeFailure(f"recorded visit {visit_id} not read back (got {len(rows)} rows)")
    row = rows[0]
    if (row.age_band, row.sex, row.topics) != ("65_74", "female", ("loneliness",)):
        raise SmokeFailure(f"visit read back with other answers: {row}")
    if counts.visits != 1 or counts.unsent < 1:
        raise SmokeFailure(f"status after one visit is wrong: {counts}")
    report.note(f"1 visit recorded in the encrypted store and read back after unlocking with "
                f"the PIN ({counts.unsent} waiting to send)")


def _check_sqlcipher(folder: Path, report: SmokeReport) -> None:
    from hubdesk.core.errors import StorageError
    from hubdesk.store.engine import Store
    from hubdesk.store.models import Setting

    database = folder / "encrypted.sqlite3"
    store = Store.open(database, key=SMOKE_KEY)
    try:
        with store.unit_of_work() as db:
            db.add(Setting(key="smoke", value={"written": True}))
    finally:
        store.close()
    if database.read_bytes()[:16] == b"SQLite format 3\x00":
        raise SmokeFailure("the encrypted database is plain SQLite")
    store = Store.open(database, key=SMOKE_KEY)
    try:
        with store.unit_of_work() as db:
            setting = db.get(Setting, "smoke")
            if setting is None or setting.value != {"written": True}:
                raise SmokeFailure("value written to the encrypted database not read back")
    finally:
        store.close()
    try:
        Store.open(database, key="a-wrong-key").close()
    except StorageError:
        pass
    else:
        raise SmokeFailure("the encrypted database opened with a wrong key")
    import sqlcipher3

    version = getattr(sqlcipher3, "sqlite_version", "?")
    report.note(f"SQLCipher ok (sqlite {version}; wrong key refused)")


def _check_fixture(fixture: Path, folder: Path, report: SmokeReport) -> None:
    from hubdesk.store.engine import Store, current_revision, head_revision

    if not fixture.is_file():
        raise SmokeFailure(f"fixture {fixture} not found")
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "hubdesk.sqlite3"
    shutil.copy2(fixture, database)
    before_revision = read_revision(database)
    before = snapshot(database)
    store = Store.open(database, backups=folder / "backups")
    try:
        revision = current_revision(store.engine)
    finally:
        store.close()
    if revision != head_revision():
        raise SmokeFailure(f"fixture migrated to {revision}, not head {head_revision()}")
    problems = compare_snapshots(before, snapshot(database))
    if problems:
        raise SmokeFailure("data lost or changed by migration: " + "; ".join(problems[:5]))
    backups = list((folder / "backups").glob("*.sqlite3"))
    if before_revision != revision and not backups:
        raise SmokeFailure("no copy of the database was kept before upgrading it")
    checked = check_fixture_through_services(database)
    rows = sum(len(table_rows) for _, table_rows in before.values())
    report.note(f"fixture {before_revision}->{revision}: {rows} rows kept, {checked}")


def _check_main_window(data_dir: Path, log_file: Path | None, report: SmokeReport) -> None:
    """Open the real main window on the smoke data folder, unlock it as the smoke
    coordinator, wait until it is ready (the work pages showing), close it.

    Mirrors :func:`hubdesk.ui.app.run_gui`, but with ``no_err_windows`` and any
    error report failing the step.  ``HUBDESK_SMOKE_SCREENSHOT=FILE`` saves a
    picture of the ready window (the screen itself under X11, else the widget).
    """
    if (not os.environ.get("QT_QPA_PLATFORM") and sys.platform.startswith("linux")
            and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtGui import QGuiApplication

    from hubdesk.core.paths import AppPaths
    from hubdesk.ui.app import make_application
    from hubdesk.ui.context import AppContext
    from hubdesk.ui.errors import ErrorReporter
    from hubdesk.ui.gc_guard import GuiThreadCollector
    from hubdesk.ui.main_window import MainWindow
    from hubdesk.ui.tasks import TaskRunner

    app = make_application()
    collector = GuiThreadCollector(app)
    errors = ErrorReporter(no_err_windows=True, log_file=log_file)
    reported: list[str] = []
    errors.bug_reported.connect(reported.append)
    errors.user_error.connect(reported.append)
    previous_hook = sys.excepthook
    errors.install_excepthook()
    paths = AppPaths(data_dir).ensure()
    from hubdesk.services.laptop import unlock_laptop

    opened = unlock_laptop(paths, "Smoke Coordinator", SMOKE_PIN)  # the PIN screen's path
    store = opened.store
    runner = TaskRunner(store, errors.report)
    try:
        window = MainWindow(AppContext(paths, runner, errors))
        errors.parent_widget = window
        window.show()
        loop = QEventLoop()
        window.ready.connect(loop.quit)
        errors.bug_reported.connect(lambda _report: loop.quit())
        QTimer.singleShot(0, lambda: window.unlocked(opened.actor))
        QTimer.singleShot(30_000, loop.quit)
        loop.exec()
        seconds = time.perf_counter() - started
        if reported:
            raise SmokeFailure("the window reported an error: " + reported[0].splitlines()[0])
        if window.is_locked or not window.isVisible():
            raise SmokeFailure("the main window did not unlock and show its pages in 30 s")
        title = window.windowTitle()
        screenshot = os.environ.get("HUBDESK_SMOKE_SCREENSHOT")
        if screenshot:
            QTimer.singleShot(500, loop.quit)  # let it paint fully first
            loop.exec()
            screen = window.screen()
            native = QGuiApplication.platformName() == "xcb"
            picture = screen.grabWindow(0) if native else window.grab()
            if not picture.save(screenshot):
                raise SmokeFailure(f"could not save the screenshot to {screenshot}")
        window.close()
        app.processEvents()
    finally:
        runner.shutdown()
        collector.stop()
        store.close()
        sys.excepthook = previous_hook
    platform_name = QGuiApplication.platformName()
    report.note(f"main window '{title}' unlocked and closed in {seconds:.2f} s ({platform_name})")


def _check_crash_dialog(log_file: Path | None, report: SmokeReport) -> None:
    """A bug on the GUI thread reaches the crash dialog: the report names the error
    and the log file, "Copy report" copies it, and the log has it too.

    The exception is raised inside a Qt callback (as a real bug would be) with
    dialogs switched on; a timer inspects the modal dialog and closes it.
    """
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from hubdesk.ui.crash_dialog import CrashDialog
    from hubdesk.ui.errors import ErrorReporter

    errors = ErrorReporter(no_err_windows=False, log_file=log_file)
    previous_hook = sys.excepthook
    errors.install_excepthook()
    loop = QEventLoop()
    seen: dict[str, str] = {}
    marker = "smoke: a deliberate bug to check the crash dialog"

    def inspect(attempt: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, CrashDialog):
            if attempt < 100:
                QTimer.singleShot(50, lambda: inspect(attempt + 1))
            else:
                loop.quit()
            return
        seen["report"] = dialog.report.toPlainText()
        dialog.copy_report()
        seen["clipboard"] = QApplication.clipboard().text()
        screenshot = os.environ.get("HUBDESK_SMOKE_SCREENSHOT")
        if screenshot:
            dialog.grab().save(str(Path(screenshot).with_suffix("")) + "-crash.png")
        dialog.reject()
        QTimer.singleShot(0, loop.quit)

    def bug() -> None:
        QTimer.singleShot(50, inspect)  # runs inside the crash dialog's own event loop
        raise RuntimeError(marker)

    # the deliberate bug goes to the log file only, not to the console as an ERROR
    consoles = [h for h in logging.getLogger("hubdesk").handlers
                if type(h) is logging.StreamHandler]
    levels = [h.level for h in consoles]
    for handler in consoles:
        handler.setLevel(logging.CRITICAL + 1)
    try:
        QTimer.singleShot(0, bug)
        QTimer.singleShot(20_000, loop.quit)
        loop.exec()
    finally:
        sys.excepthook = previous_hook
        for handler, level in zip(consoles, levels, strict=True):
            handler.setLevel(level)
    text = seen.get("report", "")
    if not text:
        raise SmokeFailure("no crash dialog appeared for an unhandled exception")
    if marker not in text or f"Log file: {log_file}" not in text:
        raise SmokeFailure("the crash report lacks the error or the log file's path")
    if seen.get("clipboard") != text:
        raise SmokeFailure("'Copy report' did not put the report on the clipboard")
    if log_file is None or marker not in log_file.read_text(encoding="utf-8"):
        raise SmokeFailure("the crash was not written to the log file")
    report.note("crash dialog shows and copies the report with the log path")


# --- no-loss comparison (shared with tests/packaging) ------------------------

def read_revision(database: Path) -> str | None:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        connection.close()
    return row[0] if row else None


#: columns a migration moved into a table of their own, keyed by the same column:
#: table -> (the new table, the key, the columns moved); a snapshot reads them back in
#: place, so a comparison still sees every value (store 0010: the outbox's payloads)
MOVED_COLUMNS = {"outbox": ("outbox_payloads", "seq", ("payload",))}


def _reading(table: str, tables: list[str]) -> str:
    moved = MOVED_COLUMNS.get(table)
    if moved is None or moved[0] not in tables:
        return f'SELECT * FROM "{table}"'
    side, key, columns = moved
    return (f'SELECT t.*, {", ".join(f"s.{c}" for c in columns)} FROM "{table}" t '
            f'LEFT JOIN "{side}" s ON s."{key}" = t."{key}"')


def snapshot(database: Path) -> Snapshot:
    """Every user table's columns and rows (sorted), read with plain sqlite3 (a column
    moved to a table of its own is read back in place: ``MOVED_COLUMNS``)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version' ORDER BY name")]
        result: Snapshot = {}
        for table in tables:
            cursor = connection.execute(_reading(table, tables))
            columns = [description[0] for description in cursor.description]
            rows = sorted(cursor.fetchall(), key=repr)
            result[table] = (columns, rows)
        return result
    finally:
        connection.close()


def compare_snapshots(before: Snapshot, after: Snapshot) -> list[str]:
    """What a migration lost: missing tables, columns, rows or changed values.

    New tables, new columns and new rows are allowed (a migration may add them);
    every value that existed before must still be there, row for row.
    """
    problems: list[str] = []
    for table, (columns, rows) in before.items():
        if table not in after:
            problems.append(f"table {table} is gone")
            continue
        after_columns, after_rows = after[table]
        missing = [c for c in columns if c not in after_columns]
        if missing:
            problems.append(f"{table} lost columns {missing}")
            continue
        positions = [after_columns.index(c) for c in columns]
        projected = sorted((tuple(row[i] for i in positions) for row in after_rows), key=repr)
        remaining = list(projected)
        lost = 0
        for row in rows:
            try:
                remaining.remove(row)
            except ValueError:
                lost += 1
        if lost:
            problems.append(f"{table}: {lost} of {len(rows)} rows lost or changed")
    return problems


def check_fixture_through_services(database: Path) -> str:
    """The migrated fixture reads right through today's services (names from
    ``tests/fixtures/make_rev0001_fixture.py``)."""
    from hubdesk.services import status, visits, volunteers
    from hubdesk.store.engine import Store

    store = Store.open(database)
    try:
        with store.unit_of_work() as db:
            actor = volunteers.unlock(db, "Fixture Coordinator", "2468")  # made before the 6-digit rule
            if not actor.is_coordinator:
                raise SmokeFailure("the fixture's coordinator lost the coordinator role")
        with store.unit_of_work() as db:
            counts = status.status_counts(db)
            rows = visits.list_visits(db, date(2026, 10, 20))
    finally:
        store.close()
    if counts.visits != 5 or len(rows) != 5:
        raise SmokeFailure(f"fixture has 5 visits; read {counts.visits} and listed {len(rows)}")
    if counts.unsent != 12 or counts.sent != 2:
        raise SmokeFailure(f"fixture outbox is 2 sent and 12 waiting; read {counts}")
    edited = [row for row in rows if row.version == 2]
    if len(edited) != 1 or edited[0].age_band != "65_74":
        raise SmokeFailure("the fixture's edited visit did not keep its second version")
    return "5 visits, 2 sent + 12 waiting, PIN unlock ok"


# --- output ------------------------------------------------------------------

def _emit(line: str, *, failed: bool = False) -> None:
    stream = sys.stderr if failed else sys.stdout
    if stream is not None:
        print(line, file=stream, flush=True)
    target = os.environ.get(REPORT_ENV)
    if target:
        Path(target).write_text(line + "\n", encoding="utf-8")


def _cleanup(workdir: Path) -> None:
    root = logging.getLogger("hubdesk")
    for handler in list(root.handlers):  # release the log file (Windows cannot delete it open)
        root.removeHandler(handler)
        handler.close()
    if os.environ.get(KEEP_ENV) == "1":
        _emit_kept(workdir)
        return
    shutil.rmtree(workdir, ignore_errors=True)


def _emit_kept(workdir: Path) -> None:
    if sys.stderr is not None:
        print(f"hubdesk smoke: kept {workdir}", file=sys.stderr)
