"""Practice scenarios (data, validated on load) and the session state machine, with a scripted scorer."""

from __future__ import annotations

import collections
import json

import pytest

from bot.content.scenarios import ScenarioError, load_scenarios, persona_text, scenarios_dir
from bot.core.taxonomy import LABELS
from bot.services.practice import MAX_TURNS, TOPICS, NoScenario, Practice, Selection, SessionKey
from bot.services.score import Hint, Scorecard


def test_shipped_bank_has_ten_scenarios_per_kind_in_both_languages():
    scenarios = load_scenarios(scenarios_dir(None))
    per_kind = collections.Counter(s.kind for s in scenarios.values())
    assert set(per_kind) == set(LABELS) and min(per_kind.values()) >= 10
    assert {s.topic for s in scenarios.values()} <= set(TOPICS)
    assert any(s.ambiguous for s in scenarios.values()) and not all(s.ambiguous for s in scenarios.values())
    for s in scenarios.values():
        assert s.objection.en != s.objection.es and s.push_back.es and s.moving_on.es


def test_a_bad_scenario_file_names_the_file_and_field(tmp_path):
    (tmp_path / "skepticism.yaml").write_text(
        "kind: skepticism\nscenarios:\n  - id: sk-one\n    topic: weather\n    ambiguous: false\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"skepticism.yaml: field 'scenarios.0.topic': .*must be one of") as err:
        load_scenarios(tmp_path)
    assert "scenarios.0.persona" in str(err.value)
    (tmp_path / "skepticism.yaml").write_text("kind: doubt\nscenarios: []\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"field 'kind'"):
        load_scenarios(tmp_path)


def test_selection_reads_kind_topic_random_and_language():
    assert Selection.parse(["skepticism", "es"]) == Selection("skepticism", None, "es")
    assert Selection.parse(["vendor-viability"]) == Selection(None, "vendor_viability", "en")
    assert Selection.parse(["random"]) == Selection()
    with pytest.raises(ValueError, match="weather"):
        Selection.parse(["weather"])


def test_persona_takes_the_team_offering_when_there_is_one():
    scenario = next(iter(load_scenarios(scenarios_dir(None)).values()))
    assert persona_text(scenario, "en").endswith("Is evaluating your solution.")
    assert persona_text(scenario, "en", "Acme Scheduling").endswith("Is evaluating Acme Scheduling.")
    assert persona_text(scenario, "es", "Acme Agenda").endswith("Está evaluando Acme Agenda.")


class ScriptedScorer:
    """Answers from a list: "good" (handled), "bad" (missed), "hint"."""

    def __init__(self, script: list[str]):
        self.script = script
        self.seen: list[tuple[str, str]] = []

    def assess(self, objection: str, reply: str, kind: str, **kw) -> Scorecard | Hint:
        self.seen.append((objection, reply))
        outcome = self.script.pop(0)
        if outcome == "hint":
            return Hint("question", kw.get("lang", "en"), "A hint")
        ok = outcome == "good"
        checks = {"align": ok, "asks": None, "clarify": ok, "assure": ok, "no_pitfalls": True}
        return Scorecard(kind, kw.get("lang", "en"), checks, {}, 1.0 if ok else 0.25, None, "fix", "model",
                         "offline")


@pytest.fixture
def practice(shared_coach, request):
    def make(script: list[str]) -> Practice:
        return Practice(shared_coach, ScriptedScorer(script))

    return make


def _key(name: str) -> SessionKey:
    return SessionKey("T1", "C1", name, "U1")


def test_missed_answers_get_push_back_then_the_summary_after_three_turns(practice):
    p = practice(["bad", "bad", "bad"])
    scenario = p.scenarios["skepticism-viability-startup"]
    key = _key("missed")
    opening = p.start(key, scenario, "en")
    assert opening.objection == scenario.objection.en and "IT director" in opening.persona
    first = p.answer(key, "We are great.")
    assert first.buyer == scenario.push_back.en and first.turn == 2 and not first.done
    second = p.answer(key, "Really great.")
    assert scenario.objection.en in second.buyer and second.turn == 3
    assert p.scorer.seen[1][0] == scenario.push_back.en  # the second answer is scored against the push-back
    third = p.answer(key, "Truly.")
    assert third.done and third.summary.turns == MAX_TURNS and not third.summary.handled
    assert third.summary.scores == [0.25, 0.25, 0.25] and third.summary.focus == "align"
    assert p.answer(key, "anything").finished_before


def test_a_handled_answer_moves_the_buyer_on_and_try_again_restarts(practice):
    p = practice(["hint", "good", "good"])
    scenario = p.scenarios["incomplete-price-training"]
    key = _key("handled")
    p.start(key, scenario, "es")
    hint = p.answer(key, "¿qué le digo?")
    assert hint.hint is not None and hint.turn == 1  # a hint does not use up a turn
    done = p.answer(key, "Buena respuesta")
    assert done.done and done.buyer == scenario.moving_on.es and done.summary.handled
    again = p.restart(key)
    assert again.objection == scenario.objection.es
    assert p.session(key)["turn"] == 1 and p.session(key)["state"] == "awaiting"
    assert p.answer(key, "Otra buena").summary.scores == [1.0]  # the new attempt only


def test_sessions_are_per_seller(practice):
    p = practice(["bad"])
    scenario = p.scenarios["missing-price-clinic"]
    p.start(SessionKey("T1", "C1", "shared", "U1"), scenario, "en")
    assert p.answer(SessionKey("T1", "C1", "shared", "U2"), "mine?") is None
    assert p.answer(SessionKey("T2", "C1", "shared", "U1"), "other workspace") is None
    assert p.answer(SessionKey("T1", "C1", "shared", "U1"), "mine").turn == 2


def test_choose_by_kind_and_topic(practice):
    p = practice([])
    assert p.choose(Selection(kind="incorrect")).kind == "incorrect"
    assert p.choose(Selection(topic="security")).topic == "security"
    with pytest.raises(NoScenario):
        p.choose(Selection(kind="missing", topic="vendor_viability"))


def test_cli_score_prints_the_json_scorecard(cli):
    done = cli("score", "Every vendor promises savings. How do I know we'll see them?",
                  "Fair doubt. We guarantee you'll save 30% if you sign by Friday.", "--kind", "skepticism", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert list(data) == ["kind", "checks", "evidence", "score", "improve", "model_answer"]
    assert data["checks"]["no_pitfalls"] is False and data["checks"]["asks"] is None
    assert cli("score", "", "something").returncode == 2


def test_cli_practice_reads_piped_answers_until_eof_and_keeps_stats(tmp_path, cli):
    done = cli("practice", "--kind", "skepticism", "--lang", "es",
                  stdin="¿qué le digo?\n🙂\nEntiendo la duda. Le muestro el cálculo con sus facturas.\n")
    assert done.returncode == 0, done.stderr
    assert "Comprador:" in done.stdout and "Una pista" in done.stdout and "Puntuación:" in done.stdout
    stats = json.loads(cli("practice", "--stats", "--json").stdout)
    assert stats["answers"] == 1 and set(stats["kinds"]) == {"skepticism"}
    assert "align" in stats["checks"] and stats["weeks"][0]["answers"] == 1
    assert set(stats["weeks"][0]["kinds"]) == {"skepticism"}
