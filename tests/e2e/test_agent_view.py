"""Slack's agent experience end to end, over HTTP with signed requests in the shapes Slack sends (each payload
says where its shape comes from): the thumbs under a coaching, the Messages tab working on the deal the seller
is looking at, the steps and the stop button while a model writes, and agent events the app does not use
acknowledged rather than refused."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.models.blocks import Block, ContextActionsBlock, FeedbackButtonsElement
from slack_sdk.models.messages.chunk import Chunk

from bot.store import open_store
from tests.e2e.standins import eventually, guidance_json, trigger_id
from tests.e2e.test_slack import _validate

OBJECTION = "Their CFO doubts the savings you showed will ever show up in their budget"
DM = "DU1"
THREAD = json.loads(sorted((Path(__file__).parent.parent / "data" / "threads").glob("en_01_*.json"))[0].read_text())


def _dm(text: str, ts: str, **fields: Any) -> dict[str, Any]:
    """A seller's message in the Messages tab (message.im), as tests/e2e/test_agent.py sends it; `fields` adds
    what Slack folds in, e.g. `app_context`."""
    return {"type": "message", "channel": DM, "channel_type": "im", "user": "U1", "text": text, "ts": ts, **fields}


def _channel_context(channel: str) -> dict[str, Any]:
    """A context naming one channel: the `context` object of docs.slack.dev/reference/events/app_context_changed
    ({"entities": [{"type": "slack#/types/channel_id", "value": ..., "team_id": ...}]})."""
    return {"entities": [{"type": "slack#/types/channel_id", "value": channel, "team_id": "T1"}]}


def _context_changed(bot, context: dict[str, Any], event_id: str) -> None:
    """app_context_changed exactly as Slack's reference shows it (docs.slack.dev/reference/events/
    app_context_changed): the event carries only `type` and `context`; the person is in `authorizations`
    (is_bot false). node-slack-sdk's AppContextChangedEvent adds `user`, `channel` and `event_ts`
    (test_context_with_the_dm_channel_changes_the_suggested_prompts sends those)."""
    body = {"token": "XXYYZZ", "team_id": "T1", "api_app_id": "A1",
            "event": {"type": "app_context_changed", "context": context}, "type": "event_callback",
            "authorizations": [{"team_id": "T1", "user_id": "U1", "is_bot": False, "is_enterprise_install": False}],
            "event_id": event_id, "event_time": int(time.time())}
    assert bot.send(json.dumps(body), "application/json").status_code == 200


def _track(settings, channel: str = "CDEAL", name: str = "Halvorsen Distribution") -> dict[str, Any]:
    return open_store(settings).track_deal("T1", channel, "", name, "U1")


# --- the thumbs --------------------------------------------------------------------------------------------------


def _feedback_click(bot, coaching: dict[str, Any], value: str, message_ts: str) -> int:
    """A click on one of the feedback buttons. The envelope is bolt-python's block_actions test body
    (tests/scenario_tests/test_events_agent.py `action_event_body`); the action, bolt-js's FeedbackButtonsAction
    (docs.slack.dev/tools/bolt-js/reference/interfaces/FeedbackButtonsAction: type, action_id, block_id,
    action_ts, value, text) and vercel/chat's Slack adapter test "routes feedback button clicks through onAction"
    (type feedback_buttons, action_id, value, action_ts): the clicked button's value, no on/off state."""
    element = coaching["element"]
    button = element["positive_button"] if value.endswith(":helpful") else element["negative_button"]
    payload = {"type": "block_actions",
               "user": {"id": "U1", "username": "seller", "name": "seller", "team_id": "T1"},
               "api_app_id": "A1", "token": "verification_token",
               "container": {"type": "message", "message_ts": message_ts, "channel_id": DM, "is_ephemeral": False},
               "channel": {"id": DM, "name": "directmessage"}, "team": {"id": "T1", "domain": "acme"},
               "trigger_id": trigger_id(), "response_url": f"{bot.slack.url}/response/action",
               "actions": [{"type": "feedback_buttons", "block_id": coaching["block_id"],
                            "action_id": element["action_id"], "value": button["value"],
                            "text": button["text"], "action_ts": f"{time.time():.6f}"}]}
    return bot.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded").status_code


