"""Issue #22 items 4 and 5 outside Slack's wire: practising a call's moment (the engine and `coach practice
--from-call FILE --moment N`), the review's Block Kit within Slack's limits for a long call, and what the store
keeps of a reviewed call, for how long, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from slack_sdk.models.blocks import Block

from bot.calls.formats import read_call
from bot.calls.review import review_call
from bot.calls.sides import assign_sides
from bot.cli import main
from bot.content.i18n import t
from bot.services.practice import CallScenario, Practice, SessionKey, call_scenario, moment_context
from bot.services.report import call_stats
from bot.slack.blocks import MAX_BLOCKS, MESSAGE_TEXT_LIMIT, SECTION_LIMIT
from bot.slack.call_review import review_messages
from bot.store import open_store

DATA = Path(__file__).resolve().parent.parent / "data" / "calls"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _zoom(coach):
    conversation = read_call(DATA / "zoom_en.vtt")
    return conversation, review_call(coach, conversation, assign_sides(conversation, ours=["Ana"]))


def test_a_moment_of_a_call_is_a_practice_with_the_buyers_words_and_the_turns_before(shared_coach):
    conversation, review = _zoom(shared_coach)
    moment = review.moments[1]
    context, index = moment_context(conversation.turns, moment.speaker, moment.where, moment.quote)
    assert conversation.turns[index].where() == "00:01:10" and len(context) == 3
    assert context[-1].startswith("Ana Ruiz: I understand, budget matters.")
    scenario = call_scenario("42", moment.number, quote=moment.quote, kind=moment.kind, ambiguous=False,
                             topic="adoption", speaker=moment.speaker, where=moment.where, context=context)
    assert scenario.id == "call-42-2" and scenario.kind == "skepticism"

    practice = Practice(shared_coach)
    key = SessionKey("TCALL", "DU1", "1.0", "U1")
    opening = practice.start(key, scenario, "en")
    assert opening.objection == moment.quote and opening.context == context
    assert opening.persona.startswith("Dana Okafor, the buyer on your call")
    # the scenario lives with the session (there is no file for it), so the practice goes on from the store
    fresh = Practice(shared_coach)
    step = fresh.answer(key, "It'll be great, I promise.", offline=True)
    # "I promise" is a guarantee: the buyer reacts to it, then says their objection was not answered
    assert step is not None and step.card is not None
    assert step.buyer == f'{t("practice.react.guarantee", "en")} {t("practice.call.push_back", "en")}'
    assert isinstance(fresh.scenario_of(fresh.session(key)), CallScenario)
    assert fresh.restart(key).objection == moment.quote
    (answer,) = shared_coach.store.practice_answers_in("TCALL", "DU1", "1.0", "U1")
    assert answer["scenario_id"] == "call-42-2" and answer["topic"] == "adoption"
    # past the text retention the words are gone: the practice cannot go on, and says nothing wrong
    shared_coach.store.execute("UPDATE practice_sessions SET scenario = '' WHERE team_id = 'TCALL'")
    assert fresh.answer(key, "Another try.", offline=True) is None


class _Piped(io.StringIO):
    def isatty(self) -> bool:
        return False


def test_cli_practises_a_moment_from_a_call(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", _Piped("That's a fair concern. You'll see a big jump, I guarantee it.\n"))
    assert main(["practice", "--from-call", str(DATA / "zoom_en.vtt"), "--moment", "2", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "Earlier in the call" in out and "  Ana Ruiz: I understand, budget matters." in out
    assert "Buyer: Another thing, we tried a scheduling tool" in out and "Score:" in out
    assert t("practice.call.push_back", "en") in out


def test_cli_from_call_says_what_is_wrong(capsys, monkeypatch, cues_only):
    monkeypatch.setattr(sys, "stdin", _Piped(""))
    assert main(["practice", "--from-call", str(DATA / "zoom_en.vtt"), "--moment", "9"]) == 2
    assert "the call has 2 buyer objection(s)" in capsys.readouterr().err
    assert main(["practice", "--from-call", str(DATA / "thread_en.eml")]) == 2  # sides unsure, no terminal
    assert '--ours "Name,Name"' in capsys.readouterr().err
    assert main(["practice", "--from-call", str(DATA / "one_speaker.txt")]) == 2
    assert "only one speaker" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", _Piped("Hi Dana. What were you comparing it with?\n"))
    assert main(["practice", "--from-call", str(DATA / "thread_en.eml"), "--ours", "ana@brightpath.io",
                 "--offline"]) == 0
    assert "Score:" in capsys.readouterr().out


def test_a_long_call_review_stays_within_slacks_limits(shared_coach):
    _, review = _zoom(shared_coach)
    # a 60-minute call's worth of objections, each with long words everywhere
    long = " ".join(["that is a genuinely long sentence the buyer said about the price"] * 12)
    moments = []
    for number in range(1, 41):
        base = review.moments[number % 2]
        answer = replace(base.answer, text=long[:600], evidence={k: long[:300] for k in base.answer.checks})
        moments.append(replace(base, number=number, quote=long[:600], answer=answer))
    big = replace(review, moments=moments)
    messages = review_messages(big, 7, "call-60min.vtt", shared_coach.kind_names("en"),
                               shared_coach.obstacle_names("en"))
    assert len(messages) > 1
    buttons = []
    for blocks in messages:
        assert len(blocks) <= MAX_BLOCKS
        assert sum(len(b.get("text", {}).get("text", "")) for b in blocks) <= MESSAGE_TEXT_LIMIT
        for block in blocks:
            Block.parse(block).validate_json()
            assert len(block.get("text", {}).get("text", "")) <= SECTION_LIMIT
            if block.get("accessory"):
                buttons.append(block["accessory"]["value"])
    assert buttons == [f"7:{n}" for n in range(1, 41)]  # each moment once, in order, never split
    assert messages[0][0]["type"] == "header" and "Next step" in json.dumps(messages[-1])


@pytest.mark.usefixtures("backend")
def test_the_store_keeps_a_calls_words_for_the_text_period_and_its_scores_for_the_retention_period(settings):
    store = open_store(settings)
    answer = {"team_id": "T1", "user_id": "U1", "moment": 1, "kind": "skepticism", "lang": "en",
              "checks": json.dumps({"align": True, "clarify": False, "asks": None}), "score": 0.5, "handled": 0}
    row = {"team_id": "T1", "user_id": "U1", "channel": "DU1", "thread_ts": "1.0", "file_id": "F1",
           "file_name": "a.vtt", "kind": "call", "language": "en", "moments": json.dumps([{"quote": "too pricey"}])}
    for age, tag in ((timedelta(days=100), "old"), (timedelta(days=40), "mid"), (timedelta(hours=1), "new")):
        with time_machine.travel(NOW - age, tick=False):
            store.record_call_review({**row, "file_id": tag}, [answer])
            asking = store.save_call_review(**{**row, "file_id": f"{tag}-asking"}, state="asking",
                                            text="Dana: too pricey", speakers=json.dumps(["Dana", "Ana"]))
            store.save_practice_session("T1", "DU1", tag, "U1", scenario_id="call-1-1", lang="en", turn=1,
                                        state="awaiting", buyer_text="too pricey", scenario='{"quote": "x"}')
    assert store.claim_call_review(asking) and not store.claim_call_review(asking)  # the seller's choice, once
    store.release_call_review(asking)
    assert store.call_review(asking)["state"] == "asking"
    stats = call_stats(store, "T1", "U1")
    assert stats == {"answers": 3, "calls": 3, "checks": {"align": {"passed": 3, "applicable": 3, "rate": 1.0},
                                                          "clarify": {"passed": 0, "applicable": 3, "rate": 0.0}}}
    assert call_stats(store, "T1", None)["answers"] == 3 and call_stats(store, "T2", None)["answers"] == 0

    done = store.prune(NOW, retention_days=90, text_retention_days=30)
    assert done["call_reviews"] == 2 and done["call_answers"] == 1
    assert done["call_reviews_text"] == 2 and done["practice_sessions_text"] == 1
    rows = {r["file_id"]: r for r in store.db["call_reviews"].rows}
    assert set(rows) == {"mid", "mid-asking", "new", "new-asking"}
    assert (rows["mid"]["moments"], rows["mid-asking"]["text"], rows["mid-asking"]["speakers"]) == ("", "", "")
    assert rows["new"]["moments"] and rows["new-asking"]["text"] == "Dana: too pricey"
    assert store.practice_session("T1", "DU1", "mid", "U1")["scenario"] == ""
    assert store.practice_session("T1", "DU1", "new", "U1")["buyer_text"] == "too pricey"
    assert call_stats(store, "T1", "U1")["answers"] == 2  # scores stay for the retention period, without text

    counts = store.forget_team("T1")
    assert counts["call_reviews"] == 4 and counts["call_answers"] == 2
    store.close()


def test_the_home_tab_and_the_managers_view_show_the_answers_on_reviewed_calls(shared_coach):
    from bot.services.report import report_html, seller_home, team_report
    from bot.slack.home import seller_blocks, team_blocks

    store, team = shared_coach.store, "THOMECALLS"
    checks = json.dumps({"align": True, "asks": None, "clarify": False, "assure": False, "no_pitfalls": True})
    answer = {"team_id": team, "user_id": "U1", "moment": 1, "kind": "skepticism", "lang": "en", "checks": checks,
              "score": 0.5, "handled": 0}
    store.record_call_review({"team_id": team, "user_id": "U1", "file_name": "a.vtt", "language": "en"},
                             [answer, {**answer, "moment": 2}])
    now = datetime.now(UTC)
    home = seller_home(store, shared_coach.playbooks, team, "U1", now, 14)
    assert home.calls == {"calls": 1, "answers": 2, "checks": [
        {"check": "align", "attempts": 2, "passed": 2}, {"check": "clarify", "attempts": 2, "passed": 0},
        {"check": "assure", "attempts": 2, "passed": 0}, {"check": "no_pitfalls", "attempts": 2, "passed": 2}]}
    text = json.dumps(seller_blocks(home, {}, "es"), ensure_ascii=False)
    assert "Tus llamadas" in text and "1 llamada(s) o hilo(s) revisados, 2 respuesta(s)" in text
    assert seller_home(store, shared_coach.playbooks, team, "U2", now, 14).calls is None  # nothing of U1's
    report = team_report(store, shared_coach.playbooks, team, now, 14)
    assert "Real calls" in json.dumps(team_blocks(report, None)) and 'id="calls"' in report_html(report, b"")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_speaker_question_preselects_the_speakers_already_ours(lang):
    """The seller corrects a guess instead of picking from nothing; with no guess nothing is preselected."""
    from bot.slack.call_review import sides_question

    blocks = sides_question(7, "call.vtt", ["Ana Ruiz", "Dana Okafor", "Bo Li"], lang, ("Ana Ruiz", "Bo Li"))
    select = blocks[-1]["elements"][0]
    assert [o["text"]["text"] for o in select["initial_options"]] == ["Ana Ruiz", "Bo Li"]
    assert all(o in select["options"] for o in select["initial_options"])
    Block.parse(blocks[-1]).validate_json()
    unsure = sides_question(7, "call.vtt", ["Ana Ruiz", "Dana Okafor"], lang)
    assert "initial_options" not in unsure[-1]["elements"][0]
