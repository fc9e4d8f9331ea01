"""Slack's agent experience, its listeners and flows called directly with a mock `client`: the thumbs, the deal
the seller is looking at, the steps while a model writes, and the stop button."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block, ContextActionsBlock, FeedbackButtonsElement
from slack_sdk.web.chat_stream import ChatStream

from bot.content.i18n import t
from bot.core.guidance import Guidance
from bot.slack import assistant as messages_tab
from bot.slack import sessions, streaming, viewing
from bot.slack.blocks import guidance_blocks
from bot.slack.command_text import parse
from bot.slack.deps import Deps
from bot.slack.listeners import actions, agent, app_home, assistant, commands
from bot.slack.replies import Asker
from tests.bolt.fakes import Readers, action_body, command, event_body

AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


def _coaching(deps: Deps, team: str = "T1") -> int:
    return deps.store.log_coaching(text="Too expensive.", label="skepticism", topic="price", confidence=0.8,
                                   source="offline", team_id=team, user_id="U1", language="en")


def _thumb(coaching: int | str, rating: str) -> dict[str, Any]:
    """A feedback_buttons click as Slack sends it: the clicked button's value (see tests/e2e/test_agent_view.py)."""
    return {"type": "feedback_buttons", "action_id": "coaching_feedback", "block_id": "b1",
            "value": f"{coaching}:{rating}", "action_ts": "1.0"}


# --- the thumbs ----------------------------------------------------------------------------------------------------


def test_the_latest_thumb_is_the_sellers_rating(client, respond, deps):
    coaching = _coaching(deps)
    for rating in ("not_helpful", "helpful", "not_helpful"):
        body = action_body(_thumb(coaching, rating))
        actions.feedback(body=body, action=body["actions"][0], client=client, respond=respond, deps=deps)
    assert [(f["coaching_id"], f["kind"]) for f in deps.store.feedback()] == [(coaching, "not_helpful")]
    assert respond.call_args.kwargs["text"] == t("feedback.thanks_relabel", "en")
    deps.store.add_feedback(coaching, "T1", "U1", "relabel", "incorrect")  # a correction stays beside a rating
    body = action_body(_thumb(coaching, "helpful"))
    actions.feedback(body=body, action=body["actions"][0], client=client, respond=respond, deps=deps)
    assert sorted(f["kind"] for f in deps.store.feedback()) == ["helpful", "relabel"]


@pytest.mark.parametrize("value", ["", "x:helpful", "{id}:great", "{id}", "99999:helpful"])
def test_a_thumb_with_an_odd_value_is_ignored(client, respond, deps, value):
    action = {**_thumb(0, "helpful"), "value": value.format(id=_coaching(deps))}
    body = action_body(action)
    actions.feedback(body=body, action=action, client=client, respond=respond, deps=deps)
    assert deps.store.feedback() == [] and respond.call_count == 0


def test_another_workspaces_thumb_is_ignored(client, respond, deps):
    body = action_body(_thumb(_coaching(deps, team="T2"), "helpful"))
    actions.feedback(body=body, action=body["actions"][0], client=client, respond=respond, deps=deps)
    assert deps.store.feedback() == []


def _guidance(source: str, concerns: list[dict[str, Any]] | None = None) -> Guidance:
    return Guidance(label="skepticism", confidence=0.8, language="en", align="Tie it to their goal.",
                    clarify="Show the numbers.", assure="Offer a reference.", talk_track="Shall we look?",
                    question=None, source=source, notes=["Written by the language model (m) from our playbooks."],
                    coaching_id=42, concerns=concerns or [])


def test_coaching_blocks_carry_slacks_feedback_buttons_and_validate():
    blocks = guidance_blocks(_guidance("offline"), "Too expensive.", "Skepticism")
    feedback = Block.parse(blocks[-1])
    feedback.validate_json()
    assert isinstance(feedback, ContextActionsBlock) and isinstance(feedback.elements[0], FeedbackButtonsElement)
    element = blocks[-1]["elements"][0]
    assert (element["positive_button"]["value"], element["negative_button"]["value"]) == ("42:helpful",
                                                                                        "42:not_helpful")
    assert element["positive_button"]["text"]["text"] == t("guidance.helpful", "en")
    menu = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [e["action_id"] for e in menu] == ["relabel", "coaching_used"]  # "Diagnose differently" stays
    assert "AI-written" not in str(blocks)  # the offline answer is the playbooks' own


