"""`/objection` and its subcommands, but `practice` (bot/slack/listeners/practice.py). The acknowledgement says
at once what it can (Slack allows 3 s: no call to Slack there); coaching, a tracked deal's announcement and
summaries follow, lazily."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.calls.formats import MAX_BYTES
from bot.content.i18n import t
from bot.core.guidance import EmptyObjection, OptedOut
from bot.slack.audience import team_of
from bot.slack.blocks import escape, unescape, usage_blocks, usage_fallback
from bot.slack.command_text import declined_subcommand, parse
from bot.slack.deps import Deps
from bot.slack.home import refresh_home
from bot.slack.posting import post_guidance, post_summary
from bot.slack.replies import Asker, language_of, notice, user_language
from bot.store import now_iso

log = logging.getLogger(__name__)
_USER = re.compile(r"<@(U[A-Z0-9]+)(?:\|[^>]*)?>")
LATEST_THREADS = 3  # `/objection summary` summarises this many of the channel's latest threads
STAGE_CHARS = 60  # a deal's stage is a short label (the command's shape allows no more)


@dataclass(frozen=True)
class Command:
    """One `/objection`: who asked, where, which subcommand with what arguments, and the language to answer a
    subcommand in."""

    team_id: str
    channel: str
    user_id: str
    sub: str
    args: str
    lang: str

    @classmethod
    def read(cls, deps: Deps, body: dict[str, Any]) -> Command:
        sub, args = parse(body.get("text"))
        team_id, user_id = team_of(body), body.get("user_id", "")
        # a subcommand says little about the user's language: their Slack locale if it is cached (no call to
        # Slack inside the 3 s), else Spanish for "ayuda", else English
        first = unescape(body.get("text") or "").strip().partition(" ")[0].lower()
        lang = deps.store.cached_language(team_id, user_id, datetime.now(UTC)) or ("es" if first == "ayuda" else "en")
        return cls(team_id, body.get("channel_id", ""), user_id, sub, args, lang)


def acknowledge(ack: Ack, body: dict[str, Any], deps: Deps) -> None:
    """The acknowledgement: a subcommand's answer, or "Diagnosing…" for an objection; a short error if that fails."""
    try:
        ack(**answer_at_once(deps, body))
    except Exception:
        log.exception("/objection failed before its acknowledgement")
        ack(response_type="ephemeral", text=notice("error", language_of(body.get("text"))))