def test_the_thumbs_are_slacks_feedback_buttons_and_the_latest_click_is_stored(bot, settings):
    bot.event(_dm(OBJECTION, "100.1"), event_id="EvFb1")
    (post,) = bot.slack.wait_for("chat.postMessage")
    _validate(post["blocks"])
    (raw,) = [b for b in post["blocks"] if b["type"] == "context_actions"]
    block = Block.parse(raw)  # slack_sdk's own models know the block and its element
    assert isinstance(block, ContextActionsBlock) and isinstance(block.elements[0], FeedbackButtonsElement)
    assert post["blocks"][-1] is raw  # under everything, as Slack's agent messages have them
    assert any(e["action_id"] == "relabel" for b in post["blocks"] if b["type"] == "actions" for e in b["elements"])
    element = raw["elements"][0]
    coaching_id = element["positive_button"]["value"].split(":")[0]
    assert element["negative_button"]["value"] == f"{coaching_id}:not_helpful"
    coaching = {"element": element, "block_id": raw.get("block_id") or "fb"}

    (message_ts,) = [m["ts"] for m in bot.slack.posted[DM]]
    assert _feedback_click(bot, coaching, f"{coaching_id}:not_helpful", message_ts) == 200
    store = open_store(settings)
    assert eventually(lambda: [f["kind"] for f in store.feedback()] == ["not_helpful"])
    assert _feedback_click(bot, coaching, f"{coaching_id}:helpful", message_ts) == 200
    assert eventually(lambda: [f["kind"] for f in store.feedback()] == ["helpful"])  # the latest click counts
    (row,) = store.feedback()
    assert row["coaching_id"] == int(coaching_id) and row["user_id"] == "U1" and row["team_id"] == "T1"
    assert store.feedback_counts("T1", "2000-01-01") == {"helpful": 1}


# --- the deal in view --------------------------------------------------------------------------------------------


def test_looking_at_a_deal_channel_then_summarise_this_deal_in_the_dm(bot, settings):
    _track(settings)
    bot.slack.history["CDEAL"] = list(reversed(THREAD["messages"]))  # conversations.history: newest first
    _context_changed(bot, _channel_context("CDEAL"), "EvCtx1")
    store = open_store(settings)
    assert eventually(lambda: store.seller_view("T1", "U1", _an_hour_ago()))
    bot.event(_dm("summarise this deal", "200.1"), event_id="EvSum1")
    posts = bot.slack.wait_for("chat.postMessage")
    (history,) = bot.slack.of("conversations.history")
    assert history["channel"] == "CDEAL"
    text = json.dumps([p["blocks"] for p in posts])
    assert {p["channel"] for p in posts} == {DM} and {p["thread_ts"] for p in posts} == {"200.1"}
    assert "Halvorsen Distribution" in text and "Deal-room summary" in text and "Next move" in text
    for post in posts:
        _validate(post["blocks"])
    assert not bot.slack.posted.get("CDEAL")  # nothing is posted in the deal room
    (saved,) = eventually(lambda: store.summaries("T1"))
    assert saved["channel"] == "CDEAL" and saved["deal_id"] == store.deal("T1", "CDEAL")["id"]


def test_the_context_sent_with_the_message_itself_works_too(bot, settings):
    """message.im's folded `app_context` (vercel/chat's Slack adapter `getAppContext`: message.im carries it as
    `app_context`, app_home_opened and app_context_changed as `context`)."""
    deal = _track(settings)
    open_store(settings).update_deal(deal["id"], last_activity_at="2020-01-01T00:00:00+00:00")
    bot.event(_dm("what's stalling it?", "210.1", app_context=_channel_context("CDEAL")), event_id="EvStall1")
    (post,) = bot.slack.wait_for("chat.postMessage")
    text = json.dumps(post["blocks"])
    assert post["thread_ts"] == "210.1" and "Halvorsen Distribution" in text and "No activity for" in text
    assert {e["action_id"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]} >= {
        "nudge_snooze", "nudge_coach"}
    _validate(post["blocks"])


@pytest.mark.parametrize("case", ["nothing_in_view", "not_a_deal", "cannot_read"])
def test_an_unknown_or_unreadable_context_asks_which_deal(bot, settings, case):
    _track(settings, "COTHER", "Globex pilot")  # one of the seller's deals, listed in the question
    if case == "nothing_in_view":
        _context_changed(bot, {}, "EvCtx2")  # "If no entities are present ... an empty context object"
    elif case == "not_a_deal":
        _context_changed(bot, _channel_context("CRANDOM"), "EvCtx3")
    else:
        _track(settings)
        bot.slack.no_access.add("CDEAL")
        _context_changed(bot, _channel_context("CDEAL"), "EvCtx4")
    store = open_store(settings)
    assert eventually(lambda: list(store.db["seller_views"].rows))
    bot.event(_dm("summarise this deal", "220.1"), event_id=f"EvWhich-{case}")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["channel"] == DM and post["thread_ts"] == "220.1"
    assert "Which deal?" in post["text"] and "Globex pilot" in post["text"]
    assert ("is not a tracked deal" in post["text"]) == (case == "not_a_deal")
    assert ("invite me there" in post["text"]) == (case == "cannot_read")
    assert store.summaries("T1") == []


