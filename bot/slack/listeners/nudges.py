"""The buttons of a stalled deal, in the weekly nudge DM and on the Home tab: snooze it a week, mark it won or
lost, or open a coaching thread for it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.content.i18n import t
from bot.slack.audience import team_of
from bot.slack.blocks import escape
from bot.slack.deps import Deps
from bot.slack.home import refresh_home
from bot.slack.posting import open_dm
from bot.slack.replies import user_language
from bot.store import stamp

log = logging.getLogger(__name__)
KINDS = ("snooze", "won", "lost", "coach")  # each button's action_id is nudge_<kind> (bot/slack/blocks.py)
SNOOZE = timedelta(days=7)  # a snoozed deal sits out one weekly nudge


def on_button(body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond,
              deps: Deps) -> None:
    deal_id = action.get("value", "")
    deal = deps.store.deal_by_id(int(deal_id)) if deal_id.isdigit() else None
    team_id = team_of(body)
    if deal is None or deal["team_id"] != team_id:
        log.warning("nudge button for unknown deal %r ignored", deal_id)
        return
    kind = action["action_id"].removeprefix("nudge_")
    # the language the nudge was written in: the clicker's Slack locale, cached when they were nudged
    user_id = (body.get("user") or {}).get("id", "")
    lang = user_language(deps.store, team_id, user_id, client)
    if kind == "coach":
        open_coaching(deps, client, body, deal, user_id, lang)
        return
    text = close_or_snooze(deps, deal, kind, lang)
    refresh_home(deps, client, team_id, user_id)
    if body.get("response_url"):  # a button in the DM; on the Home tab the refreshed view says it
        respond(response_type="ephemeral", replace_original=False, text=text)


def close_or_snooze(deps: Deps, deal: dict[str, Any], kind: str, lang: str) -> str:
    """Snooze the deal, or mark it won or lost; what to tell the clicker."""
    now, name = datetime.now(UTC), escape(deal["name"])
    if kind == "snooze":
        deps.store.update_deal(deal["id"], snoozed_until=stamp(now + SNOOZE))
        return t("nudge.snoozed", lang, name=name)
    deps.store.update_deal(deal["id"], status=kind, closed_at=stamp(now))
    return t("nudge.marked_won" if kind == "won" else "nudge.marked_lost", lang, name=name)


def open_coaching(deps: Deps, client: WebClient, body: dict[str, Any], deal: dict[str, Any], user_id: str,
                  lang: str) -> None:
    """"Coach me": a coaching thread for this deal, with its stage and close date as context, here in the DM
    (from the Home tab: in the DM with the app)."""
    channel = (body.get("container") or {}).get("channel_id") or open_dm(client, user_id)
    posted = client.chat_postMessage(channel=channel, text=t("nudge.coach_intro", lang, name=escape(deal["name"])))
    not_set = t("nudge.not_set", lang)
    context = t("nudge.deal_context", lang, name=deal["name"], stage=deal["stage"] or not_set,
                close_date=deal["close_date"] or not_set)
    deps.store.open_thread(team_of(body), channel, posted["ts"], None, context)
