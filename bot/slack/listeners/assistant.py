"""The app's DM (its Messages tab, Slack's agent view): a seller's message there is coached like `/objection`
(streamed with a model, bot/slack/streaming.py), and replies in its thread continue the coaching. While the
seller looks at a tracked deal, "summarise this deal" and "what's stalling it?" are about it, and a coaching
carries its context (bot/slack/viewing.py)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.content.i18n import t
from bot.slack.assistant import pointer_for
from bot.slack.audience import team_of
from bot.slack.blocks import unescape
from bot.slack.coaching_threads import continue_thread, has_files, written_by_a_person
from bot.slack.deps import Deps
from bot.slack.practice import handled_as_practice
from bot.slack.replies import Asker, language_of
from bot.slack.viewing import answer_deal_ask, current_view, deal_ask, deal_context, viewed_deal


def is_seller_dm(event: dict[str, Any]) -> bool:
    """A seller's own message in their DM with the app, new or in a thread, files attached or not (not an edit
    or a bot's post). In the DM every thread is the coach's: one Slack opened (the agent view threads
    conversations) is coached as well as one the coach started."""
    return event.get("channel_type") == "im" and written_by_a_person(event)


def coach_dm(body: dict[str, Any], event: dict[str, Any], client: WebClient, deps: Deps) -> None:
    text = unescape(event.get("text") or "")
    team_id = team_of(body)
    # replies go in the thread of the seller's message (or the thread it is in): the coaching continues there
    thread_ts = event.get("thread_ts") or event["ts"]
    if event.get("thread_ts") and handled_as_practice(deps, client, team_id, event, text):
        return  # an answer to the buyer in a practice thread (a practice moved to the DM), not an objection
    asker = Asker(client, event.get("user", ""), event["channel"], thread_ts, language=language_of(text))
    ask = deal_ask(text)
    if ask is not None:
        asker.language = ask[1]
        answer_deal_ask(deps, asker, team_id, event, ask[0])
        return
    pointer = pointer_for(text)
    if pointer is not None:
        key, lang = pointer
        client.chat_postMessage(channel=asker.channel, thread_ts=asker.thread_ts, text=t(key, lang))
        return
    deal = viewed_deal(deps, team_id, current_view(deps, team_id, asker.user_id, event))
    continue_thread(deps, asker, team_id, thread_ts, text, files=has_files(event),
                    context=deal_context(deal, asker.language) if deal else None)
