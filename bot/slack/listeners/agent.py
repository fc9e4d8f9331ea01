"""Slack's agent experience around the coach's Messages tab: what the seller is looking at in Slack
(`app_context_changed`), and the stop button on a coaching under way (`agent_session_stopped`)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.slack import sessions
from bot.slack.audience import team_of
from bot.slack.deps import Deps
from bot.slack.replies import user_language
from bot.slack.viewing import current_view, offer_deal_prompts, remember, viewed_deal

log = logging.getLogger(__name__)


def viewer_of(body: dict[str, Any], event: dict[str, Any]) -> str:
    """Who is looking: the event's `user` (bolt-js and node-slack-sdk's AppContextChangedEvent), else the person
    Slack's own example names in `authorizations` (docs.slack.dev/reference/events/app_context_changed)."""
    if event.get("user"):
        return str(event["user"])
    people = [a for a in body.get("authorizations") or [] if isinstance(a, dict) and a.get("is_bot") is False]
    return str(people[0].get("user_id") or "") if people else ""


def on_context_changed(body: dict[str, Any], event: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """The seller looks at something else while the Messages tab is open: keep it, and offer the prompts about
    the deal in view (or the usual ones once they look away from a deal)."""
    team_id, user_id = team_of(body), viewer_of(body, event)
    if not user_id:
        log.info("a context change that names nobody; ignored")
        return
    before = viewed_deal(deps, team_id, current_view(deps, team_id, user_id, {}))
    now = viewed_deal(deps, team_id, remember(deps, team_id, user_id, event.get("context") or {}))
    dm = str(event.get("channel") or "")
    if dm.startswith("D"):
        lang = user_language(deps.store, team_id, user_id, client)
        offer_deal_prompts(deps, client, team_id, user_id, dm, before, now, lang)


def on_session_stopped(body: dict[str, Any], event: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """The seller pressed stop on a coaching: the process coaching in that thread stops it (this one, or another
    that reads the stop from the store). With none coaching here, the session still leaves "processing": Slack
    leaves that to the app."""
    team_id, channel, thread_ts = team_of(body), event.get("channel") or "", event.get("thread_ts") or ""
    if not channel or not thread_ts:
        log.info("a stop that names no thread; ignored")
        return
    deps.store.stop_session(team_id, channel, thread_ts)
    if not sessions.stop_here(team_id, channel, thread_ts):
        sessions.set_session(client, channel, thread_ts, "active")
