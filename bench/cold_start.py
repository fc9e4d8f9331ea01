"""Cold start, as a newcomer meets it: each command run once with an empty cache folder and a new database,
then `coach ask` again with the cache as the first run left it, and `coach serve` until /healthz answers.
Prints figures; not a test. Budget (issue #20): first ask, first practice answer and first summarize <= 3 s each,
ask warm on disk <= 1.5 s, serve ready <= 5 s.

Run: .venv/bin/python bench/cold_start.py
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.standins import SlackStandIn  # noqa: E402

COACH = [sys.executable, "-m", "bot"]
THREAD = ROOT / "tests" / "data" / "threads" / "en_01_logistics_politics.json"


def _timed(args: list[str], env: dict[str, str], stdin: str | None = None) -> float:
    start = time.perf_counter()
    subprocess.run([*COACH, *args], env=env, input=stdin, text=True, capture_output=True, check=True, cwd=ROOT)
    return time.perf_counter() - start


def _fresh_env(folder: Path) -> dict[str, str]:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "COACH_"))}
    return {**env, "COACH_CACHE_DIR": str(folder / "cache"), "COACH_DB": str(folder / "coach.db")}


def _serve_ready(env: dict[str, str]) -> float:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    slack = SlackStandIn()  # the bot token is checked with Slack at start
    env = {**env, "PORT": str(port), "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": "bench-secret",
           "SLACK_API_URL": slack.api_url}
    start = time.perf_counter()
    server = subprocess.Popen([*COACH, "serve", "--host", "127.0.0.1"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < 60:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=1):
                    return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
        return float("nan")
    finally:
        server.terminate()
        server.wait(10)
        slack.close()


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        env = _fresh_env(folder / "ask")
        ask = _timed(["ask", "We're happy with our current vendor"], env)
        warm = _timed(["ask", "We're happy with our current vendor"], env)
        practice = _timed(["practice"], _fresh_env(folder / "practice"),
                          stdin="I hear you. What matters most to you here? A customer like you could tell you more.\n")
        summary = _timed(["summarize", str(THREAD)], _fresh_env(folder / "summarize"))
        serve = _serve_ready(_fresh_env(folder / "serve"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"first coach ask:                 {ask:5.2f} s   (budget 3 s)")
    print(f"coach ask, warm on disk:         {warm:5.2f} s   (budget 1.5 s)")
    print(f"first coach practice, 1 answer:  {practice:5.2f} s   (budget 3 s)")
    print(f"first coach summarize:           {summary:5.2f} s   (budget 3 s)")
    print(f"coach serve until /livez answers: {serve:5.2f} s  (budget 5 s)")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
