"""Sync in the app: auto-sync, "Sync now" with progress and cancel, and the status line.

:class:`SyncController` owns no widgets.  It

* probes the server's ``/v1/health`` on the runner's background lane (every
  ``probe_interval`` seconds while reachable, backing off to ``probe_max_interval``
  while not) and syncs by itself when the server becomes reachable;
* syncs a few seconds (``debounce``) after new records (``runner.data_changed``);
* runs "Sync now" with progress and cancel, never two runs at once;
* says what is going on in one line of plain text (``state_changed``).

Every network and database call runs through ``context.runner`` (the engine opens
its own units of work on ``runner.store``); the GUI thread only gets plain values.
After a run that changed anything it emits ``runner.data_changed`` with
``Changes(kinds={"sync"})``, so the today list redraws its per-record badges.

:func:`install_sync` adds the "Sync" menu and the status-bar label to the main window.

What "waiting" counts: the outbox holds *records* (a visit, each of its
conversations, each signposting outcome...).  The status line names visits when
any are waiting and says how many records that is: "1 visit waiting (3 records)".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QWidget
from sqlalchemy.orm import Session

from hubdesk import __version__
from hubdesk.core.errors import UserFacingError
from hubdesk.services.common import Changes
from hubdesk.store import sync_repo
from hubdesk.sync.engine import Backoff, SyncEngine, SyncProgress, SyncResult, SyncStatus, sync_status
from hubdesk.sync.errors import CaptivePortal, SyncError
from hubdesk.sync.transport import HttpTransport
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import alive_only

if TYPE_CHECKING:
    from hubdesk.ui.sync_panel import SyncPanel

log = logging.getLogger("hubdesk.ui.sync")

NOT_CONNECTED_TEXT = "Not connected to a server"
REVOKED_TEXT = "This laptop has been disconnected from the server: ask your coordinator"
PORTAL_TEXT = "Open the Wi-Fi login page, then sync"
OFFLINE_TEXT = "cannot reach the server"
SYNC_SHORTCUT = "F5"

#: reachability of the server as the last probe or run found it
UNKNOWN, ONLINE, OFFLINE, PORTAL = "unknown", "online", "offline", "portal"
_NETWORK_KINDS = {"Offline", "Stalled", "ServerError", "BadResponse", "ServerBusy"}


# ---- plain values read on the database lane ---------------------------------------------


@dataclass(frozen=True)
class SyncSnapshot:
    """What the status line and the panel show, read in one transaction."""

    status: SyncStatus
    waiting_visits: int  # distinct visits among the records waiting to be sent
    server_url: str | None
    hub_name: str | None


def read_snapshot(db: Session) -> SyncSnapshot:
    """Runs on the database lane (``runner.run_db``); every query is in ``store.sync_repo``."""
    status = sync_status(db)
    state = sync_repo.device_state(db)
    return SyncSnapshot(
        status=status,
        waiting_visits=status.unsent_visits,
        server_url=state.server_url if state is not None else None,
        hub_name=sync_repo.hub_name(db, state.hub_id) if state is not None else None,
    )


def _connection(db: Session) -> tuple[str, str | None]:
    state = sync_repo.device_state(db)
    if state is None:
        return "", None
    return state.server_url or "", state.device_token


# ---- the words ------------------------------------------------------------------------------


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def age_text(since: datetime | None, now: datetime | None = None) -> str | None:
    """"5 min" / "2 h" / "3 days" since a naive-UTC time; None under a minute."""
    if since is None:
        return None
    current = now or datetime.now(UTC).replace(tzinfo=None)
    seconds = max(0.0, (current - since).total_seconds())
    if seconds < 60:
        return None
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def waiting_text(snapshot: SyncSnapshot, now: datetime | None = None) -> str:
    """"1 visit waiting (3 records, oldest 2 h)", "2 records waiting", or ""."""
    status = snapshot.status
    if not status.unsent:
        return ""
    details: list[str] = []
    if snapshot.waiting_visits:
        text = _plural(snapshot.waiting_visits, "visit") + " waiting"
        if status.unsent != snapshot.waiting_visits:
            details.append(_plural(status.unsent, "record"))
    else:
        text = _plural(status.unsent, "record") + " waiting"
    age = age_text(status.oldest_unsent_at, now)
    if age:
        details.append(f"oldest {age}")
    return text + (f" ({', '.join(details)})" if details else "")


def attention_text(count: int) -> str:
    if not count:
        return ""
    return f"{_plural(count, 'record')} {'needs' if count == 1 else 'need'} attention"


def local_time_text(when: datetime, now: datetime | None = None) -> str:
    """A naive-UTC time as local "17:42", or "21 Nov 17:42" when it was not today."""
    local = when.replace(tzinfo=UTC).astimezone()
    today = (now.replace(tzinfo=UTC).astimezone() if now else datetime.now().astimezone()).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def status_line(snapshot: SyncSnapshot, reach: str = UNKNOWN, now: datetime | None = None) -> str:
    """The status bar's words: "All sent · 17:42", "1 visit waiting (3 records)",
    "2 records need attention", "Not connected to a server", the revoked message..."""
    status = snapshot.status
    if status.revoked:
        return REVOKED_TEXT
    waiting = waiting_text(snapshot, now)
    attention = attention_text(status.needs_attention)
    if not status.enrolled:
        return " · ".join(p for p in (NOT_CONNECTED_TEXT, waiting, attention) if p)
    parts = [p for p in (waiting, attention) if p]
    if reach == PORTAL:
        parts.append(PORTAL_TEXT)
    elif reach == OFFLINE and waiting:
        parts.append(OFFLINE_TEXT)
    if parts:
        text = " · ".join(parts)
        return text[0].upper() + text[1:]
    if status.last_sync_at is None:
        return "Nothing waiting to send"
    return f"All sent · {local_time_text(status.last_sync_at, now)}"


def result_text(result: SyncResult) -> str:
    """One or two plain sentences about a finished run (the panel's "last sync")."""
    sent = _plural(result.sent, "record")
    if result.cancelled:
        return (f"You stopped the sync. {sent} sent before it stopped; "
                f"{result.pending} still waiting. Nothing was lost.")
    if result.error_kind == "NotEnrolled":
        return "This laptop is not connected to a server yet, so nothing was sent."
    if result.error_kind == "AuthRevoked":
        return ("The server no longer accepts this laptop. Everything recorded here is kept "
                "safe on this laptop: ask your coordinator to connect it again.")
    if result.error_kind == "CaptivePortal":
        return "The Wi-Fi asks you to log in first: open the Wi-Fi login page, then sync."
    if result.error:
        return (f"The sync stopped: {result.error} {sent} sent; {result.pending} still waiting. "
                "HubDesk will try again by itself.")
    when = local_time_text(result.last_sync_at) if result.last_sync_at else ""
    text = f"Sent {sent}" + (f" at {when}" if when else "") + "."
    if result.downloaded:
        text += f" Received {_plural(result.downloaded, 'update')}."
    if result.rejected or result.conflicts:
        text += f" {attention_text(result.rejected + result.conflicts)}: see below."
    text += " Nothing is waiting." if not result.pending else f" {result.pending} still waiting."
    return text


# ---- the controller ---------------------------------------------------------------------------


class SyncController(QObject):
    """Auto-sync and "Sync now" for one app context; see the module docstring.

    Signals:
        state_changed(object): the status line text (str) changed.
        progress(int, int, str): records settled, records waiting at the start, message.
        finished(object): a run ended (a :class:`~hubdesk.sync.engine.SyncResult`).
        running_changed(bool): a run started (True) or ended (False).
        snapshot_changed(object): a fresh :class:`SyncSnapshot` was read.
    """

    state_changed = Signal(object)
    progress = Signal(int, int, str)
    finished = Signal(object)
    running_changed = Signal(bool)
    snapshot_changed = Signal(object)
    _worker_progress = Signal(int, int, str)

    def __init__(
        self,
        context: AppContext,
        parent: QObject | None = None,
        *,
        probe_interval: float = 30.0,
        probe_max_interval: float = 120.0,
        debounce: float = 4.0,
        pull_interval: float = 900.0,
        connect_timeout: float = 5.0,
        stall_timeout: float = 30.0,
        max_retries: int = 3,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.probe_interval = probe_interval
        self.probe_max_interval = max(probe_max_interval, probe_interval)
        self.pull_interval = pull_interval
        self.connect_timeout = connect_timeout
        self.stall_timeout = stall_timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.snapshot: SyncSnapshot | None = None
        self.reach = UNKNOWN
        self.last_result: SyncResult | None = None
        self.widgets: SyncWidgets | None = None  # set by install_sync
        self._running = False
        self._auto_run = False
        self._stopped = False
        self._started = False
        self._cancel = threading.Event()
        self._progress_text = ""
        self._state_text = ""
        self._probe_in_flight = False
        self._probe_failures = 0
        self._last_pull: datetime | None = None
        self._refresh_pending = False
        self._refresh_again = False
        self._after_refresh: list[Callable[[SyncSnapshot], None]] = []

        self._probe_timer = QTimer(self)
        self._probe_timer.setSingleShot(True)
        self._probe_timer.timeout.connect(self._probe)
        self._debounce_timer = QTimer(self)
        self._debounce_timer.setSingleShot(True)
        self._debounce_timer.setInterval(int(debounce * 1000))
        self._debounce_timer.timeout.connect(self._debounced)
        self._worker_progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        context.runner.data_changed.connect(self._data_changed)

    # ---- public ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    @property
    def state_text(self) -> str:
        return self._state_text

    def start(self) -> None:
        """Read the state and start probing (when this laptop is enrolled)."""
        if self._stopped or self._started:
            return
        self._started = True
        self.refresh(lambda _snapshot: self._schedule_probe(0))

    def stop(self) -> None:
        """Stop timers and cancel a run (the window is closing); idempotent."""
        self._stopped = True
        self._probe_timer.stop()
        self._debounce_timer.stop()
        self._cancel.set()

    def sync_now(self) -> bool:
        """Start a run now (the user asked); False when one is already running."""
        return self._start_run(auto=False)

    def cancel(self) -> None:
        """Ask the running sync to stop at its next step (a backoff wait ends at once)."""
        if self._running and not self._cancel.is_set():
            self._cancel.set()
            self._progress_text = "Stopping the sync…"
            self._publish()

    def refresh(self, then: Callable[[SyncSnapshot], None] | None = None) -> None:
        """Re-read the counts (coalesced: at most one read in flight)."""
        if then is not None:
            self._after_refresh.append(then)
        if self._refresh_pending:
            self._refresh_again = True
            return
        self._refresh_pending = True
        self._refresh_again = False
        self.context.runner.run_db(read_snapshot, alive_only(self, self._snapshot_read),
                                   alive_only(self, self._refresh_failed))

    def enrolled_now(self) -> None:
        """After a (re-)enrolment: forget old reachability and probe at once."""
        self.reach = UNKNOWN
        self._probe_failures = 0
        self._last_pull = None
        self._stopped = False
        self._started = True
        self.refresh(lambda _snapshot: self._schedule_probe(0))

    # ---- reading the state ---------------------------------------------------------------

    def _snapshot_read(self, snapshot: SyncSnapshot) -> None:
        self._refresh_pending = False
        self.snapshot = snapshot
        self._publish()
        self.snapshot_changed.emit(snapshot)
        if self._refresh_again:
            self.refresh()
            return
        hooks, self._after_refresh = self._after_refresh, []
        for hook in hooks:
            hook(snapshot)

    def _refresh_failed(self, error: BaseException) -> None:
        self._refresh_pending = False
        self._after_refresh.clear()
        self.context.errors.report(error)

    def _publish(self) -> None:
        if self._running:
            text = self._progress_text or "Syncing…"
        elif self.snapshot is None:
            text = "Checking what is waiting to send…"
        else:
            text = status_line(self.snapshot, self.reach)
        if text != self._state_text:
            self._state_text = text
            self.state_changed.emit(text)

    def _can_auto_sync(self) -> bool:
        snapshot = self.snapshot
        return (not self._stopped and not self._running and snapshot is not None
                and snapshot.status.enrolled and not snapshot.status.revoked)

    # ---- new records -----------------------------------------------------------------------

    @Slot(object)
    def _data_changed(self, changes: Changes) -> None:
        if changes.kinds == {"sync"}:
            return  # our own announcement; the snapshot was already re-read
        self.refresh()
        if not self._stopped:
            self._debounce_timer.start()

    def _debounced(self) -> None:
        def decide(snapshot: SyncSnapshot) -> None:
            if snapshot.status.unsent and self.reach not in (OFFLINE, PORTAL) and self._can_auto_sync():
                self._start_run(auto=True)
            elif self._running:
                self._debounce_timer.start()  # look again once this run is over

        self.refresh(decide)

    # ---- probing ---------------------------------------------------------------------------

    def _schedule_probe(self, seconds: float) -> None:
        if self._stopped or not self._can_probe():
            self._probe_timer.stop()
            return
        self._probe_timer.start(int(seconds * 1000))

    def _can_probe(self) -> bool:
        snapshot = self.snapshot
        return bool(snapshot and snapshot.status.enrolled and not snapshot.status.revoked
                    and snapshot.server_url)

    def _next_probe_delay(self) -> float:
        if self.reach == ONLINE:
            return self.probe_interval
        return min(self.probe_max_interval, self.probe_interval * (2 ** min(self._probe_failures, 20)))

    def _probe(self) -> None:
        snapshot = self.snapshot
        if self._stopped or self._probe_in_flight or snapshot is None or not snapshot.server_url:
            return
        if self._running:
            self._schedule_probe(self._next_probe_delay())
            return
        url = snapshot.server_url
        connect, stall = self.connect_timeout, self.stall_timeout

        def check() -> str:
            transport = HttpTransport(url, connect_timeout=connect, stall_timeout=stall,
                                      app_version=__version__)
            try:
                transport.health()
            except CaptivePortal:
                return PORTAL
            except SyncError:
                return OFFLINE
            finally:
                transport.close()
            return ONLINE

        self._probe_in_flight = True
        self.context.runner.run_background(check, alive_only(self, self._probed),
                                           alive_only(self, self._probe_failed))

    def _probe_failed(self, error: BaseException) -> None:
        self._probe_in_flight = False
        self.context.errors.report(error)
        self._schedule_probe(self.probe_max_interval)

    def _probed(self, reach: str) -> None:
        self._probe_in_flight = False
        if self._stopped:
            return
        became_reachable = reach == ONLINE and self.reach != ONLINE
        self._set_reach(reach)
        if reach == ONLINE and self._can_auto_sync():
            snapshot = self.snapshot
            assert snapshot is not None
            now = datetime.now(UTC)
            pull_due = (self._last_pull is None
                        or (now - self._last_pull).total_seconds() >= self.pull_interval)
            if became_reachable or snapshot.status.unsent or pull_due:
                self._start_run(auto=True)
        self._schedule_probe(self._next_probe_delay())

    def _set_reach(self, reach: str) -> None:
        if reach == ONLINE:
            self._probe_failures = 0
        elif reach != UNKNOWN:
            self._probe_failures += 1
        self.reach = reach
        self._publish()

    # ---- running ---------------------------------------------------------------------------

    def _start_run(self, *, auto: bool) -> bool:
        if self._running or (self._stopped and auto):
            return False
        if not auto:
            self._stopped = False
        self._running = True
        self._auto_run = auto
        self._cancel = threading.Event()
        self._debounce_timer.stop()
        cancel = self._cancel
        store = self.context.runner.store
        emit_progress = self._worker_progress.emit
        connect, stall, retries, backoff = (self.connect_timeout, self.stall_timeout,
                                            self.max_retries, self.backoff)

        def wait(seconds: float) -> None:
            cancel.wait(seconds)  # a Cancel ends a backoff wait at once

        def report(step: SyncProgress) -> None:
            emit_progress(step.sent, step.total, step.message)

        def work() -> SyncResult:
            with store.unit_of_work() as db:
                url, token = _connection(db)
            transport = HttpTransport(url, token, connect_timeout=connect, stall_timeout=stall,
                                      app_version=__version__)
            try:
                engine = SyncEngine(store, transport, sleep=wait, backoff=backoff,
                                    max_retries=retries, app_version=__version__)
                return engine.run(progress=report, cancel=cancel.is_set)
            finally:
                transport.close()

        self._progress_text = "Syncing: contacting the server…"
        self.running_changed.emit(True)
        self._publish()
        self.progress.emit(0, 0, "Contacting the server")
        self.context.runner.run_background(work, alive_only(self, self._run_done),
                                           alive_only(self, self._run_failed))
        return True

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, message: str) -> None:
        if not self._running:
            return
        if not self._cancel.is_set():
            counted = f" ({done} of {total})" if total else ""
            self._progress_text = f"Syncing: {message[:1].lower()}{message[1:]}{counted}…"
            self._publish()
        self.progress.emit(done, total, message)

    def _run_done(self, result: SyncResult) -> None:
        self._running = False
        self._progress_text = ""
        self.last_result = result
        self._publish()  # the counts until the fresh ones arrive
        if result.completed:
            self._set_reach(ONLINE)
            self._last_pull = datetime.now(UTC)
        elif result.error_kind == "CaptivePortal":
            self._set_reach(PORTAL)
        elif result.error_kind in _NETWORK_KINDS:
            self._set_reach(OFFLINE)
        log.info("sync run ended: completed=%s cancelled=%s sent=%d error=%s",
                 result.completed, result.cancelled, result.sent, result.error_kind)
        if result.sent or result.rejected or result.conflicts or result.downloaded:
            self.context.runner.data_changed.emit(Changes(kinds={"sync"}))

        def after(snapshot: SyncSnapshot) -> None:
            if self._stopped:
                return
            if result.completed and snapshot.status.unsent:
                self._debounce_timer.start()  # recorded while this run was sending
            if not self._probe_timer.isActive() and not self._probe_in_flight:
                self._schedule_probe(self._next_probe_delay())

        self.refresh(after)
        self.running_changed.emit(False)
        self.finished.emit(result)

    def _run_failed(self, error: BaseException) -> None:
        self._running = False
        self._progress_text = ""
        self.refresh()
        self.running_changed.emit(False)
        self.context.errors.report(error)

    # ---- the window's widgets (see install_sync) -------------------------------------------

    @Slot(object)
    def _show_actor(self, actor: object) -> None:
        if self.widgets is not None:
            self.widgets.connect_action.setEnabled(bool(getattr(actor, "is_coordinator", False)))

    @Slot(object)
    def _show_state(self, text: object) -> None:
        if self.widgets is not None:
            self.widgets.label.setText(str(text))
            self.widgets.label.setAccessibleDescription(str(text))

    @Slot(bool)
    def _show_running(self, running: bool) -> None:
        if self.widgets is not None:
            self.widgets.sync_now_action.setEnabled(not running)

    # ---- closing ---------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """On the main window's close: stop, so a run or a backoff wait does not hold it open."""
        if event.type() == QEvent.Type.Close:
            self.stop()
        return False


# ---- the main window ---------------------------------------------------------------------------


@dataclass
class SyncWidgets:
    """What :func:`install_sync` added to the main window (tests and the lead use it)."""

    label: QLabel
    menu: QMenu
    sync_now_action: QAction
    attention_action: QAction
    end_of_day_action: QAction
    connect_action: QAction
    panels: list[Any] = field(default_factory=list)


def _action(window: QMainWindow, menu: QMenu, text: str, slot: Callable[[], object],
            tip: str, shortcut: str = "") -> QAction:
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip} ({shown})")
    else:
        action.setToolTip(tip)
    action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    menu.addAction(action)
    window.addAction(action)
    return action