def test_a_coaching_while_looking_at_a_deal_carries_its_context(bot, settings):
    _track(settings)
    _context_changed(bot, _channel_context("CDEAL"), "EvCtx5")
    store = open_store(settings)
    assert eventually(lambda: store.seller_view("T1", "U1", _an_hour_ago()))
    bot.event(_dm(OBJECTION, "230.1"), event_id="EvCtxCoach")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert "Halvorsen Distribution" in json.dumps(post["blocks"])
    # the thread is stored when the coaching starts and labelled when it is done: wait for the label
    thread = eventually(lambda: (found := store.thread("T1", DM, "230.1")) and found["label"] and found)
    assert thread["context"].startswith("Deal Halvorsen Distribution")
    (coaching,) = eventually(lambda: [c for c in store.coachings() if c["channel"] == DM])  # logged after the post
    assert "Halvorsen Distribution" in coaching["context"]


def test_context_with_the_dm_channel_changes_the_suggested_prompts(bot, settings):
    """node-slack-sdk's AppContextChangedEvent (channel, user, context, event_ts) and vercel/chat's test body
    for it: the Messages tab's prompts follow the deal in view, once per change."""
    _track(settings)
    for n, context in enumerate([_channel_context("CDEAL"), _channel_context("CDEAL"), {}]):
        bot.event({"type": "app_context_changed", "channel": DM, "user": "U1", "context": context,
                   "event_ts": f"1.{n}"}, event_id=f"EvPrompts{n}")
        bot.idle()  # each change handled before the next arrives
    about, usual = bot.slack.wait_for("assistant.threads.setSuggestedPrompts", 2)
    assert about["channel_id"] == DM and about["title"] == "About Halvorsen Distribution"
    assert [p["message"] for p in about["prompts"]][:2] == ["summarise this deal", "what's stalling it?"]
    assert usual["title"] == "Try one of these"
    assert len(bot.slack.of("assistant.threads.setSuggestedPrompts")) == 2


def _an_hour_ago() -> Any:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(hours=1)


# --- the steps, the AI note, and the stop button --------------------------------------------------------------------


@pytest.fixture
def slow_model(model, monkeypatch):
    """The model writes a word every few hundredths of a second, with time enough to finish: a stop comes mid-way."""
    monkeypatch.setenv("COACH_LLM_TIMEOUT", "30")
    model.chunk_chars, model.chunk_seconds = 6, 0.04
    return model


def _started_stream(slack) -> tuple[str, dict[str, Any]]:
    (ts,) = eventually(lambda: [ts for ts, s in slack.streams.items() if s["text"]])
    return ts, slack.streams[ts]


def test_a_model_coaching_shows_its_steps_and_says_it_is_ai_written(model, bot):
    bot.event(_dm(OBJECTION, "300.1"), event_id="EvSteps")
    (ts,) = eventually(lambda: [ts for ts, s in bot.slack.streams.items() if s["stopped"]])
    stream = bot.slack.streams[ts]
    (start,) = bot.slack.of("chat.startStream")
    assert start["task_display_mode"] == "plan"
    for chunk in stream["chunks"]:  # slack_sdk's models read them back unchanged
        assert Chunk.parse(chunk).to_dict() == chunk
    tasks = [(c["id"], c["status"]) for c in stream["chunks"] if c["type"] == "task_update"]
    assert tasks == [("reading", "in_progress"), ("reading", "complete"), ("matching", "in_progress"),
                     ("matching", "complete"), ("writing", "in_progress"), ("writing", "complete")]
    assert [c["title"] for c in stream["chunks"] if c["type"] == "plan_update"] == ["Coaching your objection"]
    final = eventually(lambda: bot.slack.updated.get(ts))
    _validate(final["blocks"])
    notes = json.dumps([b for b in final["blocks"] if b["type"] == "context"])
    assert "AI-written" in notes and "the Skepticism playbook" in notes and "your team's facts" in notes
    assert bot.slack.sessions[(DM, "300.1")] == ["processing"]  # stopStream leaves "processing" by itself


def _stop(bot, ts: str, thread_ts: str, event_id: str) -> None:
    """The stop button: Slack stops the stream, then sends agent_session_stopped with the fields of
    docs.slack.dev/reference/events/agent_session_stopped (channel, event_ts, streaming_message_ts, thread_ts,
    type, user; team_id on the envelope)."""
    bot.slack.press_stop(ts)
    event = {"channel": DM, "event_ts": f"{time.time():.6f}", "streaming_message_ts": [ts], "thread_ts": thread_ts,
             "type": "agent_session_stopped", "user": "U1"}
    assert bot.event(event, event_id=event_id).status_code == 200


