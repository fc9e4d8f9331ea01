"""A coaching thread continued: a new buyer objection in it is diagnosed and coached, a seller's question is
answered with the thread's history; and which message events are someone writing. Shared by the listeners of
channel threads and @mentions (bot/slack/listeners/messages.py) and of the app's DM (listeners/assistant.py)."""

from __future__ import annotations

from typing import Any

from bot.content.i18n import t
from bot.core.guidance import EmptyObjection, OptedOut
from bot.core.seller_questions import is_seller_question
from bot.slack.blocks import usage_blocks, usage_fallback
from bot.slack.deps import Deps
from bot.slack.posting import post_answer, say
from bot.slack.replies import Asker, notice, user_language
from bot.slack.streaming import coach_in_thread

# What a person writes: a message, a thread reply also sent to the channel, a message with files attached.
# Edits, deletions, joins and the like are not someone saying something to the coach or in a deal.
WRITTEN = (None, "thread_broadcast", "file_share")


def written_by_a_person(event: dict[str, Any]) -> bool:
    return not event.get("bot_id") and event.get("subtype") in WRITTEN


def has_files(event: dict[str, Any]) -> bool:
    """Files came with the message: their contents are not read (yet), only its text."""
    return event.get("subtype") == "file_share" or bool(event.get("files"))


def continue_thread(deps: Deps, asker: Asker, team_id: str, thread_ts: str, text: str, *,
                    files: bool = False, context: str | None = None) -> None:
    """A new buyer objection is diagnosed and coached; a seller's question is answered in context. With
    `files` the message's text is coached as usual (if it has any) and a line says the files were not read.
    `context` (a deal's) is the thread's when the thread has none yet."""
    if text.strip() or not files:
        _reply(deps, asker, team_id, thread_ts, text, context)
    if files:
        if not text.strip():  # nothing written to tell the language by: their Slack locale's
            asker.language = user_language(deps.store, team_id, asker.user_id, asker.client)
        say(deps, asker, team_id, notice("files_not_read", asker.language))


def _reply(deps: Deps, asker: Asker, team_id: str, thread_ts: str, text: str, context: str | None = None) -> None:
    client, channel = asker.client, asker.channel
    thread = deps.store.thread(team_id, channel, thread_ts)
    if context and not (thread and thread.get("context")):  # the thread carries the deal from now on
        deps.store.open_thread(team_id, channel, thread_ts, thread["label"] if thread else None, context)
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
        coached = coach_in_thread(deps, asker, team_id, thread_ts, text,
                                  context=thread["context"] if thread else None, history=history)
    except OptedOut:
        say(deps, asker, team_id, notice("opted_out", asker.language), None)
        return
    except EmptyObjection:
        say(deps, asker, team_id, usage_fallback(asker.language), usage_blocks(asker.language))
        return
    if coached is None:
        return  # the seller stopped it, and chose to be left nothing
    guidance, posted = coached
    asker.language = guidance.language
    if posted.moved:
        asker.notify(posted.moved)