def open_sync_panel(window: QWidget, controller: SyncController, section: str = "") -> SyncPanel:
    """Show the (single) sync panel of ``window``, scrolled to ``section``
    ("attention" / "end_of_day" / "")."""
    from hubdesk.ui.sync_panel import SyncPanel

    widgets = controller.widgets
    panel: SyncPanel | None = None
    if widgets is not None:
        widgets.panels[:] = [p for p in widgets.panels if _alive(p)]
        panel = widgets.panels[0] if widgets.panels else None
    if panel is None:
        panel = SyncPanel(controller, window)
        panel.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        edit = getattr(window, "edit_visit", None)
        if callable(edit):
            context = controller.context

            def open_visit(visit_id: str) -> None:
                if context.actor is None:
                    context.errors.report(UserFacingError("Unlock HubDesk first to open a visit."))
                    return
                edit(visit_id)
                if panel is not None:
                    panel.close()

            panel.open_visit_requested.connect(open_visit)
        settle = getattr(window, "show_conflicts", None)
        if callable(settle):
            panel.conflicts_requested.connect(settle)
        if widgets is not None:
            widgets.panels.append(panel)
    if panel.isVisible():  # already open: bring it forward
        panel.raise_()
        panel.activateWindow()
    else:
        panel.show()
    panel.show_section(section)
    return panel


