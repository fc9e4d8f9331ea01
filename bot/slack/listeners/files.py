"""Call transcripts and email threads shared with the app (issue #22): the file in a message, the seller's choice of
their speakers, and "Practise this" on a moment of a review. The flow is bot/slack/call_files.py, the Block Kit
bot/slack/call_review.py. The message listener is registered before the DM's and the channels': Bolt runs the
first one whose matchers take a request."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.content.i18n import t
from bot.services.practice import SessionKey
from bot.slack.audience import team_of
from bot.slack.call_files import (
    FILES_PER_MESSAGE,
    Where,
    call_files,
    moment_scenario,
    review_shared_file,
    review_with_speakers,
    where_to_answer,
)
from bot.slack.call_review import picked
from bot.slack.coaching_threads import written_by_a_person
from bot.slack.deps import Deps
from bot.slack.posting import deliver, open_dm
from bot.slack.practice import engine, opening_blocks
from bot.slack.replies import Asker, user_language

log = logging.getLogger(__name__)


def shares_a_call(event: dict[str, Any]) -> bool:
    """The matcher: someone's message with a file that may be a call transcript or an email thread."""
    return written_by_a_person(event) and bool(call_files(event))


def review_files(body: dict[str, Any], event: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """Review the files shared in the app's DM, in a coaching thread or in a tracked deal room; a file shared
    anywhere else is not the coach's to read."""
    team_id, user_id, channel = team_of(body), event.get("user", ""), event["channel"]
    thread_ts = event.get("thread_ts") or event["ts"]
    in_dm = event.get("channel_type") == "im"
    coaching = event.get("thread_ts") and deps.store.thread(team_id, channel, event["thread_ts"]) is not None
    if not (in_dm or coaching or deps.store.deal_for_message(team_id, channel, event.get("thread_ts"))):
        return
    where = where_to_answer(deps, client, team_id, user_id, channel, thread_ts, in_dm)
    for stub in call_files(event)[:FILES_PER_MESSAGE]:
        review_shared_file(deps, client, team_id, where, stub, thread_ts, channel)


def _container(body: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """The clicked message's channel, its ts, and the thread it is in (None at the top level)."""
    container = body.get("container") or {}
    return (container.get("channel_id") or (body.get("channel") or {}).get("id", ""), container.get("message_ts"),
            container.get("thread_ts") or (body.get("message") or {}).get("thread_ts"))


def review_chosen(body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """"Review" under the question: the call is reviewed with the speakers the seller picked."""
    team_id, user_id = team_of(body), body["user"]["id"]
    channel, message_ts, thread_ts = _container(body)
    private = channel.startswith("D")
    if private or not deps.audience.outsiders_can_read(client, team_id, channel):
        where = Where(channel, thread_ts, user_id, private=private)
    else:  # the channel was shared with another company since the question was asked
        where = Where(open_dm(client, user_id), None, user_id, True, channel)
        message_ts = None
    value = action.get("value", "")
    outcome = review_with_speakers(deps, client, team_id, user_id, int(value) if value.isdigit() else -1,
                                   picked(body), where, message_ts)
    if outcome != "reviewed":
        keys = {"not_yours": "call.ask.only_uploader", "gone": "call.ask.gone", "pick_some": "call.ask.pick_some"}
        lang = user_language(deps.store, team_id, user_id, client)
        client.chat_postEphemeral(channel=channel, user=user_id, thread_ts=thread_ts, text=t(keys[outcome], lang))


def practise_moment(body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """"Practise this": the buyer of that moment says it again, the turns before it shown; the seller answers in
    the practice's thread, as in `/objection practice`."""
    team_id, user_id = team_of(body), body["user"]["id"]
    channel, _, thread_ts = _container(body)
    found = moment_scenario(deps, team_id, action.get("value", ""))
    if isinstance(found, str):
        lang = user_language(deps.store, team_id, user_id, client)
        text = (t("call.too_old", lang, days=deps.coach.settings.text_retention_days) if found == "too_old"
                else t("call.ask.gone", lang))
        client.chat_postEphemeral(channel=channel, user=user_id, thread_ts=thread_ts, text=text)
        return
    scenario, lang = found
    practice = engine(deps)
    opening = practice.opening(scenario, lang)
    payload = {"blocks": opening_blocks(opening, user_id), "text": t("practice.title", lang)}
    posted = deliver(deps, client, team_id, user_id, channel, payload)
    practice.start(SessionKey(team_id, posted.channel, posted.ts, user_id), scenario, lang)
    if posted.moved:
        Asker(client, user_id, channel, thread_ts, language=lang).notify(posted.moved)
