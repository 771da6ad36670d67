"""The client sync engine: the crash-safe state machine of DESIGN.md section 4.

Upload, batch by batch::

    pick pending items (seq order)
    -> ONE transaction: store the SyncBatch, name it in its items         [batch_stored]
    -> POST the batch (its id is the idempotency key)                     [posted]
    -> ONE transaction: apply the receipt                                 [receipt_applied]
       accepted / duplicate -> sent;  rejected -> needs attention (plain-English
       reason, never blocks the rest);  conflict -> needs attention

Up to ``POSTS_IN_FLIGHT`` (2) stored batches are on the wire at once and their
receipts are applied in the order they were sent (``SyncEngine._push``).

On start, every batch still ``sending`` (a crash or a lost answer) is settled
first: the stored receipt is fetched (``GET /v1/batches/{id}``), else the SAME
batch (same id, same items, same bytes) is sent again.

Then downloads: reference data and hub changes by opaque cursor, one page per
transaction together with its cursor; they never overwrite unsent local work.

Retries use full-jitter exponential backoff (2 s base, 10 min cap, Retry-After
honoured).  Auth and captive-portal errors stop the run at once; network and
server-wide errors stop it after ``max_retries`` tries.  The batch size adapts:
halved on 413 / stall, doubled after clean batches, within 1..1000.

Thread rule: one run at a time per database; the caller runs it off the UI thread.
``progress`` and ``cancel`` are plain callables (no Qt).
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from hubdesk.core.clock import utc_now
from hubdesk.core.collector import older_objects_frozen
from hubdesk.core.ids import uuid7
from hubdesk.protocol.schemas import (
    MAX_BATCH_ITEMS,
    MAX_PAGE_ITEMS,
    BatchReceipt,
    ChangesPage,
    Heartbeat,
    HeartbeatAck,
    ReferencePage,
)
from hubdesk.protocol.trust import AuditReceipt, AuditUpload
from hubdesk.services.common import Changes
from hubdesk.store import sync_repo
from hubdesk.store.engine import Store
from hubdesk.store.sync_repo import ItemOutcome, OutgoingItem
from hubdesk.sync.errors import (
    AuthRevoked,
    BadResponse,
    NotEnrolled,
    PayloadTooLarge,
    RequestRejected,
    ServerBusy,
    Stalled,
    SyncError,
)
from hubdesk.sync.status import (
    EndOfDayReceipt,
    NeedsAttentionItem,
    SyncStatus,
    end_of_day_receipt,
    needs_attention_items,
    sync_status,
)
from hubdesk.sync.wire import batch_bytes

__all__ = [
    "Backoff",
    "EndOfDayReceipt",
    "NeedsAttentionItem",
    "SyncApi",
    "SyncEngine",
    "SyncProgress",
    "SyncResult",
    "SyncStatus",
    "end_of_day_receipt",
    "needs_attention_items",
    "sync_status",
]

log = logging.getLogger("hubdesk.sync")
_T = TypeVar("_T")

#: the durable steps of one run, reported to ``SyncEngine.on_step`` as each is reached
#: (the crash tests kill the process there: tests/sync/crashing_client.py)
SYNC_STEPS = ("batch_stored", "posted", "receipt_applied", "page_applied", "recovered")
MIN_BATCH, MAX_BATCH, START_BATCH = 1, MAX_BATCH_ITEMS, 200
#: batches on the wire at once: a server with several workers takes them side by side
POSTS_IN_FLIGHT = 2
_BATCH_SIZE_KEY = "sync.batch_size"
_HEARTBEAT_KEY = "sync.last_heartbeat_at"


class SyncApi(Protocol):
    """What the engine needs from a transport (``transport.HttpTransport`` or a test
    wrapper around it that injects faults)."""

    def health(self) -> None: ...
    def upload_raw(self, batch_json: bytes) -> BatchReceipt: ...
    def get_receipt(self, batch_id: str) -> BatchReceipt | None: ...
    def reference(self, cursor: str, limit: int) -> ReferencePage: ...
    def changes(self, cursor: str, limit: int) -> ChangesPage: ...
    def heartbeat(self, beat: Heartbeat) -> HeartbeatAck: ...
    def upload_audit(self, upload: AuditUpload) -> AuditReceipt: ...


@dataclass(frozen=True)
class SyncProgress:
    phase: str  # "checking" / "sending" / "receiving" / "done"
    sent: int  # items settled this run
    total: int  # items that were waiting when the run started
    message: str


@dataclass(frozen=True)
class SyncResult:
    sent: int
    rejected: int
    conflicts: int
    downloaded: int
    pending: int  # still waiting to be sent after the run
    needs_attention: int
    last_sync_at: datetime | None
    completed: bool  # pushed and pulled to the end
    cancelled: bool = False
    error: str | None = None  # plain English
    error_kind: str | None = None  # e.g. "Offline", "AuthRevoked", "CaptivePortal"
    #: worth an automatic retry later: wait ``Backoff().delay(failed_runs, retry_after_s)``
    retryable: bool = False
    retry_after_s: float | None = None  # the server's Retry-After, when it gave one

    @property
    def nothing_left_to_send(self) -> bool:
        return self.pending == 0

    @property
    def changes(self) -> Changes:
        """What the run changed on this laptop, for the UI's task runner to announce:
        ``sync`` when anything was sent, refused, held or downloaded, else nothing."""
        moved = self.sent or self.rejected or self.conflicts or self.downloaded
        return Changes(kinds={"sync"}) if moved else Changes()


@dataclass(frozen=True)
class _Stored:
    """A batch stored in the outbox, with the exact bytes it is POSTed as."""

    batch_id: str
    items: list[OutgoingItem]
    body: bytes


@dataclass(frozen=True)
class _Flying:
    """A stored batch whose POST is on the wire."""

    batch: _Stored
    answer: Future[BatchReceipt]
    #: the batches already on the wire when this one was sent
    overlapping: tuple[str, ...] = ()


class SyncCancelled(Exception):
    """The user pressed Cancel; raised only between steps."""


@dataclass
class Backoff:
    """Full-jitter exponential backoff: sleep ~ U(0, min(cap, base * 2**attempt)),
    at least the server's Retry-After."""

    base: float = 2.0
    cap: float = 600.0
    rng: Callable[[], float] = random.random

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        ceiling = min(self.cap, self.base * (2 ** min(attempt, 30)))
        delay = self.rng() * ceiling
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.cap))
        return delay


