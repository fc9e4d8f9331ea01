"""50 concurrent `/objection` commands while the reply path is slowed by 5 s. Prints ack latency and replies.

The real app runs as `coach serve` in its own process, over HTTP on 127.0.0.1; the Slack Web API is the local
stand-in from the tests, answering chat.postMessage after a 5 s delay. With `--model`, the coaching goes through
a model: the tests' OpenAI-compatible stand-in, answering at once. Not a test; run:
    .venv/bin/python bench/slack_load.py [--model] [--runs 3] [--source ../main]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.standins import OpenAIStandIn, SlackStandIn, command_form, signed_post  # noqa: E402

COMMANDS = 50
SLOW_REPLY_SECONDS = 5.0
SECRET = "bench-secret"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="store_true", help="coach through a model (a local stand-in)")
    parser.add_argument("--runs", type=int, default=1, help="rounds of 50 commands against one server")
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="the checkout whose `coach serve` to run")
    args = parser.parse_args()
    slack = SlackStandIn()
    slack.delay["chat.postMessage"] = SLOW_REPLY_SECONDS
    model = OpenAIStandIn() if args.model else None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": slack.api_url, "COACH_DB": os.path.join(tempfile.mkdtemp(), "bench.db"), "PORT": str(port),
           "PYTHONPATH": str(args.source.resolve())}
    env.pop("SLACK_APP_TOKEN", None)
    if model is not None:
        env.update(OPENAI_BASE_URL=model.url, OPENAI_API_KEY="sk-bench", COACH_MODEL="standin-model")
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"], env=env,
                              cwd=args.source.resolve(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/slack/events"
    for _ in range(3000):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.1)

    def send(text: str) -> tuple[int, float]:
        reply = signed_post(url, command_form(text, slack.url), "application/x-www-form-urlencoded", SECRET)
        return reply.status_code, reply.elapsed

    signed_post(url, command_form("warm-up: I heard you only sell to banks", slack.url),
                "application/x-www-form-urlencoded", SECRET)
    deadline = time.monotonic() + 60
    while slack.answered.count("chat.postMessage") < 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # the warm-up's reply answered (5 s later), so that it is not counted in a run
    print(f"{COMMANDS} concurrent /objection commands, chat.postMessage slowed by {SLOW_REPLY_SECONDS:.0f} s, "
          f"{'through a model answering at once' if model else 'offline (no model)'}")
    for run in range(args.runs):
        objections = [f"Deal {run}-{i}: the CFO doubts we will ever see the 20% savings you promise"
                      for i in range(COMMANDS)]
        already = slack.answered.count("chat.postMessage")
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=COMMANDS) as pool:
            results = list(pool.map(send, objections))
        latencies = sorted(elapsed for _, elapsed in results)
        ok = sum(status == 200 for status, _ in results)
        deadline = time.monotonic() + 60

        def delivered(already: int = already) -> int:
            return slack.answered.count("chat.postMessage") - already

        while delivered() < COMMANDS and time.monotonic() < deadline:
            time.sleep(0.05)
        replies = delivered()
        done = time.perf_counter() - start

        def pct(p: float, latencies: list[float] = latencies) -> float:
            return latencies[min(len(latencies) - 1, int(round(p * (len(latencies) - 1))))] * 1000

        print(f"run {run + 1}: acks {ok}/{COMMANDS} HTTP 200; latency p50 {pct(0.5):.0f} ms, p99 {pct(0.99):.0f} ms, "
              f"max {latencies[-1] * 1000:.0f} ms; replies delivered {replies}/{COMMANDS}, all within {done:.1f} s")
    server.terminate()
    server.wait(10)
    slack.close()
    if model is not None:
        model.close()


if __name__ == "__main__":
    main()