def _alive(widget: object) -> bool:
    import shiboken6

    return bool(shiboken6.isValid(widget))


def open_enrol_dialog(window: QWidget, controller: SyncController) -> QWidget | None:
    """"Connect to the hub's server…": coordinators only."""
    from hubdesk.ui.enrol_dialog import EnrolDialog

    actor = controller.context.actor
    if actor is None or not actor.is_coordinator:
        controller.context.errors.report(
            UserFacingError("Only a coordinator can connect this laptop to a server."))
        return None
    dialog = EnrolDialog(controller.context, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.enrolled.connect(lambda _text: controller.enrolled_now())
    if isinstance(window, QMainWindow):
        dialog.enrolled.connect(lambda text: window.statusBar().showMessage(text, 15_000))
    dialog.open()
    return dialog


def install_sync(window: QMainWindow, context: AppContext, **options: Any) -> SyncController:
    """Add the "Sync" menu and the status-bar label to ``window`` and start auto-sync.

    ``options`` go to :class:`SyncController` (tests shorten the intervals).  The
    window's own counts label (``window.status_label``, "All saved on this
    laptop…") is hidden: this label says the same and more.
    """
    controller = SyncController(context, window, **options)
    bar = window.menuBar()
    menu = QMenu("S&ync", bar)
    help_action = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
    if help_action is not None:
        bar.insertMenu(help_action, menu)
    else:
        bar.addMenu(menu)

    label = QLabel(controller.state_text or "Checking what is waiting to send…")
    label.setObjectName("syncState")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAccessibleName("Sync status")
    label.setToolTip("What is waiting to be sent to the server. "
                     f"Sync now: {SYNC_SHORTCUT}; details in the Sync menu.")
    old_label = getattr(window, "status_label", None)
    if isinstance(old_label, QLabel):
        old_label.hide()
    window.statusBar().addPermanentWidget(label, 1)

    sync_now = _action(window, menu, "&Sync now", controller.sync_now,
                       "Send waiting records to the server and get updates now", SYNC_SHORTCUT)
    attention = _action(window, menu, "&Needs attention…",
                        lambda: open_sync_panel(window, controller, "attention"),
                        "Records the server did not accept, with what to do")
    end_of_day = _action(window, menu, "&End of day…",
                         lambda: open_sync_panel(window, controller, "end_of_day"),
                         "Today's receipt: recorded here, received by the server, missing")
    menu.addSeparator()
    connect = _action(window, menu, "&Connect to the hub's server…",
                      lambda: open_enrol_dialog(window, controller),
                      "Connect this laptop with a one-time code (coordinators only)")
    controller.widgets = SyncWidgets(label, menu, sync_now, attention, end_of_day, connect)

    # the controller is the window's child: these connections end with the window
    context.actor_changed.connect(controller._show_actor)
    controller._show_actor(context.actor)
    controller.state_changed.connect(controller._show_state)
    controller.running_changed.connect(controller._show_running)
    window.installEventFilter(controller)
    QTimer.singleShot(0, controller.start)
    return controller


def today() -> date:
    return datetime.now().astimezone().date()
