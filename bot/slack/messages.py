"""Thread replies and @mentions: coaching continues in the thread with its history."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.coach import EmptyObjection, Objection, is_seller_question
from bot.slack import practice
from bot.slack.blocks import USAGE_FALLBACK, escape, unescape, usage_blocks
from bot.slack.posting import Deps, ack_now, post_answer, post_guidance, post_summary, show_working

log = logging.getLogger(__name__)
_SUMMARIZE = re.compile(r"^\s*(summari[sz]e|summary|resume|resum[ei]r?|resumen)\b", re.I)
_TRACK = re.compile(r"^\s*(track|untrack)\b\s*(.{0,80})$", re.I | re.S)


def continue_thread(deps: Deps, client: WebClient, team_id: str, user_id: str, channel: str, thread_ts: str,
                    text: str) -> None:
    """A new buyer objection is diagnosed and coached; a seller's question is answered in context."""
    thread = deps.store.thread(team_id, channel, thread_ts)
    label = thread["label"] if thread else None
    try:
        if is_seller_question(text):
            if label is None:  # nothing diagnosed in this thread yet: ask for the buyer's words first
                client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                        text="Tell me what the buyer said (their words, or what you heard) and "
                                             "I'll diagnose it and coach your next move.")
                return
            post_answer(deps, client, team_id, channel, thread_ts, text, deps.coach.answer(text, label))
            return
        Objection.parse(text)  # nothing to coach: no "working" message either
        working = show_working(deps, client, channel, thread_ts)
        history = deps.store.turns(team_id, channel, thread_ts)
        guidance = deps.coach.coach(text, thread["context"] if thread else None, surface="slack-thread",
                                    team_id=team_id, user_id=user_id, history=history)
    except EmptyObjection:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=USAGE_FALLBACK, blocks=usage_blocks())
        return
    post_guidance(deps, client, team_id, user_id, channel, guidance, text, thread_ts=thread_ts,
                  placeholder_ts=working)


def register(app: App, deps: Deps) -> None:
    def on_message(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("bot_id") or event.get("subtype") not in (None, "file_share", "thread_broadcast"):
            return  # edits, deletions, joins and bots are not deal activity
        team_id = context.team_id or event.get("team", "")
        deal = deps.store.deal_for_message(team_id, event["channel"], event.get("thread_ts"))
        if deal is not None:
            deps.store.record_activity(deal["id"], event.get("user", ""), event["ts"])
        if event.get("subtype"):
            return
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts"):
            return
        text = unescape(event.get("text") or "")
        if context.bot_user_id and f"<@{context.bot_user_id}>" in text:
            return  # the app_mention event for this message answers it
        if practice.on_thread_message(deps, client, team_id, event, text):
            return  # a practice thread: the seller answers the buyer there, nothing to coach
        if deps.store.thread(team_id, event["channel"], thread_ts) is None:
            return  # not a coaching thread
        continue_thread(deps, client, team_id, event.get("user", ""), event["channel"], thread_ts, text)

    def on_mention(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        mention = re.compile(rf"<@{re.escape(context.bot_user_id or '')}(\|[^>]*)?>")
        text = mention.sub(" ", unescape(event.get("text") or "")).strip()
        thread_ts = event.get("thread_ts") or event["ts"]
        team_id = context.team_id or event.get("team", "")
        if _SUMMARIZE.match(text):
            post_summary(deps, client, team_id, event["channel"], thread_ts, asked_in=event["ts"])
            return
        track = _TRACK.match(text)
        if track and event.get("thread_ts"):  # a deal can be one thread: "@coach track Globex pilot"
            if track.group(1).lower() == "track":
                deal = deps.store.track_deal(team_id, event["channel"], thread_ts,
                                             track.group(2).strip() or "this thread", event.get("user", ""))
                reply = f"Tracking this thread as the deal *{escape(deal['name'])}*."
            else:
                done = deps.store.untrack_deal(team_id, event["channel"], thread_ts)
                reply = "This thread is no longer tracked." if done else "This thread is not tracked."
            client.chat_postMessage(channel=event["channel"], thread_ts=thread_ts, text=reply)
            return
        continue_thread(deps, client, team_id, event.get("user", ""), event["channel"], thread_ts, text)

    app.event("message")(ack=ack_now, lazy=[on_message])
    app.event("app_mention")(ack=ack_now, lazy=[on_mention])
