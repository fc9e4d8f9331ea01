"""Practice in Slack: `/objection practice [kind | topic | random] [es]` posts a buyer, the seller answers in
the thread, the scorecard and the buyer's next line follow in the thread, and "Try again" restarts.

Each seller's practice is keyed by workspace, channel, thread and user, so two sellers never share one.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.practice import (
    CHECK_NAMES,
    MAX_TURNS,
    TOPICS,
    NoScenario,
    Opening,
    Practice,
    Selection,
    SessionKey,
    Step,
    labels_text,
)
from bot.score import Hint, Scorecard
from bot.slack.blocks import MAX_BLOCKS, escape, split_text
from bot.slack.commands import parse
from bot.slack.posting import Deps, ack_now, team_of
from bot.taxonomy import LABELS

log = logging.getLogger(__name__)
Block = dict[str, Any]
_CANNOT_POST_HERE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "not_allowed"}
_ENGINES: weakref.WeakKeyDictionary[Any, Practice] = weakref.WeakKeyDictionary()


def engine(deps: Deps) -> Practice:
    """One practice engine per coach: its scenarios and trained scorer load once."""
    if deps.coach not in _ENGINES:
        _ENGINES[deps.coach] = Practice(deps.coach)
    return _ENGINES[deps.coach]


def _is_practice(body: dict[str, Any]) -> bool:
    return parse(body.get("text"))[0] == "practice"


def _selection(body: dict[str, Any]) -> Selection:
    return Selection.parse(parse(body.get("text"))[1].split())


def _section(text: str) -> list[Block]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in split_text(text)]


def _quote(text: str) -> str:
    return "\n".join(f">{line}" for line in escape(text).splitlines() or [""])


def _retry_button(thread_ts: str, lang: str) -> Block:
    return {"type": "actions", "block_id": "practice_actions", "elements": [
        {"type": "button", "action_id": "practice_retry", "value": thread_ts,
         "text": {"type": "plain_text", "text": labels_text(lang)["try_again"]}}]}


def opening_blocks(opening: Opening, user_id: str) -> list[Block]:
    w = labels_text(opening.lang)
    return [
        {"type": "header", "text": {"type": "plain_text", "text": f"{w['title']} · {opening.scenario.topic}"}},
        *_section(f"*{w['buyer']}:* {escape(opening.persona)}"),
        *_section(_quote(opening.objection)),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<@{user_id}> · "
                                          f"{w['turn'].format(turn=1, max=MAX_TURNS)} · {w['reply_here']}"}]},
    ]


def scorecard_blocks(card: Scorecard, kind_name: str, thread_ts: str) -> list[Block]:
    w, names = labels_text(card.language), CHECK_NAMES["es" if card.language == "es" else "en"]
    lines = []
    for check, value in card.checks.items():
        if value is None:
            lines.append(f"➖ {names[check]} ({w['not_applicable']})")
            continue
        quote = card.evidence.get(check)
        lines.append(f"{'✅' if value else '❌'} {names[check]}" + (f": “{escape(quote)}”" if quote else ""))
    body = [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": f"{w['score']}: {card.passed}/{card.applicable} · {card.score:.0%}"}},
        *_section("\n".join(lines)),
        *_section(f"*{w['well']}*\n{escape(card.well or w['nothing'])}"),
        *_section(f"*{w['improve']}*\n{escape(card.improve)}"),
        *_section(f"*{w['model']}*\n{_quote(card.model_answer)}"),
    ]
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(line)} for line in
                                               [f"{w['kind']}: {kind_name}", *card.notes][:10]]}
    return body[: MAX_BLOCKS - 2] + [context, _retry_button(thread_ts, card.language)]


def buyer_blocks(step: Step, lang: str, thread_ts: str) -> list[Block]:
    w = labels_text(lang)
    blocks = _section(f"*{w['buyer']}:* {escape(step.buyer or '')}")
    if not step.done:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"{w['turn'].format(turn=step.turn, max=MAX_TURNS)} · {w['reply_here']}"}]})
        return blocks
    if step.summary:
        s = step.summary
        names = CHECK_NAMES["es" if lang == "es" else "en"]
        text = (f"*{w['summary']}*: {w['handled'] if s.handled else w['not_handled']}\n"
                f"{w['scores']}: {', '.join(f'{x:.0%}' for x in s.scores)}"
                + (f"\n{w['focus']}: {names[s.focus]}" if s.focus else ""))
        blocks += _section(text)
    blocks.append(_retry_button(thread_ts, lang))
    return blocks


def _usage(lang: str = "en") -> str:
    return (f"Usage: `/objection practice [kind | topic | random] [es]`. Kinds: {', '.join(LABELS)}. "
            f"Topics: {', '.join(TOPICS)}.")


def _post(client: WebClient, channel: str, user_id: str, **payload: Any) -> tuple[str, str]:
    """Post in the channel, or in a DM with the seller when the app cannot post there. (channel, ts)"""
    try:
        response = client.chat_postMessage(channel=channel, **payload)
    except SlackApiError as exc:
        if exc.response.get("error") not in _CANNOT_POST_HERE:
            raise
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        response = client.chat_postMessage(channel=channel, **payload)
    return channel, response["ts"]


def on_thread_message(deps: Deps, client: WebClient, team_id: str, event: dict[str, Any], text: str) -> bool:
    """Handle a message in a practice thread (the seller's answer to the buyer); False when it is not one."""
    channel, thread_ts, user_id = event["channel"], event["thread_ts"], event.get("user", "")
    if not deps.store.is_practice_thread(team_id, channel, thread_ts):
        return False
    practice = engine(deps)
    key = SessionKey(team_id, channel, thread_ts, user_id)
    step = practice.answer(key, text)
    if step is None:  # someone else's practice: theirs stays theirs
        client.chat_postEphemeral(channel=channel, user=user_id, thread_ts=thread_ts,
                                  text="This thread is another seller's practice. Start your own with "
                                       "`/objection practice`.")
        return True
    row = practice.session(key) or {}
    lang = row.get("lang", "en")
    w = labels_text(lang)
    if step.finished_before:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=w["over"],
                                blocks=[*_section(escape(w["over"])), _retry_button(thread_ts, lang)])
    elif isinstance(step.hint, Hint):
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=escape(step.hint.text))
    elif step.card is not None:
        card = step.card
        name = deps.coach.playbooks[card.kind].text("name", card.language)
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=scorecard_blocks(card, name, thread_ts),
                                text=f"{w['score']}: {card.passed}/{card.applicable}")
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=buyer_blocks(step, lang, thread_ts),
                                text=w["buyer"])
    return True


