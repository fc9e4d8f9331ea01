"""The manager's "Assign practice" on the Home tab's who-to-coach rows, and the seller's "Start" on the
assignment their Home tab then shows (issue #24). The practice itself is `/objection practice`'s
(bot/slack/practice.py), posted in the seller's DM with the app: a Home tab has no conversation of its own."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.content.i18n import t
from bot.core.taxonomy import LABELS
from bot.services.practice import NoScenario, Selection, SessionKey
from bot.services.team_view import CHECKS
from bot.slack.audience import team_of
from bot.slack.deps import Deps
from bot.slack.home import managers_of, publish_home, refresh_home
from bot.slack.posting import deliver, open_dm
from bot.slack.practice import engine, opening_blocks
from bot.slack.replies import user_language

log = logging.getLogger(__name__)


def assign(body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """A manager asks a seller to practise their weakest check and/or the kind they lose most. Only a manager
    of this workspace may; the seller's Home tab shows it (now if they have it open, else when they open it)."""
    team_id, manager = team_of(body), body["user"]["id"]
    if not managers_of(deps).includes(client, team_id, manager):
        log.warning("practice assignment by a non-manager ignored")
        return
    seller, check, kind = ((action.get("value") or "").split("|") + ["", "", ""])[:3]
    if not seller or (check and check not in CHECKS) or (kind and kind not in LABELS) or not (check or kind):
        log.warning("practice assignment with an unknown value ignored")
        return
    deps.store.assign_practice(team_id, seller, manager, check or None, kind or None)
    publish_home(deps, client, team_id, manager)  # the row now says it is assigned
    refresh_home(deps, client, team_id, seller)


def start(body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """The seller's "Start": a practice of the assigned kind (any kind when only a check was assigned), in their
    DM, with the check to work on named under the buyer's line."""
    team_id, user_id = team_of(body), body["user"]["id"]
    value = action.get("value") or ""
    assignment = deps.store.assignment(team_id, int(value)) if value.isdigit() else None
    if assignment is None or assignment["user_id"] != user_id or assignment["done_at"]:
        log.warning("start of an unknown, another seller's or a done assignment ignored")
        refresh_home(deps, client, team_id, user_id)
        return
    lang = user_language(deps.store, team_id, user_id, client)
    practice = engine(deps)
    try:
        scenario = practice.choose(Selection(kind=assignment["kind"] or None, lang=lang))
    except NoScenario:
        scenario = practice.choose(Selection(lang=lang))
    opening = practice.opening(scenario, lang)
    blocks = opening_blocks(opening, user_id)
    if assignment["check_name"]:
        check = t(f"practice.check.{assignment['check_name']}", lang)
        focus = f"{t('practice.focus', lang)}: *{check}*"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": focus}]})
    posted = deliver(deps, client, team_id, user_id, open_dm(client, user_id),
                     {"blocks": blocks, "text": t("practice.title", lang)})
    practice.start(SessionKey(team_id, posted.channel, posted.ts, user_id), scenario, lang)
