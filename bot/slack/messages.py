"""Thread replies and @mentions: coaching continues in the thread with its history."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.coach import EmptyObjection, is_seller_question
from bot.i18n import t
from bot.slack import practice
from bot.slack.audience import team_of
from bot.slack.blocks import escape, unescape, usage_blocks, usage_fallback
from bot.slack.commands import reads_like_a_sentence
from bot.slack.deps import Deps
from bot.slack.posting import post_answer, post_summary, say
from bot.slack.replies import Asker, ack_now, language_of, notice, reported, user_language
from bot.slack.streaming import coach_in_thread

_SUMMARIZE = re.compile(r"^\s*(summari[sz]e|summary|resume|resum[ei]r?|resumen)\b", re.I)
_TRACK = re.compile(r"^\s*(track|untrack)\b\s*(.{0,80})$", re.I | re.S)
# What a person writes: a message, a thread reply also sent to the channel, a message with files attached.
# Edits, deletions, joins and the like are not someone saying something to the coach or in a deal.
WRITTEN = (None, "thread_broadcast", "file_share")


def written_by_a_person(event: dict[str, Any]) -> bool:
    return not event.get("bot_id") and event.get("subtype") in WRITTEN


def has_files(event: dict[str, Any]) -> bool:
    """Files came with the message: their contents are not read (yet), only its text."""
    return event.get("subtype") == "file_share" or bool(event.get("files"))


def continue_thread(deps: Deps, asker: Asker, team_id: str, thread_ts: str, text: str, *,
                    files: bool = False) -> None:
    """A new buyer objection is diagnosed and coached; a seller's question is answered in context. With
    `files` the message's text is coached as usual (if it has any) and a line says the files were not read."""
    if text.strip() or not files:
        _reply(deps, asker, team_id, thread_ts, text)
    if files:
        if not text.strip():  # nothing written to tell the language by: their Slack locale's
            asker.language = user_language(deps.store, team_id, asker.user_id, asker.client)
        say(deps, asker, team_id, notice("files_not_read", asker.language))


def _reply(deps: Deps, asker: Asker, team_id: str, thread_ts: str, text: str) -> None:
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
    def record_activity(body: dict[str, Any], event: dict[str, Any]) -> None:
        if not written_by_a_person(event):
            return
        deal = deps.store.deal_for_message(team_of(body), event["channel"], event.get("thread_ts"))
        if deal is not None:
            deps.store.record_activity(deal["id"], event.get("user", ""), event["ts"])

    def reply_in_thread(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        # a reply also sent to the channel (thread_broadcast) is a reply like any other
        if not written_by_a_person(event):
            return
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts"):
            return
        text = unescape(event.get("text") or "")
        if context.bot_user_id and f"<@{context.bot_user_id}>" in text:
            return  # the app_mention event for this message answers it
        team_id = team_of(body)
        if practice.on_thread_message(deps, client, team_id, event, text):
            return  # a practice thread: the seller answers the buyer there, nothing to coach
        if deps.store.thread(team_id, event["channel"], thread_ts) is None:
            return  # not a coaching thread
        asker = Asker(client, event.get("user", ""), event["channel"], thread_ts, language=language_of(text))
        continue_thread(deps, asker, team_id, thread_ts, text, files=has_files(event))

    def on_mention(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        mention = re.compile(rf"<@{re.escape(context.bot_user_id or '')}(\|[^>]*)?>")
        text = mention.sub(" ", unescape(event.get("text") or "")).strip()
        thread_ts = event.get("thread_ts") or event["ts"]
        team_id = team_of(body)
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
        continue_thread(deps, asker, team_id, thread_ts, text, files=has_files(event))

    app.event("message")(ack=ack_now, lazy=[reported(record_activity, tell=False), reported(reply_in_thread)])
    app.event("app_mention")(ack=ack_now, lazy=[reported(on_mention)])
