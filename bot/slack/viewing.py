"""What the seller is looking at in Slack while the coach's Messages tab is open, and what the tab does with a
tracked deal there: "summarise this deal" and "what's stalling it?" work on it, a coaching carries its context,
and its suggested prompts say so.

Slack says what a user is viewing as a context of entities, most relevant first: on `app_context_changed`
(`event.context`), on `app_home_opened` (`event.context`) and on a Messages-tab `message.im` (`event.app_context`)
(docs.slack.dev/reference/events/app_context_changed; bolt-js / vercel chat's Slack adapter read the same fields).
An empty context (`{}`) means the user looks at nothing that is a conversation. Only the conversation's id is kept
(bot/store/base.py `seller_views`), never what it says. A conversation the app cannot read, or one that is no tracked
deal, gets the question "which deal?".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.content.i18n import t
from bot.core.language import LANGUAGES
from bot.services.nudges import find_stalled, in_language
from bot.services.summarize import Message, parse_messages
from bot.services.summary_text import summary_text
from bot.slack.assistant import PROMPTS, suggested_prompts
from bot.slack.blocks import deal_heading, escape, nudge_actions, split_text, summary_messages, unescape
from bot.slack.deps import Deps
from bot.slack.posting import fetch_thread
from bot.slack.replies import Asker

log = logging.getLogger(__name__)
VIEW_FRESH = timedelta(hours=12)  # a view older than this is not what the seller is looking at any more
DEAL_MESSAGES = 200  # "summarise this deal" reads a deal channel's latest messages, this many at most
DEALS_LISTED = 10  # "which deal?" lists the seller's open deals, this many at most
CHANNEL = "slack#/types/channel_id"
MESSAGE = "slack#/types/message_context"
CANNOT_READ = {"not_in_channel", "channel_not_found", "missing_scope", "thread_not_found", "is_archived"}
# the Messages-tab prompts about the deal in view: (title, the message a click sends)
DEAL_PROMPTS = (("dm.prompt.deal_summary", "dm.prompt.deal_summary_message"),
                ("dm.prompt.deal_stalling", "dm.prompt.deal_stalling_message"), PROMPTS[0])
# what the seller may type besides the prompts' own words
_ASKS = {
    "summary": [re.compile(r"^\W*(please\s+)?(summari[sz]e|sum up|recap)\s+(this|the)\s+(deal|opportunity)\W*$",
                           re.I),
                re.compile(r"^\W*(resume|res[uú]meme|resumir|haz un resumen de)\s+(esta|este|la|el)\s+"
                           r"(oportunidad|deal|negocio|trato)\W*$", re.I)],
    "stalling": [re.compile(r"^\W*(what'?s|what is)\s+(stalling|blocking|holding up|holding back)\s+"
                            r"(it|this deal|the deal)\W*$", re.I),
                 re.compile(r"^\W*qu[eé]\s+((la|lo)\s+)?(est[aá]\s+)?(frenando|bloqueando|deteniendo)\s*"
                            r"(esta oportunidad|este deal|la oportunidad|el deal)?\W*$", re.I)],
}


@dataclass(frozen=True)
class View:
    """A conversation the seller is looking at: a channel, or a message (thread) in it."""

    channel: str
    thread_ts: str | None = None


def read_context(context: Any) -> View | None:
    """The most relevant conversation in a Slack context, or None (a canvas, a list, nothing)."""
    entities = context.get("entities") if isinstance(context, dict) else None
    for entity in entities if isinstance(entities, list) else []:
        if not isinstance(entity, dict):
            continue
        value = entity.get("value")
        if entity.get("type") == CHANNEL and isinstance(value, str) and value:
            return View(value)
        if entity.get("type") == MESSAGE and isinstance(value, dict) and value.get("channel_id"):
            return View(str(value["channel_id"]), str(value.get("message_ts") or "") or None)
    return None


def remember(deps: Deps, team_id: str, user_id: str, context: Any) -> View | None:
    """Keep what the seller is looking at now, as a Slack context says it; the view."""
    view = read_context(context)
    deps.store.set_seller_view(team_id, user_id, view.channel if view else None, view.thread_ts if view else None)
    return view


def current_view(deps: Deps, team_id: str, user_id: str, event: dict[str, Any]) -> View | None:
    """What the seller looks at as they write: the context sent with their message, else the latest one Slack
    sent (app_context_changed, app_home_opened) within VIEW_FRESH."""
    if isinstance(event.get("app_context"), dict):
        return remember(deps, team_id, user_id, event["app_context"])
    row = deps.store.seller_view(team_id, user_id, datetime.now(UTC) - VIEW_FRESH)
    return View(row["channel"], row["thread_ts"] or None) if row else None


def viewed_deal(deps: Deps, team_id: str, view: View | None) -> dict[str, Any] | None:
    """The open deal the view is in (its thread if that is tracked, else its channel), if any."""
    return deps.store.deal_for_message(team_id, view.channel, view.thread_ts) if view else None


def deal_context(deal: dict[str, Any], lang: str) -> str:
    """A deal as the context of a coaching: its name, stage and close date (as "Coach me" gives it)."""
    not_set = t("nudge.not_set", lang)
    return t("nudge.deal_context", lang, name=deal["name"], stage=deal["stage"] or not_set,
             close_date=deal["close_date"] or not_set)


def deal_ask(text: str) -> tuple[str, str] | None:
    """("summary" or "stalling", language) when `text` asks about the deal in view."""
    said = unescape(text).strip()
    prompts = (("summary", "dm.prompt.deal_summary_message"), ("stalling", "dm.prompt.deal_stalling_message"))
    for lang in LANGUAGES:
        for ask, key in prompts:
            if said.lower() == t(key, lang).lower():
                return ask, lang
    for ask, (english, spanish) in _ASKS.items():
        if english.match(said):
            return ask, "en"
        if spanish.match(said):
            return ask, "es"
    return None


def answer_deal_ask(deps: Deps, asker: Asker, team_id: str, event: dict[str, Any], ask: str) -> None:
    """"Summarise this deal" or "what's stalling it?" in the Messages tab, about the deal the seller is looking
    at; "which deal?" when that is no tracked deal, or none the app can read."""
    view = current_view(deps, team_id, asker.user_id, event)
    deal = viewed_deal(deps, team_id, view)
    if view is None or deal is None:
        _which_deal(deps, asker, team_id, t("dm.not_a_deal", asker.language, channel=view.channel) if view else None)
    elif ask == "summary":
        _summarise(deps, asker, team_id, deal)
    else:
        _stalling(deps, asker, team_id, deal)


def _say(asker: Asker, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    """In the seller's thread of their DM with the app: only they read it."""
    asker.client.chat_postMessage(channel=asker.channel, thread_ts=asker.thread_ts, text=text, blocks=blocks)


