"""deploy/nginx.conf, the example reverse proxy: its limits agree with the coach's, nginx accepts it, and the coach
behind it answers Slack while nginx refuses what is too large (run with the distribution's nginx, as CI does)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.slack.app import MAX_BODY_BYTES, REQUEST_SECONDS
from tests.e2e.conftest import SECRET
from tests.e2e.standins import command_form, eventually

CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
_TOKEN = re.compile(r'#[^\n]*|"(?:[^"\\]|\\.)*"|[{};]|[^\s{};"#]+')
_SIZE = {"": 1, "k": 1024, "m": 1024 * 1024}


def parse(text: str) -> list[tuple[str, list[str], list[Any]]]:
    """nginx's configuration syntax as nested (directive, arguments, block) triples; comments dropped."""
    tokens = [t for t in _TOKEN.findall(text) if not t.startswith("#")]
    stack: list[list[Any]] = [[]]
    args: list[str] = []
    for token in tokens:
        if token == ";":
            stack[-1].append((args[0], args[1:], []))
            args = []
        elif token == "{":
            block: list[Any] = []
            stack[-1].append((args[0], args[1:], block))
            stack.append(block)
            args = []
        elif token == "}":
            assert not args, f"unterminated directive before }}: {args}"
            stack.pop()
        else:
            args.append(token.strip('"'))
    assert len(stack) == 1 and not args, "unbalanced braces"
    return stack[0]


def find(block: list[Any], name: str, *args: str) -> list[Any]:
    return [entry for entry in block if entry[0] == name and list(entry[1][: len(args)]) == list(args)]


def value(block: list[Any], name: str) -> list[str]:
    (entry,) = find(block, name)
    return entry[1]


def seconds(text: str) -> int:
    return int(text.removesuffix("s"))


def size(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmM]?)", text).groups()  # type: ignore[union-attr]
    return int(number) * _SIZE[unit.lower()]


def test_the_proxy_config_holds_the_coachs_limits():
    conf = parse(CONF.read_text())
    (upstream,) = find(conf, "upstream", "coach")
    assert value(upstream[2], "server") == ["127.0.0.1:3000"]  # `coach serve`'s default $PORT
    assert seconds(value(upstream[2], "keepalive_timeout")[0]) < REQUEST_SECONDS  # nginx lets go first
    (tls,) = [s[2] for s in find(conf, "server") if find(s[2], "listen", "443", "ssl")]
    assert size(value(tls, "client_max_body_size")[0]) == MAX_BODY_BYTES
    assert size(value(tls, "client_body_buffer_size")[0]) >= MAX_BODY_BYTES  # in memory, never a temp file
    for timeout in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert seconds(value(tls, timeout)[0]) <= REQUEST_SECONDS, timeout
    (events,) = find(tls, "location", "=", "/slack/events")
    assert value(events[2], "proxy_pass") == ["http://coach"]
    assert value(events[2], "proxy_request_buffering") == ["on"]
    assert seconds(value(events[2], "proxy_read_timeout")[0]) <= 5


# --- with nginx itself


def _nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must test deploy/nginx.conf with nginx, but no nginx is installed (see .ci/run)")
        pytest.skip("nginx is not installed: `apt-get install nginx` to test deploy/nginx.conf with it")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"deploy/nginx.conf no longer has exactly one {old!r}: update this test"
    return text.replace(old, new)


def _configure(tmp: Path, coach_port: int, tls_port: int, plain_port: int) -> Path:
    """deploy/nginx.conf with local ports and a throwaway certificate, in a minimal nginx.conf of its own."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem")], check=True, capture_output=True)
    site = CONF.read_text()
    site = _replace_once(site, "server 127.0.0.1:3000;", f"server 127.0.0.1:{coach_port};")
    site = _replace_once(site, "listen 443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;")
    site = _replace_once(site, "listen 80;", f"listen 127.0.0.1:{plain_port};")
    site = _replace_once(site, "/etc/letsencrypt/live/coach.example.com/fullchain.pem", str(tmp / "cert.pem"))
    site = _replace_once(site, "/etc/letsencrypt/live/coach.example.com/privkey.pem", str(tmp / "key.pem"))
    (tmp / "coach.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;" if os.geteuid() == 0 else ""  # workers read this test's private temp dir
    main = tmp / "nginx.conf"
    main.write_text(f"{user} daemon off; worker_processes 1; pid {tmp / 'nginx.pid'}; error_log {tmp / 'error.log'};\n"
                    f"events {{ worker_connections 256; }}\n"
                    f"http {{ access_log off; {temp} include {tmp / 'coach.conf'}; }}\n")
    return main


def test_nginx_accepts_the_config(tmp_path):
    main = _configure(tmp_path, 3000, _free_port(), _free_port())
    checked = subprocess.run([_nginx(), "-t", "-c", str(main), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr


@pytest.fixture
def proxied(bot, tmp_path) -> Iterator[tuple[str, int]]:
    """nginx with deploy/nginx.conf in front of the bot; yields its TLS base URL and port."""
    tls_port = _free_port()
    main = _configure(tmp_path, int(bot.url.rsplit(":", 1)[1]), tls_port, _free_port())
    nginx = subprocess.Popen([_nginx(), "-c", str(main), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def listening() -> bool:
        try:
            socket.create_connection(("127.0.0.1", tls_port), timeout=0.2).close()
            return True
        except OSError:
            assert nginx.poll() is None, nginx.stderr.read().decode() if nginx.stderr else "nginx exited"
            return False

    assert eventually(listening, timeout=15)
    yield f"https://127.0.0.1:{tls_port}", tls_port
    nginx.terminate()
    nginx.wait(10)


def _unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the test's throwaway certificate
    return context


def test_the_coach_behind_nginx_answers_slack_and_nginx_refuses_large_bodies(bot, proxied):
    url, port = proxied
    form = command_form("Every vendor tells us we'll save 30%. How do I know we'll actually see that?", bot.slack.url)
    timestamp = str(int(time.time()))
    signed = Request(f"{url}/slack/events", data=form.encode(), method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=form)})
    with urlopen(signed, timeout=10, context=_unverified()) as reply:
        assert reply.status == 200 and "Diagnosing" in reply.read().decode()
    bot.slack.wait_for("chat.postMessage")
    with urlopen(f"{url}/livez", timeout=10, context=_unverified()) as reply:
        assert reply.status == 200
    with socket.create_connection(("127.0.0.1", port)) as raw, \
            _unverified().wrap_socket(raw, server_hostname="localhost") as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: coach.example.com\r\nContent-Length: 52428800\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")  # and none of the 50 MB
        sock.settimeout(10)
        assert sock.recv(64).startswith(b"HTTP/1.1 413")
