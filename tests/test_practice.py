"""Practice scenarios (data, validated on load) and the session state machine, with a scripted scorer."""

from __future__ import annotations

import collections
import json

import pytest

from bot.content.i18n import t
from bot.content.scenarios import ScenarioError, load_scenarios, persona_text, scenarios_dir
from bot.core.taxonomy import LABELS
from bot.services.practice import MAX_TURNS, TOPICS, NoScenario, Practice, Selection, SessionKey, summary_outcome
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
        ok = outcome in ("good", "pitfall")  # "pitfall": aligned and clarified, and pressured too
        checks = {"align": ok, "asks": None, "clarify": ok, "assure": ok, "no_pitfalls": outcome != "pitfall"}
        improve = "Take out the deadline." if outcome == "pitfall" else "fix"
        return Scorecard(kind, kw.get("lang", "en"), checks, {}, 1.0 if ok else 0.25, None, improve, "model",
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
    # the scripted push-back ("Nice story, but…") answers a story the seller never told: the buyer says it again
    assert first.buyer == t("practice.buyer.missed", "en", objection=scenario.objection.en)
    assert "story" not in first.buyer and first.turn == 2 and not first.done
    second = p.answer(key, "Really great.")
    assert scenario.objection.en in second.buyer and second.turn == 3
    assert p.scorer.seen[1][0] == first.buyer  # the second answer is scored against the push-back
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
    # handled, but the scripted "now I can budget for it" presumes words the seller did not say: a generic line
    assert done.done and done.buyer == t("practice.buyer.moving_on", "es") and done.summary.handled
    assert summary_outcome(done.summary, "es") == "Lo manejaste."
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


# --- the buyer's next line answers only what the seller said (issue #24) ---------------------------------------

@pytest.mark.parametrize(("lang", "fitting", "unrelated"), [
    ("en", "Let's skip the discount and signing this month; you're trying to avoid new spend.", "We are great."),
    ("es", "Nada de descuento ni de firmar este mes: entiendo que intenta evitar gasto nuevo.", "Somos geniales."),
])
def test_a_scripted_push_back_is_said_only_when_the_reply_said_what_it_answers(practice, lang, fitting, unrelated):
    p = practice(["bad", "bad"])
    scenario = p.scenarios["major-budget-cuts"]  # push-back: "A discount if I sign this month is exactly…"
    pushed = getattr(scenario.push_back, lang)
    p.start(_key(f"fit-{lang}"), scenario, lang)
    assert p.answer(_key(f"fit-{lang}"), fitting).buyer == pushed
    p.start(_key(f"other-{lang}"), scenario, lang)
    buyer = p.answer(_key(f"other-{lang}"), unrelated).buyer
    assert buyer != pushed and buyer == t("practice.buyer.missed", lang, objection=getattr(scenario.objection, lang))


@pytest.mark.parametrize(("lang", "reply", "handled_text"), [
    ("en", "I hear you, the budget has to hold. Here is what it costs per month. Sign by Friday and I'll hold "
           "this price.", "You handled it"),
    ("es", "Le entiendo, el presupuesto tiene que cuadrar. Este es el costo mensual. Firme antes del viernes y le "
           "respeto el precio.", "Lo manejaste"),
])
def test_an_answer_with_a_pitfall_is_never_handled_and_the_summary_says_what_to_fix(practice, lang, reply,
                                                                                      handled_text):
    p = practice(["pitfall"] * MAX_TURNS)
    scenario = p.scenarios["incomplete-price-training"]
    key = _key(f"pitfall-{lang}")
    p.start(key, scenario, lang)
    first = p.answer(key, reply)
    # aligned and clarified, but pressured: not handled, the buyer reacts to the pressure and the practice goes on
    assert not first.done and first.turn == 2
    assert first.buyer.startswith(t("practice.react.pressure", lang))
    for _ in range(MAX_TURNS - 1):
        last = p.answer(key, reply)
    assert last.done and not last.summary.handled and last.summary.fix == "Take out the deadline."
    outcome = summary_outcome(last.summary, lang)
    assert handled_text not in outcome and "Take out the deadline." in outcome
    assert last.buyer != getattr(scenario.moving_on, lang)


def test_cli_practice_after_a_pitfall_does_not_say_you_handled_it(cli):
    pressure = ("I understand, you need to know what the number covers. Training is included in the licence "
                "price. Sign by Friday and I'll hold this price.")
    done = cli("practice", "--kind", "incomplete", "--topic", "price", "--source", "generic",
               stdin="\n".join([pressure] * MAX_TURNS) + "\n")
    assert done.returncode == 0, done.stderr
    assert "You handled it" not in done.stdout and "Not handled yet. Take out" in done.stdout
    buyer = [line for line in done.stdout.splitlines() if line.startswith("Buyer: ")][1:]
    assert len(buyer) == MAX_TURNS and all(line.count(t("practice.react.pressure", "en")) == 1 for line in buyer)
    assert buyer[-1].endswith(t("practice.closing", "en"))
