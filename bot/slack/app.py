"""Build the Bolt app, register the listeners by surface, and serve it (Socket Mode or HTTP)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from waitress.channel import HTTPChannel

from bot.core.config import Settings, reveal
from bot.services.coach import Coach
from bot.services.summarize import Summarizer
from bot.slack import listeners, nudges, practice
from bot.slack.audience import admit
from bot.slack.deliveries import DeliveryApp, WorkExecutor, skip_repeated_deliveries
from bot.slack.deps import Deps
from bot.store import Store, open_writable_store

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
# Coaching runs after the ack, on this many threads; slow work (an LLM) must not queue acks behind it.
WORKER_THREADS = 64
HTTP_THREADS = 32
# Slack's requests are a few KB (a slash command, an event, a button's payload with its message's blocks); none
# comes near 64 KB. Larger bodies are refused with 413 before they are read, so an unsigned sender cannot make
# the server spool, decode or parse more than this (waitress' default is 1 GB).
MAX_BODY_BYTES = 64 * 1024
# Slack waits 3 s for an acknowledgement: the database may hold one up this long in all, then the ack goes out
# without it (a repeat check skipped, an error notice) rather than too late. The coaching after it waits longer.
ACK_DB_SECONDS = 1.5
# /healthz says 503 when the database does not answer a trivial query within this
HEALTH_DB_SECONDS = 1.0
# waitress: how many connections it holds at once (its default, 100, is what ~100 slow clients filled), how
# long a request may take to arrive whole (or a kept-alive connection stay idle), and how often that is checked.
# Over 1,024 sockets select() fails, hence poll.
CONNECTION_LIMIT = 500
REQUEST_SECONDS = 10
CLEANUP_SECONDS = 1
# what the OAuth install asks for: the manifest's bot scopes (tests/test_installations.py keeps them equal)
BOT_SCOPES = ("commands", "chat:write", "im:write", "assistant:write", "users:read", "users:read.email",
              "app_mentions:read", "channels:history", "groups:history", "im:history", "mpim:history", "channels:read",
              "groups:read", "mpim:read", "files:write", "files:read", "usergroups:read")


class MissingCredentials(RuntimeError):
    def __init__(self, names: Iterable[str]):
        self.names = list(names)
        super().__init__(f"missing Slack settings: {', '.join(self.names)} (see .env.example)")


def serves_socket_mode(settings: Settings) -> bool:
    """`coach serve` uses Socket Mode when an app token is set, unless OAuth is on (its redirect needs HTTP)."""
    return bool(settings.slack_app_token) and not settings.oauth_enabled


def required_settings(settings: Settings, socket_mode: bool | None = None) -> list[str]:
    """The variables a mode needs, which are unset. `socket_mode=None`: the mode `coach serve` picks (Socket
    Mode when SLACK_APP_TOKEN is set, unless OAuth needs HTTP); HTTP always needs the signing secret, whatever
    else is set. With OAuth (many workspaces) each workspace's token comes from its install, in the database."""
    if socket_mode is None:
        socket_mode = serves_socket_mode(settings)
    needed = {} if settings.oauth_enabled else {"SLACK_BOT_TOKEN": settings.slack_bot_token}
    if socket_mode:
        needed["SLACK_APP_TOKEN"] = settings.slack_app_token
    else:
        needed["SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
    return [name for name, value in needed.items() if not value]


def web_client(settings: Settings) -> WebClient:
    base_url = settings.slack_api_url or WebClient.BASE_URL
    client = WebClient(token=reveal(settings.slack_bot_token), base_url=base_url.rstrip("/") + "/")
    # Honour Retry-After on HTTP 429 (Slack did not take the call). A dropped connection is not retried: the
    # message may have been posted, and a blind retry would post it twice (slack_sdk retries those by default).
    client.retry_handlers = [RateLimitErrorRetryHandler(max_retry_count=3)]
    return client


class CoachApp(DeliveryApp):
    """The Bolt app, with what serving it over HTTP needs besides: the coach's deps (the store answers the
    health check and remembers deliveries) and the signing secret its front door checks."""

    def __init__(self, *, deps: Deps, **kwargs: Any):
        super().__init__(**kwargs)
        self.deps = deps
        self.signing_secret: str | None = kwargs.get("signing_secret")

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        """Bolt answers a request no listener takes with 404. An event nobody listens to (Slack's agent events
        the app does not use, such as the assistant view's assistant_thread_started and
        assistant_thread_context_changed, or one Slack adds later) is acknowledged instead: Slack retries
        deliveries that fail, and turns off the subscriptions of an app that keeps failing them."""
        response = super().dispatch(req)
        body = req.body if isinstance(req.body, dict) else {}
        if response.status == 404 and body.get("type") == "event_callback":
            log.info("no listener for a %s event; acknowledged", (body.get("event") or {}).get("type") or "typeless")
            return BoltResponse(status=200, body="")
        return response


def worker_pool(size: int = WORKER_THREADS) -> WorkExecutor:
    """The threads coaching runs on after an ack (Bolt's lazy listeners), all started now. ThreadPoolExecutor
    starts a thread inside submit(), holding a lock every submit() takes, and a new thread needs the GIL to
    start: in a burst of commands each ack queued behind thread starts, worse with a model, whose calls keep
    the GIL busy (50 commands: p99 241-465 ms). Started here, a submit() on the ack path only queues."""
    pool = WorkExecutor(max_workers=size, thread_name_prefix="coach-worker")
    # each submit finds no idle thread (all wait at the barrier) and starts one; then all go idle together
    started = threading.Barrier(size + 1, timeout=60)
    for _ in range(size):
        pool.submit(started.wait)
    started.wait()
    return pool


def make_deps(settings: Settings, coach: Coach | None = None) -> Deps:
    coach = coach or Coach(settings)
    return Deps(coach=coach, store=coach.store, summarizer=Summarizer(coach, settings.stall_days))


def ready_deps(settings: Settings) -> Deps:
    """Deps with the models loaded (or trained) now, not inside a seller's first request: the classifier, the
    summariser's detectors, the practice scorer and the profile's matcher, each logged with its time. First the
    database must take a write (DatabaseUnusable otherwise): a server on a read-only or full database would fail
    every request instead of not starting."""
    import time

    from bot.models import progress

    deps = make_deps(settings, Coach(settings, open_writable_store(settings)))
    start = time.perf_counter()
    loads = (("objection", lambda: deps.coach.classifier), ("topic", lambda: deps.coach.topic_detector),
             ("obstacle", lambda: deps.summarizer.obstacle_detector),
             ("stall", lambda: deps.summarizer.stall_detector), ("practice scoring",
                                                                  lambda: practice.engine(deps).scorer.model),
             ("team profile matching", lambda: deps.coach.matcher))
    for name, load in loads:
        with progress.step(f"loading the {name} model"):
            load()
    log.info("models ready in %.1f s", time.perf_counter() - start)
    return deps


def build_app(settings: Settings, deps: Deps | None = None, *, socket_mode: bool = False) -> CoachApp:
    """The app for HTTP, where every request's signature is verified; only `socket_mode=True` (the Socket Mode
    connection `serve` opens, which carries no HTTP requests to sign) builds one without that check."""
    missing = required_settings(settings, socket_mode)
    if missing:
        raise MissingCredentials(missing)
    deps = deps or make_deps(settings)
    # each delivery is recorded as handled when the work it started is over (bot/slack/deliveries.py)
    app = CoachApp(
        deps=deps,
        signing_secret=reveal(settings.slack_signing_secret),
        client=web_client(settings),
        oauth_settings=_oauth_settings(settings, deps.store) if settings.oauth_enabled else None,
        request_verification_enabled=not socket_mode,
        process_before_response=True,
        listener_executor=worker_pool(),
    )
    app.use(skip_repeated_deliveries(deps.store))
    listeners.register(app, deps)
    # in front of every listener (Bolt runs global middleware first, whenever it was added): people outside the
    # workspace, and requests naming no workspace, are acknowledged and go no further
    app.use(admit)
    return app


def close_streams_left_open(deps: Deps, app: App) -> None:
    """At start, before serving: stop the streamed replies a process that died left half-written (each with its
    workspace's own token under OAuth)."""
    from bot.slack.streaming import close_abandoned_streams

    oauth = deps.coach.settings.oauth_enabled
    close_abandoned_streams(deps.store, app.client,
                            dict(nudges.installed_clients(deps.store, app.client)) if oauth else None)


def _oauth_settings(settings: Settings, store: Store) -> Any:
    """Bolt's install flow (GET /slack/install, GET /slack/oauth_redirect) with installs in our database."""
    from slack_bolt.oauth.oauth_settings import OAuthSettings

    from bot.slack.installations import StoreInstallationStore, StoreOAuthStateStore

    states = StoreOAuthStateStore(store)
    return OAuthSettings(client_id=settings.slack_client_id, client_secret=reveal(settings.slack_client_secret),
                         scopes=list(BOT_SCOPES), installation_store=StoreInstallationStore(store),
                         state_store=states, callback_options=states.callback_options())


_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # seconds since 1970, one header (two arrive joined by a comma)
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class Refused(Exception):
    """A request answered without Slack's app ever seeing it: `status` and one line for the log (never the body)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def read_body(environ: dict[str, Any], limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, read only if it is at most `limit` bytes: a Content-Length over it is refused before
    a byte is read; without one (chunked), at most limit + 1 bytes are read to tell."""
    stream = environ.get("wsgi.input")
    length = environ.get("CONTENT_LENGTH") or ""
    if stream is None:
        return b""
    if length:
        if not length.isdigit():
            raise Refused(400, "a malformed Content-Length")
        if int(length) > limit:
            raise Refused(413, f"a body of {int(length)} bytes (the limit is {limit})")
        return stream.read(int(length))
    if not environ.get("wsgi.input_terminated") and "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", ""):
        return b""  # no length and no end of input to read to: no body (PEP 3333)
    body = b""
    while len(body) <= limit:
        chunk = stream.read(limit + 1 - len(body))
        if not chunk:
            return body
        body += chunk
    raise Refused(413, f"a body of more than {limit} bytes")


