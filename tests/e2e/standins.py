"""Local stand-ins for what lies outside the machine: the Slack Web API (and response_url)."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
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


def _send_json(handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str]) -> None:
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


def eventually(check: Any, timeout: float = 10.0) -> Any:
    """The first truthy value of `check()` within `timeout` seconds: the app writes to the store after Slack
    answered its call, so a test that saw the call waits for the write, not a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


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


_TRIGGERS = itertools.count(1)


def trigger_id() -> str:
    """A new trigger id, as Slack gives every command and interaction its own: no two requests Slack sends are
    the same bytes (the app takes a signed request seen before for a replay)."""
    return f"{next(_TRIGGERS)}.{int(time.time())}.e2e"


def command_form(text: str, slack_url: str, channel: str = "C1", user: str = "U1", team: str = "T1") -> str:
    """The form body of a `/objection` slash command request."""
    return urlencode({"token": "x", "team_id": team, "channel_id": channel, "user_id": user, "command": "/objection",
                      "text": text, "response_url": f"{slack_url}/response/cmd", "trigger_id": trigger_id()})


# how often a stand-in's serve_forever looks whether it is asked to stop: close() waits for it (up to 0.5 s with
# http.server's default, at every test that starts a stand-in)
POLL_SECONDS = 0.02


