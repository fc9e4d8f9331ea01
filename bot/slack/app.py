"""Build the Bolt app, register the listeners by surface, and serve it (Socket Mode or HTTP)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.coach import Coach
from bot.config import Settings
from bot.slack import actions, commands, messages, nudges, practice, shortcuts
from bot.slack.posting import Deps
from bot.store import Store
from bot.summarize import Summarizer

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
# Coaching runs after the ack, on this many threads; slow work (an LLM) must not queue acks behind it.
WORKER_THREADS = 64
HTTP_THREADS = 32


class MissingCredentials(RuntimeError):
    def __init__(self, names: Iterable[str]):
        self.names = list(names)
        super().__init__(f"missing Slack settings: {', '.join(self.names)} (see .env.example)")


def required_settings(settings: Settings) -> list[str]:
    """The variables `coach serve` needs for the mode the settings select, which are unset."""
    needed = {"SLACK_BOT_TOKEN": settings.slack_bot_token}
    if not settings.slack_app_token:
        needed["SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
    return [name for name, value in needed.items() if not value]


def web_client(settings: Settings) -> WebClient:
    base_url = settings.slack_api_url or WebClient.BASE_URL
    client = WebClient(token=settings.slack_bot_token, base_url=base_url.rstrip("/") + "/")
    # Honour Retry-After on HTTP 429 (Slack did not take the call). A dropped connection is not retried: the
    # message may have been posted, and a blind retry would post it twice (slack_sdk retries those by default).
    client.retry_handlers = [RateLimitErrorRetryHandler(max_retry_count=3)]
    return client


def _skip_repeated_deliveries(store: Store) -> Callable[..., BoltResponse | None]:
    def skip_repeated_deliveries(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not store.first_delivery(event_id, body.get("team_id")):
            log.info("event %s already handled; acknowledging the repeat only", event_id)
            return BoltResponse(status=200, body="")
        next()
        return None

    return skip_repeated_deliveries


def make_deps(settings: Settings, coach: Coach | None = None) -> Deps:
    coach = coach or Coach(settings)
    return Deps(coach=coach, store=coach.store, summarizer=Summarizer(coach, settings.stall_days))


def build_app(settings: Settings, deps: Deps | None = None) -> App:
    missing = required_settings(settings)
    if missing:
        raise MissingCredentials(missing)
    deps = deps or make_deps(settings)
    socket_mode = bool(settings.slack_app_token)
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=web_client(settings),
        # requests over HTTP are always verified; Socket Mode has no HTTP requests to sign
        request_verification_enabled=not socket_mode,
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="coach-worker"),
    )
    app.use(_skip_repeated_deliveries(deps.store))
    practice.register(app, deps)  # before commands: it takes `/objection practice`, commands the rest
    commands.register(app, deps)
    messages.register(app, deps)
    actions.register(app, deps)
    shortcuts.register(app, deps)
    nudges.register(app, deps)
    return app


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
    if required_settings(settings):
        raise MissingCredentials(required_settings(settings))
    deps = make_deps(settings)
    # load (or train) both models now, not inside a seller's first request
    log.info("models ready: %s, %s", deps.coach.classifier.model.labels,
             deps.summarizer.obstacle_detector.model.labels)
    app = build_app(settings, deps)
    nudges.start_scheduler(deps, app)
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("serving over Socket Mode")
        SocketModeHandler(app, settings.slack_app_token).start()
        return
    server = http_server(app, host, settings.port)
    log.info("serving HTTP on %s:%s, Slack requests at POST %s", host, settings.port, EVENTS_PATH)
    server.run()


def create_wsgi() -> Callable[..., Iterable[bytes]]:
    """Entry point for another WSGI server, e.g. `gunicorn -k gthread --threads 32 'bot.slack.app:create_wsgi()'`.

    Each worker process runs the hourly nudge tick too; the once-a-week claims keep that to one DM per owner."""
    from bot.config import load_settings

    settings = load_settings()
    deps = make_deps(settings)
    app = build_app(settings, deps)
    nudges.start_scheduler(deps, app)
    return wsgi_app(app)
