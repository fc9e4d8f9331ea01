"""Practice about the team's own product (issue #24): scenarios built from the team profile, offered first, with
a model answer grounded in the profile."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.content.i18n import t
from bot.content.profile import TeamProfile, load_profile
from bot.content.profile_scenarios import PREFIX, team_scenarios
from bot.content.scenarios import persona_text
from bot.core.resources import data_dir
from bot.core.taxonomy import LABELS
from bot.services.practice import NoScenario, Practice, Selection, SessionKey
from bot.services.score import Scorer

EXAMPLE = TeamProfile.model_validate(
    yaml.safe_load((data_dir("playbooks") / "team.example.yaml").read_text(encoding="utf-8")))


def _lines(scenario, lang: str) -> list[str]:
    return [getattr(getattr(scenario, f), lang) for f in ("objection", "push_back", "moving_on")]


def test_the_shipped_placeholder_profile_gives_no_scenario():
    assert team_scenarios(load_profile().profile) == {}


def test_every_kind_gets_scenarios_about_the_offering_facts_competitors_and_industries():
    made = team_scenarios(EXAMPLE)
    assert made == team_scenarios(EXAMPLE)  # deterministic: same profile, same scenarios and ids
    assert all(s.id.startswith(PREFIX) and s.id == key for key, s in made.items())
    for kind in LABELS:
        ours = [s for s in made.values() if s.kind == kind]
        sources = {s.id.split("-")[2] for s in ours}
        assert sources >= {"offering", "competitor", "industry"} and sources & {"topic", "fact"}, (kind, sources)
        # every fact topic of the profile is practised for every kind
        assert {s.topic for s in ours} >= {f.topic for f in EXAMPLE.facts}
        for s in ours:
            assert "Fleetwise" in s.objection.en and "Fleetwise" in s.objection.es or "RouteMax" in s.objection.en
    competitor = made["team-major_concern-competitor-routemax"]
    assert competitor.objection.en.startswith("We already use RouteMax.")
    assert competitor.objection.es.startswith("Ya usamos RouteMax.") and competitor.topic == "incumbent"
    industry = made["team-missing-industry-logistics"]
    assert industry.objection.en.startswith("We're a logistics company.")
    assert "una empresa de logística" in persona_text(industry, "es")


def test_no_number_or_name_is_invented_and_both_languages_are_written():
    profile_text = EXAMPLE.all_text()
    for s in team_scenarios(EXAMPLE).values():
        for lang in ("en", "es"):
            for line in _lines(s, lang):
                for number in re.findall(r"\d[\d:.,]*", line):
                    assert number in profile_text, (s.id, line)
        assert s.objection.en != s.objection.es and s.push_back.en != s.push_back.es
    # a fact is quoted back only where the profile has it in that language (integration has no Spanish)
    doubted = team_scenarios(EXAMPLE)
    assert "team-skepticism-fact-price" in doubted and "team-skepticism-topic-integration" in doubted
    assert "“We charge per vehicle per month" in doubted["team-skepticism-fact-price"].objection.en


def test_practice_offers_the_teams_scenarios_first_and_the_shipped_ones_on_request(example_coach, shared_coach):
    practice = Practice(example_coach)
    for kind in LABELS:
        assert practice.choose(Selection(kind=kind)).id.startswith(PREFIX)
    assert practice.choose(Selection(topic="security")).id.startswith(PREFIX)
    # no profile scenario on that topic: the shipped bank answers
    assert not practice.choose(Selection(topic="authority")).id.startswith(PREFIX)
    assert not practice.choose(Selection(kind="skepticism", source="generic")).id.startswith(PREFIX)
    assert Selection.parse(["skepticism", "generic", "es"]) == Selection("skepticism", None, "es", "generic")
    assert Selection.parse(["equipo"]).source == "team"
    # with the shipped placeholder profile, only the shipped bank, and nothing for "team"
    shipped = Practice(shared_coach)
    assert not any(s.startswith(PREFIX) for s in shipped.scenarios)
    with pytest.raises(NoScenario):
        shipped.choose(Selection(source="team"))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_model_answer_uses_the_profile_fact_and_the_buyer_evaluates_the_team(example_coach, lang):
    practice = Practice(example_coach, Scorer(example_coach))
    scenario = practice.scenarios["team-missing-topic-price"]
    key = SessionKey("T1", "C1", f"model-{lang}", "U1")
    opening = practice.start(key, scenario, lang)
    assert opening.persona.endswith(("Is evaluating Fleetwise.", "Está evaluando Fleetwise."))
    reply = {"en": "Good question. Let me find out and come back to you.",
             "es": "Buena pregunta. Lo averiguo y le respondo."}[lang]
    step = practice.answer(key, reply, offline=True)
    fact = {"en": "per vehicle per month", "es": "por vehículo al mes"}[lang]
    assert fact in step.card.model_answer
    assert "[" not in step.card.model_answer.split(fact)[0][-40:]  # the fact itself, not a placeholder before it
    # the buyer's push-back presumes nothing: the team's generic line, about the topic asked
    assert step.buyer == t("practice.team.push_back", lang, topic=t("practice.team.topic.price", lang))


def test_cli_practice_about_the_teams_product(cli, monkeypatch, tmp_path):
    team = tmp_path / "team"
    team.mkdir()
    (team / "team.yaml").write_text((data_dir("playbooks") / "team.example.yaml").read_text(encoding="utf-8"),
                                    encoding="utf-8")
    monkeypatch.setenv("COACH_PLAYBOOKS", str(team))
    done = cli("practice", "--kind", "major_concern", "--lang", "es", "--offline",
               stdin="Le entiendo: es un riesgo real. Veamos juntos qué haría falta para que el cambio sea seguro.\n")
    assert done.returncode == 0, done.stderr
    assert "Está evaluando Fleetwise." in done.stdout and "Comprador:" in done.stdout
    assert "Fleetwise" in done.stdout.split("Comprador:")[1]  # the buyer's objection is about the team's product
    generic = cli("practice", "--kind", "major_concern", "--source", "generic", "--offline", stdin="")
    assert "Fleetwise" not in generic.stdout.split("Buyer:")[1].splitlines()[0]