class SlackStandIn:
    """Answers Web API methods like Slack does and records every call.

    `no_access` channels answer chat.postMessage and conversations.replies with not_in_channel;
    conversations.info says `is_ext_shared` for `shared` channels (Slack Connect) and answers `info_error` channels
    with an error; `rate_limited[method] = n` makes the next n calls of a method answer HTTP 429 with
    Retry-After: `retry_after` (1 s); `delay[method]` slows a method down.

    `share_file` keeps a file the way Slack holds an upload: files.info answers its file object, and its
    `url_private` / `url_private_download` serve its bytes to a GET with the bot token (without a token, Slack's
    sign-in page, as Slack answers); `downloads` records (file id, token) of each download.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(POLL_SECONDS,), daemon=True).start()

    def reset(self) -> None:
        """Forget every call and setting, as a new stand-in at the same address (one app can serve many tests)."""
        self.held: dict[str, threading.Event] = {}  # method -> calls wait for this before they are answered
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.answered: list[str] = []  # methods whose answer has been sent back, in order
        self.no_access: set[str] = set()
        self.shared: set[str] = set()
        self.info_error: set[str] = set()
        self.rate_limited: dict[str, int] = defaultdict(int)
        self.retry_after = 1  # seconds, in the Retry-After of those 429s
        self.delay: dict[str, float] = {}
        self.threads: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (channel, thread_ts) -> messages
        self.history: dict[str, list[dict[str, Any]]] = {}  # channel -> top-level messages, newest first
        self.posted: dict[str, list[dict[str, Any]]] = defaultdict(list)  # channel -> messages we accepted
        self.timezones: dict[str, str] = {}  # user -> tz for users.info
        self.locales: dict[str, str] = {}  # user -> locale for users.info with include_locale (e.g. "es-ES")
        self.drop_after_post = 0  # accept the next n chat.postMessage calls, then drop the connection unanswered
        self.tokens: list[tuple[str, str]] = []  # (method, bearer token) of every call
        # oauth.v2.access: code -> (team id, or an E… enterprise id for an org-wide install; bot token)
        self.oauth_codes: dict[str, tuple[str, str]] = {}
        self.usergroups: dict[str, list[str]] = {}  # user group id -> members, for usergroups.users.list
        self.uploads: dict[str, bytes] = {}  # file id -> the bytes POSTed to its upload_url
        self.files: dict[str, dict[str, Any]] = {}  # file id -> {"object": files.info's file, "content": bytes}
        self.downloads: list[tuple[str, str]] = []  # (file id, bearer token) of each download of a shared file
        self._files = itertools.count(1)
        # ts -> {"channel", "text" streamed so far, "stopped", "blocks", "chunks": the other chunks, in order}
        self.streams: dict[str, dict[str, Any]] = {}
        self.updated: dict[str, dict[str, Any]] = {}  # ts -> the last chat.update's params (what stays)
        self.deleted: set[str] = set()  # ts of the messages chat.delete removed
        self.sessions: dict[tuple[str, str], list[str]] = defaultdict(list)  # (channel, thread) -> statuses set
        self._ts = itertools.count(1)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def close(self) -> None:
        for gate in self.held.values():
            gate.set()
        self.server.shutdown()
        self.server.server_close()

    @contextmanager
    def holding(self, method: str) -> Iterator[None]:
        """Calls of `method` wait until the block ends, then are taken (recorded and answered) as usual: a test
        sees what the app does before they are (its acknowledgement goes out while the coaching's post waits)."""
        gate = threading.Event()
        self.held[method] = gate
        try:
            yield
        finally:
            del self.held[method]
            gate.set()

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

    def share_file(self, file_id: str, name: str, content: bytes, *, user: str = "U1", team: str = "T1",
                   size: int | None = None, filetype: str = "text", mimetype: str = "text/plain") -> dict[str, Any]:
        """Hold a file as Slack does once someone shares it; returns its file object (what a `file_share`
        message's `files` carry and files.info answers). Shape: https://docs.slack.dev/reference/objects/file-object
        and a payload captured from Slack (MercuryTechnologies/slack-web, tests/golden/SlackWebhookEvent/
        message_file_share.json). `size` overrides the real one (a file bigger than it claims, or the reverse)."""
        base = f"{self.url}/files-pri/{team}-{file_id}"
        obj = {"id": file_id, "created": int(time.time()), "timestamp": int(time.time()), "name": name,
               "title": name, "mimetype": mimetype, "filetype": filetype, "pretty_type": "Plain Text", "user": user,
               "user_team": team, "editable": True, "size": len(content) if size is None else size,
               "mode": "snippet" if filetype == "text" else "hosted", "is_external": False, "external_type": "",
               "is_public": False, "public_url_shared": False, "display_as_bot": False, "username": "",
               "url_private": f"{base}/{name}", "url_private_download": f"{base}/download/{name}",
               "permalink": f"https://acme.slack.com/files/{user}/{file_id}/{name}", "has_rich_preview": False,
               "file_access": "visible"}
        with self._lock:
            self.files[file_id] = {"object": obj, "content": content}
        return obj

    def answer(self, method: str, params: dict[str, Any],
               token: str = "") -> tuple[int, dict[str, Any], dict[str, str]]:
        if method.startswith("response/"):
            return 200, {"ok": True}, {}
        with self._lock:
            if self.rate_limited[method] > 0:
                self.rate_limited[method] -= 1
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(self.retry_after)}
        if method == "oauth.v2.access":
            if params.get("code") not in self.oauth_codes:
                return 200, {"ok": False, "error": "invalid_code"}, {}
            team, token = self.oauth_codes[params["code"]]
            if team.startswith("E"):  # an org-wide (Enterprise Grid) install: no team, the organisation
                return 200, {"ok": True, "app_id": "A1", "authed_user": {"id": "UINSTALLER"}, "scope": "commands",
                             "token_type": "bot", "access_token": token, "bot_user_id": BOT_USER, "team": None,
                             "enterprise": {"id": team, "name": f"Org {team}"}, "is_enterprise_install": True}, {}
            return 200, {"ok": True, "app_id": "A1", "authed_user": {"id": "UINSTALLER"}, "scope": "commands",
                         "token_type": "bot", "access_token": token, "bot_user_id": BOT_USER,
                         "team": {"id": team, "name": f"Team {team}"}, "enterprise": None,
                         "is_enterprise_install": False}, {}
        if method == "auth.test":
            # like Slack, about the token asked with: an installed workspace's or organisation's (an org-wide
            # token names no team), else the single token's T1
            team = next((team for team, issued in self.oauth_codes.values() if issued == token), "T1")
            if team.startswith("E"):
                return 200, {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": None, "enterprise_id": team,
                             "is_enterprise_install": True, "url": "https://org.enterprise.slack.com/"}, {}
            return 200, {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": team, "team": f"Team {team}",
                         "url": "https://acme.slack.com/"}, {}
        if method == "chat.postMessage":
            if params.get("channel") in self.no_access:
                return 200, {"ok": False, "error": "not_in_channel"}, {}
            ts = f"1700000000.{next(self._ts):06d}"
            metadata = params.get("metadata")
            with self._lock:
                self.posted[params.get("channel")].append(
                    {"ts": ts, "text": params.get("text"),
                     "metadata": json.loads(metadata) if isinstance(metadata, str) else metadata})
            return 200, {"ok": True, "channel": params.get("channel"), "ts": ts,
                         "message": {"text": params.get("text"), "ts": ts}}, {}
        if method == "conversations.info":
            channel = params.get("channel")
            if channel in self.info_error:
                return 200, {"ok": False, "error": "missing_scope", "needed": "channels:read"}, {}
            shared = channel in self.shared
            return 200, {"ok": True, "channel": {
                "id": channel, "is_channel": True, "is_shared": shared, "is_ext_shared": shared,
                "is_pending_ext_shared": False, "is_org_shared": False, "context_team_id": "T1",
                **({"shared_team_ids": ["T1"], "connected_team_ids": ["T1", "TBUYER"]} if shared else {})}}, {}
        if method == "conversations.replies":
            if params.get("channel") in self.no_access:
                return 200, {"ok": False, "error": "not_in_channel"}, {}
            messages = self.threads.get((params.get("channel"), params.get("ts")))
            if messages is None:
                return 200, {"ok": False, "error": "thread_not_found"}, {}
            start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 1000)
            page = messages[start : start + limit]
            more = start + limit < len(messages)
            return 200, {"ok": True, "messages": page, "has_more": more,
                         "response_metadata": {"next_cursor": str(start + limit) if more else ""}}, {}
        if method == "conversations.history":
            channel = params.get("channel")
            if channel in self.no_access:
                return 200, {"ok": False, "error": "not_in_channel"}, {}
            messages = self.history.get(channel) or list(reversed(self.posted.get(channel, [])))
            return 200, {"ok": True, "messages": messages}, {}
        if method == "users.info":
            user = params.get("user")
            info = {"id": user, "tz": self.timezones.get(user, "UTC")}
            if str(params.get("include_locale")).lower() in ("true", "1"):  # Slack gives the locale only if asked
                info["locale"] = self.locales.get(user, "en-US")
            return 200, {"ok": True, "user": info}, {}
        if method == "conversations.open":
            return 200, {"ok": True, "channel": {"id": "D" + str(params.get("users"))}}, {}
        if method == "chat.update":
            with self._lock:
                self.updated[str(params.get("ts"))] = params
            return 200, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}, {}
        # --- the Home tab and reports: views, external file uploads, user groups ---
        if method == "views.publish":
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            if not params.get("user_id") or not isinstance(view, dict) or len(view.get("blocks") or []) > 100:
                return 200, {"ok": False, "error": "invalid_arguments"}, {}
            return 200, {"ok": True, "view": {"id": "V1", **view}}, {}
        if method == "files.getUploadURLExternal":
            if not params.get("filename") or not str(params.get("length") or "").isdigit():
                return 200, {"ok": False, "error": "invalid_arguments"}, {}
            file_id = f"F{next(self._files):08d}"
            return 200, {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}, {}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            missing = [f["id"] for f in files if f["id"] not in self.uploads]
            if missing:
                return 200, {"ok": False, "error": "file_not_found"}, {}
            return 200, {"ok": True, "files": [{"id": f["id"], "title": f.get("title"), "mimetype": "image/png",
                                                "size": len(self.uploads[f["id"]])} for f in files]}, {}
        if method == "files.info":
            held = self.files.get(str(params.get("file")))
            if held is None:
                return 200, {"ok": False, "error": "file_not_found"}, {}
            return 200, {"ok": True, "file": held["object"], "comments": [],
                         "response_metadata": {"next_cursor": ""}}, {}
        if method == "usergroups.users.list":
            group = params.get("usergroup")
            if group not in self.usergroups:
                return 200, {"ok": False, "error": "no_such_subteam"}, {}
            return 200, {"ok": True, "users": self.usergroups[group]}, {}
        if method in ("chat.postEphemeral", "chat.delete"):
            if method == "chat.delete":
                with self._lock:
                    self.deleted.add(str(params.get("ts")))
            return 200, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}, {}
        if method == "agents.sessions.setStatus":  # the thread's agent session: "processing" shows the stop button
            if not params.get("channel_id") or params.get("status") not in ("processing", "active", "suspended",
                                                                            "closed"):
                return 200, {"ok": False, "error": "invalid_arguments"}, {}
            with self._lock:
                self.sessions[(params["channel_id"], params.get("thread_ts") or "")].append(params["status"])
            return 200, {"ok": True}, {}
        if method in ("chat.startStream", "chat.appendStream", "chat.stopStream"):
            return self._stream(method, params)
        if method in ("assistant.threads.setStatus", "assistant.threads.setSuggestedPrompts"):
            if not params.get("channel_id"):
                return 200, {"ok": False, "error": "invalid_arguments"}, {}
            return 200, {"ok": True}, {}
        return 200, {"ok": False, "error": "unknown_method"}, {}

    def press_stop(self, ts: str) -> None:
        """The seller clicks the stop button: Slack stops the stream itself (the app's later appends fail), then
        sends agent_session_stopped (docs.slack.dev/reference/events/agent_session_stopped)."""
        with self._lock:
            self.streams[ts]["stopped"] = self.streams[ts]["by_slack"] = True

    def _stream(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        """chat.startStream / appendStream / stopStream: a streamed reply in a thread, its text the markdown
        chunks in order, its other chunks (plan and task updates) kept apart. Like Slack, starting needs a thread,
        and the recipient ids outside DMs."""
        channel = params.get("channel")
        chunks = params.get("chunks") or []
        chunks = json.loads(chunks) if isinstance(chunks, str) else chunks
        text = (params.get("markdown_text") or "") + "".join(
            c.get("text", "") for c in chunks if c.get("type") == "markdown_text")
        others = [c for c in chunks if c.get("type") != "markdown_text"]
        if method == "chat.startStream":
            if not params.get("thread_ts"):
                return 200, {"ok": False, "error": "invalid_arguments"}, {}
            if not str(channel).startswith("D") and not (params.get("recipient_team_id")
                                                         and params.get("recipient_user_id")):
                return 200, {"ok": False, "error": "missing_recipient_user_id"}, {}
            ts = f"1700000000.{next(self._ts):06d}"
            with self._lock:
                self.streams[ts] = {"channel": channel, "thread_ts": params.get("thread_ts"), "text": text,
                                    "stopped": False, "by_slack": False, "blocks": None, "chunks": others,
                                    "task_display_mode": params.get("task_display_mode")}
            return 200, {"ok": True, "channel": channel, "ts": ts}, {}
        with self._lock:
            stream = self.streams.get(str(params.get("ts")))
            if stream is None or stream["stopped"]:
                return 200, {"ok": False, "error": "message_not_in_streaming_state"}, {}
            stream["text"] += text
            stream["chunks"] += others
            if method == "chat.stopStream":
                stream["stopped"], stream["blocks"] = True, params.get("blocks")
        return 200, {"ok": True, "channel": channel, "ts": params.get("ts")}, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                """A shared file's bytes at its url_private(_download), for a request with a bot token."""
                match = re.fullmatch(r"/files-pri/[A-Z0-9]+-([A-Z0-9]+)/(?:download/)?[^/]+", self.path)
                held = standin.files.get(match.group(1)) if match else None
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if held is None:
                    self.send_error(404)
                    return
                if not token:  # Slack answers a request without a token with its sign-in page
                    page = b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                with standin._lock:
                    standin.downloads.append((match.group(1), token))
                content = held["content"]
                self.send_response(200)
                self.send_header("Content-Type", held["object"]["mimetype"])
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def do_POST(self) -> None:  # noqa: N802
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/upload/"):  # a file's bytes, to the upload_url we handed out
                    file_id = self.path.removeprefix("/upload/")
                    with standin._lock:
                        standin.uploads[file_id] = data
                        standin.calls.append(("upload", {"file_id": file_id, "size": len(data)}))
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                raw = data.decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw))
                for key in ("blocks", "attachments"):
                    if isinstance(params.get(key), str):
                        params[key] = json.loads(params[key])
                method = self.path.removeprefix("/api/").strip("/")
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                gate = standin.held.get(method)
                if gate is not None:
                    gate.wait(60)
                with standin._lock:
                    standin.calls.append((method, params))
                    standin.tokens.append((method, token))
                if method in standin.delay:
                    time.sleep(standin.delay[method])
                status, body, headers = standin.answer(method, params, token)
                if method == "chat.postMessage" and standin.drop_after_post > 0:
                    standin.drop_after_post -= 1
                    self.close_connection = True  # Slack kept the message; the sender never hears back
                    return
                _send_json(self, status, body, headers)
                with standin._lock:
                    standin.answered.append(method)

        return Handler


