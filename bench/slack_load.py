"""50 concurrent `/objection` commands while the reply path is slowed by 5 s. Prints ack latency and replies.

The real app runs as `coach serve` in its own process, over HTTP on 127.0.0.1; the Slack Web API is the local
stand-in from the tests, answering chat.postMessage after a 5 s delay. Not a test; run:
    .venv/bin/python bench/slack_load.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.standins import SlackStandIn, command_form, signed_post  # noqa: E402

COMMANDS = 50
SLOW_REPLY_SECONDS = 5.0
SECRET = "bench-secret"


def main() -> None:
    slack = SlackStandIn()
    slack.delay["chat.postMessage"] = SLOW_REPLY_SECONDS
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": slack.api_url, "COACH_DB": os.path.join(tempfile.mkdtemp(), "bench.db"), "PORT": str(port)}
    env.pop("SLACK_APP_TOKEN", None)
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/slack/events"
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.1)
    objections = [f"Deal {i}: the CFO doubts we will ever see the 20% savings you promise" for i in range(COMMANDS)]

    def send(text: str) -> tuple[int, float]:
        reply = signed_post(url, command_form(text, slack.url), "application/x-www-form-urlencoded", SECRET)
        return reply.status_code, reply.elapsed

    signed_post(url, command_form("warm-up: I heard you only sell to banks", slack.url),
                "application/x-www-form-urlencoded", SECRET)
    slack.wait_for("chat.postMessage", 1, timeout=30)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=COMMANDS) as pool:
        results = list(pool.map(send, objections))
    latencies = sorted(elapsed for _, elapsed in results)
    ok = sum(status == 200 for status, _ in results)
    deadline = time.monotonic() + 60
    def delivered() -> int:
        return slack.answered.count("chat.postMessage") - 1  # minus the warm-up

    while delivered() < COMMANDS and time.monotonic() < deadline:
        time.sleep(0.05)
    replies = delivered()
    done = time.perf_counter() - start

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(round(p * (len(latencies) - 1))))] * 1000

    print(f"{COMMANDS} concurrent /objection commands, chat.postMessage slowed by {SLOW_REPLY_SECONDS:.0f} s")
    print(f"acks: {ok}/{COMMANDS} HTTP 200; latency p50 {pct(0.5):.0f} ms, p99 {pct(0.99):.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms")
    print(f"replies delivered: {replies}/{COMMANDS}, all within {done:.1f} s")
    server.terminate()
    server.wait(10)
    slack.close()


if __name__ == "__main__":
    main()
