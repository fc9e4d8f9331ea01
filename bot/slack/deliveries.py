"""Slack's Events API deliveries, each answered once, and answered even when the process working on it dies.

A delivery is claimed when it arrives (after its signature is checked), and recorded as handled once all the
work it started has ended: not on arrival, which made a retry after a crash look "already handled" although its
coaching was lost. In between, a repeat (Slack's retry, a duplicate on another replica) is skipped while the
claiming process runs, and answered if that process died (bot/store/base.py `claim_delivery`).

The work of a delivery is what Bolt runs after the ack: its lazy listeners, submitted to the listener executor
while the request is dispatched. So the middleware names the delivery being dispatched (per thread), the
executor counts the work submitted under that name, and the end of `dispatch` closes the count.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.store import Store

log = logging.getLogger(__name__)
_dispatching = threading.local()  # .work: the Work of the delivery this thread is dispatching, if any


class Work:
    """The work one delivery started; recorded as handled when the dispatch is over and each piece has ended
    (however it ended: a failure is reported to the user by the listener, and retrying would not undo it)."""

    def __init__(self, store: Store, event_id: str):
        self.store, self.event_id = store, event_id
        self._lock = threading.Lock()
        self._pending = 1  # the dispatch itself, until dispatched(): no piece can finish the count early

    def started(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending += 1
        future.add_done_callback(lambda _: self._ended())

    def dispatched(self) -> None:
        self._ended()

    def _ended(self) -> None:
        with self._lock:
            self._pending -= 1
            if self._pending:
                return
        try:
            self.store.finish_delivery(self.event_id)
        except Exception:  # noqa: BLE001  # the claim stays ours: repeats are skipped while this process runs
            log.warning("could not record event %s as handled", self.event_id, exc_info=True)


class WorkExecutor(ThreadPoolExecutor):
    """Bolt's listener executor: what is submitted while a delivery is dispatched is that delivery's work. It
    counts the work not yet ended, so `wait_idle` can tell when everything submitted so far is over."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._unfinished = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._unfinished += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._ended(None)
            raise
        future.add_done_callback(self._ended)
        work = getattr(_dispatching, "work", None)
        if work is not None:
            work.started(future)
        return future

    def _ended(self, _: Future[Any] | None) -> None:
        with self._idle:
            self._unfinished -= 1
            if not self._unfinished:
                self._idle.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until all the work submitted so far has ended (however it ended); False if some is still running
        after `timeout` seconds. Once Slack has its acknowledgement the request's work has been submitted, so
        this is when it is over: what a test waits for before saying that some work did not happen."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._unfinished, timeout)


class DeliveryApp(App):
    """Bolt's App whose dispatch closes the count of the delivery it dispatched (whatever listener ran, if any)."""

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until the work started after acknowledgements so far has ended (`WorkExecutor.wait_idle`)."""
        executor = self.listener_runner.listener_executor
        if not isinstance(executor, WorkExecutor):
            raise TypeError("the app's listener executor is not a WorkExecutor: it cannot tell when work is over")
        return executor.wait_idle(timeout)

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        try:
            return super().dispatch(req)
        finally:
            work, _dispatching.work = getattr(_dispatching, "work", None), None
            if work is not None:
                work.dispatched()


def delivery_key(req: BoltRequest, body: dict[str, Any]) -> str | None:
    """What makes a delivery the same delivery: an event's id (Slack's retries of an event are signed anew, the
    id stays), else the signed request itself (its timestamp and signature: a command or a click replayed within
    the 5 minutes a signature is good for). None for what carries neither (Socket Mode's commands)."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return str(body["event_id"])
    timestamp = (req.headers.get("x-slack-request-timestamp") or [""])[0]
    signature = (req.headers.get("x-slack-signature") or [""])[0]
    if not signature:
        return None
    return "sig:" + hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()[:40]


def skip_repeated_deliveries(store: Store) -> Callable[..., BoltResponse | None]:
    """The middleware: claim each delivery, or acknowledge a repeat without doing its work again."""

    def skip_repeated_deliveries(req: BoltRequest, body: dict[str, Any],
                                 next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002
        key = delivery_key(req, body)
        if key is not None:
            try:
                first = store.claim_delivery(key, req.context.team_id or body.get("team_id"))
            except Exception as exc:  # noqa: BLE001
                # the database is down or locked: answer on time and do the work (which reports its own failure),
                # rather than fail Slack's request because a repeat could not be ruled out
                log.warning("could not record delivery %s (%s); handling it anyway", key, type(exc).__name__)
                first, key = True, None
            if not first:
                log.info("delivery %s already handled or being handled; acknowledging the repeat only", key)
                return BoltResponse(status=200, body="")
            if key is not None:
                _dispatching.work = Work(store, key)
        next()
        return None

    return skip_repeated_deliveries
