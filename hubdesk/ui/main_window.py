"""The main window: header (open session, volunteer, alerts), the +1 headcount strip,
three pages (record a visit, today's visits, this session), menus and the status bar.

The window opens *locked*: nothing personal shows until a volunteer unlocks (or the
first-run set-up is done).  "Switch volunteer" locks it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from hubdesk.services.common import Actor, Changes
from hubdesk.services.session_resume import OpenOnUnlock, open_on_unlock, resumed_text
from hubdesk.services.sessions import SessionInfo
from hubdesk.services.status import StatusCounts, status_counts
from hubdesk.services.time_zone import hub_time_zone_name
from hubdesk.sync.status_text import laptop_line
from hubdesk.ui.capture import VisitCaptureForm
from hubdesk.ui.context import AppContext
from hubdesk.ui.coordinator_menus import install_coordinator_menus
from hubdesk.ui.coordinator_tools import CoordinatorTools
from hubdesk.ui.session_panel import HEADCOUNT_TEXT, HeadcountBar, SessionPanel
from hubdesk.ui.today_list import TodayVisitsView
from hubdesk.ui.widgets import Heading, HintLabel, em, focus_chain_step, run_db, set_dynamic_property

log = logging.getLogger("hubdesk.ui.main_window")

CAPTURE_PAGE, TODAY_PAGE, SESSION_PAGE = 0, 1, 2
MAXIMISE_UP_TO_WIDTH = 1440


def status_text(counts: StatusCounts) -> str:
    """The window's own status line, until ``install_sync`` puts the sync words there."""
    return laptop_line(counts.unsent, counts.needs_attention)


def alerts_text(count: int) -> str:
    return f"⚠ {count} safeguarding alert{'s' if count != 1 else ''}"


CONFLICTS_COORDINATOR_ONLY = ("Only a coordinator can settle changes made in two places. "
                             "Ask your coordinator.")
TELL_COORDINATOR = ("Tell the coordinator about the safeguarding alerts. "
                    "Only a coordinator can review them and say what was done.")