def register(app: App, deps: Deps) -> None:
    """Listeners for practice. Register before bot/slack/commands.py: its `/objection` listener takes the rest."""

    def ack_practice(ack: Ack, body: dict[str, Any]) -> None:
        try:
            selection = _selection(body)
        except ValueError as exc:
            ack(response_type="ephemeral", text=f"I don't know {escape(str(exc))!r}. {_usage()}")
            return
        ack(response_type="ephemeral", text=":hourglass_flowing_sand: Setting up a buyer for you…"
            if selection.lang == "en" else ":hourglass_flowing_sand: Preparando un comprador…")

    def start(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        try:
            selection = _selection(body)
        except ValueError:
            return  # the ack said what was wrong
        team_id, user_id, channel = body.get("team_id", ""), body.get("user_id", ""), body.get("channel_id", "")
        practice = engine(deps)
        try:
            scenario = practice.choose(selection)
        except NoScenario:
            respond(response_type="ephemeral", text=f"There is no practice scenario for that yet. {_usage()}")
            return
        opening = practice.opening(scenario, selection.lang)
        fallback = labels_text(selection.lang)["title"]
        try:
            posted_in, ts = _post(client, channel, user_id, blocks=opening_blocks(opening, user_id), text=fallback)
        except SlackApiError as exc:
            log.error("posting the practice failed: %s", exc.response.get("error"))
            respond(response_type="ephemeral", text="Sorry, I could not start the practice here. Please try again.")
            return
        practice.start(SessionKey(team_id, posted_in, ts, user_id), scenario, selection.lang)

    def retry(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        channel, thread_ts, user_id = body["container"]["channel_id"], action.get("value", ""), body["user"]["id"]
        practice = engine(deps)
        opening = practice.restart(SessionKey(team_of(body), channel, thread_ts, user_id))
        if opening is None:
            client.chat_postEphemeral(channel=channel, user=user_id, thread_ts=thread_ts,
                                      text="Only the seller practising here can restart it. Start your own with "
                                           "`/objection practice`.")
            return
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=opening_blocks(opening, user_id),
                                text=labels_text(opening.lang)["title"])

    app.command("/objection", matchers=[_is_practice])(ack=ack_practice, lazy=[start])
    app.action("practice_retry")(ack=ack_now, lazy=[retry])

