"""Coachings a seller can stop. While a model writes, the thread's agent session is "processing" and Slack shows
a stop button (agents.sessions.setStatus); a click arrives as `agent_session_stopped` for the channel and thread.

The process that coaches there owns the stop: it notices it at its next step or the model's next words, stops
reading the model (its connection is closed) and leaves what the seller chose, the offline answer or nothing
(bot/slack/streaming.py). The click may reach another process (replicas): it is recorded in the store
(`stop_session`), and a running coaching looks there too, at most every CHECK_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.llm.client import LLMFailure
from bot.store import Store

log = logging.getLogger(__name__)
CHECK_SECONDS = 0.5  # how often a running coaching asks the store whether another process got a stop
Key = tuple[str, str, str]  # (team, channel, thread_ts)


class Stopped(LLMFailure):
    """Raised inside a coaching the seller stopped. From the model's stream it is a model failure like any
    other (bot/llm/client.py closes the stream; the coach falls back to its offline answer, noted "stopped"); from a
    step, it ends the coaching there."""

    def __init__(self) -> None:
        super().__init__("stopped", "the seller pressed stop")


class Run:
    """One coaching under way in a thread, which the seller may stop."""

    def __init__(self, store: Store, team_id: str, channel: str, thread_ts: str):
        self.store, self.key = store, (team_id, channel, thread_ts)
        self.started_at = datetime.now(UTC).isoformat()
        self._stop = threading.Event()
        self._checked = time.monotonic()

    def stop(self) -> None:
        self._stop.set()

    def stopped(self, fresh: bool = False) -> bool:
        """Whether stop was pressed, here or (looked up at most every CHECK_SECONDS, or now if `fresh`) on
        another process. A store that fails costs the other processes' stops, never the coaching."""
        if self._stop.is_set():
            return True
        now = time.monotonic()
        if fresh or now - self._checked >= CHECK_SECONDS:
            self._checked = now
            try:
                if self.store.session_stopped(*self.key, self.started_at):
                    self._stop.set()
            except Exception:  # noqa: BLE001
                log.warning("could not look for a stop of the coaching in %s", self.key[1], exc_info=True)
        return self._stop.is_set()

    def check(self) -> None:
        """Raise Stopped if the seller stopped this coaching."""
        if self.stopped():
            raise Stopped


_runs: dict[Key, set[Run]] = {}
_lock = threading.Lock()


@contextmanager
def running(store: Store, team_id: str, channel: str, thread_ts: str) -> Iterator[Run]:
    """A coaching in this thread, stoppable while the block runs."""
    run = Run(store, team_id, channel, thread_ts)
    with _lock:
        _runs.setdefault(run.key, set()).add(run)
    try:
        yield run
    finally:
        with _lock:
            runs = _runs.get(run.key, set())
            runs.discard(run)
            if not runs:
                _runs.pop(run.key, None)


def stop_here(team_id: str, channel: str, thread_ts: str) -> bool:
    """Stop this process's coachings in the thread; whether there were any."""
    with _lock:
        runs = list(_runs.get((team_id, channel, thread_ts), ()))
    for run in runs:
        run.stop()
    return bool(runs)


def set_session(client: WebClient, channel: str, thread_ts: str, status: str, user_id: str | None = None) -> bool:
    """The thread's agent session status: "processing" while the coach works (Slack shows the stop button),
    "active" once it is done. Best-effort, like the loading status: an app Slack does not treat as an agent, or a
    thread it keeps no session for, still gets its coaching."""
    try:
        client.agents_sessions_setStatus(channel_id=channel, thread_ts=thread_ts, status=status,
                                         initiator_user_id=user_id)
        return True
    except Exception as exc:  # noqa: BLE001
        log.info("no agent session status %s in %s (%s)", status, channel, type(exc).__name__)
        return False
