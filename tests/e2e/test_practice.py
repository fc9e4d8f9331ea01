"""Practice end to end: /objection practice, answers in the thread, scorecards, the buyer's turns, Try again."""

from __future__ import annotations

import json
import time

import pytest
from slack_sdk.models.blocks import Block

from bot.content.i18n import t
from bot.content.scenarios import load_scenarios, persona_text, scenarios_dir
from bot.core.config import load_settings
from bot.services.buyer_turn import fits
from bot.services.coach import Coach
from bot.services.score import Scorer
from bot.store import open_store

SCENARIOS = load_scenarios(scenarios_dir(None))


@pytest.fixture(scope="module", autouse=True)
def practice_model(shared_coach) -> None:
    """The move model trained into the session's cache before any app needs it (training takes seconds)."""
    assert Scorer(shared_coach).model.regressions


def _validate(blocks: list[dict]) -> None:
    assert 0 < len(blocks) <= 50
    for raw in blocks:
        Block.parse(raw).validate_json()


def _text(post: dict) -> str:
    return json.dumps(post.get("blocks") or [], ensure_ascii=False) + (post.get("text") or "")


def _start(bot, text: str = "practice skepticism", user: str = "U1", count: int = 1) -> tuple[dict, str]:
    """Start a practice; the opening post and the scenario it shows."""
    with bot.slack.holding("chat.postMessage"):  # the opening's post waits until the ack is back
        reply = bot.command(text, user=user)
    assert reply.status_code == 200 and reply.json()["response_type"] == "ephemeral"
    post = bot.slack.wait_for("chat.postMessage", count)[count - 1]
    _validate(post["blocks"])
    body = _text(post)
    scenario = next(s for s in SCENARIOS.values() if json.dumps(s.objection.en)[1:-1] in body
                    or json.dumps(s.objection.es, ensure_ascii=False)[1:-1] in body)
    return post, scenario.id


def _ts(bot, channel: str, index: int) -> str:
    return bot.slack.posted[channel][index]["ts"]


def _answer(bot, text: str, thread_ts: str, event_id: str, user: str = "U1", channel: str = "C1") -> None:
    bot.event({"type": "message", "channel": channel, "user": user, "text": text, "ts": f"{time.time():.6f}",
               "thread_ts": thread_ts}, event_id=event_id)


def test_start_answer_scorecard_second_turn_and_try_again(bot, settings):
    post, scenario_id = _start(bot)
    scenario = SCENARIOS[scenario_id]
    assert scenario.kind == "skepticism" and "skepticism" not in _text(post).lower()  # the kind is not given away
    root = _ts(bot, "C1", 0)
    _answer(bot, "We are the best on the market.", root, "EvP1")
    posts = bot.slack.wait_for("chat.postMessage", 3)
    card, buyer = posts[1], posts[2]
    assert card["thread_ts"] == root and buyer["thread_ts"] == root
    _validate(card["blocks"])
    body = _text(card)
    assert "Score" in card["blocks"][0]["text"]["text"]
    for part in ("Align", "Clarify", "No pitfalls", "The change that would help most", "Model answer", "Skepticism"):
        assert part in body
    assert "❌ Align" in body and "❌ Clarify" in body  # missed: the buyer pushes back
    # the buyer pushes back with the scenario's line only if it fits what was said, else says the objection again
    pushed = scenario.push_back.en if fits(scenario.push_back.en, "We are the best on the market.",
                                           scenario.objection.en, persona_text(scenario, "en")) \
        else t("practice.buyer.missed", "en", objection=scenario.objection.en)
    assert json.dumps(pushed)[1:-1] in _text(buyer) and "Turn 2 of 3" in _text(buyer)
    buttons = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["practice_retry"] and buttons[0]["value"] == root
    store = open_store(settings)
    assert store.practice_session("T1", "C1", root, "U1")["turn"] == 2
    (row,) = store.practice_answers_in("T1", "C1", root, "U1")
    assert row["kind"] == "skepticism" and row["reply"] == "We are the best on the market."

    bot.action({"action_id": "practice_retry", "value": root, "type": "button"}, channel="C1",
               message_ts=_ts(bot, "C1", 1))
    again = bot.slack.wait_for("chat.postMessage", 4)[3]
    assert again["thread_ts"] == root and json.dumps(scenario.objection.en)[1:-1] in _text(again)
    assert store.practice_session("T1", "C1", root, "U1")["turn"] == 1


