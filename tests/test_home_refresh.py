"""The Home tab's refresh after a change: off the caller's thread, at most once per interval per user, and only
for people who opened the tab."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from bot.slack import home


def test_changes_within_the_interval_fold_into_one_refresh_and_unseen_users_get_none(monkeypatch):
    published: list[tuple[str, str]] = []
    publishers: list[threading.Thread] = []
    done = threading.Event()

    def publish(deps, client, team_id, user_id):  # noqa: ANN001
        published.append((team_id, user_id))
        publishers.append(threading.current_thread())
        done.set()

    # the refresher's clock is the test's: what is checked is when it schedules the refresh, not how long it took
    now = [1000.0]
    waits: list[float] = []

    class Timer(threading.Timer):
        def __init__(self, interval: float, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            waits.append(interval)
            super().__init__(interval, *args, **kwargs)

    monkeypatch.setattr(home, "publish_home", publish)
    monkeypatch.setattr(home, "time", SimpleNamespace(monotonic=lambda: now[0]))
    monkeypatch.setattr(home, "threading", SimpleNamespace(Timer=Timer, Lock=threading.Lock))
    refresher = home.Refresher(interval=0.4)
    refresher.published("T1", "U1")  # U1 opened the tab just now
    now[0] += 0.1
    for _ in range(5):
        refresher.request(None, None, "T1", "U1")  # returns at once: the refresh is scheduled, not done
        refresher.request(None, None, "T1", "U2")  # never opened the tab: nothing to refresh
    assert waits == [pytest.approx(0.3)]  # one refresh, not before the interval since the last publish
    assert done.wait(5)
    assert publishers[0] is not threading.current_thread()  # off the caller's thread
    assert published == [("T1", "U1")] and not refresher._pending
