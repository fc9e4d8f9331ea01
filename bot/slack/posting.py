"""Posting coaching into Slack and keeping the thread's state: shared by commands, messages and actions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.coach import Answer, Coach, Guidance
from bot.slack.blocks import (
    answer_blocks,
    escape,
    guidance_blocks,
    guidance_fallback,
    summary_messages,
    summary_text,
    unescape,
)
from bot.store import Store
from bot.summarize import Message, Summarizer, parse_messages

log = logging.getLogger(__name__)
THREAD_TURNS_KEPT = 30  # per thread; older turns are dropped so history stays bounded
REPLIES_PAGE = 200
MAX_PAGES = 50  # 10,000 messages: more than any thread a summary can help with
_CANNOT_POST_HERE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "not_allowed"}


def ack_now(ack: Any) -> None:
    """The acknowledgement of a listener whose work runs afterwards, lazily."""
    ack()


def team_of(body: dict[str, Any]) -> str:
    """The workspace an interaction (button, shortcut) came from."""
    return (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")


@dataclass
class Deps:
    """What the listeners share: the coaching core and the store."""

    coach: Coach
    store: Store
    summarizer: Summarizer


def post_guidance(
    deps: Deps,
    client: WebClient,
    team_id: str,
    user_id: str,
    channel: str,
    guidance: Guidance,
    objection: str,
    thread_ts: str | None = None,
    placeholder_ts: str | None = None,
) -> tuple[str, str]:
    """Post a coaching message (in the channel, or in a DM when the app cannot post there), or put it in
    place of the `placeholder_ts` message that showed the coach was working.

    Returns (channel, ts) of the posted message; the message starts (or continues) a coaching thread.
    """
    name = deps.coach.playbooks[guidance.label].text("name", guidance.language)
    payload: dict[str, Any] = {
        "blocks": guidance_blocks(guidance, objection, name),
        "text": guidance_fallback(guidance),
    }
    try:
        if placeholder_ts:
            response = client.chat_update(channel=channel, ts=placeholder_ts, **payload)
        else:
            response = client.chat_postMessage(channel=channel, thread_ts=thread_ts, **payload)
    except SlackApiError as exc:
        if thread_ts is not None or exc.response.get("error") not in _CANNOT_POST_HERE:
            raise
        log.info("cannot post in %s (%s); sending the coaching by DM", channel, exc.response.get("error"))
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        response = client.chat_postMessage(channel=channel, **payload)
    ts = response["ts"]
    root = thread_ts or ts
    if guidance.coaching_id is not None:
        deps.store.mark_posted(guidance.coaching_id, channel, ts, thread_ts)
    deps.store.open_thread(team_id, channel, root, guidance.label)
    deps.store.add_turn(team_id, channel, root, "buyer", objection, THREAD_TURNS_KEPT)
    deps.store.add_turn(team_id, channel, root, "coach", f"diagnosed {guidance.label}", THREAD_TURNS_KEPT)
    return channel, ts


def show_working(deps: Deps, client: WebClient, channel: str, thread_ts: str) -> str | None:
    """With a model configured, coaching in a thread takes seconds: show that it is coming (the message is
    replaced by the coaching). Offline answers are instant and need none."""
    if deps.coach.llm is None:
        return None
    return client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                   text=":hourglass_flowing_sand: Coaching this one…")["ts"]


def post_answer(deps: Deps, client: WebClient, team_id: str, channel: str, thread_ts: str, question: str,
                answer: Answer) -> None:
    client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=answer_blocks(answer),
                            text=escape(answer.heading))
    deps.store.add_turn(team_id, channel, thread_ts, "seller", question, THREAD_TURNS_KEPT)
    deps.store.add_turn(team_id, channel, thread_ts, "coach", answer.heading, THREAD_TURNS_KEPT)


def fetch_thread(client: WebClient, channel: str, thread_ts: str, skip_ts: str | None = None) -> list[Message]:
    """All messages of a thread, page by page (the client waits out 429s per Retry-After)."""
    raw: list[dict[str, Any]] = []
    cursor = None
    for _ in range(MAX_PAGES):
        page = client.conversations_replies(channel=channel, ts=thread_ts, limit=REPLIES_PAGE, cursor=cursor)
        raw += [{**m, "text": unescape(m.get("text") or "")} for m in page.get("messages") or []]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return parse_messages({"messages": raw}, skip_ts)


def post_summary(deps: Deps, client: WebClient, team_id: str, channel: str, thread_ts: str,
                 asked_in: str | None = None) -> None:
    """Summarise a thread and post the summary in it (several messages when it is long). `asked_in` is the
    message that asked for it (an @mention), which is not part of the deal's story."""
    messages = fetch_thread(client, channel, thread_ts, asked_in)
    if not messages:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                text="There is nothing in this thread to summarise.")
        return
    summary = deps.summarizer.summarize(messages, now=datetime.now(UTC))
    coach = deps.coach
    text = summary_text(summary, coach.obstacle_names(summary.language), coach.kind_names(summary.language))
    for blocks in summary_messages(text):
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=blocks, text="Deal-room summary")
    deal = deps.store.deal_for_message(team_id, channel, thread_ts)
    deps.store.save_summary(team_id, channel, thread_ts, deal["id"] if deal else None,
                            sorted({r.kind for r in summary.risks}), [o.label for o in summary.objections],
                            summary.stalled, summary.next_step)
