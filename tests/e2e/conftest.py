"""The real Bolt app served over HTTP on 127.0.0.1, Slack's side played by a local stand-in."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.config import load_settings
from bot.slack.app import build_app, http_server
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

    def send(self, body: str, content_type: str, *, timestamp: int | None = None, secret: str = SECRET,
             headers: dict[str, str] | None = None) -> Response:
        return signed_post(f"{self.url}/slack/events", body, content_type, secret, timestamp, headers)

    def command(self, text: str, *, channel: str = "C1", user: str = "U1", team: str = "T1",
                **kw: Any) -> Response:
        form = command_form(text, self.slack.url, channel=channel, user=user, team=team)
        return self.send(form, "application/x-www-form-urlencoded", **kw)

    def event(self, event: dict[str, Any], *, event_id: str, team: str = "T1", **kw: Any) -> Response:
        body = {"type": "event_callback", "team_id": team, "api_app_id": "A1", "event_id": event_id,
                "event_time": int(time.time()), "event": event,
                "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}]}
        return self.send(json.dumps(body), "application/json", **kw)

    def action(self, action: dict[str, Any], *, channel: str, message_ts: str, team: str = "T1",
               user: str = "U1") -> Response:
        payload = {"type": "block_actions", "team": {"id": team}, "user": {"id": user, "team_id": team},
                   "api_app_id": "A1", "container": {"type": "message", "channel_id": channel,
                                                     "message_ts": message_ts},
                   "channel": {"id": channel}, "trigger_id": trigger_id(),
                   "response_url": f"{self.slack.url}/response/action", "actions": [action]}
        return self.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


@pytest.fixture(scope="session")
def trained(shared_coach: Any) -> None:
    """Both classifiers trained into the session's model cache before any app starts (training takes seconds)."""
    from bot.summarize import Summarizer

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
