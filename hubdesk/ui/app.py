"""The GUI's composition root: ``run_gui(paths, options)``.

Start-up order (kept short so the window shows fast): Qt application and
stylesheet → logging → error reporter → open the store (migrations) → task
runner → main window shown *locked* → then, off the GUI thread, first run or
unlock.  Nothing heavy runs before the window is shown.

``HUBDESK_EXIT_AFTER_SHOWN`` / ``options.exit_after_shown``: print
``window-shown <seconds since process start>`` on stdout once the main window is
first shown, then quit (the cold-start benchmark).  The start stamp is
``HUBDESK_T0`` (``time.time()`` set by ``hubdesk.cli`` at the top of ``main``), else
:data:`PROCESS_START` (a ``time.perf_counter()`` stamp), else this module's import.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import TYPE_CHECKING

from hubdesk.core.paths import AppPaths, resources_dir

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from hubdesk.ui.launch import LaunchOptions

EXIT_AFTER_READY_ENV = "HUBDESK_EXIT_AFTER_READY"
"""``1``: with ``--volunteer`` and ``HUBDESK_PIN``, unlock at once, print
``unlock-started <s>`` and ``form-ready <s>`` (the visit form usable) and quit (bench)."""

PROCESS_START: float | None = None
"""A ``time.perf_counter()`` stamp taken as early as possible (set by the CLI if it wants)."""

_IMPORTED = time.perf_counter()
log = logging.getLogger("hubdesk.ui.app")


def seconds_since_start() -> float:
    stamp = os.environ.get("HUBDESK_T0")
    if stamp:
        try:
            return time.time() - float(stamp)
        except ValueError:
            pass
    if PROCESS_START is not None:
        return time.perf_counter() - PROCESS_START
    return time.perf_counter() - _IMPORTED


def stylesheet() -> str:
    """The bundled stylesheet (``resources/style.qss``) with its icon paths filled in,
    or "" when it is missing."""
    try:
        folder = resources_dir()
        text = (folder / "style.qss").read_text(encoding="utf-8")
    except OSError:
        log.warning("stylesheet not found; using the plain Qt look")
        return ""
    return text.replace("@ICONS@", (folder / "icons").as_posix())


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with names, icon and stylesheet (reused when one exists, as in tests)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName("HubDesk")
    app.setApplicationName("HubDesk")
    app.setApplicationDisplayName("HubDesk")
    icon = resources_dir() / "icons" / "hubdesk.png"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    if app.style().name().casefold() != "fusion":  # Linux often starts with it: not made twice
        app.setStyle("Fusion")  # the same look on every platform, so the stylesheet applies fully
    app.setStyleSheet(stylesheet())
    return app


def show_startup_failure(message: str) -> None:
    """A plain message box for data HubDesk cannot use (the reason is already on stderr)."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is None:
        make_application()
    QMessageBox.critical(None, "HubDesk cannot open its data", message)


def _storage_failure(message: str, no_err_windows: bool) -> None:
    print(f"hubdesk: {message}", file=sys.stderr)
    if not no_err_windows:
        show_startup_failure(message)


def _install_sync(window: object, context: object) -> None:
    from hubdesk.ui.sync_menu import install_sync

    window.sync_controller = install_sync(window, context)  # type: ignore[arg-type, attr-defined]


def _install_auto_lock(window: object, context: object) -> None:
    from hubdesk.ui.lock.install import install_auto_lock

    window.auto_lock = install_auto_lock(window, context)  # type: ignore[arg-type, attr-defined]


