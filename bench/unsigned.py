"""An unsigned 50 MB request against a running `coach serve`: how long until it is refused, how much the server's
memory grows, how many lines it logs. Prints the figures (targets: 413 within 50 ms, no memory growth, at most
one log line). Not a test; run:
    .venv/bin/python bench/unsigned.py                       # this checkout
    .venv/bin/python bench/unsigned.py --source ../main      # another checkout (e.g. before the fix), same venv

The server runs as `coach serve` in its own process on 127.0.0.1 (SQLite, a local Slack stand-in); its memory
is read from /proc (Linux). The 50 MB are sent with a Content-Length and chunked (no length); then 60 KB, under
the size cap, which is refused for its missing signature.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.standins import SlackStandIn, command_form, signed_post  # noqa: E402

SIZE = 50 * 1024 * 1024
SMALL = 60 * 1024  # refused for its signature, not its size: the one log line, without the body
PIECE = 256 * 1024
SECRET = "bench-secret"


def memory_kb(pid: int) -> dict[str, int]:
    """The process's resident memory now (VmRSS) and at its peak (VmHWM), in KB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(rest.split()[0])
    return fields


def send_unsigned(port: int, chunked: bool, size: int = SIZE) -> tuple[str, float]:
    """Send `size` bytes to /slack/events without a signature, as fast as the server takes them, until it
    answers. Returns its status line and the seconds from the first byte sent to the answer."""
    head = "POST /slack/events HTTP/1.1\r\nHost: coach\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {size}\r\n\r\n"
    piece = b"text=" + b"a" * (min(PIECE, size) - 5)
    if chunked:
        piece = b"%x\r\n%s\r\n" % (len(piece), piece)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        start = time.perf_counter()
        sock.sendall(head.encode())
        sock.setblocking(False)
        answer, sent, offset = b"", 0, 0  # bytes sent in all; how far into `piece`
        while b"\r\n" not in answer:
            try:
                answer += sock.recv(4096)
                if not answer:
                    break
                continue
            except BlockingIOError:
                pass
            except ConnectionResetError:
                break
            if sent >= size and chunked and offset == 0:
                sock.setblocking(True)
                sock.sendall(b"0\r\n\r\n")  # the last chunk: the request is complete
                sock.setblocking(False)
                chunked = False
            if sent < size:
                try:
                    n = sock.send(piece[offset:])  # may take part of it: the rest goes next, or framing breaks
                    sent, offset = sent + n, (offset + n) % len(piece)
                except BlockingIOError:
                    time.sleep(0.0005)  # the server is not reading: wait for its answer
                except (BrokenPipeError, ConnectionResetError):
                    sent = size
            else:
                time.sleep(0.0005)
        elapsed = time.perf_counter() - start
    return answer.split(b"\r\n", 1)[0].decode() or "(connection closed, no answer)", elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout whose `coach serve` to run")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    source = args.source.resolve()
    slack = SlackStandIn()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_path = Path(tempfile.mkdtemp()) / "serve.log"
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "PYTHONPATH": str(source),
           "SLACK_API_URL": slack.api_url, "COACH_DB": str(log_path.parent / "bench.db"), "PORT": str(port)}
    env.pop("SLACK_APP_TOKEN", None)
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"], env=env, cwd=source,
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/slack/events"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:  # listening once the models are loaded
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.2)
        form = command_form("warm-up: I heard you only sell to banks", slack.url)
        assert signed_post(url, form, "application/x-www-form-urlencoded", SECRET).status_code == 200
        slack.wait_for("chat.postMessage", 1, timeout=60)
        print(f"{source.name}: unsigned requests to `coach serve`, {args.runs} runs each")
        cases = [("50 MB, Content-Length", False, SIZE), ("50 MB, chunked", True, SIZE),
                 ("60 KB, under the cap", False, SMALL)]
        for name, chunked, size in cases:
            times, statuses, growth, peaks, lines, logged_bytes = [], set(), [], [], [], []
            for _ in range(args.runs):
                before, lines_before = memory_kb(server.pid), log_path.read_text().count("\n")
                bytes_before = log_path.stat().st_size
                status, elapsed = send_unsigned(port, chunked, size)
                time.sleep(0.5)  # let the server finish with it before its memory and log are read
                after = memory_kb(server.pid)
                times.append(elapsed * 1000)
                statuses.add(status)
                growth.append((after["VmRSS"] - before["VmRSS"]) / 1024)
                peaks.append((after["VmHWM"] - before["VmHWM"]) / 1024)
                lines.append(log_path.read_text().count("\n") - lines_before)
                logged_bytes.append(log_path.stat().st_size - bytes_before)
            print(f"  {name:<22}: {' / '.join(sorted(statuses))}; "
                  f"answered in median {statistics.median(times):.1f} ms (max {max(times):.1f}); "
                  f"RSS growth median {statistics.median(growth):.1f} MB (max {max(growth):.1f}), "
                  f"peak growth max {max(peaks):.1f} MB; logged per request: {sorted(set(lines))} lines, "
                  f"at most {max(logged_bytes):,} bytes")
    finally:
        server.terminate()
        server.wait(10)
        slack.close()


if __name__ == "__main__":
    main()