class FrontDoor:
    """Checks every Slack request before Bolt sees it: size, signature, then that it parses. What fails is
    answered here (413, 401, 400) in one log line without its body; Bolt only ever gets signed, parsed requests,
    and its acknowledgement waits on the database at most ACK_DB_SECONDS."""

    def __init__(self, app: CoachApp, limit: int = MAX_BODY_BYTES):
        if not app.signing_secret:
            raise MissingCredentials(["SLACK_SIGNING_SECRET"])
        self.app, self.limit = app, limit
        self.verifier = SignatureVerifier(app.signing_secret)

    def request(self, environ: dict[str, Any]) -> BoltRequest:
        """The verified, parsed request, or Refused."""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            raise Refused(401, "a missing or malformed signature")  # refused before its body is read
        body = read_body(environ, self.limit)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "a body that is not UTF-8") from None
        if not self.verifier.is_valid(text, timestamp, signature):
            raise Refused(401, "a bad or stale signature")
        wsgi = WsgiHttpRequest(environ)
        try:
            request = BoltRequest(body=text, query=wsgi.query_string, headers=wsgi.get_headers())
        except Exception:  # BoltRequest only parses: bad JSON, nesting too deep, a payload of the wrong shape
            raise Refused(400, "a signed body that does not parse") from None
        if not isinstance(request.body, dict):
            raise Refused(400, "a signed body that is no object")
        return request

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            request = self.request(environ)
        except Refused as refused:
            log.info("refused a Slack request (%d): %s", refused.status, refused.reason)
            return _plain(start_response, refused.status, refused.reason)
        with self.app.deps.store.waiting_at_most(ACK_DB_SECONDS):
            answer = self.app.dispatch(request)
        response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()


