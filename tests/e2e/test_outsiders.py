"""People outside the workspace (issue #19, item 4), end to end over HTTP: a buyer writing, mentioning the app,
running its command or clicking its buttons in a Slack Connect channel is never coached, answered or stored.
One Bolt middleware decides (bot/slack/audience.py `admit`); it logs one line per request, with ids only.

The payloads are Slack's: a Slack Connect message or mention names its author's team in `user_team`,
`source_team` and `user_profile.team`, the envelope's `team_id` is the team the event came from, and
`authorizations[0]` is the installation it was delivered for (ours)."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.store import open_store
from tests.e2e.standins import coaching_id_in, eventually

OBJECTION = "Every vendor tells us we'll save 30%. How do I know we'll actually see that?"
BUYER_TEAM, BUYER = "TBUYER", "UBUYER"
SELLER = "U1"


def _refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.slack.audience" and "outside the workspace" in r.message]


def _asked_of_slack(bot: Any) -> list[str]:
    """The Web API methods the app called (Bolt's own auth.test of the bot token aside)."""
    return [method for method, _ in bot.slack.calls if method != "auth.test"]


def _connect_event(kind: str, user: str, team: str, ts: str, text: str, names: str | None) -> dict[str, Any]:
    """A message or mention in the Slack Connect channel CEXT, in the coaching thread 77.1, its author's team in
    the three fields Slack gives, or (names=None) in none of them."""
    event = {"type": kind, "channel": "CEXT", "user": user, "text": text, "ts": ts, "thread_ts": "77.1",
             "event_ts": ts}
    if kind == "message":
        event["channel_type"] = "channel"
    if names is not None:
        event.update({"team": team, "user_team": team, "source_team": team,
                      "user_profile": {"real_name": "Dana Buyer", "display_name": "dana", "team": team,
                                       "is_restricted": False, "is_ultra_restricted": False}})
    return event


# each signal alone is enough: the other fields name our own workspace (or are absent, for the envelope)
@pytest.mark.parametrize("signal", ["user_team", "source_team", "user_profile.team", "envelope team_id"])
def test_a_buyer_in_a_slack_connect_channel_is_never_coached_answered_or_stored(bot, settings, caplog, signal):
    caplog.set_level(logging.INFO, logger="bot.slack.audience")
    bot.slack.shared.add("CEXT")
    store = open_store(settings)
    store.open_thread("T1", "CEXT", "77.1", "skepticism")  # the seller's coaching thread in the deal room

    envelope: dict[str, Any] = {"is_ext_shared_channel": True}
    events = []
    for n, kind in enumerate(("app_mention", "message")):
        text = ("<@UBOT> " if kind == "app_mention" else "") + OBJECTION
        if signal == "envelope team_id":
            event = _connect_event(kind, BUYER, BUYER_TEAM, f"77.{n + 5}", text, names=None)
            envelope["team_id"] = BUYER_TEAM  # authorizations[0] stays ours (Bot.event's team T1)
        else:
            event = _connect_event(kind, BUYER, "T1", f"77.{n + 5}", text, names="ours")
            if signal == "user_profile.team":
                event["user_profile"]["team"] = BUYER_TEAM
            else:
                event[signal] = BUYER_TEAM
        events.append(event)
        assert bot.event(event, event_id=f"EvBuyer{n}", envelope=envelope).status_code == 200

    # the middleware said so (and nothing ran after it): one line per event, ids only
    refused = eventually(lambda: len(_refusals(caplog)) == 2 and _refusals(caplog))
    assert refused, "the buyer's events were not refused"
    assert all(BUYER_TEAM in r.getMessage() for r in refused)
    assert "save 30%" not in caplog.text  # never what anybody wrote
    bot.idle()
    assert _asked_of_slack(bot) == []  # no coaching, no DM, no note, not even who reads the channel
    assert store.coachings() == [] and store.turns("T1", "CEXT", "77.1") == []

    # the seller's own mention in the same thread, same shapes with our team: coached, by DM (outsiders read)
    seller = _connect_event("app_mention", SELLER, "T1", "77.9", "<@UBOT> " + OBJECTION, names="ours")
    bot.event(seller, event_id="EvSeller", envelope={"is_ext_shared_channel": True})
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["channel"] == f"D{SELLER}" and "skepticism" in post["blocks"][0]["text"]["text"]
    (row,) = eventually(lambda: [r for r in store.coachings() if r["message_ts"]])
    assert row["team_id"] == "T1" and row["user_id"] == SELLER
    assert len(_refusals(caplog)) == 2


def test_commands_buttons_and_shortcuts_from_outside_the_workspace_are_acknowledged_and_dropped(bot, settings,
                                                                                                  caplog):
    caplog.set_level(logging.INFO, logger="bot.slack.audience")
    store = open_store(settings)
    bot.command(OBJECTION, channel="C1", user=SELLER)  # our seller's coaching, with its buttons
    (post,) = bot.slack.wait_for("chat.postMessage")
    coaching_id = coaching_id_in(post["blocks"])

    # the buyer runs /objection (their team's id on the command) ...
    reply = bot.command(OBJECTION, channel="CEXT", user=BUYER, team=BUYER_TEAM)
    assert reply.status_code == 200 and reply.text == ""  # acknowledged, nothing said
    # ... clicks "Helpful" on a coaching (a user of their team, in our workspace's payload) ...
    bot.action({"action_id": "feedback_helpful", "value": coaching_id, "type": "button"}, channel="C1",
               message_ts="1700000000.000001", user=BUYER, user_team=BUYER_TEAM)
    # ... and uses the message shortcut
    payload = {"type": "message_action", "callback_id": "summarize_thread", "team": {"id": "T1"},
               "user": {"id": BUYER, "team_id": BUYER_TEAM}, "channel": {"id": "CEXT"}, "trigger_id": "1.2",
               "message": {"ts": "5.0", "text": OBJECTION}, "response_url": f"{bot.slack.url}/response/shortcut"}
    bot.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    refused = eventually(lambda: len(_refusals(caplog)) == 3 and _refusals(caplog))
    assert refused, "the buyer's command, click and shortcut were not refused"
    assert "save 30%" not in caplog.text
    bot.idle()
    calls = list(bot.slack.calls)
    assert [method for method, _ in calls if method.startswith("response/")] == []  # nothing told to the buyer
    assert [method for method, params in calls if params.get("channel") == "CEXT"] == []
    assert len(bot.slack.of("chat.postMessage")) == 1  # the seller's coaching only
    assert store.feedback() == [] and len(store.coachings()) == 1