def test_an_ai_answer_says_so_and_names_what_it_drew_on():
    concerns = [{"words": "price", "topic": "price", "status": "answered", "fact": "Pilots start at 30 days <free>."},
                {"words": "risk", "topic": "risk", "status": "unmet", "fact": ""}]
    blocks = guidance_blocks(_guidance("llm", concerns), "Too expensive.", "Skepticism", ["Skepticism", "Price"])
    for block in blocks:
        Block.parse(block).validate_json()
    (note,) = [b for b in blocks if b["type"] == "context" and "AI-written" in str(b)]
    lines = [e["text"] for e in note["elements"]]
    assert lines == [t("guidance.ai_written", "en"),
                     "It drew on the Skepticism playbook, the Price playbook; your team's facts: "
                     "“Pilots start at 30 days &lt;free&gt;.”."]
    no_facts = guidance_blocks(_guidance("llm"), "Too expensive.", "Skepticism")
    assert t("guidance.no_facts", "en") in str(no_facts)


# --- the deal in view --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("context", "view"), [
    ({"entities": [{"type": "slack#/types/channel_id", "value": "C1", "team_id": "T1"}]}, viewing.View("C1")),
    ({"entities": [{"type": "slack#/types/canvas_id", "value": "F1"},
                   {"type": "slack#/types/message_context", "value": {"channel_id": "C2", "message_ts": "1.5"}}]},
     viewing.View("C2", "1.5")),
    ({"entities": [{"type": "slack#/types/list_id", "value": "L1"}]}, None),
    ({}, None), ({"entities": "odd"}, None), (None, None),
])
def test_the_conversation_in_view_is_the_most_relevant_one(context, view):
    # entity types: node-slack-sdk's AppContextChangedEvent (channel_id, canvas_id, list_id, message_context)
    assert viewing.read_context(context) == view


@pytest.mark.parametrize(("text", "ask"), [
    ("summarise this deal", ("summary", "en")), ("Summarize the deal.", ("summary", "en")),
    ("resume esta oportunidad", ("summary", "es")), ("Resúmeme la oportunidad", ("summary", "es")),
    ("what's stalling it?", ("stalling", "en")), ("What is holding up this deal", ("stalling", "en")),
    ("¿qué la está frenando?", ("stalling", "es")), ("¿Qué está bloqueando esta oportunidad?", ("stalling", "es")),
    ("What's holding them back is the price", None), ("summarise this deal for the CFO who says no", None),
    ("how do I summarise a deal room?", None),
])
def test_asking_about_the_deal_in_view(text, ask):
    assert viewing.deal_ask(text) == ask


def test_a_context_change_keeps_the_view_of_the_person_slacks_reference_names(client, deps):
    # docs.slack.dev/reference/events/app_context_changed: no `user` in the event, the person in authorizations
    body = {"type": "event_callback", "team_id": "T1", "event": {"type": "app_context_changed", "context": {
        "entities": [{"type": "slack#/types/channel_id", "value": "CDEAL", "team_id": "T1"}]}},
        "authorizations": [{"team_id": "T1", "user_id": "U7", "is_bot": False, "is_enterprise_install": False}]}
    agent.on_context_changed(body=body, event=body["event"], client=client, deps=deps)
    assert deps.store.seller_view("T1", "U7", AN_HOUR_AGO)["channel"] == "CDEAL"
    client.assistant_threads_setSuggestedPrompts.assert_not_called()  # no DM named: nothing to offer prompts in


def test_the_messages_tab_prompts_follow_the_deal_in_view(client, deps):
    deps.store.track_deal("T1", "CDEAL", "", "Globex", "U1")

    def change(context: dict[str, Any]) -> None:
        event = {"type": "app_context_changed", "channel": "D1", "user": "U1", "context": context, "event_ts": "1"}
        agent.on_context_changed(body=event_body(event), event=event, client=client, deps=deps)

    deal = {"entities": [{"type": "slack#/types/channel_id", "value": "CDEAL"}]}
    for context in (deal, deal, {"entities": [{"type": "slack#/types/channel_id", "value": "CRANDOM"}]}, {}):
        change(context)
    about, usual = client.assistant_threads_setSuggestedPrompts.call_args_list
    assert about.kwargs["title"] == t("dm.deal_prompts_title", "en", name="Globex")
    assert [p["message"] for p in about.kwargs["prompts"]] == [
        t("dm.prompt.deal_summary_message", "en"), t("dm.prompt.deal_stalling_message", "en"),
        t("dm.prompt.coach_message", "en")]
    assert usual.kwargs["prompts"] == messages_tab.suggested_prompts("en")
    assert deps.store.seller_view("T1", "U1", AN_HOUR_AGO) is None  # looking at nothing now


def test_opening_the_app_home_keeps_the_context_sent_with_it(client, deps, monkeypatch):
    monkeypatch.setattr(app_home, "publish_home", lambda *args: None)
    # vercel/chat's Slack adapter test "normalizes folded app_home_opened context into entities"
    opened = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "1.2",
              "context": {"entities": [{"type": "slack#/types/channel_id", "value": "C9"}]}}
    app_home.on_home_opened(body=event_body(opened), event=opened, client=client, deps=deps)
    assert deps.store.seller_view("T1", "U1", AN_HOUR_AGO)["channel"] == "C9"


