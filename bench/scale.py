"""Scaling out: `coach serve` replicas on one PostgreSQL database (1, 2, 4) and one on SQLite, the reply path
slowed to 5 s; then nudge selection over 100,000 deals on PostgreSQL, with its query plans.

Prints, per setup, the acks' p99 and the commands answered per second, and both as ratios against one
PostgreSQL replica. Starts its own throwaway PostgreSQL server and stops it (and every replica) at the end.

Run: .venv/bin/python bench/scale.py
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.store import connect  # noqa: E402
from tests.e2e.replicas import app_env, start_replicas  # noqa: E402
from tests.e2e.standins import SlackStandIn, command_form, signed_post  # noqa: E402
from tests.pgserver import start_server  # noqa: E402

COMMANDS = 100
SLOW_REPLY_SECONDS = 5.0
SECRET = "bench-secret"
SETUPS = [("postgres", 1), ("postgres", 2), ("postgres", 4), ("sqlite", 1)]


def run_setup(database: str, replicas_n: int, cache_dir: str) -> tuple[float, float, int]:
    """(ack p99 in ms, commands answered per second, replies delivered) for one setup."""
    slack = SlackStandIn()
    replicas = start_replicas(replicas_n, app_env(slack.api_url, SECRET, database, cache_dir))
    try:
        for n, replica in enumerate(replicas):  # each loads its classifier before the clock starts
            signed_post(f"{replica.url}/slack/events", command_form("warm-up: they only sell to banks", slack.url),
                        "application/x-www-form-urlencoded", SECRET)
            slack.wait_for("chat.postMessage", n + 1, timeout=180)
        slack.delay["chat.postMessage"] = SLOW_REPLY_SECONDS
        base = len(slack.answered)

        def send(i: int) -> float:
            form = command_form(f"Deal {i}: the CFO doubts we will ever see the 20% savings", slack.url,
                                channel="CBENCH")
            reply = signed_post(f"{replicas[i % replicas_n].url}/slack/events", form,
                                "application/x-www-form-urlencoded", SECRET)
            return reply.elapsed if reply.status_code == 200 else float("inf")

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=COMMANDS) as pool:
            latencies = sorted(pool.map(send, range(COMMANDS)))

        def delivered() -> int:
            return slack.answered[base:].count("chat.postMessage")

        deadline = time.monotonic() + 300
        while delivered() < COMMANDS and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))] * 1000
        return p99, delivered() / elapsed, delivered()
    finally:
        for replica in replicas:
            replica.stop()
        slack.close()


def train(cache_dir: str) -> None:
    """Both classifiers trained into the replicas' model cache first (else each replica trains at start)."""
    from bot.core.config import load_settings
    from bot.services.coach import Coach
    from bot.services.summarize import Summarizer

    os.environ.update(COACH_CACHE_DIR=cache_dir, COACH_DB=os.path.join(cache_dir, "train.db"))
    os.environ.pop("COACH_DATABASE_URL", None)
    coach = Coach(load_settings())
    assert coach.classifier and Summarizer(coach).obstacle_detector


def main() -> None:
    cache_dir = tempfile.mkdtemp()
    train(cache_dir)
    server = start_server()
    try:
        results = []
        for kind, n in SETUPS:
            database = (server.create_database() if kind == "postgres"
                        else os.path.join(tempfile.mkdtemp(), "bench.db"))
            connect(database).close()  # migrated once up front, not by the replicas racing
            results.append((kind, n, *run_setup(database, n, cache_dir)))
        print(f"{COMMANDS} concurrent /objection commands, round-robin over the replicas, "
              f"chat.postMessage slowed by {SLOW_REPLY_SECONDS:.0f} s")
        base_p99, base_rate = results[0][2], results[0][3]
        print(f"{'setup':<16}{'ack p99 ms':>12}{'x':>7}{'answered/s':>12}{'x':>7}{'replies':>9}")
        for kind, n, p99, rate, replies in results:
            print(f"{kind + ' x' + str(n):<16}{p99:>12.0f}{p99 / base_p99:>7.2f}{rate:>12.2f}{rate / base_rate:>7.2f}"
                  f"{replies:>6}/{COMMANDS}")
        print()
        spec = importlib.util.spec_from_file_location("bench_nudges", ROOT / "bench" / "nudges.py")
        assert spec and spec.loader
        nudges_bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(nudges_bench)
        print("Nudge selection on PostgreSQL:")
        with_store = connect(server.create_database())
        try:
            seconds = nudges_bench.measure(with_store)
        finally:
            with_store.close()
        print(f"target <= 2 s: {'met' if seconds <= 2 else 'MISSED'} ({seconds:.2f} s)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
