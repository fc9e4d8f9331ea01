"""Thread replies and @mentions: coaching continues in the thread with its history."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.coach import EmptyObjection, is_seller_question
from bot.i18n import t
from bot.slack import practice
from bot.slack.blocks import escape, unescape, usage_blocks, usage_fallback
from bot.slack.commands import reads_like_a_sentence
from bot.slack.posting import Deps, ack_now, post_answer, post_summary, say
from bot.slack.replies import Asker, language_of, notice, reported
from bot.slack.streaming import coach_in_thread

_SUMMARIZE = re.compile(r"^\s*(summari[sz]e|summary|resume|resum[ei]r?|resumen)\b", re.I)
_TRACK = re.compile(r"^\s*(track|untrack)\b\s*(.{0,80})$", re.I | re.S)


def continue_thread(deps: Deps, asker: Asker, team_id: str, thread_ts: str, text: str) -> None:
    """A new buyer objection is diagnosed and coached; a seller's question is answered in context."""
    client, channel = asker.client, asker.channel
    thread = deps.store.thread(team_id, channel, thread_ts)
    label = thread["label"] if thread else None
    try:
        if is_seller_question(text):
            if label is None:  # nothing diagnosed in this thread yet: ask for the buyer's words first
                say(deps, asker, team_id, t("thread.need_buyer_words", asker.language))
                return
            # the thread's latest buyer objection, so the answer is about its topic; once it has left the bounded
            # history, the topic the thread recorded
            buyer = [turn["text"] for turn in deps.store.turns(team_id, channel, thread_ts) if turn["role"] == "buyer"]
            answer = deps.coach.answer(text, label, buyer[-1] if buyer else None, thread["context"],
                                       thread.get("topic"))
            posted = post_answer(deps, client, team_id, asker.user_id, channel, thread_ts, text, answer)
            if posted.moved:
                asker.notify(posted.moved)
            return
        deps.coach.screen(text)  # nothing to coach ("thanks!"): no "working" status either
        history = deps.store.turns(team_id, channel, thread_ts)
        guidance, posted = coach_in_thread(deps, asker, team_id, thread_ts, text,
                                           context=thread["context"] if thread else None, history=history)
    except EmptyObjection:
        say(deps, asker, team_id, usage_fallback(asker.language), usage_blocks(asker.language))
        return
    asker.language = guidance.language
    if posted.moved:
        asker.notify(posted.moved)


def register(app: App, deps: Deps) -> None:
    def is_activity(event: dict[str, Any]) -> bool:
        # edits, deletions, joins and bots are not deal activity
        return not event.get("bot_id") and event.get("subtype") in (None, "file_share", "thread_broadcast")

    def record_activity(event: dict[str, Any], context: BoltContext) -> None:
        if not is_activity(event):
            return
        team_id = context.team_id or event.get("team", "")
        deal = deps.store.deal_for_message(team_id, event["channel"], event.get("thread_ts"))
        if deal is not None:
            deps.store.record_activity(deal["id"], event.get("user", ""), event["ts"])

    def reply_in_thread(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if not is_activity(event) or event.get("subtype"):
            return
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts"):
            return
        text = unescape(event.get("text") or "")
        if context.bot_user_id and f"<@{context.bot_user_id}>" in text:
            return  # the app_mention event for this message answers it
        team_id = context.team_id or event.get("team", "")
        if practice.on_thread_message(deps, client, team_id, event, text):
            return  # a practice thread: the seller answers the buyer there, nothing to coach
        if deps.store.thread(team_id, event["channel"], thread_ts) is None:
            return  # not a coaching thread
        asker = Asker(client, event.get("user", ""), event["channel"], thread_ts, language=language_of(text))
        continue_thread(deps, asker, team_id, thread_ts, text)

    def on_mention(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        mention = re.compile(rf"<@{re.escape(context.bot_user_id or '')}(\|[^>]*)?>")
        text = mention.sub(" ", unescape(event.get("text") or "")).strip()
        thread_ts = event.get("thread_ts") or event["ts"]
        team_id = context.team_id or event.get("team", "")
        asker = Asker(client, event.get("user", ""), event["channel"], thread_ts, language=language_of(text))
        if _SUMMARIZE.match(text):
            outcome = post_summary(deps, client, team_id, asker.user_id, event["channel"], thread_ts,
                                   asked_in=event["ts"])
            if outcome == "empty":
                say(deps, asker, team_id, notice("empty_thread", asker.language))
            elif outcome == "shared":
                asker.notify("shared")
            return
        track = _TRACK.match(text)
        # a deal can be one thread: "@coach track Globex pilot"; "@coach track record? ..." is an objection
        if track and event.get("thread_ts") and not reads_like_a_sentence(track.group(2)):
            if track.group(1).lower() == "track":
                deal = deps.store.track_deal(team_id, event["channel"], thread_ts,
                                             track.group(2).strip() or t("deal.this_thread", asker.language),
                                             asker.user_id)
                reply = t("deal.tracking_thread", asker.language, name=escape(deal["name"]))
            else:
                done = deps.store.untrack_deal(team_id, event["channel"], thread_ts)
                reply = t("deal.untracked_thread" if done else "deal.thread_not_tracked", asker.language)
            say(deps, asker, team_id, reply)
            return
        continue_thread(deps, asker, team_id, thread_ts, text)

    app.event("message")(ack=ack_now, lazy=[reported(record_activity, tell=False), reported(reply_in_thread)])
    app.event("app_mention")(ack=ack_now, lazy=[reported(on_mention)])