def _dm(text: str, **fields: Any) -> dict[str, Any]:
    return {"type": "message", "channel": "D1", "channel_type": "im", "user": "U1", "text": text, "ts": "5.0",
            **fields}


def test_summarise_this_deal_with_no_deal_in_view_asks_which_deal(client, deps):
    deps.store.track_deal("T1", "CDEAL", "", "Globex & Co", "U1")
    event = _dm("summarise this deal")
    assistant.coach_dm(body=event_body(event), event=event, client=client, deps=deps)
    (reply,) = client.chat_postMessage.call_args_list
    assert reply.kwargs["thread_ts"] == "5.0" and reply.kwargs["text"].startswith(t("dm.which_deal", "en"))
    assert "*Globex &amp; Co* (<#CDEAL>)" in reply.kwargs["text"]
    deps.summarizer.summarize.assert_not_called()


def test_whats_stalling_a_deal_that_is_moving_says_so(client, deps):
    deps.store.track_deal("T1", "CDEAL", "", "Globex", "U1")
    deps.coach.settings.stall_days = 14
    deps.coach.playbooks = None  # nothing stalls: no reason to say, none looked up
    event = _dm("¿qué la está frenando?", app_context={"entities": [{"type": "slack#/types/channel_id",
                                                                      "value": "CDEAL"}]})
    assistant.coach_dm(body=event_body(event), event=event, client=client, deps=deps)
    (reply,) = client.chat_postMessage.call_args_list
    day = deps.store.deal("T1", "CDEAL")["last_activity_at"][:10]
    assert reply.kwargs["text"] == t("dm.not_stalled", "es", name="Globex", day=day)


# --- commands: what a stop leaves ---------------------------------------------------------------------------------


def test_on_stop_is_a_subcommand_only_with_its_two_choices(ack, deps):
    assert parse("on-stop nothing") == ("on-stop", "nothing") and parse("on-stop maybe")[0] == "coach"
    assert deps.store.on_stop("T1", "U1") == "offline"  # the default: the playbook answer
    commands.acknowledge(ack=ack, body=command("on-stop nothing"), deps=deps)
    assert deps.store.on_stop("T1", "U1") == "nothing"
    assert ack.call_args.kwargs["text"] == t("deal.on_stop_nothing", "en")
    commands.acknowledge(ack=ack, body=command("on-stop OFFLINE"), deps=deps)
    assert deps.store.on_stop("T1", "U1") == "offline"


# --- the stop button --------------------------------------------------------------------------------------------


def _stopped(channel: str = "D1", thread_ts: str = "5.0") -> dict[str, Any]:
    """agent_session_stopped with the fields of docs.slack.dev/reference/events/agent_session_stopped."""
    return {"channel": channel, "event_ts": "9.9", "streaming_message_ts": ["6.0"], "thread_ts": thread_ts,
            "type": "agent_session_stopped", "user": "U1"}


def test_a_stop_reaches_the_coaching_in_its_thread_only(client, deps):
    with sessions.running(deps.store, "T1", "D1", "5.0") as here, \
            sessions.running(deps.store, "T1", "D1", "7.0") as elsewhere:
        event = _stopped()
        agent.on_session_stopped(body=event_body(event), event=event, client=client, deps=deps)
        assert here.stopped() and not elsewhere.stopped()
        with pytest.raises(sessions.Stopped):
            here.check()
    client.agents_sessions_setStatus.assert_not_called()  # the coaching ends its session itself


def test_a_stop_with_no_coaching_here_ends_the_session_and_tells_other_processes(client, deps):
    event = _stopped()
    agent.on_session_stopped(body=event_body(event), event=event, client=client, deps=deps)
    client.agents_sessions_setStatus.assert_called_once_with(channel_id="D1", thread_ts="5.0", status="active",
                                                             initiator_user_id=None)
    run = sessions.Run(deps.store, "T1", "D1", "5.0")  # one that started after the click is not stopped by it
    assert not run.stopped(fresh=True)
    deps.store.stop_session("T1", "D1", "5.0")  # a click another process recorded
    assert run.stopped(fresh=True)


