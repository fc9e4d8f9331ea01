"""Selecting stalled deals among 100,000 deals of 10,000 owners. Prints the time and the query plans.

Run: .venv/bin/python bench/nudges.py [--postgres]   (--postgres: on a throwaway local PostgreSQL server)
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.content.playbooks import load_playbooks  # noqa: E402
from bot.services.nudges import FOLLOW_UP_DAYS, find_stalled  # noqa: E402
from bot.store import Store, connect, stamp  # noqa: E402

DEALS, OWNERS, STALL_DAYS = 100_000, 10_000, 14
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def populate(store: Store) -> None:
    rng = random.Random(7)
    deals, summaries, coachings = [], [], []
    for i in range(1, DEALS + 1):
        last = NOW - timedelta(days=rng.expovariate(1 / 8))  # most deals move weekly; a long tail goes quiet
        close = (NOW + timedelta(days=rng.uniform(-20, 90))).date().isoformat() if rng.random() < 0.5 else ""
        status = rng.choices(["open", "won", "lost", "untracked"], [85, 7, 5, 3])[0]
        owner = i % OWNERS
        deals.append((i, f"T{owner % 3}", f"C{i:06d}", "", f"Deal {i}", f"U{owner:05d}", "Proposal", close, status,
                      stamp(last - timedelta(days=30)), stamp(last), rng.randint(0, 500)))
        if rng.random() < 0.3:
            kinds = rng.sample(["politics", "consensus", "uncertainty"], rng.randint(0, 2))
            summaries.append((f"T{owner % 3}", f"C{i:06d}", "1.0", i, stamp(last), json.dumps(kinds), "[]", 0, "x"))
        if rng.random() < 0.2:
            coachings.append((stamp(last + timedelta(hours=rng.uniform(-48, 48))), "they doubt it", "skepticism", 0.9,
                              "en", "offline", "slack", f"T{owner % 3}", "U1", f"C{i:06d}"))
    with store.transaction() as tx:
        tx.executemany(
            "INSERT INTO deals (id, team_id, channel, thread_ts, name, owner_id, stage, close_date, status, "
            "created_at, last_activity_at, message_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", deals)
        tx.executemany(
            "INSERT INTO summaries (team_id, channel, thread_ts, deal_id, created_at, obstacles, objections, "
            "stalled, next_step) VALUES (?,?,?,?,?,?,?,?,?)", summaries)
        tx.executemany(
            "INSERT INTO coachings (created_at, text, label, confidence, language, source, surface, team_id, "
            "user_id, channel) VALUES (?,?,?,?,?,?,?,?,?,?)", coachings)
    store.execute("ANALYZE")


def measure(store: Store) -> float:
    """Fill the store, select the stalled deals (best of 3), print the figures and plans; returns the seconds."""
    populate(store)
    playbooks = load_playbooks()
    find_stalled(store, playbooks, NOW, STALL_DAYS)  # warm the page cache; the figure is the next runs
    times = []
    for _ in range(3):
        start = time.perf_counter()
        stalled = find_stalled(store, playbooks, NOW, STALL_DAYS)
        times.append(time.perf_counter() - start)
    owners = len({(s.deal["team_id"], s.deal["owner_id"]) for s in stalled})
    print(f"{DEALS:,} deals, {OWNERS:,} owners: {len(stalled):,} stalled deals of {owners:,} owners selected "
          f"in {min(times):.2f} s (best of 3; worst {max(times):.2f} s)")
    print("query plans:")
    params = store.stall_params(NOW, STALL_DAYS, FOLLOW_UP_DAYS, None)
    for code, sql in store.stall_queries().items():
        print(f"  {code}:")
        for step in store.explain(sql, params):
            print(f"    {step}")
    return min(times)


def main() -> None:
    if "--postgres" in sys.argv:
        from tests.pgserver import start_server

        server = start_server()
        try:
            store = connect(server.create_database())
            print(f"PostgreSQL ({server.bindir})")
            measure(store)
            store.close()
        finally:
            server.stop()
    else:
        measure(connect(Path(tempfile.mkdtemp()) / "bench.db"))


if __name__ == "__main__":
    main()