def answer_at_once(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    """What the acknowledgement carries (the arguments of `ack`); a subcommand's change is made here."""
    command = Command.read(deps, body)
    at_once = _AT_ONCE.get(command.sub)
    if at_once is None:  # an objection: the coaching follows, in the objection's own language
        working = t("ack.diagnosing", language_of(command.args))
        if declined_subcommand(body.get("text")):
            working += "\n" + notice("coached_not_tracked", language_of(command.args))
        return _ephemeral(working)
    return at_once(deps, command, body)


def _ephemeral(text: str, blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text, **({"blocks": blocks} if blocks else {})}


def _help(deps: Deps, command: Command, body: dict[str, Any]) -> dict[str, Any]:
    return _ephemeral(usage_fallback(command.lang), usage_blocks(command.lang))


def _track(deps: Deps, command: Command, body: dict[str, Any]) -> dict[str, Any]:
    name = command.args or body.get("channel_name") or command.channel
    deps.store.track_deal(command.team_id, command.channel, "", name, command.user_id)
    return {}  # the announcement follows (`announce_tracking`): who may see it depends on who reads the channel


def _untrack(deps: Deps, command: Command, body: dict[str, Any]) -> dict[str, Any]:
    done = deps.store.untrack_deal(command.team_id, command.channel)
    return _ephemeral(t("deal.untracked_channel" if done else "deal.channel_not_tracked", command.lang))


def _summary(deps: Deps, command: Command, body: dict[str, Any]) -> dict[str, Any]:
    return _ephemeral(t("ack.reading_threads", command.lang))  # the summaries follow (`summarize_latest`)


def _nudges(deps: Deps, command: Command, body: dict[str, Any]) -> dict[str, Any]:
    on = command.args.lower() == "on"
    deps.store.set_nudges(command.team_id, command.user_id, on)
    return _ephemeral(t("deal.nudges_on" if on else "deal.nudges_off", command.lang))


def _on_stop(deps: Deps, command: Command, body: dict[str, Any]) -> dict[str, Any]:
    """What a coaching the seller stops while the model writes leaves: the offline answer, or nothing."""
    choice = command.args.lower()
    deps.store.set_on_stop(command.team_id, command.user_id, choice)
    return _ephemeral(t("deal.on_stop_nothing" if choice == "nothing" else "deal.on_stop_offline", command.lang))


def _update_deal(deps: Deps, command: Command, body: dict[str, Any]) -> dict[str, Any]:
    """`owner @user`, `stage <label>` or `close YYYY-MM-DD` of the channel's open deal."""
    deal = deps.store.deal(command.team_id, command.channel)
    lang, value = command.lang, command.args
    if deal is None or deal["status"] != "open":
        return _ephemeral(t("deal.not_a_deal", lang))
    name = escape(deal["name"])
    if command.sub == "owner":
        owner = _USER.search(value).group(1)  # type: ignore[union-attr]  # parse() checked the shape
        deps.store.update_deal(deal["id"], owner_id=owner)
        return _ephemeral(t("deal.owner_set", lang, owner=owner, name=name))
    if command.sub == "close":
        try:
            date.fromisoformat(value)
        except ValueError:
            return _ephemeral(t("deal.bad_date", lang, value=value))  # parse() checked it is digits and dashes
        deps.store.update_deal(deal["id"], close_date=value)
        return _ephemeral(t("deal.close_set", lang, name=name, date=value))
    stage = value[:STAGE_CHARS]
    deps.store.update_deal(deal["id"], stage=stage, stage_changed_at=now_iso())
    return _ephemeral(t("deal.stage_set", lang, name=name, stage=escape(stage)))


def _call(deps: Deps, command: Command, body: dict[str, Any]) -> dict[str, Any]:
    """`/objection call`: how to share a call's transcript or an email thread for a review (the file itself
    arrives as a message: bot/slack/listeners/files.py)."""
    return _ephemeral(t("call.command", command.lang, limit=MAX_BYTES // 1024 // 1024))


# each subcommand's acknowledgement; anything else parse() returns is an objection to coach
_AT_ONCE: dict[str, Callable[[Deps, Command, dict[str, Any]], dict[str, Any]]] = {
    "help": _help, "track": _track, "untrack": _untrack, "summary": _summary, "nudges": _nudges, "on-stop": _on_stop,
    "owner": _update_deal, "stage": _update_deal, "close": _update_deal, "call": _call,
}


def run_subcommand(body: dict[str, Any], client: WebClient, respond: Respond, deps: Deps) -> None:
    """After the acknowledgement: coach the objection, announce a tracked deal, or summarise the channel."""
    sub, text = parse(body.get("text"))
    if sub == "coach":
        coach_objection(body, text, client, respond, deps)
    elif sub == "track":
        announce_tracking(body, client, respond, deps)
    elif sub == "summary":
        try:
            summarize_latest(body, client, respond, deps)
        except SlackApiError as exc:
            log.error("summary failed: %s", exc.response.get("error"))
            lang = user_language(deps.store, team_of(body), body.get("user_id", ""))
            respond(response_type="ephemeral", text=notice("cannot_read", lang))


def coach_objection(body: dict[str, Any], text: str, client: WebClient, respond: Respond, deps: Deps) -> None:
    team_id, user_id, channel = team_of(body), body.get("user_id", ""), body.get("channel_id", "")
    asker = Asker(client, user_id, channel, respond=respond, language=language_of(text))
    try:
        guidance = deps.coach.coach(text, surface="slack", team_id=team_id, user_id=user_id)
    except OptedOut:
        respond(response_type="ephemeral", text=notice("opted_out", asker.language))
        return
    except EmptyObjection:
        lang = asker.language
        respond(response_type="ephemeral", text=usage_fallback(lang), blocks=usage_blocks(lang))
        return
    asker.language = guidance.language
    try:
        posted = post_guidance(deps, client, team_id, user_id, channel, guidance, text)
    except SlackApiError as exc:
        log.error("posting the coaching failed: %s", exc.response.get("error"))
        asker.notify("not_posted")
        return
    if posted.moved:
        asker.notify(posted.moved)


def announce_tracking(body: dict[str, Any], client: WebClient, respond: Respond, deps: Deps) -> None:
    """`/objection track`: said in the channel, or only to the asker where people outside the workspace read."""
    team_id, channel = team_of(body), body.get("channel_id", "")
    deal = deps.store.deal(team_id, channel)
    if deal is None:
        return
    refresh_home(deps, client, team_id, deal["owner_id"])
    lang = user_language(deps.store, team_id, body.get("user_id", ""), client)
    text = t("deal.tracking_channel", lang, name=escape(deal["name"]), owner=deal["owner_id"])
    if deps.audience.outsiders_can_read(client, team_id, channel):
        respond(response_type="ephemeral", text=f"{text}\n_{notice('only_you', lang)}_")
    else:
        respond(response_type="in_channel", text=text)


def summarize_latest(body: dict[str, Any], client: WebClient, respond: Respond, deps: Deps) -> None:
    """`/objection summary`: the channel's LATEST_THREADS latest threads, each summarised in it."""
    team_id, channel, user_id = team_of(body), body.get("channel_id", ""), body.get("user_id", "")
    history = client.conversations_history(channel=channel, limit=100)
    threads = [m["ts"] for m in history.get("messages") or [] if m.get("reply_count")][:LATEST_THREADS]
    lang = user_language(deps.store, team_id, user_id, client)
    if not threads:
        respond(response_type="ephemeral", text=t("summary.no_threads", lang))
        return
    outcomes = [post_summary(deps, client, team_id, user_id, channel, thread_ts) for thread_ts in threads]
    if "shared" in outcomes:
        respond(response_type="ephemeral",
                text=t("summary.done_shared", lang, count=len(threads), notice=notice("shared", lang)))
    else:
        respond(response_type="ephemeral", text=t("summary.done", lang, count=len(threads)))
