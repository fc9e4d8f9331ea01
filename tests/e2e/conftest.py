"""The real Bolt app served over HTTP on 127.0.0.1, Slack's side played by a local stand-in."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from bot.core.config import load_settings
from bot.slack.app import build_app, http_server, make_deps
from tests.e2e.standins import OpenAIStandIn, Response, SlackStandIn, command_form, signed_post, trigger_id

SECRET = "e2e-signing-secret"
MODEL_KEY = "sk-test-DO-NOT-LOG-0123456789"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    standin = SlackStandIn()
    yield standin
    standin.close()


@dataclass
class Bot:
    url: str
    slack: SlackStandIn
    app: Any
    deps: Any = None  # the app's Deps, when the test built them (`multi`)

    def send(self, body: str, content_type: str, *, timestamp: int | None = None, secret: str = SECRET,
             headers: dict[str, str] | None = None) -> Response:
        return signed_post(f"{self.url}/slack/events", body, content_type, secret, timestamp, headers)

    def command(self, text: str, *, channel: str = "C1", user: str = "U1", team: str = "T1",
                fields: dict[str, str] | None = None, **kw: Any) -> Response:
        """`/objection text`; `fields` adds to the form (an org-wide install's enterprise_id, ...)."""
        form = command_form(text, self.slack.url, channel=channel, user=user, team=team)
        if fields:
            form += "&" + urlencode(fields)
        return self.send(form, "application/x-www-form-urlencoded", **kw)

    def event(self, event: dict[str, Any], *, event_id: str, team: str = "T1",
              envelope: dict[str, Any] | None = None, **kw: Any) -> Response:
        """An Events API delivery for the workspace `team`; `envelope` replaces or adds outer fields (a Slack
        Connect event's `team_id` of the other organisation, an org-wide install's `authorizations`)."""
        body = {"type": "event_callback", "team_id": team, "api_app_id": "A1", "event_id": event_id,
                "event_time": int(time.time()), "event": event,
                "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}], **(envelope or {})}
        return self.send(json.dumps(body), "application/json", **kw)

    def action(self, action: dict[str, Any], *, channel: str, message_ts: str, team: str = "T1",
               user: str = "U1", user_team: str | None = None) -> Response:
        payload = {"type": "block_actions", "team": {"id": team}, "user": {"id": user, "team_id": user_team or team},
                   "api_app_id": "A1", "container": {"type": "message", "channel_id": channel,
                                                     "message_ts": message_ts},
                   "channel": {"id": channel}, "trigger_id": trigger_id(),
                   "response_url": f"{self.slack.url}/response/action", "actions": [action]}
        return self.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


@pytest.fixture(scope="session")
def trained(shared_coach: Any) -> None:
    """Both classifiers trained into the session's model cache before any app starts (training takes seconds)."""
    from bot.services.summarize import Summarizer

    assert Summarizer(shared_coach).obstacle_detector and shared_coach.classifier


@pytest.fixture
def bot(slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch, trained: None) -> Iterator[Bot]:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-e2e")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    app = build_app(load_settings())
    server = http_server(app, "127.0.0.1", 0)
    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):
            pass  # the loop notices its socket closed at teardown

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield Bot(f"http://127.0.0.1:{server.effective_port}", slack, app)
    server.close()


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIStandIn]:
    """A local OpenAI-compatible server, reached through OPENAI_BASE_URL by the real openai client."""
    standin = OpenAIStandIn()
    monkeypatch.setenv("OPENAI_BASE_URL", standin.url)
    monkeypatch.setenv("OPENAI_API_KEY", MODEL_KEY)
    monkeypatch.setenv("COACH_MODEL", "standin-model")
    monkeypatch.setenv("COACH_LLM_TIMEOUT", "3")
    yield standin
    standin.close()


@pytest.fixture
def multi(backend: str, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch, trained: None) -> Iterator[Bot]:
    """The app with OAuth on (many workspaces, each installed through /slack/install), on SQLite and on
    PostgreSQL; `install` installs one."""
    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "client-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("COACH_NUDGE_PACE", "0")
    settings = load_settings()
    deps = make_deps(settings)
    app = build_app(settings, deps)
    server = http_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=lambda: _quietly(server.run), daemon=True)
    thread.start()
    yield Bot(f"http://127.0.0.1:{server.effective_port}", slack, app, deps)
    server.close()
    deps.store.close()


def _quietly(run: Any) -> None:
    try:
        run()
    except (OSError, ValueError):
        pass  # the loop notices its socket closed at teardown


def install_page(bot: Bot) -> tuple[str, str]:
    """Open /slack/install as an admin's browser does: the OAuth state in its link, and the cookie that goes
    with it."""
    with urlopen(f"{bot.url}/slack/install", timeout=10) as page:
        html = page.read().decode()
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    return re.search(r"state=([\w\-]+)", html).group(1), cookie


def install(bot: Bot, team: str, token: str) -> None:
    """Install the app in `team` (an E… id: org-wide) through Bolt's OAuth flow, Slack's side the stand-in."""
    bot.slack.oauth_codes[f"code-{team}"] = (team, token)
    state, cookie = install_page(bot)
    redirect = Request(f"{bot.url}/slack/oauth_redirect?code=code-{team}&state={state}", headers={"Cookie": cookie})
    with urlopen(redirect, timeout=10) as done:
        assert done.status == 200


@pytest.fixture
def locked_db(settings) -> Iterator[None]:
    """Another process holds the SQLite file's write lock (a backup, a stuck job): writes wait and fail; reads
    still work, as they do in WAL mode."""
    import sqlite3

    from bot.store import open_store

    open_store(settings)  # created and migrated first
    other = sqlite3.connect(settings.db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield
    other.execute("ROLLBACK")
    other.close()
