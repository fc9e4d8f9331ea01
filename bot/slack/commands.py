"""`/objection` and its subcommands. Ack first (Slack allows 3 s); coaching runs afterwards, lazily."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.coach import EmptyObjection
from bot.slack.blocks import USAGE_FALLBACK, escape, unescape, usage_blocks
from bot.slack.posting import Deps, post_guidance, post_summary
from bot.store import now_iso

log = logging.getLogger(__name__)
HELP = {"", "help", "ayuda", "?"}
_USER = re.compile(r"<@(U[A-Z0-9]+)(?:\|[^>]*)?>")
LATEST_THREADS = 3  # `/objection summary` summarises this many of the channel's latest threads


# What each subcommand's arguments look like. Anything else is an objection to coach, so "owner says we're too
# expensive" or "close, but the CFO wants..." are coached, not taken for commands.
_SHAPES = {
    "help": re.compile(r"^$"),
    "track": re.compile(r"^.{0,80}$"),
    "untrack": re.compile(r"^$"),
    "summary": re.compile(r"^$"),
    "nudges": re.compile(r"^(on|off)$", re.I),
    "owner": re.compile(r"^<@U[A-Z0-9]+(\|[^>]*)?>$"),
    "stage": re.compile(r"^[^\s].{0,59}$"),
    "close": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "practice": re.compile(r"^([\w-]+)?(\s+(en|es))?$", re.I),  # handled by bot/slack/practice.py
}


def parse(text: str | None) -> tuple[str, str]:
    """Split command text into (subcommand, args); free text is the `coach` subcommand."""
    text = unescape(text or "").strip()
    first, _, rest = text.partition(" ")
    sub = "help" if first.lower() in HELP else first.lower()
    if sub in _SHAPES and _SHAPES[sub].match(rest.strip()):
        return sub, rest.strip()
    return "coach", text


def register(app: App, deps: Deps) -> None:
    def ack_objection(ack: Ack, body: dict[str, Any]) -> None:
        sub, args = parse(body.get("text"))
        team_id, channel, user_id = body.get("team_id", ""), body.get("channel_id", ""), body.get("user_id", "")
        if sub == "help":
            ack(response_type="ephemeral", text=USAGE_FALLBACK, blocks=usage_blocks())
        elif sub == "track":
            name = args or body.get("channel_name") or channel
            deal = deps.store.track_deal(team_id, channel, "", name, user_id)
            ack(response_type="in_channel",
                text=f"Tracking this channel as the deal *{escape(deal['name'])}*, owner <@{deal['owner_id']}>. "
                     "I'll note when it goes quiet; `/objection summary` summarises its latest threads.")
        elif sub == "untrack":
            done = deps.store.untrack_deal(team_id, channel)
            ack(response_type="ephemeral",
                text="This channel is no longer tracked as a deal." if done else "This channel is not tracked.")
        elif sub == "summary":
            ack(response_type="ephemeral", text=":hourglass_flowing_sand: Reading the latest threads…")
        elif sub == "nudges":
            on = args.lower() == "on"
            deps.store.set_nudges(team_id, user_id, on)
            ack(response_type="ephemeral", text="Weekly nudges are on." if on else
                "Weekly nudges are off. Turn them back on with `/objection nudges on`.")
        elif sub in ("owner", "stage", "close"):
            ack(response_type="ephemeral", text=update_deal(team_id, channel, sub, args))
        else:
            ack(response_type="ephemeral", text=":hourglass_flowing_sand: Diagnosing the objection…")

    def update_deal(team_id: str, channel: str, field: str, value: str) -> str:
        deal = deps.store.deal(team_id, channel)
        if deal is None or deal["status"] != "open":
            return "This channel is not a tracked deal. Start with `/objection track [deal name]`."
        if field == "owner":
            owner = _USER.search(value).group(1)  # type: ignore[union-attr]  # parse() checked the shape
            deps.store.update_deal(deal["id"], owner_id=owner)
            return f"<@{owner}> now owns *{escape(deal['name'])}*."
        if field == "close":
            try:
                date.fromisoformat(value)
            except ValueError:
                return f"{value} is not a date. Usage: `/objection close YYYY-MM-DD`"
            deps.store.update_deal(deal["id"], close_date=value)
            return f"Close date of *{escape(deal['name'])}* set to {value}."
        deps.store.update_deal(deal["id"], stage=value[:60], stage_changed_at=now_iso())
        return f"Stage of *{escape(deal['name'])}* set to {escape(value[:60])}."

    def summarize_latest(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        team_id, channel = body.get("team_id", ""), body.get("channel_id", "")
        history = client.conversations_history(channel=channel, limit=100)
        threads = [m["ts"] for m in history.get("messages") or [] if m.get("reply_count")][:LATEST_THREADS]
        if not threads:
            respond(response_type="ephemeral", text="There are no threads in this channel to summarise yet.")
            return
        for thread_ts in threads:
            post_summary(deps, client, team_id, channel, thread_ts)
        respond(response_type="ephemeral", text=f"Summarised the {len(threads)} latest thread(s), in each thread.")

    def run_subcommand(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        sub, text = parse(body.get("text"))
        if sub == "coach":
            coach_objection(body, text, client, respond)
        elif sub == "summary":
            try:
                summarize_latest(body, client, respond)
            except SlackApiError as exc:
                log.error("summary failed: %s", exc.response.get("error"))
                respond(response_type="ephemeral", text="Sorry, I could not read this channel. Is the app in it?")

    def coach_objection(body: dict[str, Any], text: str, client: WebClient, respond: Respond) -> None:
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

    app.command("/objection")(ack=ack_objection, lazy=[run_subcommand])
