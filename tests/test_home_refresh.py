"""The Home tab's refresh after a change: off the caller's thread, at most once per interval per user, and only
for people who opened the tab."""

from __future__ import annotations

import threading
import time

from bot.slack import home


def test_changes_within_the_interval_fold_into_one_refresh_and_unseen_users_get_none(monkeypatch):
    published: list[tuple[str, str]] = []
    done = threading.Event()

    def publish(deps, client, team_id, user_id):  # noqa: ANN001
        published.append((team_id, user_id))
        done.set()

    monkeypatch.setattr(home, "publish_home", publish)
    refresher = home.Refresher(interval=0.4)
    refresher.published("T1", "U1")  # U1 opened the tab just now
    start = time.monotonic()
    for _ in range(5):
        refresher.request(None, None, "T1", "U1")  # returns at once
        refresher.request(None, None, "T1", "U2")  # never opened the tab: nothing to refresh
    assert time.monotonic() - start < 0.1 and not published
    assert done.wait(5)
    assert time.monotonic() - start >= 0.35  # not before the interval since the last publish
    assert published == [("T1", "U1")] and not refresher._pending
