"""The controls of a coaching message: Slack's feedback buttons (thumbs; the helpful / not helpful buttons of
messages posted before them), "Used this talk track", and "Diagnose differently"."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.content.i18n import t
from bot.core.taxonomy import LABELS
from bot.slack.audience import team_of
from bot.slack.blocks import FEEDBACK_ACTION, RATINGS
from bot.slack.deps import Deps
from bot.slack.home import refresh_home
from bot.slack.posting import guidance_payload, post_guidance
from bot.slack.replies import Asker

log = logging.getLogger(__name__)


def own_coaching(deps: Deps, body: dict[str, Any], coaching_id: str) -> dict[str, Any] | None:
    """The coaching a button refers to, only if it belongs to the workspace that clicked it."""
    row = deps.store.coaching(int(coaching_id)) if coaching_id.isdigit() else None
    if row is None or (row["team_id"] or "") != team_of(body):
        log.warning("button for unknown coaching %r ignored", coaching_id)
        return None
    return row


def rating(action: dict[str, Any]) -> tuple[str, str]:
    """(coaching id, "helpful" or "not_helpful") of a click: Slack's feedback buttons send the clicked button's
    value ("42:helpful"); the buttons of messages posted before them, the coaching id under their own action id."""
    if action.get("action_id") == FEEDBACK_ACTION:
        coaching_id, _, kind = (action.get("value") or "").partition(":")
        return coaching_id, kind
    return action.get("value") or "", "helpful" if action.get("action_id") == "feedback_helpful" else "not_helpful"


def feedback(body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, deps: Deps) -> None:
    coaching_id, kind = rating(action)
    row = own_coaching(deps, body, coaching_id) if kind in RATINGS else None
    if row is None:
        return
    deps.store.rate_coaching(row["id"], row["team_id"], body["user"]["id"], kind)
    refresh_home(deps, client, row["team_id"], body["user"]["id"])
    # in the coaching's language: the buttons were labelled in it
    thanks = t("feedback.thanks" if kind == "helpful" else "feedback.thanks_relabel", row["language"] or "en")
    respond(response_type="ephemeral", replace_original=False, text=thanks)


def used(body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, deps: Deps) -> None:
    """"Used this talk track": recorded as feedback kind "used", as `coach feedback N used` records it; the
    outcomes report counts the coachings so marked that preceded a win."""
    row = own_coaching(deps, body, action.get("value") or "")
    if row is None:
        return
    deps.store.add_feedback(row["id"], row["team_id"], body["user"]["id"], "used")
    refresh_home(deps, client, row["team_id"], body["user"]["id"])
    respond(response_type="ephemeral", replace_original=False, text=t("feedback.thanks_used", row["language"] or "en"))


def relabel(body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, deps: Deps) -> None:
    """"Diagnose differently": the coaching again as the kind chosen, in place of the message (by DM where
    outsiders now read the channel)."""
    coaching_id, _, label = action["selected_option"]["value"].partition(":")
    row = own_coaching(deps, body, coaching_id)
    if row is None or label not in LABELS:
        return
    user_id = body["user"]["id"]
    if not (row["text"] or "").strip():  # pruned after COACH_TEXT_RETENTION_DAYS: nothing left to diagnose
        respond(response_type="ephemeral", replace_original=False,
                text=t("feedback.text_pruned", row["language"] or "en", days=deps.coach.settings.text_retention_days))
        return
    deps.store.add_feedback(row["id"], row["team_id"], user_id, "relabel", label)
    refresh_home(deps, client, row["team_id"], user_id)
    guidance = deps.coach.coach(row["text"], row["context"], label=label, surface="slack-relabel",
                                team_id=row["team_id"], user_id=user_id)
    channel, ts = body["container"]["channel_id"], body["container"]["message_ts"]
    if deps.audience.outsiders_can_read(client, row["team_id"], channel):
        # coaching posted before the channel was shared: the new diagnosis goes to the seller only
        asker = Asker(client, user_id, channel, respond=respond, language=guidance.language)
        if post_guidance(deps, client, row["team_id"], user_id, channel, guidance, row["text"]).moved:
            asker.notify("shared")
        return
    client.chat_update(channel=channel, ts=ts, **guidance_payload(deps, guidance, row["text"]))
    deps.store.mark_posted(guidance.coaching_id, channel, ts, row["thread_ts"])
    deps.store.open_thread(row["team_id"], channel, row["thread_ts"] or ts, label)
