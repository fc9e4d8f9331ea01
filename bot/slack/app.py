"""Build the Bolt app, register the listeners by surface, and serve it (Socket Mode or HTTP)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.coach import Coach
from bot.config import Settings, reveal
from bot.slack import actions, assistant, commands, messages, nudges, practice, shortcuts
from bot.slack.audience import admit, team_of
from bot.slack.deliveries import DeliveryApp, WorkExecutor, skip_repeated_deliveries
from bot.slack.posting import Deps
from bot.store import Store
from bot.summarize import Summarizer

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
# Coaching runs after the ack, on this many threads; slow work (an LLM) must not queue acks behind it.
WORKER_THREADS = 64
HTTP_THREADS = 32
# what the OAuth install asks for: the manifest's bot scopes (tests/test_installations.py keeps them equal)
BOT_SCOPES = ("commands", "chat:write", "im:write", "assistant:write", "users:read", "app_mentions:read",
              "channels:history", "groups:history", "im:history", "mpim:history", "channels:read", "groups:read",
              "mpim:read", "files:write", "usergroups:read")


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


def make_deps(settings: Settings, coach: Coach | None = None) -> Deps:
    coach = coach or Coach(settings)
    return Deps(coach=coach, store=coach.store, summarizer=Summarizer(coach, settings.stall_days))


def ready_deps(settings: Settings) -> Deps:
    """Deps with the models loaded (or trained) now, not inside a seller's first request: the classifier, the
    summariser's detectors and the practice scorer."""
    import time

    from bot.models import progress

    deps = make_deps(settings)
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


def build_app(settings: Settings, deps: Deps | None = None, *, socket_mode: bool = False) -> App:
    """The app for HTTP, where every request's signature is verified; only `socket_mode=True` (the Socket Mode
    connection `serve` opens, which carries no HTTP requests to sign) builds one without that check."""
    missing = required_settings(settings, socket_mode)
    if missing:
        raise MissingCredentials(missing)
    deps = deps or make_deps(settings)
    # a DeliveryApp and its WorkExecutor: each delivery is recorded as handled when the work it started is over
    app = DeliveryApp(
        signing_secret=reveal(settings.slack_signing_secret),
        client=web_client(settings),
        oauth_settings=_oauth_settings(settings, deps.store) if settings.oauth_enabled else None,
        request_verification_enabled=not socket_mode,
        process_before_response=True,
        listener_executor=WorkExecutor(max_workers=WORKER_THREADS, thread_name_prefix="coach-worker"),
    )
    app.use(skip_repeated_deliveries(deps.store))
    practice.register(app, deps)  # before commands: it takes `/objection practice`, commands the rest
    commands.register(app, deps)
    assistant.register(app, deps)  # before messages: it takes the DM's top-level messages
    messages.register(app, deps)
    actions.register(app, deps)
    shortcuts.register(app, deps)
    nudges.register(app, deps)
    # in front of every listener above (Bolt runs global middleware first, whenever it was added): people
    # outside the workspace, and requests naming no workspace, are acknowledged and go no further
    app.use(admit)
    # with one bot token too: an uninstall starts the workspace's retention clock (the manifest subscribes)
    _register_uninstall(app, deps)
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


def _register_uninstall(app: App, deps: Deps) -> None:
    """A workspace that removes the app: its tokens go at once, its data after COACH_RETENTION_DAYS."""
    from datetime import UTC, datetime

    from bot.slack.installations import StoreInstallationStore

    installs = StoreInstallationStore(deps.store)

    # an org-wide install's events name only the enterprise (no team_id): its installs are kept under it
    @app.event("app_uninstalled")
    def on_uninstalled(body: dict[str, Any]) -> None:
        installs.delete_all(enterprise_id=body.get("enterprise_id"), team_id=body.get("team_id"))
        deps.store.mark_uninstalled(team_of(body), datetime.now(UTC))

    @app.event("tokens_revoked")
    def on_tokens_revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        tokens = event.get("tokens") or {}
        for user_id in tokens.get("oauth") or []:
            installs.delete_installation(enterprise_id=body.get("enterprise_id"), team_id=body.get("team_id"),
                                         user_id=user_id)
        if tokens.get("bot"):
            installs.delete_bot(enterprise_id=body.get("enterprise_id"), team_id=body.get("team_id"))
            deps.store.mark_uninstalled(team_of(body), datetime.now(UTC))


def wsgi_app(app: App) -> Callable[..., Iterable[bytes]]:
    """Slack's requests at POST /slack/events, a health check at GET /healthz."""
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return bolt(environ, start_response)

    return application


def http_server(app: App, host: str, port: int) -> Any:
    """A production WSGI server (waitress, threaded, large listen backlog); call .run() to serve."""
    from waitress import create_server

    return create_server(wsgi_app(app), host=host, port=port, threads=HTTP_THREADS, backlog=1024,
                         ident="resistance-coach")


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

    def __init__(self, app: App, deps: Deps, scheduler: Any):
        self.app, self.deps, self.scheduler = app, deps, scheduler
        self._wsgi = wsgi_app(app)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self._wsgi(environ, start_response)


def create_wsgi() -> Service:
    """Entry point for another WSGI server, e.g. `gunicorn -k gthread --threads 32 'bot.slack.app:create_wsgi()'`
    or `waitress-serve --call bot.slack.app:create_wsgi`. Always HTTP, so always verified: a missing
    SLACK_SIGNING_SECRET stops it at start, even with SLACK_APP_TOKEN set.

    Each worker process runs the hourly nudge tick too; the once-a-week claims keep that to one DM per owner."""
    from bot.config import load_settings
    from bot.logs import install_redaction

    install_redaction()  # the host configures the handlers; whichever it uses, URLs in records are redacted
    settings = load_settings()
    if required_settings(settings, socket_mode=False):
        raise MissingCredentials(required_settings(settings, socket_mode=False))
    deps = ready_deps(settings)
    app = build_app(settings, deps)
    close_streams_left_open(deps, app)
    return Service(app, deps, nudges.start_scheduler(deps, app))