def _pieces() -> int:
    return math.ceil(len(guidance_json("skepticism", "en")) / 6)


def test_a_stop_mid_stream_ends_the_model_call_and_leaves_the_offline_answer(slow_model, bot, settings):
    bot.event(_dm(OBJECTION, "310.1"), event_id="EvStop1")
    ts, stream = _started_stream(bot.slack)
    _stop(bot, ts, "310.1", "EvStopped1")
    final = eventually(lambda: bot.slack.updated.get(ts))
    body = json.dumps(final["blocks"])
    assert "offline playbook answer" in body and "was stopped by you" in body
    assert "Go back to the goal" not in body  # nothing of the half-written draft stays
    _validate(final["blocks"])
    assert bot.slack.of("chat.postMessage") == [] and ts not in bot.slack.deleted
    assert eventually(lambda: slow_model.streams_ended == 1)  # the model's stream is over: it stopped sending...
    assert len(slow_model.sent[0]) < _pieces()  # ...before its answer's end, because we stopped reading
    assert eventually(lambda: bot.slack.sessions[(DM, "310.1")] == ["processing", "active"])
    store = open_store(settings)
    assert not store.abandoned_streams() and eventually(lambda: store.thread("T1", DM, "310.1"))


def test_a_stop_with_nothing_chosen_removes_the_reply(slow_model, bot, settings):
    assert bot.command("on-stop nothing").json()["text"].startswith("When you stop me")
    bot.event(_dm(OBJECTION, "320.1"), event_id="EvStop2")
    ts, _stream = _started_stream(bot.slack)
    _stop(bot, ts, "320.1", "EvStopped2")
    assert eventually(lambda: ts in bot.slack.deleted)
    assert eventually(lambda: slow_model.streams_ended == 1)  # the model's stream is over
    bot.idle()
    assert ts not in bot.slack.updated and bot.slack.of("chat.postMessage") == []
    assert len(slow_model.sent[0]) < _pieces()
    assert bot.slack.sessions[(DM, "320.1")] == ["processing", "active"]
    assert not open_store(settings).abandoned_streams()


def test_a_stop_with_nothing_under_way_only_ends_the_session(bot, settings):
    _stop_event = {"channel": DM, "event_ts": "1.0", "streaming_message_ts": [], "thread_ts": "330.1",
                   "type": "agent_session_stopped", "user": "U1"}
    assert bot.event(_stop_event, event_id="EvStop3").status_code == 200
    assert eventually(lambda: bot.slack.sessions[(DM, "330.1")] == ["active"])
    assert bot.slack.of("chat.postMessage") == []


# --- agent events the app does not use ----------------------------------------------------------------------------


def _bolt_python_payload(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    """bolt-python's tests/scenario_tests/test_events_assistant.py `build_payload`, event id made unique (the app
    skips a delivery it has seen)."""
    return {"token": "verification_token", "team_id": "T111", "enterprise_id": "E111", "api_app_id": "A111",
            "event": event, "type": "event_callback", "event_id": event_id, "event_time": 1599616881,
            "authorizations": [{"enterprise_id": "E111", "team_id": "T111", "user_id": "W111", "is_bot": True,
                                "is_enterprise_install": False}]}


def test_agent_events_the_app_does_not_use_are_acknowledged(bot):
    # bolt-python's thread_started_event_body and thread_context_changed_event_body, as they are
    started = {"type": "assistant_thread_started",
               "assistant_thread": {"user_id": "W222", "context": {"channel_id": "C222", "team_id": "T111",
                                                                   "enterprise_id": "E111"},
                                    "channel_id": "D111", "thread_ts": "1726133698.626339"},
               "event_ts": "1726133698.665188"}
    changed = {"type": "assistant_thread_context_changed",
               "assistant_thread": {"user_id": "W222", "context": {"channel_id": "C333", "team_id": "T111",
                                                                   "enterprise_id": "E111"},
                                    "channel_id": "D111", "thread_ts": "1726133698.626339"},
               "event_ts": "1726133698.665188"}
    for n, event in enumerate([started, changed]):
        reply = bot.send(json.dumps(_bolt_python_payload(event, f"Ev111-{n}")), "application/json")
        assert reply.status_code == 200, event["type"]
    # and the agent events it does use, in Slack's reference shapes (the stop above; the context here)
    _context_changed(bot, _channel_context("C222"), "EvCtxAck")
    bot.idle()
    assert bot.slack.of("chat.postMessage") == []
