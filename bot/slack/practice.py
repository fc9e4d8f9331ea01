"""Practice in Slack: `/objection practice [kind | topic | random] [es]` posts a buyer, the seller answers in
the thread, the scorecard and the buyer's next line follow in the thread, and "Try again" restarts. This module
holds the practice engine, its messages and a seller's answer in a practice thread; the command and the button
are bot/slack/listeners/practice.py.

Each seller's practice is keyed by workspace, channel, thread and user, so two sellers never share one. A
scorecard is coaching: where people outside the workspace read the channel, the practice goes to the seller's
DM (and its thread there), and the seller is told why.
"""

from __future__ import annotations

import weakref
from typing import Any

from slack_sdk import WebClient

from bot.content.i18n import t
from bot.services.practice import MAX_TURNS, Opening, Practice, SessionKey, Step, summary_outcome
from bot.services.score import Hint, Scorecard
from bot.slack.blocks import MAX_BLOCKS, escape, split_text
from bot.slack.deps import Deps
from bot.slack.posting import deliver
from bot.slack.replies import Asker, language_of

Block = dict[str, Any]
_ENGINES: weakref.WeakKeyDictionary[Any, Practice] = weakref.WeakKeyDictionary()


def engine(deps: Deps) -> Practice:
    """One practice engine per coach: its scenarios and trained scorer load once."""
    if deps.coach not in _ENGINES:
        _ENGINES[deps.coach] = Practice(deps.coach)
    return _ENGINES[deps.coach]


def _section(text: str) -> list[Block]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in split_text(text)]


def _quote(text: str) -> str:
    return "\n".join(f">{line}" for line in escape(text).splitlines() or [""])


def _retry_button(thread_ts: str, lang: str) -> Block:
    return {"type": "actions", "block_id": "practice_actions", "elements": [
        {"type": "button", "action_id": "practice_retry", "value": thread_ts,
         "text": {"type": "plain_text", "text": t("practice.try_again", lang)}}]}


def opening_blocks(opening: Opening, user_id: str) -> list[Block]:
    lang = opening.lang
    title, turn = t("practice.title", lang), t("practice.turn", lang, turn=1, max=MAX_TURNS)
    topic = opening.scenario.topic or t("practice.call.header", lang)
    # a moment of a call: what was said just before the buyer's objection (the call's own words, escaped)
    before = _section(f"*{t('practice.call.before', lang)}*\n" + "\n".join(escape(line) for line in opening.context)
                      )[:3] if opening.context else []
    return [
        {"type": "header", "text": {"type": "plain_text", "text": f"{title} · {topic}"[:150]}},
        *_section(f"*{t('practice.buyer', lang)}:* {escape(opening.persona)}"),
        *before,
        *_section(_quote(opening.objection)),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<@{user_id}> · "
                                          f"{turn} · {t('practice.reply_here', lang)}"}]},
    ]


def scorecard_blocks(card: Scorecard, kind_name: str, thread_ts: str) -> list[Block]:
    lang = card.language
    lines = []
    for check, value in card.checks.items():
        name = t(f"practice.check.{check}", lang)
        if value is None:
            lines.append(f"➖ {name} ({t('practice.not_applicable', lang)})")
            continue
        quote = card.evidence.get(check)
        lines.append(f"{'✅' if value else '❌'} {name}" + (f": “{escape(quote)}”" if quote else ""))
    body = [
        {"type": "header", "text": {"type": "plain_text", "text": _score_line(card) + f" · {card.score:.0%}"}},
        *_section("\n".join(lines)),
        *_section(f"*{t('practice.well', lang)}*\n{escape(card.well or t('practice.nothing', lang))}"),
        *_section(f"*{t('practice.improve', lang)}*\n{escape(card.improve)}"),
        *_section(f"*{t('practice.model', lang)}*\n{_quote(card.model_answer)}"),
    ]
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(line)} for line in
                                               [f"{t('practice.kind', lang)}: {kind_name}", *card.notes][:10]]}
    return body[: MAX_BLOCKS - 2] + [context, _retry_button(thread_ts, card.language)]


def _score_line(card: Scorecard) -> str:
    return f"{t('practice.score', card.language)}: {card.passed}/{card.applicable}"


def buyer_blocks(step: Step, lang: str, thread_ts: str) -> list[Block]:
    blocks = _section(f"*{t('practice.buyer', lang)}:* {escape(step.buyer or '')}")
    if not step.done:
        turn = t("practice.turn", lang, turn=step.turn, max=MAX_TURNS)
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"{turn} · {t('practice.reply_here', lang)}"}]})
        return blocks
    if step.summary:
        s = step.summary
        outcome = summary_outcome(s, lang)
        text = (f"*{t('practice.summary', lang)}*: {escape(outcome)}\n"
                f"{t('practice.scores', lang)}: {', '.join(f'{x:.0%}' for x in s.scores)}"
                + (f"\n{t('practice.focus', lang)}: {t(f'practice.check.{s.focus}', lang)}" if s.focus else ""))
        blocks += _section(text)
    blocks.append(_retry_button(thread_ts, lang))
    return blocks


def post_in_thread(deps: Deps, client: WebClient, team_id: str, user_id: str, channel: str, thread_ts: str,
                   lang: str, **payload: Any) -> None:
    """A message in the practice thread; by DM (and the seller told why) when outsiders can now read there."""
    posted = deliver(deps, client, team_id, user_id, channel, payload, thread_ts)
    if posted.moved:
        Asker(client, user_id, channel, thread_ts, language=lang).notify(posted.moved)


def handled_as_practice(deps: Deps, client: WebClient, team_id: str, event: dict[str, Any], text: str) -> bool:
    """Handle a message in a practice thread (the seller's answer to the buyer); False when it is not one."""
    channel, thread_ts, user_id = event["channel"], event["thread_ts"], event.get("user", "")
    if not deps.store.is_practice_thread(team_id, channel, thread_ts):
        return False
    practice = engine(deps)
    key = SessionKey(team_id, channel, thread_ts, user_id)
    step = practice.answer(key, text)
    if step is None:  # someone else's practice: theirs stays theirs
        client.chat_postEphemeral(channel=channel, user=user_id, thread_ts=thread_ts,
                                  text=t("practice.not_yours", language_of(text)))
        return True
    row = practice.session(key) or {}
    lang = row.get("lang", "en")

    def reply(**payload: Any) -> None:
        post_in_thread(deps, client, team_id, user_id, channel, thread_ts, lang, **payload)

    if step.finished_before:
        over = t("practice.over", lang)
        reply(text=over, blocks=[*_section(escape(over)), _retry_button(thread_ts, lang)])
    elif isinstance(step.hint, Hint):
        reply(text=escape(step.hint.text))
    elif step.card is not None:
        card = step.card
        name = deps.coach.playbooks[card.kind].text("name", card.language)
        reply(blocks=scorecard_blocks(card, name, thread_ts), text=_score_line(card))
        reply(blocks=buyer_blocks(step, lang, thread_ts), text=t("practice.buyer", lang))
    return True
