"""The message shortcut "Coach: summarise this thread"."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.audience import team_of
from bot.slack.deps import Deps
from bot.slack.posting import post_summary
from bot.slack.replies import Asker, language_of

log = logging.getLogger(__name__)
CALLBACK_ID = "summarize_thread"  # the shortcut's callback_id in manifest.yml


def summarize_thread(body: dict[str, Any], client: WebClient, respond: Respond, deps: Deps) -> None:
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id", "")
    thread_ts = message.get("thread_ts") or message.get("ts")
    user_id = (body.get("user") or {}).get("id", "")
    asker = Asker(client, user_id, channel, respond=respond, language=language_of(message.get("text")))
    try:
        outcome = post_summary(deps, client, team_of(body), user_id, channel, thread_ts)
    except SlackApiError as exc:
        # through response_url: an ephemeral message needs the app in the channel, which is what failed
        log.error("summary failed: %s", exc.response.get("error"))
        asker.notify("cannot_read")
        return
    if outcome == "empty":
        asker.notify("empty_thread")
    elif outcome == "shared":
        asker.notify("shared")