def _plain(start_response: Callable[..., Any], status: int, text: str) -> list[bytes]:
    data = text.encode()
    start_response(f"{status} {HTTPStatus(status).phrase}",
                   [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]


class Health:
    """/healthz: whether the database answers within HEALTH_DB_SECONDS. A change is logged once, not every probe."""

    def __init__(self, store: Store):
        self.store = store
        self.ok = True
        self._lock = threading.Lock()

    def check(self) -> bool:
        ok = self.store.healthy(HEALTH_DB_SECONDS)
        with self._lock:
            changed, self.ok = ok != self.ok, ok
        if changed:
            (log.info if ok else log.warning)("the database %s", "answers again" if ok else "does not answer")
        return ok


def wsgi_app(app: CoachApp) -> Callable[..., Iterable[bytes]]:
    """Slack's requests at POST /slack/events (through the FrontDoor), `GET /livez` (200 while the process
    serves), `GET /healthz` (200 when the database answers too, else 503); the OAuth pages, if on, to Bolt."""
    front_door = FrontDoor(app)
    health = Health(app.deps.store)
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/livez":
            return _plain(start_response, 200, "ok")
        if path == "/healthz":
            ok = health.check()
            return _plain(start_response, 200 if ok else 503, "ok" if ok else "database unavailable")
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            return front_door(environ, start_response)
        with app.deps.store.waiting_at_most(ACK_DB_SECONDS):  # the install pages; anything else is a 404
            return bolt(environ, start_response)

    return application


class WholeRequestChannel(HTTPChannel):
    """A waitress connection whose timeout (channel_timeout) counts from its last finished request, not its last
    byte. waitress closes a connection that sent nothing for channel_timeout seconds, but any byte counts: a
    client sending a byte every few seconds held its connection forever, and ~100 of them (connection_limit)
    stopped the server accepting anyone (slowloris). Here the bytes of an unfinished request are not activity:
    a request must arrive whole within channel_timeout of the connection opening or of the previous response."""

    def handle_read(self) -> None:
        before = self.last_activity
        super().handle_read()
        if self.request is not None:  # a request still arriving
            self.last_activity = before


def http_server(app: CoachApp, host: str, port: int, *, connection_limit: int = CONNECTION_LIMIT,
                request_seconds: int = REQUEST_SECONDS, cleanup_seconds: int = CLEANUP_SECONDS) -> Any:
    """A production WSGI server (waitress, threaded, large listen backlog); call .run() to serve. The limits are
    arguments so a test can make slow clients time out in a second."""
    from waitress import create_server

    server = create_server(
        wsgi_app(app), host=host, port=port, threads=HTTP_THREADS, backlog=1024, ident="resistance-coach",
        # waitress refuses a body of max_request_body_size bytes or more (with 413, unread): the same limit
        max_request_body_size=MAX_BODY_BYTES + 1,
        connection_limit=connection_limit, channel_timeout=request_seconds, cleanup_interval=cleanup_seconds,
        asyncore_use_poll=True,
    )
    server.channel_class = WholeRequestChannel
    return server


def serve(settings: Settings, host: str = "0.0.0.0") -> None:
    """Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT."""
    socket_mode = serves_socket_mode(settings)
    if required_settings(settings, socket_mode):
        raise MissingCredentials(required_settings(settings, socket_mode))
    deps = ready_deps(settings)
    app = build_app(settings, deps, socket_mode=socket_mode)
    close_streams_left_open(deps, app)
    nudges.start_scheduler(deps, app)
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("serving over Socket Mode")
        SocketModeHandler(app, reveal(settings.slack_app_token)).start()
        return
    server = http_server(app, host, settings.port)
    log.info("serving HTTP on %s:%s, Slack requests at POST %s", host, settings.port, EVENTS_PATH)
    server.run()


class Service:
    """The WSGI application `create_wsgi` gives the server, holding what it started (so a host can stop the
    scheduler, and a test can see the models are loaded)."""

    def __init__(self, app: CoachApp, deps: Deps, scheduler: Any):
        self.app, self.deps, self.scheduler = app, deps, scheduler
        self._wsgi = wsgi_app(app)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self._wsgi(environ, start_response)


def create_wsgi() -> Service:
    """Entry point for another WSGI server, e.g. `gunicorn -k gthread --threads 32 'bot.slack.app:create_wsgi()'`
    or `waitress-serve --call bot.slack.app:create_wsgi`. Always HTTP, so always verified: a missing
    SLACK_SIGNING_SECRET stops it at start, even with SLACK_APP_TOKEN set.

    Each worker process runs the hourly nudge tick too; the once-a-week claims keep that to one DM per owner."""
    from bot.core.config import load_settings
    from bot.core.logs import install_redaction

    install_redaction()  # the host configures the handlers; whichever it uses, URLs in records are redacted
    settings = load_settings()
    if required_settings(settings, socket_mode=False):
        raise MissingCredentials(required_settings(settings, socket_mode=False))
    deps = ready_deps(settings)
    app = build_app(settings, deps)
    close_streams_left_open(deps, app)
    return Service(app, deps, nudges.start_scheduler(deps, app))
