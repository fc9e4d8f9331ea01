"""`/objection` and its subcommands. Ack first (Slack allows 3 s); coaching runs afterwards, lazily."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.coach import EmptyObjection
from bot.slack.blocks import USAGE_FALLBACK, usage_blocks
from bot.slack.posting import Deps, post_guidance

log = logging.getLogger(__name__)
HELP = {"", "help", "ayuda", "?"}


def parse(text: str | None) -> tuple[str, str]:
    """Split command text into (subcommand, args); free text is the `coach` subcommand."""
    text = (text or "").strip()
    first, _, rest = text.partition(" ")
    if first.lower() in HELP:
        return "help", rest.strip()
    return "coach", text


def register(app: App, deps: Deps) -> None:
    def ack_objection(ack: Ack, body: dict[str, Any]) -> None:
        sub, _ = parse(body.get("text"))
        if sub == "help":
            ack(response_type="ephemeral", text=USAGE_FALLBACK, blocks=usage_blocks())
        else:
            ack(response_type="ephemeral", text=":hourglass_flowing_sand: Diagnosing the objection…")

    def coach_objection(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        sub, text = parse(body.get("text"))
        if sub != "coach":
            return
        team_id, user_id, channel = body.get("team_id", ""), body.get("user_id", ""), body.get("channel_id", "")
        try:
            guidance = deps.coach.coach(text, surface="slack", team_id=team_id, user_id=user_id)
        except EmptyObjection:
            respond(response_type="ephemeral", text=USAGE_FALLBACK, blocks=usage_blocks())
            return
        try:
            posted_in, _ = post_guidance(deps, client, team_id, user_id, channel, guidance, text)
        except SlackApiError as exc:
            log.error("posting the coaching failed: %s", exc.response.get("error"))
            respond(response_type="ephemeral", text="Sorry, I could not post the coaching here. Please try again.")
            return
        if posted_in != channel:
            respond(response_type="ephemeral",
                    text="I can't post in this conversation, so I sent the coaching to you in a direct message.")

    app.command("/objection")(ack=ack_objection, lazy=[coach_objection])
