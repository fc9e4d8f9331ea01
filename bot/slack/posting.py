"""Posting coaching into Slack and keeping the thread's state: shared by commands, messages and actions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.content.i18n import t
from bot.core.guidance import Answer, Guidance
from bot.services.summarize import Message, parse_messages
from bot.services.summary_text import summary_text
from bot.slack.blocks import (
    answer_blocks,
    escape,
    guidance_blocks,
    guidance_fallback,
    summary_messages,
    unescape,
)
from bot.slack.deps import Deps
from bot.slack.home import refresh_home
from bot.slack.replies import Asker

log = logging.getLogger(__name__)
THREAD_TURNS_KEPT = 30  # per thread; older turns are dropped so history stays bounded
REPLIES_PAGE = 200
MAX_PAGES = 50  # 10,000 messages: more than any thread a summary can help with
_CANNOT_POST_HERE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "not_allowed"}


@dataclass(frozen=True)
class Posted:
    """Where a message went; `moved` says why it went to the asker's DM instead: "shared" (people outside the
    workspace read the conversation) or "no_access" (the app cannot post there)."""

    channel: str
    ts: str
    moved: str | None = None


def open_dm(client: WebClient, user_id: str) -> str:
    """The id of the app's DM with `user_id` (conversations.open returns the same one every time)."""
    return client.conversations_open(users=user_id)["channel"]["id"]


def deliver(deps: Deps, client: WebClient, team_id: str, user_id: str, channel: str, payload: dict[str, Any],
            thread_ts: str | None = None) -> Posted:
    """Post a message with deal context where it was asked for, unless
    people outside the workspace can read that conversation or the app cannot post there: then in a DM."""
    if deps.audience.outsiders_can_read(client, team_id, channel):
        dm = open_dm(client, user_id)
        return Posted(dm, client.chat_postMessage(channel=dm, **payload)["ts"], "shared")
    try:
        response = client.chat_postMessage(channel=channel, thread_ts=thread_ts, **payload)
    except SlackApiError as exc:
        if thread_ts is not None or exc.response.get("error") not in _CANNOT_POST_HERE:
            raise
        log.info("cannot post in %s (%s); sending it by DM", channel, exc.response.get("error"))
        dm = open_dm(client, user_id)
        return Posted(dm, client.chat_postMessage(channel=dm, **payload)["ts"], "no_access")
    return Posted(channel, response["ts"])


def say(deps: Deps, asker: Asker, team_id: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    """A short reply in the asker's conversation (thread); only to the asker where outsiders read along."""
    if deps.audience.outsiders_can_read(asker.client, team_id, asker.channel):
        asker.tell(text, blocks)
    else:
        asker.client.chat_postMessage(channel=asker.channel, thread_ts=asker.thread_ts, text=text, blocks=blocks)


def guidance_payload(deps: Deps, guidance: Guidance, objection: str) -> dict[str, Any]:
    """The coaching message: Block Kit with the feedback and "diagnose differently" controls, and its
    notification text."""
    playbooks = deps.coach.playbooks
    lang = guidance.language
    names = [playbooks[guidance.label].text("name", lang)]
    if guidance.topic and guidance.topic in playbooks.topics:  # the topic's playbook was given to the model too
        names.append(playbooks.topics[guidance.topic].text("name", lang))
    return {"blocks": guidance_blocks(guidance, objection, names[0], names), "text": guidance_fallback(guidance)}


def record_guidance(deps: Deps, team_id: str, posted: Posted, thread_ts: str | None, guidance: Guidance,
                    objection: str) -> None:
    """The coaching message is posted: it starts (or continues) a coaching thread."""
    thread = thread_ts if posted.moved is None else None  # a DM copy starts its own thread
    root = thread or posted.ts
    if guidance.coaching_id is not None:
        deps.store.mark_posted(guidance.coaching_id, posted.channel, posted.ts, thread)
    deps.store.open_thread(team_id, posted.channel, root, guidance.label, topic=guidance.topic)
    deps.store.add_turn(team_id, posted.channel, root, "buyer", objection, THREAD_TURNS_KEPT)
    deps.store.add_turn(team_id, posted.channel, root, "coach", f"diagnosed {guidance.label}", THREAD_TURNS_KEPT)


def post_guidance(
    deps: Deps,
    client: WebClient,
    team_id: str,
    user_id: str,
    channel: str,
    guidance: Guidance,
    objection: str,
    thread_ts: str | None = None,
) -> Posted:
    """Post a coaching message (see `deliver` for where). The message starts (or continues) a coaching thread."""
    payload = guidance_payload(deps, guidance, objection)
    posted = deliver(deps, client, team_id, user_id, channel, payload, thread_ts)
    record_guidance(deps, team_id, posted, thread_ts, guidance, objection)
    refresh_home(deps, client, team_id, user_id)
    return posted


def post_answer(deps: Deps, client: WebClient, team_id: str, user_id: str, channel: str, thread_ts: str,
                question: str, answer: Answer) -> Posted:
    posted = deliver(deps, client, team_id, user_id, channel,
                     {"blocks": answer_blocks(answer), "text": escape(answer.heading)}, thread_ts)
    deps.store.add_turn(team_id, channel, thread_ts, "seller", question, THREAD_TURNS_KEPT)
    deps.store.add_turn(team_id, channel, thread_ts, "coach", answer.heading, THREAD_TURNS_KEPT)
    return posted


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


def post_summary(deps: Deps, client: WebClient, team_id: str, user_id: str, channel: str, thread_ts: str,
                 asked_in: str | None = None) -> str:
    """Summarise a thread and post the summary in it (several messages when it is long), or send it to
    `user_id` by DM where people outside the workspace read the thread. `asked_in` is the message that asked
    for it (an @mention), which is not part of the deal's story.

    Returns "posted", "shared" (sent by DM) or "empty" (nothing to summarise; nothing posted)."""
    messages = fetch_thread(client, channel, thread_ts, asked_in)
    if not messages:
        return "empty"
    summary = deps.summarizer.summarize(messages, now=datetime.now(UTC), team_id=team_id)
    coach = deps.coach
    text = summary_text(summary, coach.obstacle_names(summary.language), coach.kind_names(summary.language),
                        esc=escape)
    shared = deps.audience.outsiders_can_read(client, team_id, channel)
    if shared:
        text = f"{t('summary.thread_in', summary.language, channel=channel)}\n{text}"
        dm = open_dm(client, user_id)
    title = t("summary.title", summary.language)
    for blocks in summary_messages(text):
        if shared:
            client.chat_postMessage(channel=dm, blocks=blocks, text=title)
        else:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=blocks, text=title)
    deal = deps.store.deal_for_message(team_id, channel, thread_ts)
    deps.store.save_summary(team_id, channel, thread_ts, deal["id"] if deal else None,
                            sorted({r.kind for r in summary.risks}), [o.label for o in summary.objections],
                            summary.stalled, summary.next_step)
    return "shared" if shared else "posted"
