"""The message shortcut "Coach: summarise this thread"."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.posting import Deps, ack_now, post_summary, team_of

log = logging.getLogger(__name__)
CALLBACK_ID = "summarize_thread"


def register(app: App, deps: Deps) -> None:
    def summarize_thread(body: dict[str, Any], client: WebClient) -> None:
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id", "")
        thread_ts = message.get("thread_ts") or message.get("ts")
        team_id = team_of(body)
        try:
            post_summary(deps, client, team_id, channel, thread_ts)
        except SlackApiError as exc:
            log.error("summary failed: %s", exc.response.get("error"))
            client.chat_postEphemeral(channel=channel, user=body["user"]["id"],
                                      text="Sorry, I could not read this thread. Is the app in this channel?")

    app.shortcut(CALLBACK_ID)(ack=ack_now, lazy=[summarize_thread])