def _which_deal(deps: Deps, asker: Asker, team_id: str, why: str | None) -> None:
    lang = asker.language
    lines = [why] if why else []
    lines.append(t("dm.which_deal", lang))
    deals = deps.store.open_deals_of(team_id, asker.user_id)[:DEALS_LISTED]
    if deals:
        lines.append(t("dm.your_deals", lang, deals=", ".join(f"*{escape(d['name'])}* (<#{d['channel']}>)"
                                                              for d in deals)))
    _say(asker, "\n".join(lines))


def _deal_messages(client: WebClient, deal: dict[str, Any]) -> list[Message]:
    """The deal's messages, people's only, oldest first: its thread's, or its channel's latest DEAL_MESSAGES."""
    if deal["thread_ts"]:
        return fetch_thread(client, deal["channel"], deal["thread_ts"])
    page = client.conversations_history(channel=deal["channel"], limit=DEAL_MESSAGES)
    return parse_messages({"messages": [{**m, "text": unescape(m.get("text") or "")}
                                        for m in page.get("messages") or []]})


def _summarise(deps: Deps, asker: Asker, team_id: str, deal: dict[str, Any]) -> None:
    lang, channel = asker.language, deal["channel"]
    try:
        messages = _deal_messages(asker.client, deal)
    except SlackApiError as exc:
        if exc.response.get("error") not in CANNOT_READ:
            raise
        log.info("cannot read deal %s in %s (%s)", deal["id"], channel, exc.response.get("error"))
        _which_deal(deps, asker, team_id, t("dm.cannot_read_deal", lang, channel=channel))
        return
    if not messages:
        _say(asker, t("dm.deal_empty", lang, channel=channel))
        return
    summary = deps.summarizer.summarize(messages, now=datetime.now(UTC), team_id=team_id)
    coach = deps.coach
    text = "\n".join([t("dm.deal_summary_in", summary.language, name=escape(deal["name"]), channel=channel),
                      summary_text(summary, coach.obstacle_names(summary.language),
                                   coach.kind_names(summary.language), esc=escape)])
    for blocks in summary_messages(text):
        _say(asker, t("summary.title", summary.language), blocks)
    deps.store.save_summary(team_id, channel, deal["thread_ts"], deal["id"], sorted({r.kind for r in summary.risks}),
                            [o.label for o in summary.objections], summary.stalled, summary.next_step)


def _stalling(deps: Deps, asker: Asker, team_id: str, deal: dict[str, Any]) -> None:
    """What stalls the deal, as the weekly nudge says it (its reasons, the next move, its buttons)."""
    lang, coach = asker.language, deps.coach
    stalled = [e for e in find_stalled(deps.store, coach.playbooks, datetime.now(UTC), coach.settings.stall_days,
                                       team_id) if e.deal["id"] == deal["id"]]
    name = escape(deal["name"])
    if not stalled:
        _say(asker, t("dm.not_stalled", lang, name=name, day=(deal["last_activity_at"] or "")[:10]))
        return
    entry = in_language(stalled[0], coach.playbooks, lang) if lang != "en" else stalled[0]
    body = "\n".join((deal_heading(deal, lang),
                      *(f"• {escape(r.text)}" for r in entry.reasons),
                      t("nudge.next_move", lang, move=escape(entry.next_step))))
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in split_text(body)][:2]
    _say(asker, deal_heading(deal, lang),
         [*blocks, nudge_actions(str(deal["id"]), lang)])


def offer_deal_prompts(deps: Deps, client: WebClient, team_id: str, user_id: str, dm: str,
                       before: dict[str, Any] | None, now: dict[str, Any] | None, lang: str) -> None:
    """The Messages tab's suggested prompts follow the deal in view: about it while the seller looks at one,
    the usual ones again once they look away. Only when that changes (Slack sends a context on every move)."""
    if (before or {}).get("id") == (now or {}).get("id"):
        return
    if now is not None:
        title = t("dm.deal_prompts_title", lang, name=now["name"])
        prompts = [{"title": t(title_key, lang), "message": t(message, lang)} for title_key, message in DEAL_PROMPTS]
    else:
        title, prompts = t("dm.prompts_title", lang), suggested_prompts(lang)
    try:
        client.assistant_threads_setSuggestedPrompts(channel_id=dm, title=title, prompts=prompts)
    except SlackApiError as exc:  # a shortcut, not the answer: asking still works
        log.info("no suggested prompts in %s (%s)", dm, exc.response.get("error"))
