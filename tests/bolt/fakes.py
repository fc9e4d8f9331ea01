"""Fakes for calling Bolt listeners directly, as Slack's templates test theirs: a mock `client`, who reads a
channel, and the bodies Bolt hands a listener."""

from __future__ import annotations

import itertools
from typing import Any
from unittest.mock import Mock

from slack_sdk import WebClient


class Readers:
    """Who can read a conversation, as bot/slack/audience.py answers it: `shared` channels are read by people
    outside the workspace."""

    def __init__(self, *shared: str):
        self.shared = set(shared)

    def outsiders_can_read(self, client: Any, team_id: str, channel: str) -> bool:
        return channel in self.shared


class Context(dict):
    """Bolt's context, as much of it as the message listeners read: the app's own user id."""

    bot_user_id = "UBOT"


def fake_client() -> Mock:
    """A WebClient whose calls are recorded; posting answers with a new ts, a DM opens as D-<user>."""
    client = Mock(spec=WebClient(token="xoxb-fake"))  # an instance's spec: its token, base_url, ... too
    ts = itertools.count(1)
    client.chat_postMessage.side_effect = lambda **kw: {"ok": True, "channel": kw["channel"], "ts": f"{next(ts)}.0"}
    client.conversations_open.side_effect = lambda users: {"channel": {"id": f"D-{users}"}}
    client.users_info.return_value = {"user": {"tz": "UTC", "locale": "en-US"}}
    client.conversations_replies.return_value = {"messages": []}
    client.conversations_history.return_value = {"messages": []}
    return client


def command(text: str, *, team: str = "T1", channel: str = "C1", user: str = "U1", **fields: Any) -> dict[str, Any]:
    """A slash command's body as Bolt gives it to a listener."""
    return {"command": "/objection", "text": text, "team_id": team, "channel_id": channel, "user_id": user,
            "response_url": "https://hooks.example/response", **fields}


def event_body(event: dict[str, Any], team: str = "T1") -> dict[str, Any]:
    return {"type": "event_callback", "team_id": team, "event": event,
            "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}]}


def action_body(action: dict[str, Any], *, team: str = "T1", user: str = "U1", channel: str | None = "C1",
                message_ts: str = "5.0", response_url: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "block_actions", "team": {"id": team}, "user": {"id": user, "team_id": team},
                            "actions": [action]}
    if channel:
        body["container"] = {"type": "message", "channel_id": channel, "message_ts": message_ts}
    if response_url:
        body["response_url"] = "https://hooks.example/action"
    return body
