"""The HTTP front door (issue #19), end to end over HTTP: bodies over the cap refused unread, unsigned and
malformed requests refused before Bolt parses or logs them, replays done once, slow clients dropped, the
database's outages never holding up an acknowledgement, and text kept and quoted at 4,000 characters."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import io
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

import pytest
import slack_bolt.request.request

from bot.core.config import load_settings
from bot.slack.app import MAX_BODY_BYTES, build_app, http_server, wsgi_app
from bot.store import open_store
from tests.e2e.conftest import SECRET, Bot
from tests.e2e.standins import command_form, eventually

OBJECTION = "Every vendor tells us we'll save 30%. How do I know we'll actually see that?"
MARKER = "BODY-MARKER-4f1c"  # in every body below: it must never reach a log line
SLACK_ACK_SECONDS = 3  # what Slack waits for an acknowledgement; the client gives up there, as Slack does


def _signature(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    """Slack's signature over raw bytes (slack_sdk's helper decodes them first, so it cannot sign bad UTF-8)."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _post(bot: Bot, body: bytes, headers: list[tuple[str, str]], *, sign: bool = True,
          timeout: float = 10) -> tuple[int, str]:
    """POST raw bytes with exactly these headers (repeated ones too), signed unless `sign` is False."""
    url = urlparse(bot.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    if sign:
        timestamp = str(int(time.time()))
        headers = [("X-Slack-Request-Timestamp", timestamp),
                   ("X-Slack-Signature", _signature(body, timestamp)), *headers]
    try:
        conn.putrequest("POST", "/slack/events")
        for name, value in [("Content-Length", str(len(body))), *headers]:
            conn.putheader(name, value)
        conn.endheaders(body)
        reply = conn.getresponse()
        return reply.status, reply.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _get(url: str, timeout: float = 10) -> int:
    try:
        with urlopen(url, timeout=timeout) as reply:
            return reply.status
    except HTTPError as error:
        return error.code


def _status_line(sock: socket.socket) -> str:
    sock.settimeout(10)
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0].decode()


FORM = ("Content-Type", "application/x-www-form-urlencoded")
JSON = ("Content-Type", "application/json")


# --- item 2: the size cap, before a byte of the body is read