def coaching_id_in(blocks: list[dict[str, Any]]) -> str:
    """The coaching id a coaching message's controls carry: in its feedback buttons' values ("42:helpful")."""
    (element,) = [e for b in blocks if b["type"] == "context_actions" for e in b["elements"]
                  if e["type"] == "feedback_buttons"]
    return element["positive_button"]["value"].split(":")[0]


def relabel_menu(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """The "Diagnose differently" menu of a coaching message."""
    (menu,) = [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "relabel"]
    return menu


def guidance_json(label: str, language: str, **override: Any) -> str:
    """A well-formed coaching answer, the way a good model would write one."""
    es = language == "es"
    answer = {
        "label": label,
        "confidence": 0.86,
        "language": language,
        "align": "Vuelve a la meta que el comprador confirmó y conecta la respuesta con ella." if es else
        "Go back to the goal the buyer confirmed in discovery and tie your answer to it.",
        "clarify": "Muestra un ejemplo concreto de un cliente parecido y qué cambió para él." if es else
        "Show one concrete example from a similar customer and what changed for them.",
        "assure": "Ofrece una referencia que pueda llamar, sin apilar más pruebas de las necesarias." if es else
        "Offer one reference they can call, without piling on more proof than the doubt needs.",
        "talk_track": "Entiendo la duda. ¿Le parece si revisamos juntos un caso como el suyo?" if es else
        "I understand the doubt. Could we walk through a case like yours together?",
        "question": None,
    }
    answer.update(override)
    return json.dumps(answer, ensure_ascii=False)


def _completion(body: dict[str, Any], content: str | None, finish: str = "stop",
                refusal: str | None = None) -> dict[str, Any]:
    """A chat.completion object as OpenAI returns it; prompt tokens estimated from the request."""
    prompt_tokens = len(json.dumps(body["messages"])) // 4
    completion_tokens = len(content or refusal or "") // 4
    return {
        "id": "chatcmpl-standin", "object": "chat.completion", "created": int(time.time()), "model": body.get("model"),
        "choices": [{"index": 0, "finish_reason": finish,
                     "message": {"role": "assistant", "content": content, "refusal": refusal}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


UNKNOWN_LINK = "https://deals.example-offer.net/claim?ref=coach"
CAUTIOUS = {
    "en": "Avoid promising guaranteed savings or pushing a deadline; point to the uptime guarantee in our SLA.",
    "es": "No garantices un ahorro ni presiones con plazos; menciona la garantía de disponibilidad del SLA.",
}


class OpenAIStandIn:
    """A local OpenAI-compatible server (POST /v1/chat/completions) with scripted behaviours.

    `script` is consumed one entry per request (then `default` applies): "ok", "no_json_schema" (HTTP 500 on a
    json_schema response format, like llama.cpp), "429" (Retry-After: 1), "500", "slow" (answers after
    `slow_seconds`, or once `release` is set), "malformed", "refusal", "length", "bad_label", "empty_headed",
    "pressure", "leak", "link" (a link to a host no input names), and for streamed requests "die_midway" (half
    the answer, then the connection drops) and "hold_midway" (half the answer, then nothing until `release` is
    set; `held` counts the streams waiting there).

    A request with `stream: true` gets the same answer as server-sent events: chat.completion.chunk objects
    carrying `chunk_chars` of the content each, `chunk_seconds` apart, then `data: [DONE]`.
    """

    def __init__(self, default: str = "ok") -> None:
        self.default = default
        self.script: list[str] = []
        self.slow_seconds = 5.0
        self.chunk_chars = 24  # a streamed answer (`stream: true`) arrives in pieces this long...
        self.chunk_seconds = 0.0  # ...this far apart
        self.sent: list[list[tuple[float, str]]] = []  # per stream: (monotonic time, content piece) as sent
        self.requests: list[dict[str, Any]] = []
        self.answered = 0  # requests whose answer has been sent (a stream's: as far as it went)
        self.held = 0  # streams stopped midway by "hold_midway", waiting for `release`
        self.streams_ended = 0  # streamed answers whose sending has ended, to the end or because the reader left
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, args=(POLL_SECONDS,), daemon=True).start()

    def close(self) -> None:
        self.release.set()  # held streams end (their reader may be long gone)
        self.server.shutdown()
        self.server.server_close()

    def _reply(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            behaviour = self.script.pop(0) if self.script else self.default
        first_user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        if "<thread>" in first_user:
            return self._reading(body, first_user, behaviour)
        if "<seller_reply>" in first_user or "<buyer_persona>" in first_user:
            return self._practice(body, first_user, behaviour)
        language = "es" if "answer_language: es" in first_user else "en"
        forced = [w for w in ("missing", "incomplete", "incorrect", "skepticism", "major_concern")
                  if f"The seller has decided this is {w}" in first_user]
        reading = first_user.split("reading: ", 1)[-1]
        label = forced[0] if forced else reading.split(" ", 1)[0]
        content: str | None = guidance_json(label, language)
        finish, refusal = "stop", None
        if behaviour == "no_json_schema" and (body.get("response_format") or {}).get("type") == "json_schema":
            return 500, {"error": {"message": "json_schema is not supported", "type": "server_error"}}, {}
        if behaviour == "429":
            return 429, {"error": {"message": "slow down", "type": "rate_limit"}}, {"Retry-After": "1"}
        if behaviour == "500":
            return 500, {"error": {"message": "boom", "type": "server_error"}}, {}
        if behaviour == "slow":
            self.release.wait(self.slow_seconds)  # (closing the stand-in ends the wait)
        if behaviour == "malformed":
            content = "Sure! Here is the coaching: {label: skepticism, align: be nice"
        if behaviour == "refusal":
            content, refusal = None, "I can't help with that."
        if behaviour == "length":
            content, finish = content[:40], "length"
        if behaviour == "bad_label":
            content = guidance_json("angry", language)
        if behaviour == "empty_headed":
            content = guidance_json(label, language, align="1", clarify="yes", assure="ok", talk_track="1")
        if behaviour == "pressure":
            content = guidance_json(label, language, assure="We guarantee the 30% savings if you sign by Friday, "
                                                            "after that the discount is gone.")
        if behaviour == "leak":
            system = body["messages"][0]["content"]
            content = guidance_json(label, language, align=system[:400])
        if behaviour == "no_choices":  # HTTP 200 with an empty `choices` list, as some proxies answer
            return 200, {**_completion(body, content), "choices": []}, {}
        if behaviour == "null_message":  # a broken server: a choice without a message
            return 200, {**_completion(body, content), "choices": [{"index": 0, "finish_reason": "stop",
                                                                    "message": None}]}, {}
        if behaviour == "link":  # a link to a host nobody gave it, inside a markdown link and bare
            content = guidance_json(label, language, clarify=f"Send them [the case study]({UNKNOWN_LINK}) and "
                                                             f"walk through it together, or {UNKNOWN_LINK} .")
        if behaviour == "cautious":  # good advice that names guarantees and deadlines in order to rule them out
            content = guidance_json(label, language, assure=CAUTIOUS[language])
        return 200, _completion(body, content, finish, refusal), {}

    def _reading(self, body: dict[str, Any], user: str, behaviour: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """A deal-room chunk: politics at the chunk's first message, plus a claim about a message that does
        not exist (which the app must drop)."""
        if behaviour == "500":
            return 500, {"error": {"message": "boom", "type": "server_error"}}, {}
        stamps = re.findall(r"^\[([0-9.]+)\]", user, re.M)
        reading = {"risks": [{"kind": "politics", "evidence_ts": stamps[0]},
                             {"kind": "consensus", "evidence_ts": "999.000001"}],
                   "objections": [], "stakeholders": []}
        return 200, _completion(body, json.dumps(reading)), {}

    def _practice(self, body: dict[str, Any], user: str, behaviour: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Practice: a scorecard quoting the reply's first sentence for align (or, "bad_quote", words the seller
        never wrote), or the buyer's next line ("names_kind": one that gives the kind away)."""
        if behaviour == "500":
            return 500, {"error": {"message": "boom", "type": "server_error"}}, {}
        if "<buyer_persona>" in user:
            line = "This is just skepticism on my part." if behaviour == "names_kind" else \
                "All right, that helps. Walk me through what the first month would look like."
            return 200, _completion(body, json.dumps({"line": line})), {}
        reply = user.split("<seller_reply>", 1)[1].split("</seller_reply>", 1)[0].strip()
        first = re.split(r"(?<=[.!?])\s+", reply)[0]
        quote = "words the seller never wrote" if behaviour == "bad_quote" else first
        check = {"passed": True, "quote": quote}
        no = {"passed": False, "quote": ""}
        score = {"align": check, "asks": no, "clarify": check, "assure": no, "pitfall": {"found": False, "quote": ""}}
        return 200, _completion(body, json.dumps(score)), {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                with standin._lock:
                    standin.requests.append({"body": body, "headers": {k.lower(): v for k, v in self.headers.items()},
                                             "path": self.path})
                with standin._lock:
                    midway = (standin.script[:1] or [standin.default])[0] if body.get("stream") else None
                    dies, holds = midway == "die_midway", midway == "hold_midway"
                    if dies or holds:  # the answer itself is a good one; the connection is what fails or stalls
                        if standin.script:
                            standin.script[0] = "ok"
                        else:
                            standin.default = "ok"
                status, reply, headers = standin._reply(body)
                headers = {"x-request-id": f"req_{len(standin.requests)}", **headers}
                try:
                    if body.get("stream") and status == 200:
                        try:
                            self._stream(reply, headers, dies, holds)
                        finally:  # finished, or the reader went away (the next write failed)
                            with standin._lock:
                                standin.streams_ended += 1
                    else:
                        _send_json(self, status, reply, headers)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up (a timeout test)
                with standin._lock:
                    standin.answered += 1

            def _stream(self, reply: dict[str, Any], headers: dict[str, str], dies: bool, holds: bool) -> None:
                choice = reply["choices"][0]
                content = choice["message"]["content"] or ""
                pieces = [content[i : i + standin.chunk_chars] for i in range(0, len(content), standin.chunk_chars)]
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()  # no length: the body ends when the connection closes (HTTP/1.0)

                def event(delta: dict[str, Any], finish: str | None) -> None:
                    chunk = {"id": reply["id"], "object": "chat.completion.chunk", "created": reply["created"],
                             "model": reply["model"],
                             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()

                event({"role": "assistant", "content": ""}, None)
                sent: list[tuple[float, str]] = []
                with standin._lock:
                    standin.sent.append(sent)
                for n, piece in enumerate(pieces):
                    if dies and n >= len(pieces) // 2:
                        self.close_connection = True
                        return
                    if holds and n == len(pieces) // 2:
                        with standin._lock:
                            standin.held += 1
                        standin.release.wait()
                    if standin.chunk_seconds:
                        time.sleep(standin.chunk_seconds)
                    sent.append((time.monotonic(), piece))
                    event({"content": piece}, None)
                if choice["message"].get("refusal"):
                    event({"refusal": choice["message"]["refusal"]}, None)
                event({}, choice["finish_reason"])
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler
