"""The coach's own conversation end to end: the Messages tab greeting, coaching by DM, the loading status, and
model answers streamed into the reply (chat.startStream / appendStream / stopStream) whose validated answer,
or else the offline answer, is what stays."""

from __future__ import annotations

import json
import logging

from bot.store import open_store
from tests.e2e.standins import eventually, guidance_json
from tests.e2e.test_slack import _validate

OBJECTION = "Their CFO doubts the savings you showed will ever show up in their budget"
DM = "DU1"


def _dm(text: str, ts: str, thread_ts: str | None = None) -> dict:
    event = {"type": "message", "channel": DM, "channel_type": "im", "user": "U1", "text": text, "ts": ts}
    return {**event, "thread_ts": thread_ts} if thread_ts else event


def _streamed(slack) -> dict:
    """The one streamed reply: its text as Slack shows it while it streams, and what replaced it."""
    (ts,) = eventually(lambda: [ts for ts, s in slack.streams.items() if s["stopped"]])
    final = eventually(lambda: slack.updated.get(ts))
    return {**slack.streams[ts], "ts": ts, "final": final}


def _fields(answer_json: str) -> dict:
    return {k: v for k, v in json.loads(answer_json).items() if k in ("align", "clarify", "assure", "talk_track")}


def test_opening_the_messages_tab_greets_once_with_suggested_prompts(bot, caplog):
    caplog.set_level(logging.INFO, logger="bot.slack.assistant")
    bot.slack.locales["U1"] = "es-ES"
    opened = {"type": "app_home_opened", "user": "U1", "channel": DM, "tab": "messages"}
    bot.event(opened, event_id="EvHome1")
    (greeting,) = bot.slack.wait_for("chat.postMessage")
    assert greeting["channel"] == DM and "Pega lo que dijo un comprador" in greeting["text"]
    _validate(greeting["blocks"])
    (prompts,) = bot.slack.wait_for("assistant.threads.setSuggestedPrompts")
    assert prompts["channel_id"] == DM
    titles = [p["title"] for p in prompts["prompts"]]
    assert titles == ["Coaching de una objeción", "Practicar", "Mis oportunidades estancadas",
                      "Cómo resumir una sala de oportunidad"]
    bot.event(opened, event_id="EvHome2")  # opened again: no second greeting
    assert eventually(lambda: "already greeted" in caplog.text)
    assert len(bot.slack.of("chat.postMessage")) == 1


def test_a_dm_is_coached_offline_at_once_and_its_thread_continues(bot, settings):
    bot.event(_dm(OBJECTION, "100.1"), event_id="EvDm1")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["channel"] == DM and post["thread_ts"] == "100.1"
    _validate(post["blocks"])
    assert "Offline playbook answer" in json.dumps(post["blocks"])
    bot.idle()
    assert bot.slack.of("chat.startStream") == [] and bot.slack.of("assistant.threads.setStatus") == []
    store = open_store(settings)
    assert eventually(lambda: store.thread("T1", DM, "100.1"))
    bot.event(_dm("Now they say they're not sure the numbers were even calculated right", "100.2", "100.1"),
              event_id="EvDm2")
    posts = bot.slack.wait_for("chat.postMessage", 2)
    assert posts[1]["thread_ts"] == "100.1" and posts[1]["channel"] == DM
    _validate(posts[1]["blocks"])


def test_a_dm_that_is_no_objection_gets_the_usage_help(bot):
    bot.event(_dm("thanks!", "110.1"), event_id="EvDm3")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["thread_ts"] == "110.1" and "Paste what the buyer said" in json.dumps(post["blocks"])


def test_a_dm_with_an_opt_out_tells_the_seller_to_honour_it_and_coaches_nothing(bot):
    bot.event(_dm("Dejen de escribirme, ya elegimos otro proveedor.", "111.1"), event_id="EvDmOut")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["thread_ts"] == "111.1" and "respétalo" in post["text"]
    bot.idle()
    assert bot.slack.of("assistant.threads.setStatus") == [] and len(bot.slack.of("chat.postMessage")) == 1


def test_a_streamed_answer_ends_as_the_validated_answer_with_its_buttons(model, bot):
    model.chunk_chars = 16
    bot.event(_dm(OBJECTION, "120.1"), event_id="EvDm4")
    stream = _streamed(bot.slack)
    (status,) = bot.slack.of("assistant.threads.setStatus")
    assert status["channel_id"] == DM and status["thread_ts"] == "120.1" and status["loading_messages"]
    assert stream["thread_ts"] == "120.1" and len(bot.slack.of("chat.appendStream")) >= 1
    # what streamed is the model's guidance, under its headings, word for word
    for heading, text in zip(("Align", "Clarify", "Assure", "Say it like this"),
                             _fields(guidance_json("skepticism", "en")).values(), strict=True):
        assert f"**{heading}**\n{text}" in stream["text"]
    final = stream["final"]
    _validate(final["blocks"])
    body = json.dumps(final["blocks"])
    for text in _fields(guidance_json("skepticism", "en")).values():
        assert json.dumps(text.replace("&", "&amp;"))[1:-1] in body
    actions = {e["action_id"] for b in final["blocks"] if b["type"] in ("actions", "context_actions")
               for e in b["elements"]}
    assert actions == {"coaching_feedback", "coaching_used", "relabel"}
    assert stream["blocks"] == final["blocks"]  # the buttons arrive when the stream stops
    bot.idle()
    assert bot.slack.of("chat.postMessage") == [] and len(model.requests) == 1
    assert model.requests[0]["body"]["stream"] is True


def test_a_streamed_answer_that_fails_the_checks_ends_as_the_offline_answer(model, bot):
    model.script = ["pressure", "pressure"]  # rejected, and rejected again after the repair
    bot.event(_dm(OBJECTION, "130.1"), event_id="EvDm5")
    stream = _streamed(bot.slack)
    assert "guarantee" in stream["text"]  # it streamed: what the checks rejected was shown while written...
    body = json.dumps(stream["final"]["blocks"])  # ...and is gone: the offline answer replaced it
    assert "guarantee" not in body and "offline playbook answer" in body and stream["blocks"] is None
    _validate(stream["final"]["blocks"])
    assert len(model.requests) == 2 and "stream" not in model.requests[1]["body"]


def test_a_stream_that_dies_midway_ends_as_the_offline_answer(model, bot):
    model.script = ["die_midway"]
    bot.event(_dm(OBJECTION, "140.1"), event_id="EvDm6")
    stream = _streamed(bot.slack)
    body = json.dumps(stream["final"]["blocks"])
    assert "offline playbook answer" in body and "Go back to the goal" not in body
    bot.idle()
    assert bot.slack.of("chat.postMessage") == []


def test_a_mention_streams_in_its_thread_with_the_recipient_ids(model, bot):
    bot.event({"type": "app_mention", "channel": "C7", "user": "U1", "ts": "80.2", "thread_ts": "80.1",
               "text": "<@UBOT> their CFO doubts the 30% savings will ever show up"}, event_id="EvLLM1")
    stream = _streamed(bot.slack)
    (start,) = bot.slack.of("chat.startStream")
    assert start["channel"] == "C7" and start["thread_ts"] == "80.1"
    assert start["recipient_team_id"] == "T1" and start["recipient_user_id"] == "U1"
    assert "Go back to the goal the buyer confirmed" in json.dumps(stream["final"]["blocks"])


def test_nothing_streams_into_a_shared_channel(model, bot):
    bot.slack.shared.add("CEXT")
    bot.event({"type": "app_mention", "channel": "CEXT", "user": "U1", "ts": "90.2", "thread_ts": "90.1",
               "text": "<@UBOT> their CFO doubts the 30% savings will ever show up"}, event_id="EvExt1")
    posts = bot.slack.wait_for("chat.postMessage")
    assert [p["channel"] for p in posts] == ["DU1"]  # the coaching goes to the seller's DM
    assert "Go back to the goal" in json.dumps(posts[0]["blocks"])
    bot.idle()
    assert bot.slack.of("chat.startStream") == [] and bot.slack.of("assistant.threads.setStatus") == []
    assert "stream" not in model.requests[0]["body"]


def test_suggested_prompts_that_are_no_objection_get_their_answer(bot):
    bot.event(_dm("my stalled deals", "150.1"), event_id="EvDm7")
    bot.event(_dm("¿cómo resumo una sala de oportunidad?", "150.2"), event_id="EvDm8")
    posts = bot.slack.wait_for("chat.postMessage", 2)
    texts = {p["thread_ts"]: p["text"] for p in posts}
    assert "*Home* tab" in texts["150.1"] and "menciónme" in texts["150.2"]


def test_a_message_in_a_thread_slack_opened_in_the_dm_is_coached(bot):
    bot.event(_dm(OBJECTION, "160.2", thread_ts="160.1"), event_id="EvDm9")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["thread_ts"] == "160.1" and "Offline playbook answer" in json.dumps(post["blocks"])