def _head(length: str, timestamp: str = "1700000000") -> bytes:
    return (f"POST /slack/events HTTP/1.1\r\nHost: coach\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"X-Slack-Request-Timestamp: {timestamp}\r\nX-Slack-Signature: v0={'0' * 64}\r\n{length}\r\n").encode()


def test_a_body_over_the_cap_is_refused_before_it_is_sent(bot):
    with socket.create_connection(("127.0.0.1", int(bot.url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(_head(f"Content-Length: {50 * 1024 * 1024}\r\n"))  # and not one byte of those 50 MB
        assert _status_line(sock).startswith("HTTP/1.1 413")


def test_a_chunked_body_over_the_cap_is_refused(bot):
    with socket.create_connection(("127.0.0.1", int(bot.url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(_head("Transfer-Encoding: chunked\r\n"))
        chunk = b"%x\r\n%s\r\n" % (16 * 1024, b"a" * 16 * 1024)
        try:
            for _ in range(MAX_BODY_BYTES // (16 * 1024) + 2):  # just over the cap, never a last chunk
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused and closed before the rest was sent
        assert _status_line(sock).startswith("HTTP/1.1 413")


class _Input(io.RawIOBase):
    """A request body of `size` bytes that counts what the application read of it."""

    def __init__(self, size: int):
        self.left, self.taken = size, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.left -= n
        self.taken += n
        return b"a" * n


def _call(application: Any, **environ: Any) -> tuple[str, bytes]:
    seen: list[str] = []
    base = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(int(time.time())), "HTTP_X_SLACK_SIGNATURE": "v0=" + "0" * 64}
    body = b"".join(application({**base, **environ}, lambda status, headers: seen.append(status)))
    return seen[0], body


def test_under_any_wsgi_server_the_app_reads_at_most_the_cap(bot):
    """gunicorn and others hand the body over unread: the app itself must not read past the cap."""
    application = wsgi_app(bot.app)
    declared = _Input(50 * 1024 * 1024)
    status, _ = _call(application, CONTENT_LENGTH=str(50 * 1024 * 1024), **{"wsgi.input": declared})
    assert status.startswith("413") and declared.taken == 0
    chunked = _Input(50 * 1024 * 1024)  # no Content-Length: read until the cap is passed, then stop
    status, _ = _call(application, HTTP_TRANSFER_ENCODING="chunked",
                      **{"wsgi.input": chunked, "wsgi.input_terminated": True})
    assert status.startswith("413") and chunked.taken == MAX_BODY_BYTES + 1


# --- item 2 and 6: unsigned or malformed requests never reach Bolt, never cost a traceback or a logged body


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every body Bolt parses (BoltRequest's parse_body)."""
    seen: list[str] = []
    real = slack_bolt.request.request.parse_body

    def spy(body: str, content_type: str | None) -> dict[str, Any]:
        seen.append(body)
        return real(body, content_type)

    monkeypatch.setattr(slack_bolt.request.request, "parse_body", spy)
    return seen


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def _no_body_or_traceback_logged(logged: pytest.LogCaptureFixture) -> None:
    for record in logged.records:
        assert MARKER not in record.getMessage(), f"a request body was logged: {record.name}"
        assert record.exc_info is None, f"a traceback was logged by {record.name}: {record.getMessage()}"
        assert record.levelno < logging.ERROR, record.getMessage()


def test_unsigned_requests_are_refused_before_bolt_parses_or_logs_them(bot, parses, logged):
    form = command_form(f"{OBJECTION} {MARKER}", bot.slack.url).encode()
    assert _post(bot, form, [FORM], sign=False)[0] == 401
    assert bot.command(f"{OBJECTION} {MARKER}", secret="not-the-secret").status_code == 401
    stale = str(int(time.time()) - 600)
    assert _post(bot, form, [FORM, ("X-Slack-Request-Timestamp", stale),
                             ("X-Slack-Signature", _signature(form, stale))], sign=False)[0] == 401
    assert parses == []
    _no_body_or_traceback_logged(logged)
    refusals = [r for r in logged.records if r.name == "bot.slack.app" and "refused" in r.getMessage()]
    assert len(refusals) == 3  # one line each, saying why
    bot.idle()
    assert bot.slack.of("chat.postMessage") == [] and bot.slack.of("response/cmd") == []


def test_malformed_requests_get_400_or_401_without_a_traceback(bot, logged):
    now = str(int(time.time()))
    deep = ("[" * 30_000 + "]" * 30_000 + MARKER).encode()  # under the cap, past any parser's depth
    unsigned = {
        "bad JSON": (b'{"type": "event_callback", ' + MARKER.encode(), [JSON]),
        "a form body starting with {": (b"{token=x&text=" + MARKER.encode(), [FORM]),
        "deep nesting": (deep, [JSON]),
        "invalid UTF-8": (b"text=\xff\xfe" + MARKER.encode(), [FORM]),
        "timestamp abc": (MARKER.encode(), [FORM, ("X-Slack-Request-Timestamp", "abc"),
                                            ("X-Slack-Signature", _signature(MARKER.encode(), "abc"))]),
        "two timestamps": (MARKER.encode(), [FORM, ("X-Slack-Request-Timestamp", now),
                                             ("X-Slack-Request-Timestamp", now),
                                             ("X-Slack-Signature", _signature(MARKER.encode(), now))]),
    }
    for name, (body, headers) in unsigned.items():
        assert _post(bot, body, headers, sign=False)[0] in (400, 401), name
    signed = {  # only someone holding the secret can send these; still a 400, not a 500
        "bad JSON": (b'{"type": "event_callback", ' + MARKER.encode(), [JSON]),
        "a form body starting with {": (b"{token=x&text=" + MARKER.encode(), [FORM]),
        "a payload that is not JSON": (b"payload=%7B" + MARKER.encode(), [FORM]),
        "deep nesting": (deep, [JSON]),
        "invalid UTF-8": (b"text=\xff\xfe" + MARKER.encode(), [FORM]),
        "a JSON list": (b'["' + MARKER.encode() + b'"]', [JSON]),
    }
    for name, (body, headers) in signed.items():
        assert _post(bot, body, headers)[0] == 400, name
    _no_body_or_traceback_logged(logged)
    assert bot.command(OBJECTION).status_code == 200  # and the server still serves


def test_a_replayed_command_is_acknowledged_and_not_coached_again(bot, settings):
    form, sent_at = command_form(OBJECTION, bot.slack.url), int(time.time())
    first = bot.send(form, FORM[1], timestamp=sent_at)
    assert first.status_code == 200 and "Diagnosing" in first.text
    replay = bot.send(form, FORM[1], timestamp=sent_at)  # the same signed request, byte for byte
    # acknowledged without an ack text: the request ended before any listener (and its lazy coaching) ran
    assert replay.status_code == 200 and replay.text == ""
    again = bot.send(form, FORM[1], timestamp=sent_at + 1)  # the same body signed at another second: coached
    assert again.status_code == 200 and "Diagnosing" in again.text
    bot.slack.wait_for("chat.postMessage", 2)
    assert eventually(lambda: len(open_store(settings).coachings()) == 2)
    assert len(bot.slack.of("chat.postMessage")) == 2


# --- item 3: slow clients are dropped, everyone else is still served


@pytest.fixture
def strict_bot(slack, monkeypatch, trained) -> Iterator[Bot]:
    """The bot with small limits: 20 connections, a request must arrive whole within 1 s."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-e2e")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    app = build_app(load_settings())
    server = http_server(app, "127.0.0.1", 0, connection_limit=20, request_seconds=1, cleanup_seconds=1)
    threading.Thread(target=lambda: _quietly(server.run), daemon=True).start()
    yield Bot(f"http://127.0.0.1:{server.effective_port}", slack, app)
    server.close()


def _quietly(run: Any) -> None:
    try:
        run()
    except (OSError, ValueError):
        pass  # the loop notices its socket closed at teardown


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        sock.settimeout(0.01)
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def test_slow_clients_are_dropped_and_health_and_commands_still_answer(strict_bot):
    port = int(strict_bot.url.rsplit(":", 1)[1])
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(30)]  # more than the 20 allowed
    stop = threading.Event()

    def trickle() -> None:  # a byte every 0.2 s on each: never idle, never done (a request header forever)
        sent = 0
        while not stop.is_set():
            for sock in slow:
                try:
                    sock.send(b"POST /slack/events HTTP/1.1\r\nX-Slow: "[sent:sent + 1] or b"a")
                except OSError:
                    pass
            sent += 1
            stop.wait(0.2)

    threading.Thread(target=trickle, daemon=True).start()
    try:
        assert _get(f"{strict_bot.url}/healthz") == 200
        reply = strict_bot.command(OBJECTION)
        assert reply.status_code == 200 and "Diagnosing" in reply.text
        assert eventually(lambda: all(_closed_by_server(sock) for sock in slow), timeout=15)
    finally:
        stop.set()
        for sock in slow:
            sock.close()


# --- item 8: the database down or locked never holds up an acknowledgement; /healthz says so, /livez does not


@pytest.fixture
def own_postgres() -> Iterator[Any]:
    """A PostgreSQL server of this test's own, so that stopping it leaves the session's server alone."""
    from tests.pgserver import NoPostgres, start_server

    try:
        server = start_server(in_memory=True)
    except NoPostgres as exc:
        pytest.skip(f"no PostgreSQL server could be started here ({exc})")
    yield server
    server.stop()


@pytest.fixture
def pg_bot(own_postgres, slack, monkeypatch, trained) -> Iterator[Bot]:
    # work waiting for a connection to the stopped server gives up after 3 s instead of 10: the same failure, sooner
    monkeypatch.setattr("bot.store.pg.POOL_WAIT_SECONDS", 3.0)
    monkeypatch.setenv("COACH_DATABASE_URL", own_postgres.create_database())
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-e2e")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    app = build_app(load_settings())
    server = http_server(app, "127.0.0.1", 0)
    threading.Thread(target=lambda: _quietly(server.run), daemon=True).start()
    yield Bot(f"http://127.0.0.1:{server.effective_port}", slack, app)
    server.close()
    app.deps.store.close()


def _ack(bot: Bot, body: str | None = None, content_type: str = "application/x-www-form-urlencoded",
         **kw: Any) -> int:
    """POST a signed command (or `body`) whose acknowledgement must come within Slack's 3 s: the client gives
    up there, as Slack does. Returns the HTTP status."""
    data = (body if body is not None else command_form(OBJECTION, bot.slack.url, **kw)).encode()
    timestamp = str(int(time.time()))
    request = Request(f"{bot.url}/slack/events", data=data, method="POST", headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": _signature(data, timestamp)})
    with urlopen(request, timeout=SLACK_ACK_SECONDS) as reply:
        return reply.status


def test_with_postgres_stopped_acks_answer_in_time_and_healthz_says_503(pg_bot, own_postgres):
    assert _get(f"{pg_bot.url}/healthz") == 200
    assert _ack(pg_bot) == 200
    pool = pg_bot.app.deps.store.pool
    with ExitStack() as held:  # after a busy spell the pool holds several connections, all broken by the outage
        for _ in range(5):
            held.enter_context(pool.connection())
    own_postgres.halt()
    assert _get(f"{pg_bot.url}/livez") == 200
    assert _get(f"{pg_bot.url}/healthz") == 503
    assert _ack(pg_bot, user="U2") == 200  # in time, saying "Diagnosing" or that something went wrong
    (error,) = pg_bot.slack.wait_for("response/cmd", timeout=30)  # the coaching then fails, and says so
    assert error["response_type"] == "ephemeral" and "something went wrong" in error["text"]
    own_postgres.resume()
    assert eventually(lambda: _get(f"{pg_bot.url}/healthz") == 200, timeout=30)  # the pool reconnects
    assert _ack(pg_bot, user="U3") == 200


def test_with_sqlite_write_locked_acks_answer_in_time(bot, locked_db):
    assert _ack(bot) == 200  # its repeat check is a write: given up after ACK_DB_SECONDS
    event = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "EvLocked",
             "event_time": int(time.time()), "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
             "event": {"type": "app_mention", "channel": "C5", "user": "U1", "ts": "70.1", "text": "<@UBOT> hi"}}
    assert _ack(bot, json.dumps(event), "application/json") == 200  # the event's repeat check too
    assert _get(f"{bot.url}/livez") == 200
    assert _get(f"{bot.url}/healthz") == 200  # a trivial query reads, and reads still work


@pytest.fixture
def serve(cli: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Any:
    """`coach serve --host 127.0.0.1` (in this process), with `env` set too: what it did, its log in `.log`."""
    def run(env: dict[str, str]) -> Any:
        caplog.set_level(logging.INFO)  # as `coach serve` logs
        for name, value in {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": SECRET, "PORT": "0", **env}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
        result = cli("serve", "--host", "127.0.0.1")
        result.log = caplog.records  # what the process would have logged on its stderr
        return result

    return run


def _one_line_error(result: Any, says: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not [r for r in result.log if r.exc_info], "a traceback was logged"
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: the database ") and says in last, last


def test_a_read_only_postgres_database_is_a_startup_error(pg_url, monkeypatch, serve):
    import psycopg

    monkeypatch.setenv("COACH_DATABASE_URL", pg_url)
    open_store(load_settings()).close()  # created and migrated
    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    _one_line_error(serve({}), "is read-only")


def test_a_full_postgres_database_is_a_startup_error(pg_url, monkeypatch, serve):
    import psycopg

    monkeypatch.setenv("COACH_DATABASE_URL", pg_url)
    open_store(load_settings()).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:  # the server's own answer when its disk is full
        conn.execute("CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
                     "'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$")
        conn.execute("CREATE TRIGGER full_disk BEFORE INSERT ON locks FOR EACH ROW EXECUTE FUNCTION disk_full()")
    _one_line_error(serve({}), "is full")


def test_a_read_only_sqlite_file_is_a_startup_error(settings, serve):
    import os
    import subprocess

    open_store(settings).close()  # created, migrated, checkpointed
    path = str(settings.db_path)
    if os.geteuid() != 0:
        os.chmod(path, 0o444)
    elif subprocess.run(["chattr", "+i", path], capture_output=True, check=False).returncode != 0:
        pytest.skip("as root, a file can only be made read-only with chattr +i, which this system refuses")
    try:
        _one_line_error(serve({"COACH_DB": path}), "is read-only")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", path], check=False)


# --- item 10: what is kept and quoted is cut at 4,000 characters, at a word


def test_long_text_is_kept_and_quoted_at_4000_characters(bot, settings):
    long_objection = "We already have a vendor for this and " + "the migration worries everyone here " * 500
    assert len(long_objection) > 15_000
    bot.command(long_objection)
    (post,) = bot.slack.wait_for("chat.postMessage")
    quoted = "".join(b["text"]["text"] for b in post["blocks"] if b["type"] == "section"
                     and b["text"]["text"].startswith(("*The buyer said*", ">")))
    assert 3_000 < len(quoted) < 4_200  # the quote's lines carry a ">" each
    thread_ts = "1700000000.000001"
    store = open_store(settings)
    (buyer,) = eventually(lambda: [t for t in store.turns("T1", "C1", thread_ts) if t["role"] == "buyer"])
    assert len(buyer["text"]) <= 4000 and long_objection.startswith(buyer["text"])
    assert buyer["text"].endswith("here")  # at a word
    question = "what if they push back on references? " + "they keep asking about it " * 400
    bot.event({"type": "message", "channel": "C1", "user": "U1", "text": question, "ts": "1700000000.5",
               "thread_ts": thread_ts}, event_id="EvLong")
    bot.slack.wait_for("chat.postMessage", 2)
    (seller,) = eventually(lambda: [t for t in store.turns("T1", "C1", thread_ts) if t["role"] == "seller"])
    assert len(seller["text"]) <= 4000 and question.startswith(seller["text"])
    assert all(len(turn["text"]) <= 4000 for turn in store.turns("T1", "C1", thread_ts))

