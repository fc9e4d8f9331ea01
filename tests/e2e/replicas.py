"""`coach serve` replicas as real subprocesses (HTTP mode) on one database, for tests/e2e/test_replicas.py and
bench/scale.py. Each is stopped (and waited for) on exit; nothing keeps running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_env(slack_api_url: str, secret: str, database: str, cache_dir: str | None = None,
            **extra: str) -> dict[str, str]:
    """The environment of one app process: its Slack stand-in, signing secret and database (URL or file)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "SLACK_", "OPENAI_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-replica", SLACK_SIGNING_SECRET=secret, SLACK_API_URL=slack_api_url,
               COACH_CACHE_DIR=cache_dir or tempfile.mkdtemp(), COACH_NUDGE_PACE="0", **extra)
    if database.startswith("postgresql://"):
        env["COACH_DATABASE_URL"] = database
        env["COACH_DB"] = os.path.join(tempfile.mkdtemp(), "unused.db")  # proves the file is not what is used
    else:
        env["COACH_DB"] = database
    return env


class Replica:
    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="coach-replica-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"], env={**env, "PORT": str(self.port)},
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"replica exited ({self.process.returncode}):\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"replica not listening after {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """As a crash would: no clean-up in the process."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
        os.unlink(self.log.name)


def start_replicas(n: int, env: dict[str, str]) -> list[Replica]:
    replicas: list[Replica] = []
    try:
        for _ in range(n):
            replicas.append(Replica(env))
        for replica in replicas:
            replica.wait_ready()
    except BaseException:
        for replica in replicas:
            replica.stop()
        raise
    return replicas


def run_cli(args: list[str], env: dict[str, Any]) -> subprocess.Popen[str]:
    """`coach ARGS` as its own process (a cron job's tick, say), output captured."""
    return subprocess.Popen([sys.executable, "-m", "bot", *args], env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
