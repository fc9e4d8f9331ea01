"""The App Home's tabs, opened (`app_home_opened`, one listener for every tab): the Messages tab greets a
seller once (bot/slack/assistant.py), the Home tab publishes the seller's or manager's home
(bot/slack/home.py). The context sent with it (what the seller was looking at) is kept (bot/slack/viewing.py)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.assistant import greet
from bot.slack.audience import team_of
from bot.slack.deps import Deps
from bot.slack.home import publish_home
from bot.slack.viewing import remember


def on_home_opened(body: dict[str, Any], event: dict[str, Any], client: WebClient, deps: Deps) -> None:
    team_id, user_id = team_of(body), event.get("user", "")
    if isinstance(event.get("context"), dict) and user_id:
        remember(deps, team_id, user_id, event["context"])
    if event.get("tab") == "messages":
        greet(deps, client, team_id, user_id, event.get("channel", ""))
    elif event.get("tab") == "home":
        publish_home(deps, client, team_id, user_id)