def test_two_sellers_practise_apart(bot, settings):
    _start(bot, "practice incorrect", user="U1", count=1)
    _start(bot, "practice major_concern es", user="U2", count=2)
    root1, root2 = _ts(bot, "C1", 0), _ts(bot, "C1", 1)
    _answer(bot, "That is simply not how it works.", root1, "EvA1", user="U1")
    _answer(bot, "Entiendo la preocupación.", root2, "EvA2", user="U2")
    posts = bot.slack.wait_for("chat.postMessage", 6)
    by_thread = {root1: [], root2: []}
    for p in posts[2:]:
        by_thread[p["thread_ts"]].append(p)
    assert len(by_thread[root1]) == 2 and len(by_thread[root2]) == 2
    assert "Puntuación" in _text(by_thread[root2][0]) and "Score" in _text(by_thread[root1][0])
    _answer(bot, "Let me answer for them.", root1, "EvA3", user="U2")  # U2 in U1's thread
    (note,) = bot.slack.wait_for("chat.postEphemeral")
    assert note["user"] == "U2" and "another seller" in note["text"]
    bot.idle()
    store = open_store(settings)
    assert len(store.practice_answers_in("T1", "C1", root1, "U1")) == 1
    assert len(store.practice_answers_in("T1", "C1", root2, "U2")) == 1
    assert store.practice_answers_in("T1", "C1", root1, "U2") == []
    assert len(bot.slack.of("chat.postMessage")) == 6  # nothing posted for the intruder, nothing coached


def test_a_practice_started_in_a_shared_channel_goes_by_dm_and_continues_there(bot, settings):
    bot.slack.shared.add("CEXT")  # a Slack Connect deal room: the buyer's people read it
    reply = bot.command("practice skepticism", channel="CEXT", user="U7")
    assert reply.status_code == 200 and reply.json()["response_type"] == "ephemeral"
    (opening,) = bot.slack.wait_for("chat.postMessage")
    assert opening["channel"] == "DU7" and "thread_ts" not in opening
    (note,) = bot.slack.wait_for("response/cmd")
    assert note["response_type"] == "ephemeral" and "outside your company" in note["text"]
    root = _ts(bot, "DU7", 0)
    store = open_store(settings)
    assert store.practice_session("T1", "DU7", root, "U7")["turn"] == 1
    assert store.practice_session("T1", "CEXT", root, "U7") is None
    # the seller answers in the DM thread (a message.im event): the practice goes on there
    bot.event({"type": "message", "channel": "DU7", "channel_type": "im", "user": "U7", "ts": f"{time.time():.6f}",
               "text": "We are the best on the market.", "thread_ts": root}, event_id="EvS1")
    card, buyer = bot.slack.wait_for("chat.postMessage", 3)[1:3]
    assert card["channel"] == buyer["channel"] == "DU7" and card["thread_ts"] == buyer["thread_ts"] == root
    assert "Score" in _text(card) and "Turn 2 of 3" in _text(buyer)
    assert len(store.practice_answers_in("T1", "DU7", root, "U7")) == 1
    bot.idle()
    calls = [params for _, params in bot.slack.calls]
    assert not any(params.get("channel") == "CEXT" for params in calls if "text" in params or "blocks" in params)
    assert bot.slack.of("chat.postEphemeral") == []


