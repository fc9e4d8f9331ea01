"""The LLM path states only what it was given: checked through the real openai client against the stand-in."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.core.config import load_settings
from bot.core.resources import data_dir
from bot.services.coach import Coach

OBJECTION = "How long does it take to get this up and running? We don't have many people."


def _answer_with(model: Any, *answers: dict[str, str] | None) -> None:
    """Make the stand-in's coaching answers carry these fields, one set per request (None: unchanged); the last
    set repeats."""
    original = model._reply
    queue = list(answers)

    def reply(body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        status, completion, headers = original(body)
        fields = queue.pop(0) if len(queue) > 1 else queue[0]
        if fields and status == 200:
            message = completion["choices"][0]["message"]
            message["content"] = json.dumps({**json.loads(message["content"]), **fields})
        return status, completion, headers

    model._reply = reply


@pytest.fixture
def example_profile(tmp_path, monkeypatch) -> None:
    team = tmp_path / "team"
    team.mkdir()
    (team / "team.yaml").write_text((data_dir("playbooks") / "team.example.yaml").read_text(encoding="utf-8"))
    monkeypatch.setenv("COACH_PLAYBOOKS", str(team))


@pytest.mark.parametrize(
    "invented",
    [
        {"assure": "Offer a call with Acme Logistics, who went live without any trouble at all."},
        {"clarify": "Explain that a typical customer is live in about ten weeks with very little effort."},
        {"talk_track": "Most of our customers cut their planning time by 35% within the first quarter."},
    ],
)
def test_an_answer_that_invents_a_customer_or_a_figure_is_repaired_once_then_offline(model, invented):
    _answer_with(model, invented)
    guidance = Coach(load_settings()).coach(OBJECTION)
    assert guidance.source == "offline" and len(model.requests) == 2
    assert any("stated something nobody gave it" in note for note in guidance.notes), guidance.notes
    repair = model.requests[1]["body"]["messages"][-1]["content"]
    assert "not grounded" in repair and "placeholder" in repair


def test_a_repaired_answer_that_keeps_to_the_facts_is_used(model):
    _answer_with(model, {"clarify": "Tell them the rollout took Initech two weeks."}, None)
    guidance = Coach(load_settings()).coach(OBJECTION)
    assert guidance.source == "llm" and len(model.requests) == 2
    assert "Initech" not in guidance.clarify


def test_figures_and_names_from_the_objection_context_and_profile_are_accepted(model, example_profile):
    _answer_with(model, {"clarify": "Say that a typical customer goes live in 6 to 8 weeks, as Northwind Freight "
                                    "did, and that the 12 people at Harbor Foods can manage it."})
    guidance = Coach(load_settings()).coach(OBJECTION, context="Harbor Foods, 12 people")
    assert guidance.source == "llm" and len(model.requests) == 1
    assert "6 to 8 weeks" in guidance.clarify


def test_the_prompt_carries_the_offering_and_the_topics_facts_and_references(model, example_profile):
    Coach(load_settings()).coach(OBJECTION, context="Ridgeline, a regional trucking firm")
    system, user = (m["content"] for m in model.requests[0]["body"]["messages"])
    assert "Never invent a fact" in system and "[a customer in their industry who will take a call]" in system
    assert "topic: Implementation (implementation)" in user
    assert "Route planning and dispatch software" in user
    assert "A typical customer goes live in 6 to 8 weeks" in user
    assert "We charge per vehicle" in user  # a small profile is given whole: the model may find what fits
    assert 'concern 1: "' in user  # and how the coach read the message
    references = user.split("references (", 1)[1]
    assert references.index("Northwind Freight") < references.index("Verde Market")  # industry match first


def test_with_the_empty_profile_the_prompt_asks_for_placeholders(model):
    Coach(load_settings()).coach(OBJECTION)
    user = model.requests[0]["body"]["messages"][1]["content"]
    assert "facts on this topic: none" in user and "[your usual go-live time and what it asks of the customer]" in user
    assert "references: none" in user


def test_an_assure_offering_an_unnamed_reference_gets_the_profiles_or_a_placeholder(model, example_profile):
    guidance = Coach(load_settings()).coach(OBJECTION, context="a hospital group")
    assert guidance.source == "llm"
    assert "Offer one reference they can call" in guidance.assure and "Clínica San Rafael" in guidance.assure


READ_ME = "The price is fine, but are setup and training included? And does support answer on weekends?"


def test_the_prompt_carries_each_concern_its_matched_fact_and_what_the_buyer_accepts(model, example_profile):
    _answer_with(model, None)
    Coach(load_settings()).coach(READ_ME)
    user = model.requests[0]["body"]["messages"][1]["content"]
    assert 'concern 1: "are setup and training included"' in user
    assert "the profile fact that answers it: We charge per vehicle per month; setup, training" in user
    assert 'concern 2: "does support answer on weekends"' in user
    assert 'concern 2: "does support answer on weekends" (requires: weekends)' in user  # weekday-only support
    assert "That does NOT meet what they require (see concern 2)" in user
    assert 'accepted: "The price is fine' in user
    # the buyer's and the seller's words stay inside a data fence, after every instruction
    reading = user.index("\n<buyer_reading>\n")
    assert reading < user.index('concern 1: "are setup') < user.index("</buyer_reading>")
    assert user.index("That does NOT meet") < reading


def test_a_concern_nothing_answers_carries_the_closest_facts_into_the_prompt(model, example_profile):
    _answer_with(model, None)
    Coach(load_settings()).coach("Will someone of yours be on the project with us, or are we on our own?")
    user = model.requests[0]["body"]["messages"][1]["content"]
    assert "no profile fact was matched to it" in user
    assert "The closest by meaning, which may or may not answer it: A typical customer goes live in 6 to 8 weeks" \
        in user


def test_a_reopened_accepted_point_is_repaired_once(model, example_profile):
    _answer_with(model, {"talk_track": "Good to hear that. Still, let me show you why the price is fair for what you "
                                       "get. Which part would you like to see first?"}, None)
    guidance = Coach(load_settings()).coach(READ_ME)
    assert len(model.requests) == 2 and guidance.source == "llm"
    repair = model.requests[1]["body"]["messages"][-1]["content"]
    assert "argues again a point the buyer accepted ('price')" in repair


def test_a_fact_that_does_not_meet_the_requirement_is_never_offered(model, example_profile):
    offered = {"talk_track": "Our support answers by phone and chat from 7:00 to 20:00 on weekdays, so weekends are "
                             "covered. Does that help?"}
    _answer_with(model, offered, offered)
    guidance = Coach(load_settings()).coach(READ_ME)
    assert len(model.requests) == 2 and guidance.source == "offline"  # one repair, then the offline answer
    # (the offline answer says the hours only as the limit they are)
    assert "weekends" in guidance.talk_track
    assert "7:00" not in guidance.talk_track.replace("I'll be straight with you. Support answers by phone and chat "
                                                     "from 7:00 to 20:00 on weekdays", "")