def test_streamed_steps_are_a_plan_of_tasks(client, deps):
    client.chat_stream.side_effect = lambda **kw: ChatStream(client, logger=logging.getLogger("t"), **kw)
    client.chat_startStream.return_value = {"ok": True, "ts": "6.0"}
    stream = streaming.GuidanceStream(client, "T1", "U1", "D1", "5.0", "en", deps.store)
    for step in ("reading", "matching", "writing"):
        stream.step(step)
    stream("align", "Go back to the goal ")
    stream.finish({"blocks": [{"type": "divider"}], "text": "done"}, final=True)
    start = client.chat_startStream.call_args.kwargs
    assert start["task_display_mode"] == "plan"
    assert [c.to_dict() for c in start["chunks"]] == [
        {"type": "plan_update", "title": t("steps.title", "en")},
        {"type": "task_update", "id": "reading", "title": t("steps.reading", "en"), "status": "in_progress"}]
    appended = [c.to_dict() for call in client.chat_appendStream.call_args_list for c in call.kwargs["chunks"]]
    assert [(c.get("id"), c.get("status")) for c in appended if c["type"] == "task_update"] == [
        ("reading", "complete"), ("matching", "in_progress"), ("matching", "complete"), ("writing", "in_progress")]
    assert any(c["type"] == "markdown_text" and "Go back to the goal" in c["text"] for c in appended)
    stop = client.chat_stopStream.call_args.kwargs
    assert {"type": "task_update", "id": "writing", "title": t("steps.writing", "en"), "status": "complete"} in [
        c.to_dict() for c in stop["chunks"]]
    assert stream.session_closed and client.chat_update.call_args.kwargs["ts"] == "6.0"
    client.assistant_threads_setStatus.assert_not_called()


def test_steps_are_the_status_where_slack_takes_no_task_chunks(client, deps):
    client.chat_stream.side_effect = lambda **kw: ChatStream(client, logger=logging.getLogger("t"), **kw)
    client.chat_startStream.side_effect = [SlackApiError("no", {"ok": False, "error": "invalid_chunks"}),
                                           {"ok": True, "ts": "6.0"}]
    stream = streaming.GuidanceStream(client, "T1", "U1", "D1", "5.0", "es", deps.store)
    stream.step("reading")
    stream.step("writing")
    stream("align", "Vuelve a la meta ")
    statuses = [c.kwargs["status"] for c in client.assistant_threads_setStatus.call_args_list]
    assert statuses == [t("steps.reading", "es"), t("steps.writing", "es")]
    second = client.chat_startStream.call_args.kwargs  # the guidance streams all the same, without tasks
    assert second.get("task_display_mode") is None  # (None is left out of the request)
    assert [c.to_dict()["type"] for c in second["chunks"]] == ["markdown_text"]


class _FakeCoach:
    """A coach with a model whose coaching the seller stops at its second step."""

    def __init__(self, playbooks: Any, settings: Any):
        self.playbooks, self.settings, self.llm = playbooks, settings, object()
        self.offline: list[bool] = []

    def coach(self, text: str, context: str | None = None, *, offline: bool = False, on_step: Any = None,
              **_: Any) -> Guidance:
        self.offline.append(offline)
        if on_step is not None:
            on_step("reading")
            sessions.stop_here("T1", "D1", "5.0")  # the click arrives while it reads
            on_step("matching")
        guidance = _guidance("offline")
        guidance.notes = ["Offline playbook answer."]
        return guidance


@pytest.mark.parametrize("choice", ["offline", "nothing"])
def test_a_stop_before_the_model_writes_leaves_what_the_seller_chose(client, store, shared_coach, choice):
    client.chat_stream.side_effect = lambda **kw: ChatStream(client, logger=logging.getLogger("t"), **kw)
    client.chat_startStream.return_value = {"ok": True, "ts": "6.0"}
    # Slack stopped the stream with the click: the app's stopStream fails, so it ends the session itself
    client.chat_stopStream.side_effect = SlackApiError("no", {"ok": False, "error": "message_not_in_streaming_state"})
    coach = _FakeCoach(shared_coach.playbooks, shared_coach.settings)
    deps = Deps(coach=coach, store=store, summarizer=None, audience=Readers())  # type: ignore[arg-type]
    store.set_on_stop("T1", "U1", choice)
    done = streaming.coach_in_thread(deps, Asker(client, "U1", "D1", "5.0"), "T1", "5.0", "Too expensive.")
    statuses = [c.kwargs["status"] for c in client.agents_sessions_setStatus.call_args_list]
    assert statuses == ["processing", "active"]
    assert store.abandoned_streams() == [] and client.chat_postMessage.call_count == 0
    if choice == "nothing":
        assert done is None and coach.offline == [False]
        client.chat_delete.assert_called_once_with(channel="D1", ts="6.0")
        client.chat_update.assert_not_called()
    else:
        assert done is not None and coach.offline == [False, True]  # the playbook answer, asked for anew
        update = client.chat_update.call_args.kwargs
        assert update["ts"] == "6.0" and t("note.why.stopped", "en") in str(update["blocks"])
        client.chat_delete.assert_not_called()