class PageTabs(QWidget):
    """Tabs over a stack of pages, with a free area beside the tabs (the +1 headcount).

    Like QTabWidget, but the row beside the tabs may grow taller than the tabs (a
    corner widget would be clipped to the tab height at large font sizes).

    Signals:
        currentChanged(int): the page shown changed.
    """

    currentChanged = Signal(int)

    def __init__(self, beside: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        row = QHBoxLayout()
        row.setContentsMargins(0, em(self, 0.3), em(self, 0.6), 0)
        row.setSpacing(em(self, 1.0))
        self.bar = QTabBar()
        self.bar.setDrawBase(False)
        self.bar.setAccessibleName("Pages")
        self.bar.setExpanding(False)
        row.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(beside, 1, Qt.AlignmentFlag.AlignVCenter)
        self.beside = beside
        layout.addLayout(row)
        rule = QFrame()
        rule.setObjectName("tabRule")
        rule.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(rule)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.bar.currentChanged.connect(self.stack.setCurrentIndex)
        self.bar.currentChanged.connect(self.currentChanged)

    def addTab(self, page: QWidget, title: str) -> int:
        self.stack.addWidget(page)
        return self.bar.addTab(title)

    def setTabToolTip(self, index: int, tip: str) -> None:
        self.bar.setTabToolTip(index, tip)

    def currentIndex(self) -> int:
        return self.bar.currentIndex()

    def setCurrentIndex(self, index: int) -> None:
        self.bar.setCurrentIndex(index)

    def currentWidget(self) -> QWidget:
        return self.stack.currentWidget()

    def count(self) -> int:
        return self.bar.count()


class MainWindow(QMainWindow):
    """Signals:
        ready(): the window is unlocked and showing the work pages.
        locked_changed(bool): True when the window locks, False when unlocked.
    """

    ready = Signal()
    locked_changed = Signal(bool)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.setWindowTitle("HubDesk")
        self.setObjectName("mainWindow")
        self.session: SessionInfo | None = None
        self.open_alerts = 0
        self.counts: StatusCounts | None = None
        self.dialog: QWidget | None = None  # the dialog currently open (tests drive it)
        self._closing = False
        self._force = False
        self._status_pending = False

        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.locked_page = self._build_locked_page()
        self.stack.addWidget(self.locked_page)
        self.work_page = QWidget()
        self.stack.addWidget(self.work_page)
        work = QVBoxLayout(self.work_page)
        work.setContentsMargins(0, 0, 0, 0)
        work.setSpacing(0)
        work.addWidget(self._build_header())
        work.addWidget(self._build_notice())

        beside = QWidget()
        beside_layout = QHBoxLayout(beside)
        beside_layout.setContentsMargins(0, 0, 0, 0)
        self.headcount_bar = HeadcountBar(context)
        beside_layout.addWidget(self.headcount_bar)
        self.no_session_note = QLabel(
            "No session is open. Choose “Open session…” (Ctrl+O) before recording visits.")
        self.no_session_note.setObjectName("hint")
        self.no_session_note.setWordWrap(True)
        beside_layout.addWidget(self.no_session_note)
        self.tabs = PageTabs(beside)
        self.capture = VisitCaptureForm(context)
        self.today = TodayVisitsView(context)
        self.session_panel = SessionPanel(context)
        self.tabs.addTab(self.capture, "Record a visit")
        self.tabs.addTab(self.today, "Today's visits")
        self.tabs.addTab(self.session_panel, "This session")
        self.tabs.setTabToolTip(CAPTURE_PAGE, "Record a visit (Ctrl+N)")
        self.tabs.setTabToolTip(TODAY_PAGE, "Today's visits (Ctrl+L)")
        self.tabs.setTabToolTip(SESSION_PAGE, "Headcount and activities (Ctrl+E)")
        work.addWidget(self.tabs, 1)
        self._connect_pages()

        self._build_menus()
        # the handover, Settings and the guide (ui/coordinator_menus.py)
        self.coordinator_actions = install_coordinator_menus(self)
        self.status_label = QLabel("")
        self.status_label.setObjectName("syncStatus")
        self.status_label.setAccessibleName("Sending status")
        self.statusBar().addPermanentWidget(self.status_label, 1)
        self.statusBar().setSizeGripEnabled(False)
        self.coordinator_tools = CoordinatorTools(self)  # follow-ups, past sessions, venues

        context.actor_changed.connect(self._actor_changed)
        context.session_changed.connect(self._session_changed)
        context.runner.data_changed.connect(self._data_changed)
        self.headcount_bar.info_changed.connect(self._session_info)
        self._show_locked(True)
        self._fit_to_screen()

    # ---- building -------------------------------------------------------------------

    def _build_locked_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        margin = em(page, 2.0)
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.setSpacing(em(page, 1.0))
        self.locked_heading = Heading("HubDesk is locked")
        layout.addWidget(self.locked_heading)
        self.locked_hint = HintLabel("Unlock with your name and PIN to record visits.")
        layout.addWidget(self.locked_hint)
        self.unlock_button = QPushButton("&Unlock…")
        set_dynamic_property(self.unlock_button, "primary", True)
        self.unlock_button.clicked.connect(lambda: self.start())  # first run again, or unlock
        layout.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        return page

    def _build_header(self) -> QWidget:
        header = self.header = QFrame()
        header.setObjectName("header")
        layout = QHBoxLayout(header)
        pad = em(self, 0.5)
        layout.setContentsMargins(em(self, 1.0), pad, em(self, 1.0), pad)
        layout.setSpacing(em(self, 0.8))
        self.session_title = QLabel("No session open")
        self.session_title.setObjectName("sessionTitle")
        self.session_title.setWordWrap(True)
        font = self.session_title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.session_title.setFont(font)
        layout.addWidget(self.session_title, 1)
        self.alerts_badge = QPushButton()  # a flat, labelled button: click to review
        self.alerts_badge.setObjectName("alertBadge")
        self.alerts_badge.setAutoDefault(False)
        self.alerts_badge.setCursor(Qt.CursorShape.PointingHandCursor)
        self.alerts_badge.setToolTip("Safeguarding concerns waiting for a coordinator to follow up")
        self.alerts_badge.clicked.connect(self.show_alerts)
        self.alerts_badge.hide()
        layout.addWidget(self.alerts_badge)
        self.open_session_button = QPushButton("Open session…")
        self.open_session_button.setToolTip("Open a session at a venue (Ctrl+O)")
        self.open_session_button.clicked.connect(self.open_session)
        layout.addWidget(self.open_session_button)
        self.close_session_button = QPushButton("Close session…")
        self.close_session_button.setToolTip("See the session's figures and close it (Ctrl+Shift+W)")
        self.close_session_button.clicked.connect(self.close_session)
        layout.addWidget(self.close_session_button)
        self.volunteer_label = QLabel()
        self.volunteer_label.setObjectName("volunteerName")
        layout.addWidget(self.volunteer_label)
        self.switch_button = QPushButton("Switch volunteer")
        self.switch_button.setToolTip("Lock HubDesk so another volunteer can unlock (Ctrl+Shift+L)")
        self.switch_button.clicked.connect(self.lock)
        layout.addWidget(self.switch_button)
        return header

    def _build_notice(self) -> QWidget:
        """One or two lines about what unlock did ("Resumed: …"); hidden when empty."""
        self.notice = QFrame()
        self.notice.setObjectName("notice")
        layout = QVBoxLayout(self.notice)
        layout.setContentsMargins(em(self, 1.0), em(self, 0.4), em(self, 1.0), em(self, 0.4))
        self.notice_text = QLabel()
        self.notice_text.setObjectName("noticeText")
        self.notice_text.setWordWrap(True)
        self.notice_text.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_text.setAccessibleName("Notice")
        layout.addWidget(self.notice_text)
        self.notice.hide()
        return self.notice

    def say(self, line: str) -> None:
        """Add a line to the notice under the header (it stays until the next lock)."""
        if not line:
            return
        lines = [text for text in self.notice_text.text().split("\n") if text]
        self.notice_text.setText("\n".join([*lines, line]))
        self.notice_text.setAccessibleDescription(self.notice_text.text())
        self.notice.show()

    def clear_notice(self) -> None:
        self.notice_text.setText("")
        self.notice.hide()

    def _action(self, menu_name: str, text: str, shortcut: str | QKeySequence.StandardKey,
                slot: Callable[[], object], tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip or text.replace('&', '').rstrip('…')} "
                          f"({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")
        action.triggered.connect(lambda _checked=False: slot())
        self._menus[menu_name].addAction(action)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self._menus = {
            "hubdesk": bar.addMenu("&HubDesk"),
            "session": bar.addMenu("&Session"),
            "go": bar.addMenu("&Go"),
            "help": bar.addMenu("He&lp"),
        }
        self.switch_action = self._action("hubdesk", "S&witch volunteer or lock", "Ctrl+Shift+L",
                                          self.lock)
        self.volunteers_action = self._action(
            "hubdesk", "&Volunteers and auto-lock…", "Ctrl+Shift+V", self.show_volunteers,
            "Add, rename or deactivate volunteers; when HubDesk locks itself")
        self._menus["hubdesk"].addSeparator()
        self.quit_action = self._action("hubdesk", "&Quit HubDesk", "Ctrl+Q", self.close)
        self.open_session_action = self._action("session", "&Open session…", "Ctrl+O",
                                                self.open_session)
        self.close_session_action = self._action("session", "&Close session…", "Ctrl+Shift+W",
                                                 self.close_session)
        self._menus["session"].addSeparator()
        self.headcount_action = self._action(
            "session", HEADCOUNT_TEXT.replace("+1", "&+1"), "Ctrl+H",
            lambda: self.headcount_bar.change_headcount(+1), "Add one to the headcount")
        self.headcount_undo_action = self._action(
            "session", "&Undo last +1 (−1)", "Ctrl+Shift+H",
            lambda: self.headcount_bar.change_headcount(-1), "Take one off the headcount")
        self.record_action = self._action("go", "&Record a visit", "Ctrl+N", self.show_capture)
        self.today_action = self._action("go", "&Today's visits", "Ctrl+L", self.show_today)
        self.session_page_action = self._action("go", "This &session: headcount and activities",
                                                "Ctrl+E", self.show_session_page)
        self._menus["go"].addSeparator()
        self.alerts_action = self._action("go", "Safeguarding &alerts…", "Ctrl+Shift+A",
                                          self.show_alerts, "Review safeguarding alerts")
        self.conflicts_action = self._action(
            "go", "&Conflicting changes…", "Ctrl+Shift+K", self.show_conflicts,
            "Choose which answer to keep where a record was changed in two places")
        self.reports_action = self._action("go", "Impact &report…", "Ctrl+Shift+R",
                                           self.show_reports, "The hub's figures for a period")
        self.directory_action = self._action(
            "go", "Services &directory…", "Ctrl+Shift+D", self.show_directory,
            "Browse the services; coordinators suggest changes")
        self.shortcuts_action = self._action("help", "&Keyboard shortcuts", "F1",
                                             self.show_shortcuts)
        self.data_folder_action = QAction("Where is my &data?", self)
        self.data_folder_action.triggered.connect(self.show_data_folder)
        self._menus["help"].addAction(self.data_folder_action)
        self.headcount_bar.plus.setToolTip("Add one to the headcount (Ctrl+H)")
        self.headcount_bar.minus.setToolTip("Take one off the headcount (Ctrl+Shift+H)")
        self._work_actions = [self.open_session_action, self.close_session_action,
                              self.headcount_action, self.headcount_undo_action, self.record_action,
                              self.today_action, self.session_page_action, self.switch_action,
                              self.alerts_action, self.conflicts_action, self.reports_action,
                              self.volunteers_action, self.directory_action]

    def _connect_pages(self) -> None:
        self.today.edit_requested.connect(self.edit_visit)

    def _fit_to_screen(self) -> None:
        """Fill the work area of a laptop screen (up to 1440 px wide): every row counts at
        1366×768 and 150 % text.  A larger screen gets a comfortable window instead."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        available = screen.availableGeometry()
        if available.width() <= MAXIMISE_UP_TO_WIDTH:
            self.resize(available.size())
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
            return
        self.resize(min(available.width(), max(em(self, 80), 1100)),
                    min(available.height(), max(em(self, 48), 720)))

    # ---- Tab goes round the whole window ------------------------------------------------

    def tab_chain(self) -> list[QWidget]:
        """Every Tab stop in reading order: header, tabs, the strip beside them, the page."""
        chain = [w for w in self.header.findChildren(QWidget) if w.focusPolicy() & Qt.FocusPolicy.TabFocus]
        chain.append(self.tabs.bar)
        chain += [w for w in self.tabs.beside.findChildren(QWidget)
                  if w.focusPolicy() & Qt.FocusPolicy.TabFocus]
        page = self.tabs.currentWidget()
        page_chain = getattr(page, "tab_chain", None)
        return chain + (page_chain() if callable(page_chain) else [])

    def focusNextPrevChild(self, next: bool) -> bool:
        if not self.is_locked and self.tabs.currentIndex() == CAPTURE_PAGE \
                and focus_chain_step(self.tab_chain(), next):
            return True
        return super().focusNextPrevChild(next)

    def _focus_next_action(self) -> None:
        """After a dialog or a session change: focus goes where the next action is (the first
        field), unless the volunteer is already somewhere in the page."""
        if not shiboken6.isValid(self.stack):  # the window went before this ran
            return
        if self.is_locked or self.dialog is not None or self.tabs.currentIndex() != CAPTURE_PAGE:
            return
        focus = QApplication.focusWidget()
        if self.context.session_id and (focus is None or not self.capture.isAncestorOf(focus)):
            self.capture.focus_first()

    # ---- start-up, lock and unlock -------------------------------------------------

    def start(self, auto_unlock: tuple[str, str] | None = None) -> None:
        """After the window is shown: first run, or unlock (``auto_unlock`` = name, PIN)."""
        from hubdesk.services.setup import needs_first_run

        def decide(first_run: bool) -> None:
            if first_run:
                self.show_first_run()
            elif auto_unlock is not None:
                self._auto_unlock(*auto_unlock)
            else:
                self.lock()

        run_db(self, self.context, needs_first_run, decide)

    def _auto_unlock(self, name: str, pin: str) -> None:
        from hubdesk.ui.unlock_dialog import _try_unlock

        def done(outcome: object) -> None:
            if isinstance(outcome, Actor):
                self.unlocked(outcome)
            else:
                self.lock()

        run_db(self, self.context, lambda db: _try_unlock(db, name, pin), done)

    def show_first_run(self) -> None:
        """The first screen: set up a new hub, or join the hub's server (ui/join_dialog.py)."""
        from hubdesk.ui.join_dialog import WelcomeDialog

        self.locked_heading.setText("Welcome to HubDesk")
        self.locked_hint.setText("Set up a new hub, or join your hub's server, to start.")
        self.unlock_button.setText("&Set up HubDesk…")
        welcome = WelcomeDialog(self)
        welcome.chosen.connect(self._first_run_chosen)
        self._open_dialog(welcome)

    def _first_run_chosen(self, choice: str) -> None:
        from hubdesk.ui.first_run_dialog import FirstRunDialog, FirstRunResult
        from hubdesk.ui.join_dialog import JOIN_HUB, JoinHubDialog

        if choice == JOIN_HUB:
            joining = JoinHubDialog(self.context, self)
            joining.joined.connect(self._joined_hub)
            joining.rejected.connect(self.show_first_run)  # Back: choose again
            self._open_dialog(joining)
            return
        dialog = FirstRunDialog(self.context, self)
        dialog.completed.connect(lambda result: self.unlocked(result.actor)
                                 if isinstance(result, FirstRunResult) else None)
        self._open_dialog(dialog)

    def _joined_hub(self, joined: object) -> None:
        from hubdesk.sync.join import Joined

        if not isinstance(joined, Joined):
            return
        controller = getattr(self, "sync_controller", None)
        if controller is not None:
            controller.enrolled_now()
        self.unlocked(joined.actor)
        self.statusBar().showMessage(joined.sentence, 15_000)

    def lock(self) -> None:
        """Lock the window (switch volunteer) and ask for a name and PIN."""
        from hubdesk.ui.unlock_dialog import UnlockDialog

        if isinstance(self.dialog, UnlockDialog) and self.dialog.isVisible():
            self.dialog.raise_()
            return
        self.context.set_actor(None)
        self.locked_heading.setText("HubDesk is locked")
        self.locked_hint.setText("Unlock with your name and PIN to record visits.")
        self.unlock_button.setText("&Unlock…")
        dialog = UnlockDialog(self.context, self, locked=True)
        dialog.unlocked.connect(self.unlocked)
        dialog.quit_requested.connect(self.close)
        self._open_dialog(dialog)

    def unlocked(self, actor: Actor) -> None:
        # The hub's zone first: the database lane answers in order, so every answer the
        # new actor's screens receive (a kept draft's time, today's list) comes after it.
        run_db(self, self.context, hub_time_zone_name, self._zone_read)
        self.context.set_actor(actor)
        run_db(self, self.context, lambda db: open_on_unlock(db, actor), self._restored)

    def _zone_read(self, zone: str) -> None:
        self.context.time_zone = zone

    def _restored(self, found: OpenOnUnlock) -> None:
        """Resume the one session open today and say so; ask about the rest (never chosen
        silently: ``ui/session_resume.py``)."""
        from hubdesk.ui.session_resume import UnlockSessionsFlow, left_open_notice

        self.context.set_session(found.resumed.id if found.resumed is not None else None)
        self._show_locked(False)
        self._session_info(found.resumed)  # the title is right as soon as `ready` is emitted
        self.clear_notice()
        if found.resumed is not None:
            self.say(resumed_text(found.resumed))
        actor = self.context.actor
        if not (actor and actor.is_coordinator):
            self.say(left_open_notice(found.left_open, found.today))
        self.headcount_bar.reload()
        self.session_panel.reload()
        self.show_capture()
        self.refresh_status()
        self.ready.emit()
        previous = getattr(self, "unlock_flow", None)
        if previous is not None:
            previous.deleteLater()  # an earlier unlock's flow (its dialogs are gone)
        self.unlock_flow = UnlockSessionsFlow(self.context, found, self, self._open_dialog,
                                              self.say, self._resumed_by_choice)
        self.unlock_flow.start()

    def _resumed_by_choice(self, info: SessionInfo) -> None:
        self.context.set_session(info.id)
        self._session_info(info)
        self.say(resumed_text(info))
        self.headcount_bar.reload()
        self.session_panel.reload()
        self.show_capture()

    def _open_dialog(self, dialog: QWidget) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda: self._dialog_gone(dialog))
        dialog.open()  # type: ignore[attr-defined]

    def _dialog_gone(self, dialog: QWidget) -> None:
        if self.dialog is dialog:
            self.dialog = None
            if shiboken6.isValid(self):  # not when the dialog goes with the window itself
                QTimer.singleShot(0, self, self._focus_next_action)

    def _show_locked(self, locked: bool) -> None:
        self.stack.setCurrentWidget(self.locked_page if locked else self.work_page)
        for action in self._work_actions:
            action.setEnabled(not locked)
        self.switch_action.setEnabled(not locked)
        if locked:
            self.status_label.setText("Locked")
        self.locked_changed.emit(locked)

    @property
    def is_locked(self) -> bool:
        return self.stack.currentWidget() is self.locked_page

    def _actor_changed(self, actor: Actor | None) -> None:
        if actor is None:
            self._show_locked(True)
            self.volunteer_label.setText("")
            self.clear_notice()
            return
        role = "coordinator" if actor.is_coordinator else "volunteer"
        self.volunteer_label.setText(actor.display_name)
        self.volunteer_label.setToolTip(f"Unlocked by {actor.display_name} ({role})")
        self.volunteer_label.setAccessibleName(f"Unlocked by {actor.display_name}, {role}")
        self.volunteers_action.setVisible(actor.is_coordinator)
        self.refresh_status()  # the alerts badge depends on the role

    # ---- session ---------------------------------------------------------------------

    def _session_changed(self, session_id: str | None) -> None:
        if session_id is None:
            self._session_info(None)
        self.refresh_status()
        QTimer.singleShot(0, self, self._focus_next_action)

    def _session_info(self, info: SessionInfo | None) -> None:
        self.session = info
        has_session = info is not None
        self.session_title.setText(info.title if info is not None else "No session open")
        self.session_title.setAccessibleName(
            f"Open session: {info.title}" if info is not None else "No session open")
        self.setWindowTitle(f"HubDesk – {info.title}" if info is not None else "HubDesk")
        self.open_session_button.setVisible(not has_session)
        self.close_session_button.setVisible(has_session)
        self.no_session_note.setVisible(not has_session)
        locked = self.is_locked
        self.open_session_action.setEnabled(not locked)
        self.close_session_action.setEnabled(has_session and not locked)
        self.headcount_action.setEnabled(has_session and not locked)
        self.headcount_undo_action.setEnabled(has_session and not locked and bool(info and info.headcount))

    def open_session(self) -> None:
        from hubdesk.ui.session_dialogs import OpenSessionDialog

        if self.is_locked:
            return
        if self.session is not None:
            self.context.errors.user_error.emit("A session is already open. Close it first.")
            self.statusBar().showMessage("A session is already open. Close it first.", 5000)
            return
        self._open_dialog(OpenSessionDialog(self.context, self))

    def close_session(self) -> None:
        from hubdesk.ui.session_dialogs import CloseSessionDialog

        session_id = self.context.session_id
        if self.is_locked or session_id is None:
            return
        self._open_dialog(CloseSessionDialog(self.context, session_id, self))

    # ---- pages -----------------------------------------------------------------------

    def show_capture(self) -> None:
        self.tabs.setCurrentIndex(CAPTURE_PAGE)
        self.capture.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_today(self) -> None:
        self.tabs.setCurrentIndex(TODAY_PAGE)
        self.today.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_session_page(self) -> None:
        self.tabs.setCurrentIndex(SESSION_PAGE)
        self.session_panel.plus.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def edit_visit(self, visit_id: str, seen_version: int | None = None) -> None:
        self.tabs.setCurrentIndex(CAPTURE_PAGE)
        self.capture.edit_visit(visit_id, seen_version)

    # ---- status bar and alerts -------------------------------------------------------

    def _data_changed(self, _changes: Changes) -> None:
        self.refresh_status()

    def refresh_status(self) -> None:
        """Reload the counts for the status bar (coalesced: one query in flight at most)."""
        if self._closing:
            return
        if self._status_pending:
            self._status_again = True  # ask again once the query in flight answers
            return
        self._status_pending = True
        self._status_again = False
        run_db(self, self.context, status_counts, self._show_status, self._status_failed)

    def show_volunteers(self) -> None:
        """Volunteer management (coordinators; the services refuse anyone else)."""
        from hubdesk.ui.volunteers_dialog import VolunteersDialog

        actor = self.context.actor
        if self.is_locked or actor is None or not actor.is_coordinator:
            return
        self._open_dialog(VolunteersDialog(self.context, self))

    def show_alerts(self) -> None:
        """Coordinators review the open alerts; a volunteer is told to tell the coordinator."""
        from hubdesk.ui.alerts_dialog import AlertsDialog

        actor = self.context.actor
        if self.is_locked or actor is None:
            return
        if not actor.is_coordinator:
            self.statusBar().showMessage(TELL_COORDINATOR, 10_000)
            self.context.errors.user_error.emit(TELL_COORDINATOR)
            if self.context.errors.no_err_windows:
                return
            box = QMessageBox(QMessageBox.Icon.Information, "Safeguarding alerts – HubDesk",
                              TELL_COORDINATOR, QMessageBox.StandardButton.Ok, self)
            self._open_dialog(box)
            return
        if isinstance(self.dialog, AlertsDialog) and self.dialog.isVisible():
            self.dialog.raise_()
            return
        self._open_dialog(AlertsDialog(self.context, self))

    def show_conflicts(self) -> None:
        """Coordinators choose, field by field, between answers changed in two places."""
        from hubdesk.ui.conflicts_dialog import ConflictsDialog

        actor = self.context.actor
        if self.is_locked or actor is None:
            return
        if not actor.is_coordinator:
            self.statusBar().showMessage(CONFLICTS_COORDINATOR_ONLY, 10_000)
            self.context.errors.user_error.emit(CONFLICTS_COORDINATOR_ONLY)
            return
        if isinstance(self.dialog, ConflictsDialog) and self.dialog.isVisible():
            self.dialog.raise_()
            return
        self._open_dialog(ConflictsDialog(self.context, self))

    def show_reports(self) -> None:
        """Coordinators only: the hub's impact figures (Reports screen)."""
        from hubdesk.ui.reports.reports_dialog import ReportsDialog

        actor = self.context.actor
        if self.is_locked or actor is None:
            return
        if not actor.is_coordinator:
            self.statusBar().showMessage("Reports are for coordinators.", 10_000)
            return
        self._open_dialog(ReportsDialog(self.context, self))

    def show_directory(self) -> None:
        """The services directory (everyone browses; coordinators suggest changes)."""
        from hubdesk.ui.directory_browser import DirectoryDialog

        if not self.is_locked and self.context.actor is not None:
            self._open_dialog(DirectoryDialog(self.context, self))

    def _status_failed(self, error: BaseException) -> None:
        self._status_pending = False
        self._status_again = False
        log.warning("status counts failed: %s", type(error).__name__)

    def _show_status(self, counts: StatusCounts) -> None:
        self._status_pending = False
        if self._status_again:
            self.refresh_status()
        self.counts = counts
        if not self.is_locked:
            self.status_label.setText(status_text(counts))
        self.open_alerts = counts.open_alerts
        actor = self.context.actor
        coordinator = bool(actor and actor.is_coordinator)
        self.alerts_badge.setText(alerts_text(counts.open_alerts))
        self.alerts_badge.setAccessibleName(alerts_text(counts.open_alerts).lstrip("⚠ "))
        self.alerts_badge.setToolTip("Review the safeguarding alerts (Ctrl+Shift+A)" if coordinator
                                     else "Tell the coordinator about these alerts")
        self.alerts_badge.setVisible(bool(actor and counts.open_alerts) and not self.is_locked)
        self.coordinator_tools.show_counts(counts)

    # ---- help ------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        """Every shortcut of this window, read from its actions when the list opens."""
        from hubdesk.ui.help_dialogs import ShortcutsDialog

        self._open_dialog(ShortcutsDialog(self, self))

    def show_data_folder(self) -> None:
        text = (f"Your records are saved on this laptop in:\n{self.context.paths.data_dir}\n\n"
                f"Log files are in:\n{self.context.paths.logs}")
        if self.context.errors.no_err_windows:
            return
        QMessageBox.information(self, "Where is my data?", text)

    # ---- closing ---------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Finish queued saves before the lanes stop (never drop a save on the floor)."""
        runner = self.context.runner
        if not self._closing:
            try:
                self.capture.save_draft_now()
            except Exception:  # never let a draft problem stop the app closing
                log.exception("saving the draft on close failed")
        self._closing = True
        if runner.busy and not self._force:
            event.ignore()
            runner.busy_changed.connect(self._close_when_idle)
            QTimer.singleShot(10_000, self._force_close)
            return
        runner.shutdown()
        event.accept()

    def _close_when_idle(self, busy: bool) -> None:
        if not busy:
            self.close()

    def _force_close(self) -> None:
        if self.isVisible():
            log.warning("closing with work still queued")
            self._force = True
            self.close()
