"""Local stand-ins for what lies outside the machine: the Slack Web API (and response_url)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qsl, urlencode
from urllib.request import Request, urlopen

from slack_sdk.signature import SignatureVerifier

BOT_USER = "UBOT"


@dataclass
class Response:
    status_code: int
    text: str
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.text)


def signed_post(url: str, body: str, content_type: str, secret: str, timestamp: int | None = None,
                headers: dict[str, str] | None = None) -> Response:
    """POST a body signed the way Slack signs its requests."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature,
                   **(headers or {})}
    start = time.perf_counter()
    try:
        with urlopen(Request(url, data=body.encode(), headers=all_headers, method="POST"), timeout=10) as reply:
            return Response(reply.status, reply.read().decode(), time.perf_counter() - start)
    except HTTPError as error:
        return Response(error.code, error.read().decode(), time.perf_counter() - start)


def command_form(text: str, slack_url: str, channel: str = "C1", user: str = "U1", team: str = "T1") -> str:
    """The form body of a `/objection` slash command request."""
    return urlencode({"token": "x", "team_id": team, "channel_id": channel, "user_id": user, "command": "/objection",
                      "text": text, "response_url": f"{slack_url}/response/cmd", "trigger_id": "1.2.3"})


class SlackStandIn:
    """Answers Web API methods like Slack does and records every call.

    `no_access` channels answer chat.postMessage with not_in_channel; `rate_limited[method] = n` makes the
    next n calls of a method answer HTTP 429 with Retry-After: 1; `delay[method]` slows a method down.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.answered: list[str] = []  # methods whose answer has been sent back, in order
        self.no_access: set[str] = set()
        self.rate_limited: dict[str, int] = defaultdict(int)
        self.delay: dict[str, float] = {}
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def of(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) of {method}, got {len(self.of(method))}: {self.calls}")

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method.startswith("response/"):
            return 200, {"ok": True}, {}
        with self._lock:
            if self.rate_limited[method] > 0:
                self.rate_limited[method] -= 1
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
        if method == "auth.test":
            return 200, {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": "T1", "team": "Acme",
                         "url": "https://acme.slack.com/"}, {}
        if method == "chat.postMessage":
            if params.get("channel") in self.no_access:
                return 200, {"ok": False, "error": "not_in_channel"}, {}
            ts = f"1700000000.{next(self._ts):06d}"
            return 200, {"ok": True, "channel": params.get("channel"), "ts": ts,
                         "message": {"text": params.get("text"), "ts": ts}}, {}
        if method == "conversations.open":
            return 200, {"ok": True, "channel": {"id": "D" + str(params.get("users"))}}, {}
        if method in ("chat.update", "chat.postEphemeral"):
            return 200, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}, {}
        return 200, {"ok": False, "error": "unknown_method"}, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw))
                for key in ("blocks", "attachments"):
                    if isinstance(params.get(key), str):
                        params[key] = json.loads(params[key])
                method = self.path.removeprefix("/api/").strip("/")
                with standin._lock:
                    standin.calls.append((method, params))
                if method in standin.delay:
                    time.sleep(standin.delay[method])
                status, body, headers = standin.answer(method, params)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
                with standin._lock:
                    standin.answered.append(method)

        return Handler
