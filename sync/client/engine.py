"""The sync engine: push the outbox, then pull pages, forever, backing off while the server is away.

One background thread runs :meth:`SyncEngine.run`; it sleeps on an event between rounds, so an idle
desktop costs no CPU, and :meth:`SyncEngine.nudge` (called after a local change) starts a round at once.
The engine's state is a plain :class:`SyncStatus` value that the UI reads or subscribes to.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sync.client.replica import Checkpoint, LocalReplica
from sync.client.schema_gate import gate_for
from sync.client.transport import (
    AuthRequiredError,
    EpochChangedError,
    OfflineError,
    ProtocolError,
    SyncError,
    SyncTransport,
    UpdateRequiredError,
)
from sync.protocol import MAX_PUSH_OPS, PushOp, PushRequest, PushResponse
from sync.schema import SCHEMA_VERSION, SYNCED_TABLES, SyncedTable

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    online: bool | None = None  # None: not tried yet
    syncing: bool = False
    offline_since: datetime | None = None
    waiting: int = 0  # local changes not yet on the server
    conflicts: int = 0  # conflicts waiting for a manager
    last_synced_at: datetime | None = None
    last_error: str | None = None
    needs_sign_in: bool = False
    update_required: bool = False

    def describe(self) -> str:
        """One line for a status bar."""
        if self.update_required:
            return "Update required to sync"
        if self.needs_sign_in:
            return "Sign in to sync"
        parts = []
        if self.syncing:
            parts.append("Syncing…")
        elif self.online is False and self.offline_since is not None:
            parts.append(f"Offline since {self.offline_since.astimezone().strftime('%H:%M')}")
        elif self.online:
            parts.append("Online")
        else:
            parts.append("Not synced yet")
        if self.waiting:
            parts.append(f"{self.waiting} change{'s' if self.waiting != 1 else ''} waiting")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflict{'s' if self.conflicts != 1 else ''}")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class SyncReport:
    pushed: int
    pulled: int
    push_s: float = 0.0  # wall-clock seconds of each half of the round
    pull_s: float = 0.0


class SyncEngine:
    def __init__(
        self,
        replica: LocalReplica,
        transport: SyncTransport,
        device_id: str,
        *,
        push_batch: int = MAX_PUSH_OPS,
        pull_page: int = 500,
        interval_s: float = 20.0,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 120.0,
        schema_version: int = SCHEMA_VERSION,
        tables: Mapping[str, SyncedTable] = SYNCED_TABLES,
        rng: random.Random | None = None,
    ) -> None:
        """``schema_version`` and ``tables``: this client's catalogue (a test may pose as a newer app)."""
        self._replica = replica
        self._transport = transport
        self._device_id = device_id
        self._push_batch = push_batch
        self._pull_page = pull_page
        self._interval_s = interval_s
        self._backoff_base_s = backoff_base_s
        self._backoff_cap_s = backoff_cap_s
        self._schema_version = schema_version
        self._tables = tables
        self._rng = rng or random.Random()
        self._status = SyncStatus()
        self._listeners: list[Callable[[SyncStatus], None]] = []
        self._lock = threading.Lock()
        self._round_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0

    # --- observable state ------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def subscribe(self, listener: Callable[[SyncStatus], None]) -> None:
        """``listener`` is called (on the sync thread) with every new status."""
        self._listeners.append(listener)

    def _update(self, **changes: object) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]
            status = self._status
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:  # a broken listener must not stop sync
                log.exception("sync status listener failed")

    def refresh_counts(self) -> None:
        self._update(waiting=self._replica.pending_count(), conflicts=self._replica.open_conflicts())

    # --- one round -------------------------------------------------------------------------------

    def sync_once(self) -> SyncReport:
        """Push all that waits, then pull until up to date; raises the :class:`SyncError` that stopped it."""
        with self._round_lock:
            self._update(syncing=True)
            try:
                started = time.perf_counter()
                pushed = self._push_all()
                pushed_at = time.perf_counter()
                pulled = self._pull_all()
                pulled_at = time.perf_counter()
            except OfflineError as exc:
                self._failures += 1
                self._update(
                    online=False,
                    offline_since=self.status.offline_since or datetime.now(UTC),
                    last_error=str(exc),
                )
                raise
            except AuthRequiredError as exc:
                self._update(needs_sign_in=True, last_error=str(exc))
                raise
            except UpdateRequiredError as exc:
                self._update(update_required=True, last_error=str(exc))
                raise
            except SyncError as exc:
                self._failures += 1
                self._update(last_error=str(exc))
                raise
            finally:
                self._update(
                    syncing=False,
                    waiting=self._replica.pending_count(),
                    conflicts=self._replica.open_conflicts(),
                )
            self._failures = 0
            self._update(
                online=True,
                offline_since=None,
                last_error=None,
                needs_sign_in=False,
                last_synced_at=datetime.now(UTC),
            )
            return SyncReport(
                pushed=pushed, pulled=pulled, push_s=pushed_at - started, pull_s=pulled_at - pushed_at
            )

    def _push_all(self) -> int:
        """Push the outbox, one batch in flight while the next is read and the last one acknowledged.

        The batch read ahead never touches a row of the batch in flight (it stops before the first op
        that does), so the answer to the batch in flight cannot change it: its ops, base versions
        included, are what they would have been had it been read after that answer was recorded.
        Answers are still recorded in the order the batches were sent.
        """
        pushed = 0
        if self._replica.pending_count() == 0:
            return pushed  # nothing waiting: no need to ask the server which schema it speaks
        # Fields and tables newer than the server stay here until it has them (see schema_gate).
        gate = gate_for(self._transport.server_schema_version(), self._tables)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="autolytiq-push") as sender:
            flight: tuple[list[PushOp], Future[PushResponse]] | None = None
            while True:
                if flight is None:
                    ops = list(self._replica.pending_ops(self._push_batch, gate=gate))
                    if not ops:
                        return pushed
                    flight = (ops, sender.submit(self._send, ops))
                    continue
                sent, answer = flight
                ahead = list(
                    self._replica.pending_ops(
                        self._push_batch,
                        after=sent[-1].op_id,
                        busy=frozenset((op.table, op.row_id) for op in sent),
                        gate=gate,
                    )
                )
                response = answer.result()
                flight = (ahead, sender.submit(self._send, ahead)) if ahead else None
                self._replica.acknowledge(sent, response.results)
                pushed += len(sent)

    def _send(self, ops: list[PushOp]) -> PushResponse:
        response = self._transport.push(
            PushRequest(device_id=self._device_id, schema_version=self._schema_version, ops=ops)
        )
        if [r.op_id for r in response.results] != [op.op_id for op in ops]:
            raise ProtocolError("push answers do not match the ops sent")
        return response

    def _pull_all(self) -> int:
        pulled = 0
        checkpoint = self._replica.checkpoint()
        resets = 0
        while True:
            try:
                page = self._transport.pull(
                    checkpoint.since, self._pull_page, self._schema_version, checkpoint.epoch
                )
            except EpochChangedError as exc:
                resets += 1
                if resets > 1:
                    raise
                log.warning("server epoch changed to %s: pulling everything again", exc.epoch)
                self._replica.reset_checkpoint(exc.epoch or None)
                checkpoint = self._replica.checkpoint()
                continue
            epoch = str(page.epoch)
            if checkpoint.epoch and epoch != checkpoint.epoch:
                # A server that does not check the epoch itself: treat it as a restore all the same.
                self._replica.reset_checkpoint(epoch)
                checkpoint = self._replica.checkpoint()
                continue
            if page.changes or page.next_since != checkpoint.since or checkpoint.epoch != epoch:
                self._replica.apply_page(page.changes, page.next_since, epoch)
            pulled += len(page.changes)
            checkpoint = Checkpoint(page.next_since, epoch)
            if not page.has_more:
                return pulled

    # --- the background loop ---------------------------------------------------------------------

    def next_delay(self) -> float:
        """Seconds to wait before the next round: the interval, or exponential backoff with full jitter."""
        if self._failures == 0:
            return self._interval_s
        ceiling = min(self._backoff_cap_s, self._backoff_base_s * 2 ** min(self._failures, 16))
        return self._rng.uniform(self._backoff_base_s, ceiling)

    def nudge(self) -> None:
        """A local change was made: sync soon instead of waiting for the interval."""
        self._wake.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync_once()
            except (AuthRequiredError, UpdateRequiredError):
                # Nothing to gain by retrying until the user signs in or updates; wait for a nudge.
                self._wake.wait()
            except SyncError:
                pass
            except Exception as exc:  # keep the thread alive: the next round may succeed
                log.exception("sync round failed")
                self._failures += 1
                self._update(last_error=f"{type(exc).__name__}: {exc}")
            if self._stop.is_set():
                break
            self._wake.wait(self.next_delay())
            self._wake.clear()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self.run, name="autolytiq-sync", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the round in progress (a push in flight is finished, not cut)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def signed_in(self) -> None:
        self._update(needs_sign_in=False)
        self.nudge()
