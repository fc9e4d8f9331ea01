"""`/objection practice [kind | topic | random] [es]` and the "Try again" button (bot/slack/practice.py holds the
practice itself). The command's listener is registered before `/objection`'s: Bolt runs the first one whose
matchers take a request."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.content.i18n import t
from bot.core.taxonomy import LABELS, TOPICS
from bot.services.practice import NoScenario, Selection, SessionKey
from bot.slack.audience import team_of
from bot.slack.blocks import escape
from bot.slack.command_text import parse
from bot.slack.deps import Deps
from bot.slack.posting import deliver
from bot.slack.practice import engine, opening_blocks, post_in_thread
from bot.slack.replies import Asker, user_language

log = logging.getLogger(__name__)


def is_practice(body: dict[str, Any]) -> bool:
    """The matcher: `/objection practice ...`."""
    return parse(body.get("text"))[0] == "practice"


def _selection(body: dict[str, Any]) -> Selection:
    return Selection.parse(parse(body.get("text"))[1].split())


def _usage(lang: str) -> str:
    return t("practice.usage", lang, kinds=", ".join(LABELS), topics=", ".join(TOPICS))


def _lang_asked(body: dict[str, Any]) -> str:
    """The language the command asked for, even when the rest of it was not understood."""
    return "es" if "es" in parse(body.get("text"))[1].lower().split() else "en"


def acknowledge(ack: Ack, body: dict[str, Any]) -> None:
    """"Setting up…", or what in the command was not understood and how to write it."""
    try:
        selection = _selection(body)
    except ValueError as exc:
        lang = _lang_asked(body)
        ack(response_type="ephemeral", text=t("practice.unknown", lang, word=escape(str(exc)), usage=_usage(lang)))
        return
    ack(response_type="ephemeral", text=t("practice.setting_up", selection.lang))


def start(body: dict[str, Any], client: WebClient, respond: Respond, deps: Deps) -> None:
    """After the acknowledgement: the buyer's opening line, posted where the command was (or by DM)."""
    try:
        selection = _selection(body)
    except ValueError:
        return  # the ack said what was wrong
    team_id, user_id, channel = team_of(body), body.get("user_id", ""), body.get("channel_id", "")
    lang = selection.lang
    practice = engine(deps)
    try:
        scenario = practice.choose(selection)
    except NoScenario:
        respond(response_type="ephemeral", text=t("practice.no_scenario", lang, usage=_usage(lang)))
        return
    opening = practice.opening(scenario, lang)
    payload = {"blocks": opening_blocks(opening, user_id), "text": t("practice.title", lang)}
    try:
        posted = deliver(deps, client, team_id, user_id, channel, payload)
    except SlackApiError as exc:
        log.error("posting the practice failed: %s", exc.response.get("error"))
        respond(response_type="ephemeral", text=t("practice.not_started", lang))
        return
    # keyed by where it went: the seller's answers in that (DM) thread continue this practice
    practice.start(SessionKey(team_id, posted.channel, posted.ts, user_id), scenario, lang)
    if posted.moved:
        Asker(client, user_id, channel, respond=respond, language=lang).notify(posted.moved)


def retry(body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """"Try again": the same buyer from the start, for the seller whose practice it is (anyone else is told)."""
    channel, thread_ts, user_id = body["container"]["channel_id"], action.get("value", ""), body["user"]["id"]
    team_id = team_of(body)
    opening = engine(deps).restart(SessionKey(team_id, channel, thread_ts, user_id))
    if opening is None:
        lang = user_language(deps.store, team_id, user_id, client)
        client.chat_postEphemeral(channel=channel, user=user_id, thread_ts=thread_ts,
                                  text=t("practice.only_owner", lang))
        return
    post_in_thread(deps, client, team_id, user_id, channel, thread_ts, opening.lang,
                   blocks=opening_blocks(opening, user_id), text=t("practice.title", opening.lang))