def run_gui(paths: AppPaths, options: LaunchOptions) -> int:
    """Run the desktop app until its window closes; returns the exit code."""
    from hubdesk.core.logging_setup import configure_logging

    exit_after_shown = options.exit_after_shown or os.environ.get("HUBDESK_EXIT_AFTER_SHOWN") == "1"
    app = make_application()
    paths.ensure()
    log_file = options.log_file  # the CLI configures logging itself (with --verbose)
    if log_file is None:
        log_file = configure_logging(paths.logs)

    from hubdesk.ui.errors import ErrorReporter

    errors = ErrorReporter(no_err_windows=options.no_err_windows, log_file=log_file)
    errors.install_excepthook()
    from PySide6.QtCore import QTimer

    from hubdesk.core.errors import StorageError
    from hubdesk.store.encryption import LaptopState, laptop_state
    from hubdesk.ui.gc_guard import GuiThreadCollector

    shell = _Shell(paths, errors, exit_after_shown)
    # before the PIN screen starts its worker threads: cycles are collected on this thread only
    shell.collector = GuiThreadCollector(app)
    try:
        state = laptop_state(paths)
    except (OSError, ValueError) as error:
        log.error("could not read the data folder: %s", type(error).__name__)
        _storage_failure("The HubDesk data folder cannot be read.", options.no_err_windows)
        return 1
    if state is LaptopState.UNREADABLE:
        from hubdesk.services.laptop import unreadable

        log.error("the database file cannot be read (no key file)")
        _storage_failure(str(unreadable()), options.no_err_windows)
        return 1
    if state is LaptopState.NEW:
        from hubdesk.services.laptop import open_new_laptop

        try:
            store = open_new_laptop(paths)
        except StorageError as error:
            log.error("could not open the database: %s", type(error).__name__)
            _storage_failure(str(error), options.no_err_windows)
            return 1
        shell.open_main_window(store, None)
    else:
        from hubdesk.ui.lock.pin_screen import PinScreen

        screen = PinScreen(paths, encrypting=state is LaptopState.PLAIN)
        shell.pin_screen = screen
        screen.unlocked.connect(lambda opened: shell.open_main_window(opened.store, opened.actor))
        screen.quit_requested.connect(app.quit)

        def cannot_open(message: str) -> None:
            log.info("could not open the database after unlocking")  # said on stderr below
            _storage_failure(message, options.no_err_windows)
            app.exit(1)

        screen.cannot_open.connect(cannot_open)
        screen.show()
        shell.shown(screen)
        pin = os.environ.get("HUBDESK_PIN")
        if options.volunteer and pin and not exit_after_shown:
            screen.name.setText(options.volunteer)

            def auto_unlock() -> None:
                if os.environ.get(EXIT_AFTER_READY_ENV) == "1":
                    print(f"unlock-started {seconds_since_start():.3f}", flush=True)
                screen.start_unlock(options.volunteer or "", pin)

            QTimer.singleShot(0, auto_unlock)
        elif options.volunteer:
            screen.name.setText(options.volunteer)
            screen.secret.setFocus()
    try:
        code = app.exec()
    finally:
        shell.close()
    return int(code)


class _Shell:
    """What run_gui keeps alive: the PIN screen, then the store, runner and main window."""

    def __init__(self, paths: AppPaths, errors: object, exit_after_shown: bool) -> None:
        self.paths = paths
        self.errors = errors
        self.exit_after_shown = exit_after_shown
        self.pin_screen: object | None = None
        self.store: object | None = None
        self.runner: object | None = None
        self.collector: object | None = None
        self.window: object | None = None

    def shown(self, widget: object) -> None:
        from PySide6.QtCore import QTimer

        log.info("first window shown after %.3f s", seconds_since_start())
        if self.exit_after_shown:
            def report() -> None:
                print(f"window-shown {seconds_since_start():.3f}", flush=True)
                widget.close()  # type: ignore[attr-defined]

            QTimer.singleShot(0, report)

    def open_main_window(self, store: object, actor: object | None) -> None:
        from PySide6.QtCore import QTimer

        from hubdesk.store.engine import Store
        from hubdesk.ui.context import AppContext
        from hubdesk.ui.errors import ErrorReporter
        from hubdesk.ui.main_window import MainWindow
        from hubdesk.ui.tasks import TaskRunner

        assert isinstance(store, Store) and isinstance(self.errors, ErrorReporter)
        self.store = store
        runner = TaskRunner(store, self.errors.report)
        self.runner = runner
        context = AppContext(self.paths, runner, self.errors)
        window = MainWindow(context)
        self.window = window
        self.errors.parent_widget = window
        window.show()
        if self.pin_screen is not None:
            self.pin_screen.close()  # type: ignore[attr-defined]
            self.pin_screen = None
        else:
            self.shown(window)
        if self.exit_after_shown and actor is None:
            return
        if actor is not None:
            QTimer.singleShot(0, lambda: window.unlocked(actor))  # type: ignore[arg-type]
            window.ready.connect(self._ready)
        else:
            QTimer.singleShot(0, lambda: window.start(None))
        # after the window is up: the Sync menu, status line and auto-sync; the idle lock
        QTimer.singleShot(0, lambda: _install_sync(window, context))
        QTimer.singleShot(0, lambda: _install_auto_lock(window, context))

    def _ready(self) -> None:
        log.info("usable form after %.3f s", seconds_since_start())
        if os.environ.get(EXIT_AFTER_READY_ENV) == "1":
            from PySide6.QtWidgets import QApplication

            print(f"form-ready {seconds_since_start():.3f}", flush=True)
            QApplication.quit()

    def close(self) -> None:
        if self.runner is not None:
            self.runner.shutdown()  # type: ignore[attr-defined]
        if self.collector is not None:
            self.collector.stop()  # type: ignore[attr-defined]
        if self.store is not None:
            self.store.close()  # type: ignore[attr-defined]