class SyncEngine:
    """Push the outbox and pull downloads for one laptop.  See the module docstring."""

    def __init__(
        self,
        store: Store,
        api: SyncApi,
        *,
        sleep: Callable[[float], None] = time.sleep,
        backoff: Backoff | None = None,
        max_retries: int = 5,
        batch_size: int | None = None,
        page_limit: int = 500,
        heartbeat_interval_s: float = 300.0,
        app_version: str = "",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.api = api
        self.sleep = sleep
        self.backoff = backoff or Backoff()
        self.max_retries = max_retries
        self._fixed_batch_size = batch_size
        self.batch_size = batch_size or START_BATCH
        self.page_limit = max(1, min(page_limit, MAX_PAGE_ITEMS))
        self.heartbeat_interval_s = heartbeat_interval_s
        self._last_heartbeat: datetime | None = None
        self._heartbeat_sent: datetime | None = None
        self._open_batch_ids: list[str] = []
        self.app_version = app_version
        self.clock = clock
        #: called with each of ``SYNC_STEPS`` once that step's work is durable; the
        #: app leaves it unset
        self.on_step: Callable[[str], None] | None = None
        self._progress: Callable[[SyncProgress], None] | None = None
        self._cancel: Callable[[], bool] | None = None
        self._device_id = ""
        self._settled = 0
        self._total = 0
        self._counts = {"sent": 0, "rejected": 0, "conflict": 0, "downloaded": 0}

    # -- public -------------------------------------------------------------------

    def run(
        self,
        progress: Callable[[SyncProgress], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> SyncResult:
        """One sync run: settle open batches, push everything, pull downloads, heartbeat.

        Never raises for network or server trouble: the result says what happened.
        """
        self._progress, self._cancel = progress, cancel
        self._counts = {"sent": 0, "rejected": 0, "conflict": 0, "downloaded": 0}
        self._settled = 0
        error: SyncError | None = None
        cancelled = False
        completed = False
        try:
            with older_objects_frozen():  # the collector walks only what the run makes
                self._prepare()
                self._report("checking", "Contacting the server")
                self._retrying(self.api.health)
                self._settle_open_batches()
                self._push()
                merged = self._pull()
                # the server lost versions it had acknowledged, or a download merged with
                # unsent work here (a new version to send: DESIGN §4)
                if self._heartbeat() or merged:
                    self._push()
                self._audit()
            completed = True
        except SyncCancelled:
            cancelled = True
        except SyncError as failure:
            error = failure
            log.info("sync stopped: %s", type(failure).__name__)
        return self._finish(completed=completed, cancelled=cancelled, error=error)

    # -- steps --------------------------------------------------------------------

    def _prepare(self) -> None:
        with self.store.unit_of_work() as db:
            state = sync_repo.device_state(db)
            if state is None or not state.device_token or not state.server_url:
                raise NotEnrolled()
            # a laptop the server switched off still asks (its first request is refused
            # 403 again) so that, once the council reinstates it, it sends what it kept
            self._device_id = state.device_id
            if self._fixed_batch_size is None:
                saved = sync_repo.get_setting(db, _BATCH_SIZE_KEY)
                if isinstance(saved, int):
                    self.batch_size = max(MIN_BATCH, min(MAX_BATCH, saved))
            self._open_batch_ids = [batch.batch_id for batch in sync_repo.open_batches(db)]
            last_beat = sync_repo.get_setting(db, _HEARTBEAT_KEY)
            self._last_heartbeat = datetime.fromisoformat(last_beat) if last_beat else None
            self._heartbeat_sent = None
            if self._progress is not None:
                self._total = sync_repo.outbox_counts(db).unsent

    def _audit(self) -> None:
        """Record this run in the audit trail, then send the chain's new links (issue 8)."""
        from hubdesk.services.common import audit
        from hubdesk.sync.audit_upload import upload_audit_links

        with self.store.unit_of_work() as db:
            audit(db, None, "sync", "device", self._device_id, f"{self._counts['sent']} sent")
        self._retrying(functools.partial(upload_audit_links, self.store, self.api))

    def _settle_open_batches(self) -> None:
        for batch_id in self._open_batch_ids:
            self._check_cancel()
            receipt = self._retrying(functools.partial(self.api.get_receipt, batch_id))
            with self.store.unit_of_work() as db:
                items = sync_repo.batch_items(db, batch_id)
            if not items:  # nothing of it is still waiting: close it
                self._abandon(batch_id)
            elif receipt is not None:
                self._apply_receipt(batch_id, items, receipt)
            else:  # the server never got it: send the SAME batch (same id, same bytes)
                self._deliver(batch_id, items, self._batch_body(batch_id, items))
            self._step_done("recovered")

    def _push(self) -> None:
        """Send every pending item in stored batches, pipelined: up to
        ``POSTS_IN_FLIGHT`` batches are on the wire at once (worker threads do only the
        POSTs) while the next one is stored, so neither the server's workers nor the
        laptop wait for each other.  All database work stays on this thread; each batch
        is still stored before its POST and settled in one transaction after it, in the
        order they were sent.  When the oldest batch is answered, the stored one goes on
        the wire and the answer is applied in the same transaction as the next batch is
        stored (one fsync a batch: ``_settle_flying``).  When a POST failed, nothing new
        is sent until that batch is settled; when an answer proves unusable (a receipt
        for another batch), that batch is sent again while later ones are on the wire:
        the server takes concurrent batches of a device."""
        with ThreadPoolExecutor(max_workers=POSTS_IN_FLIGHT,
                                thread_name_prefix="hubdesk-sync-post") as pool:

            def launch(stored: _Stored) -> _Flying:
                self._report("sending", f"Sending {len(stored.items)} records")
                # a batch still on the wire may be written after this one: this one's
                # receipt may show it as a gap, which is no loss (``apply_receipt``)
                overlapping = tuple(other.batch.batch_id for other in flying)
                return _Flying(stored, pool.submit(self.api.upload_raw, stored.body),
                               overlapping)

            flying: deque[_Flying] = deque()  # in the order they were sent
            stored: _Stored | None = None  # stored (with a receipt), not yet on the wire
            while True:
                if self._cancel_requested():
                    while flying:
                        self._settle_flying(flying.popleft(), store_next=False)
                    if stored is not None:  # never sent: its items wait for the next run
                        self._abandon(stored.batch_id)
                        stored = None
                self._check_cancel()
                if stored is None:
                    stored = self._store_next_batch()
                if not flying and stored is None:
                    return
                if stored is not None and len(flying) < POSTS_IN_FLIGHT:
                    flying.append(launch(stored))
                    stored = None
                    continue
                oldest = flying.popleft()
                wait([oldest.answer])
                answered = oldest.answer.exception() is None
                if answered and stored is not None:
                    flying.append(launch(stored))
                    stored = None
                if stored is None:
                    stored = self._settle_flying(oldest, store_next=answered)
                else:  # its POST failed: the stored batch waits until it is settled
                    self._settle_flying(oldest, store_next=False)

    def _store_next_batch(self) -> _Stored | None:
        batch_id = uuid7()
        with self.store.unit_of_work() as db:
            items = self._store_batch_in(db, batch_id)
        if items is None:
            return None
        self._step_done("batch_stored")
        return _Stored(batch_id, items, self._batch_body(batch_id, items))

    def _store_batch_in(self, db: Session, batch_id: str) -> list[OutgoingItem] | None:
        """Store the next batch in the caller's unit of work (None: nothing pending)."""
        # no local schema check: the server judges each item on its own and holds
        # a bad one with a reason, so its sequence number is never a gap
        items = sync_repo.pending_items(db, self.batch_size)
        if not items:
            return None
        sync_repo.store_batch(db, batch_id, [i.seq for i in items], self.clock())
        return items

    def _settle_flying(self, flying: _Flying, *, store_next: bool) -> _Stored | None:
        """Settle a batch whose POST has ended.  ``store_next``: when its answer is a
        usable receipt, the next batch is stored in the same transaction as the receipt
        (and returned); any other answer goes the usual way (``_deliver``)."""
        batch = flying.batch
        if store_next and flying.answer.exception() is None:
            receipt = flying.answer.result()
            try:
                outcomes = self._outcomes(batch.batch_id, batch.items, receipt)
            except BadResponse:
                pass  # _deliver below retries it as ever
            else:
                self._step_done("posted")
                self._grow_batch(receipt.counts.rejected == 0 and receipt.counts.conflict == 0)
                return self._apply_outcomes(batch.batch_id, outcomes, receipt,
                                            flying.overlapping, store_next=True)
        self._grow_batch(self._deliver(batch.batch_id, batch.items, batch.body,
                                       first=flying.answer.result,
                                       overlapping=flying.overlapping))
        return None

    def _grow_batch(self, clean: bool) -> None:
        if clean and self._fixed_batch_size is None:
            self.batch_size = min(MAX_BATCH, self.batch_size * 2)

    def _deliver(
        self, batch_id: str, items: list[OutgoingItem], body: bytes,
        first: Callable[[], BatchReceipt] | None = None, overlapping: tuple[str, ...] = (),
    ) -> bool:
        """POST one stored batch until it is settled; True when it went through cleanly.
        ``first``: the outcome of a POST already made (returns the receipt or raises);
        ``overlapping``: the batches that were on the wire with it."""
        attempt = 0
        while True:
            try:
                if first is not None:
                    answer, first = first, None
                    receipt = answer()
                else:
                    receipt = self.api.upload_raw(body)
            except PayloadTooLarge:
                self._shrink(len(items))
                if len(items) == 1:
                    self._reject_single(batch_id, items[0],
                                        "This record is too large for the server to accept.")
                else:
                    self._abandon(batch_id)
                return False
            except RequestRejected as refusal:
                if len(items) == 1:
                    self._reject_single(batch_id, items[0], refusal.message)
                else:  # one bad item spoils a batch: split until it stands alone
                    self._shrink(len(items))
                    self._abandon(batch_id)
                return False
            except Stalled as stall:
                self._shrink(len(items))
                attempt = self._wait_or_raise(stall, attempt)
                settled = self._retrying(lambda: self.api.get_receipt(batch_id))
                if settled is not None:
                    self._step_done("posted")
                    self._apply_receipt(batch_id, items, settled, overlapping)
                    return False
                if len(items) > self.batch_size:
                    self._abandon(batch_id)
                    return False
                continue
            except SyncError as failure:
                if not failure.transient:
                    raise
                attempt = self._wait_or_raise(failure, attempt)
                continue
            self._step_done("posted")
            try:
                self._apply_receipt(batch_id, items, receipt, overlapping)
            except BadResponse as failure:
                attempt = self._wait_or_raise(failure, attempt)
                continue
            return attempt == 0 and receipt.counts.rejected == 0 and receipt.counts.conflict == 0

    def _apply_receipt(
        self, batch_id: str, items: list[OutgoingItem], receipt: BatchReceipt,
        overlapping: tuple[str, ...] = (),
    ) -> None:
        self._apply_outcomes(batch_id, self._outcomes(batch_id, items, receipt), receipt,
                             overlapping)

    @staticmethod
    def _outcomes(batch_id: str, items: list[OutgoingItem],
                  receipt: BatchReceipt) -> list[ItemOutcome]:
        """The receipt's answer for each item (BadResponse when it does not fit the batch)."""
        expected = {item.seq: item for item in items}
        if receipt.batch_id != batch_id:
            raise BadResponse("receipt for another batch")
        outcomes: list[ItemOutcome] = []
        for result in receipt.results:
            item = expected.get(result.seq)
            if item is None or item.record_id != result.record_id or (
                item.version != result.version
            ):
                raise BadResponse("receipt names an item that was not in the batch")
            reason = result.reason
            if result.status == "rejected" and not reason:
                reason = "The server could not accept this record."
            if result.status == "conflict" and not reason:
                reason = "Someone else changed this record at the same time."
            outcomes.append(ItemOutcome(result.seq, result.status, reason))
        return outcomes

    def _apply_outcomes(self, batch_id: str, outcomes: list[ItemOutcome],
                        receipt: BatchReceipt, overlapping: tuple[str, ...] = (), *,
                        store_next: bool = False) -> _Stored | None:
        """Apply a receipt in one transaction; with ``store_next``, the next batch is
        stored in that transaction too (and returned, None when nothing is pending).
        ``overlapping``: the batches on the wire with this one (``apply_receipt``)."""
        next_id = uuid7()
        next_items: list[OutgoingItem] | None = None
        with self.store.unit_of_work() as db:
            counts = sync_repo.apply_receipt(
                db, batch_id, outcomes, receipt.model_dump(mode="json", exclude={"results"}),
                self.clock(), overlapping=overlapping,
            )
            if store_next:
                next_items = self._store_batch_in(db, next_id)
        for key in ("sent", "rejected", "conflict"):
            self._counts[key] += counts[key]
        self._settled += len(outcomes)
        self._step_done("receipt_applied")
        self._report("sending", f"{self._counts['sent']} sent")
        if next_items is None:
            return None
        self._step_done("batch_stored")
        return _Stored(next_id, next_items, self._batch_body(next_id, next_items))

    def _pull(self) -> int:
        """Download every page; returns how many versions were merged with local work."""
        merged = 0
        streams: list[tuple[str, Callable[[str, int], ReferencePage | ChangesPage]]] = [
            ("reference", self.api.reference),
            ("changes", self.api.changes),
        ]
        for stream, fetch in streams:
            while True:
                self._check_cancel()
                with self.store.unit_of_work() as db:
                    cursor = sync_repo.get_cursor(db, stream)
                page = self._retrying(functools.partial(fetch, cursor, self.page_limit))
                if not page.items and page.next_cursor == cursor:
                    break  # nothing new: no write, no fsync
                with self.store.unit_of_work() as db:
                    now = self.clock()
                    if isinstance(page, ReferencePage):
                        sync_repo.apply_reference_items(db, page.items, now)
                    else:
                        merged += sync_repo.apply_change_items(db, page.items, now)["merged"]
                    sync_repo.set_cursor(db, stream, page.next_cursor, now)
                self._counts["downloaded"] += len(page.items)
                self._step_done("page_applied")
                self._report("receiving", f"{self._counts['downloaded']} updates received")
                if not page.has_more:
                    break
        return merged

    def _heartbeat(self) -> int:
        """Best effort, at most every ``heartbeat_interval_s``: tells the server how this
        laptop is doing (unsent, needs attention, oldest unsent, last success, clock).

        The answer says which sequence numbers the server holds; versions marked sent
        that it lacks (a server restored from an older backup) go back to pending.
        Returns how many were re-queued.
        """
        now = self.clock()
        if self._last_heartbeat is not None and (
            (now - self._last_heartbeat).total_seconds() < self.heartbeat_interval_s
        ):
            return 0
        with self.store.unit_of_work() as db:
            counts = sync_repo.outbox_counts(db)
        beat = Heartbeat(
            unsent=counts.unsent,
            needs_attention=counts.needs_attention,
            oldest_unsent_at=counts.oldest_unsent_at,
            last_success_at=self.clock(),
            app_version=self.app_version[:40],
            client_time=self.clock(),
        )
        try:
            ack = self.api.heartbeat(beat)
            self._heartbeat_sent = now
        except AuthRevoked:
            raise
        except SyncError as failure:
            log.info("heartbeat not delivered: %s", type(failure).__name__)
            return 0
        if ack.max_seq is None:  # an older server that does not say what it holds
            return 0
        with self.store.unit_of_work() as db:
            return sync_repo.requeue_lost(
                db, gaps=[(gap.first, gap.last) for gap in ack.gaps], above=ack.max_seq)

    # -- helpers ------------------------------------------------------------------

    def _batch_body(self, batch_id: str, items: list[OutgoingItem]) -> bytes:
        return batch_bytes(batch_id, self._device_id, items)

    def _retrying(self, call: Callable[[], _T]) -> _T:
        attempt = 0
        while True:
            try:
                return call()
            except SyncError as failure:
                if not failure.transient:
                    raise
                attempt = self._wait_or_raise(failure, attempt)

    def _wait_or_raise(self, failure: SyncError, attempt: int) -> int:
        """Sleep before the next try, or give up the run after ``max_retries``."""
        if attempt >= self.max_retries:
            raise failure
        retry_after = failure.retry_after if isinstance(failure, ServerBusy) else None
        delay = self.backoff.delay(attempt, retry_after)
        log.info("sync retry %d after %s in %.1fs", attempt + 1, type(failure).__name__, delay)
        self._check_cancel()
        self.sleep(delay)
        self._check_cancel()
        return attempt + 1

    def _shrink(self, current: int) -> None:
        if self._fixed_batch_size is None:
            self.batch_size = max(MIN_BATCH, min(self.batch_size, current) // 2)

    def _abandon(self, batch_id: str) -> None:
        with self.store.unit_of_work() as db:
            sync_repo.abandon_batch(db, batch_id, self.clock())

    def _reject_single(self, batch_id: str, item: OutgoingItem, reason: str) -> None:
        with self.store.unit_of_work() as db:
            sync_repo.abandon_batch(db, batch_id, self.clock())
            sync_repo.reject_locally(db, {item.seq: reason})
        self._counts["rejected"] += 1

    def _cancel_requested(self) -> bool:
        return self._cancel is not None and self._cancel()

    def _check_cancel(self) -> None:
        if self._cancel_requested():
            raise SyncCancelled()

    def _report(self, phase: str, message: str) -> None:
        if self._progress is not None:
            self._progress(SyncProgress(phase, self._settled, self._total, message))

    def _step_done(self, step: str) -> None:
        if self.on_step is not None:
            self.on_step(step)

    def _finish(self, *, completed: bool, cancelled: bool, error: SyncError | None) -> SyncResult:
        now = self.clock()
        revoked = isinstance(error, AuthRevoked)
        with self.store.unit_of_work() as db:
            if sync_repo.device_state(db) is not None:
                sync_repo.record_sync_outcome(
                    db, success_at=now if completed else None,
                    error=error.message if error else None, revoked=revoked,
                )
                if self._fixed_batch_size is None:
                    sync_repo.put_setting(db, _BATCH_SIZE_KEY, self.batch_size)
                if self._heartbeat_sent is not None:
                    sync_repo.put_setting(db, _HEARTBEAT_KEY, self._heartbeat_sent.isoformat())
            counts = sync_repo.outbox_counts(db)
            state = sync_repo.device_state(db)
            last_sync = state.last_sync_at if state else None
        retry_after = error.retry_after if isinstance(error, ServerBusy) else None
        self._report("done", "Sync finished" if completed else "Sync stopped")
        return SyncResult(
            sent=self._counts["sent"],
            rejected=self._counts["rejected"],
            conflicts=self._counts["conflict"],
            downloaded=self._counts["downloaded"],
            pending=counts.unsent,
            needs_attention=counts.needs_attention,
            last_sync_at=last_sync,
            completed=completed,
            cancelled=cancelled,
            error=str(error) if error else None,
            error_kind=type(error).__name__ if error else None,
            retryable=error is not None and error.transient,
            retry_after_s=retry_after,
        )