def test_bad_inputs_in_a_practice_thread(bot, settings):
    _start(bot, "practice missing")
    root = _ts(bot, "C1", 0)
    _answer(bot, ":slightly_smiling_face:", root, "EvB1")
    bot.slack.wait_for("chat.postMessage", 2)  # answered before the next (two at once are worked on at once)
    _answer(bot, "what should I say?", root, "EvB2")
    posts = bot.slack.wait_for("chat.postMessage", 3)
    assert "Reply with what you would say" in posts[1]["text"]
    assert posts[2]["text"].startswith("A hint, not the answer")
    assert open_store(settings).practice_answers_in("T1", "C1", root, "U1") == []  # hints are not scores
    objection = SCENARIOS[_scenario_in(bot)].objection.en
    _answer(bot, objection, root, "EvB3")
    assert "buyer's words" in bot.slack.wait_for("chat.postMessage", 4)[3]["text"]
    _answer(bot, "Entiendo, le explico en concreto cómo funciona para una empresa como la suya.", root, "EvB4")
    card = bot.slack.wait_for("chat.postMessage", 6)[4]
    assert "answered in Spanish" in _text(card)
    long_reply = " ".join(["I understand, and here is what changes for your team every single week."] * 70)
    _answer(bot, long_reply, root, "EvB5")
    card = bot.slack.wait_for("chat.postMessage", 8)[6]
    _validate(card["blocks"])
    assert "first 4000 characters" in _text(card)


def _scenario_in(bot) -> str:
    body = json.dumps(bot.slack.of("chat.postMessage")[0]["blocks"], ensure_ascii=False)
    return next(s.id for s in SCENARIOS.values() if json.dumps(s.objection.en)[1:-1] in body)


def test_unknown_practice_choice_is_explained(bot):
    reply = bot.command("practice weather")
    assert "I don't know 'weather'" in reply.json()["text"] and "vendor_viability" in reply.json()["text"]
    bot.idle()
    assert bot.slack.of("chat.postMessage") == []


def test_practice_words_after_an_objection_are_still_coached(bot):
    bot.command("practice makes perfect but the buyer says we're too expensive")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["blocks"][0]["type"] == "header" and "%" in post["blocks"][0]["text"]["text"]  # a coaching


def test_llm_scores_with_verified_quotes_and_plays_the_buyer(model):
    coach = Coach(load_settings())
    scorer = Scorer(coach)
    objection = SCENARIOS["skepticism-results-savings"].objection.en
    reply = "I hear you, your budget has to be predictable. Here is the calculation from your invoices."
    card = scorer.assess(objection, reply, "skepticism", ambiguous=False)
    assert card.source == "llm" and card.evidence["align"] == "I hear you, your budget has to be predictable."
    assert len(model.requests) == 1 and "<seller_reply>" in model.requests[0]["body"]["messages"][1]["content"]
    model.default = "bad_quote"
    card = scorer.assess(objection, reply + " Thanks.", "skepticism", ambiguous=False)
    assert all(q in reply for q in card.evidence.values())  # a quote the seller never wrote is not taken
    model.default = "500"
    card = scorer.assess(objection, reply + " Really.", "skepticism", ambiguous=False)
    assert card.source == "offline" and any("could not score" in n for n in card.notes)


def test_llm_buyer_stays_in_character_or_the_script_is_used(model, shared_coach):
    from bot.services.practice import Practice, SessionKey

    practice = Practice(Coach(load_settings()))
    scenario = SCENARIOS["skepticism-results-savings"]
    key = SessionKey("T1", "C1", "llm-buyer", "U1")
    practice.start(key, scenario, "en")
    step = practice.answer(key, "We are great.")
    assert step.buyer == "All right, that helps. Walk me through what the first month would look like."
    model.default = "names_kind"
    practice.start(key, scenario, "en")
    step = practice.answer(key, "We are truly great.")
    # the kind was named: the offline line, which answers only what the seller said
    assert step.buyer in (scenario.push_back.en, scenario.moving_on.en,
                          t("practice.buyer.missed", "en", objection=scenario.objection.en),
                          t("practice.buyer.moving_on", "en"))
