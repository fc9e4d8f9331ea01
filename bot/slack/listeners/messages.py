"""Messages in channels and their threads, and @mentions of the app: a deal room's messages count as the deal's
activity, a reply in a coaching (or practice) thread continues it, and an @mention coaches, summarises the
thread, or tracks it as a deal."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.content.i18n import t
from bot.slack.audience import team_of
from bot.slack.blocks import escape, unescape
from bot.slack.coaching_threads import continue_thread, has_files, written_by_a_person
from bot.slack.command_text import reads_like_a_sentence
from bot.slack.deps import Deps
from bot.slack.posting import post_summary, say
from bot.slack.practice import handled_as_practice
from bot.slack.replies import Asker, language_of, notice

_SUMMARIZE = re.compile(r"^\s*(summari[sz]e|summary|resume|resum[ei]r?|resumen)\b", re.I)
_TRACK = re.compile(r"^\s*(track|untrack)\b\s*(.{0,80})$", re.I | re.S)


def record_activity(body: dict[str, Any], event: dict[str, Any], deps: Deps) -> None:
    """Someone wrote in a tracked deal's channel or thread: the deal is not stalled."""
    if not written_by_a_person(event):
        return
    deal = deps.store.deal_for_message(team_of(body), event["channel"], event.get("thread_ts"))
    if deal is not None:
        deps.store.record_activity(deal["id"], event.get("user", ""), event["ts"])


def reply_in_thread(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient,
                    deps: Deps) -> None:
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
    if handled_as_practice(deps, client, team_id, event, text):
        return  # a practice thread: the seller answers the buyer there, nothing to coach
    if deps.store.thread(team_id, event["channel"], thread_ts) is None:
        return  # not a coaching thread
    asker = Asker(client, event.get("user", ""), event["channel"], thread_ts, language=language_of(text))
    continue_thread(deps, asker, team_id, thread_ts, text, files=has_files(event))


def on_mention(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient,
               deps: Deps) -> None:
    mention = re.compile(rf"<@{re.escape(context.bot_user_id or '')}(\|[^>]*)?>")
    text = mention.sub(" ", unescape(event.get("text") or "")).strip()
    thread_ts = event.get("thread_ts") or event["ts"]
    team_id = team_of(body)
    asker = Asker(client, event.get("user", ""), event["channel"], thread_ts, language=language_of(text))
    if _SUMMARIZE.match(text):
        _summarize_here(deps, asker, team_id, thread_ts, asked_in=event["ts"])
        return
    track = _TRACK.match(text)
    # a deal can be one thread: "@coach track Globex pilot"; "@coach track record? ..." is an objection
    if track and event.get("thread_ts") and not reads_like_a_sentence(track.group(2)):
        _track_here(deps, asker, team_id, thread_ts, track.group(1).lower() == "track", track.group(2).strip())
        return
    continue_thread(deps, asker, team_id, thread_ts, text, files=has_files(event))


def _summarize_here(deps: Deps, asker: Asker, team_id: str, thread_ts: str, asked_in: str) -> None:
    """"@coach summarise": the thread it was asked in, without the message that asked."""
    outcome = post_summary(deps, asker.client, team_id, asker.user_id, asker.channel, thread_ts, asked_in=asked_in)
    if outcome == "empty":
        say(deps, asker, team_id, notice("empty_thread", asker.language))
    elif outcome == "shared":
        asker.notify("shared")


def _track_here(deps: Deps, asker: Asker, team_id: str, thread_ts: str, track: bool, name: str) -> None:
    """"@coach track [name]" or "@coach untrack" in a thread: that thread is (no longer) a deal."""
    if track:
        deal = deps.store.track_deal(team_id, asker.channel, thread_ts, name or t("deal.this_thread", asker.language),
                                     asker.user_id)
        reply = t("deal.tracking_thread", asker.language, name=escape(deal["name"]))
    else:
        done = deps.store.untrack_deal(team_id, asker.channel, thread_ts)
        reply = t("deal.untracked_thread" if done else "deal.thread_not_tracked", asker.language)
    say(deps, asker, team_id, reply)
