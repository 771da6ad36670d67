"""Sync in the app: auto-sync, "Sync now" with progress and cancel, and the status line.

:class:`SyncController` owns no widgets and words nothing itself (the words are
``hubdesk.sync.status_text``'s).  It

* probes the server's ``/v1/health`` on the runner's background lane (every
  ``probe_interval`` seconds while reachable, backing off to ``probe_max_interval``
  while not) and syncs by itself when the server becomes reachable;
* syncs a few seconds (``debounce``) after new records (``runner.data_changed``);
* runs "Sync now" with progress and cancel, never two runs at once;
* says what is going on in one line of plain text (``state_changed``).

Every network and database call runs through ``context.runner`` (the engine opens
its own units of work on ``runner.store``); the GUI thread only gets plain values.
A run that changed anything returns ``Changes(kinds={"sync"})`` (``SyncResult.changes``),
which the runner announces as ``data_changed``, so the today list redraws its per-record
badges.

``ui/sync_menu.install_sync`` adds the "Sync" menu, the status-bar label and the
sync panel to the main window.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu

from hubdesk import __version__
from hubdesk.services.common import Changes
from hubdesk.sync.engine import Backoff, SyncEngine, SyncProgress, SyncResult
from hubdesk.sync.errors import CaptivePortal, SyncError
from hubdesk.sync.status import SyncSnapshot, read_snapshot, server_connection
from hubdesk.sync.status_text import OFFLINE, ONLINE, PORTAL, UNKNOWN, status_line
from hubdesk.sync.transport import HttpTransport
from hubdesk.ui.context import AppContext
from hubdesk.ui.models import alive_only

log = logging.getLogger("hubdesk.ui.sync")

SYNC_SHORTCUT = "F5"
_NETWORK_KINDS = {"Offline", "Stalled", "ServerError", "BadResponse", "ServerBusy"}


# ---- the controller ---------------------------------------------------------------------------


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
            text = status_line(self.snapshot.status, self.reach)
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
            # Decide on counts read from now on: ``self.snapshot`` may predate a run that
            # just ended (its fresh counts still queued behind other database work), and
            # its "3 waiting" would start a second run that has nothing to send.
            self.refresh(lambda snapshot: self._auto_run_if_due(snapshot, became_reachable))
        self._schedule_probe(self._next_probe_delay())

    def _auto_run_if_due(self, snapshot: SyncSnapshot, became_reachable: bool) -> None:
        if self.reach != ONLINE or not self._can_auto_sync():
            return
        now = datetime.now(UTC)
        pull_due = (self._last_pull is None
                    or (now - self._last_pull).total_seconds() >= self.pull_interval)
        if became_reachable or snapshot.status.unsent or pull_due:
            self._start_run(auto=True)

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
                url, token = server_connection(db)
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
