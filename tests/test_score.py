"""The practice scorecard: sentences, pitfall patterns, labelled replies, the offline scorer, LLM merging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.llm.answers import LLMScore
from bot.models.moves import CHECKS, RepliesError, read_replies, sentences
from bot.services.score import Hint, Scorecard, Scorer, Verdict, merge_llm, pattern_pitfalls, triage

FIXTURE = Path(__file__).parent / "data" / "practice_replies"
SAVINGS = "Every vendor promises savings. How do I know we'll see them?"


@pytest.fixture(scope="module")
def scorer(shared_coach) -> Scorer:
    return Scorer(shared_coach, FIXTURE)


def test_sentences_are_exact_slices_of_the_reply():
    reply = "Fair point — you need this to pay back.  Here is how: we measure it.\n¿Le parece si lo probamos? Sí."
    spans = sentences(reply)
    assert [s.text for s in spans] == ["Fair point", "you need this to pay back.", "Here is how:", "we measure it.",
                                       "¿Le parece si lo probamos?", "Sí."]
    assert all(reply[s.start : s.end] == s.text for s in spans)
    assert sentences("🙂 ... !!") == []


@pytest.mark.parametrize("text, kind", [
    ("If you sign by Friday I can keep this price.", "pressure"),
    ("The discount expires at the end of the month.", "pressure"),
    ("I can only hold this price until Friday.", "pressure"),
    ("We guarantee you'll save 30%.", "guarantee"),
    ("We're not going anywhere, I guarantee it.", "guarantee"),
    ("I'll knock 20% off if you commit today.", "price_cut"),
    ("As I already told you, that's not true.", "arguing"),
    ("Si firma antes del viernes le respeto el precio.", "pressure"),
    ("La oferta vence el lunes.", "pressure"),
    ("Le garantizo que va a ahorrar.", "guarantee"),
    ("Le hago un descuento si firma hoy.", "price_cut"),
    ("Eso no es cierto, usted está equivocado.", "arguing"),
])
def test_pitfall_patterns_in_english_and_spanish(text, kind):
    assert kind in [name for name, _ in pattern_pitfalls(text)]


@pytest.mark.parametrize("text", [
    "I can't guarantee the savings, but we can measure them together in a pilot.",
    "No le puedo garantizar el resultado, pero sí medirlo con usted.",
    "Here is what the price includes, line by line.",
    "Would a short pilot on one site help your team decide?",
])
def test_honest_answers_have_no_pitfall_pattern(text):
    assert pattern_pitfalls(text) == []


def test_a_bad_labelled_reply_names_its_file_line_and_field(tmp_path):
    good = json.loads((FIXTURE / "train_fixture.jsonl").read_text(encoding="utf-8").splitlines()[0])
    bad = {**good, "evidence": {"align": "words that are not in the reply"}}
    path = tmp_path / "train_bad.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(RepliesError, match=r"train_bad.jsonl:2: .*evidence.*not in the reply"):
        read_replies(path)
    missing = {k: v for k, v in good.items() if k != "kind"}
    path.write_text(json.dumps(missing) + "\n", encoding="utf-8")
    with pytest.raises(RepliesError, match=r":1: field 'kind'"):
        read_replies(path)


def test_scorecard_quotes_the_reply_and_has_the_public_shape(scorer):
    reply = ("That's a fair doubt, and budget certainty is your main goal this year. Here is how the savings are "
             "calculated, line by line, from your own invoices. I can put you in touch with a customer your size "
             "who measured it for six months.")
    card = scorer.assess(SAVINGS, reply, "skepticism", ambiguous=False)
    assert isinstance(card, Scorecard)
    data = card.as_json()
    assert list(data) == ["kind", "checks", "evidence", "score", "improve", "model_answer"]
    assert list(data["checks"]) == list(CHECKS) and data["checks"]["asks"] is None
    assert all(quote in reply for quote in data["evidence"].values())
    assert set(data["evidence"]) == {c for c, v in data["checks"].items() if v and c != "no_pitfalls"}
    assert card.score == round(card.passed / card.applicable, 2)
    # the model answer is the coaching's talk track: no fact the profile does not hold, a placeholder instead
    assert "[" in data["model_answer"] and not any(ch.isdigit() for ch in data["model_answer"])
    json.dumps(data)  # plain JSON types, no numpy


def test_a_pitfall_fails_no_pitfalls_and_is_the_change_to_make(scorer):
    card = scorer.assess(SAVINGS, "Good point. We guarantee you'll save 30% if you sign by Friday.", "skepticism",
                         ambiguous=False)
    assert card.checks["no_pitfalls"] is False
    assert card.evidence["no_pitfalls"] == "We guarantee you'll save 30% if you sign by Friday."
    assert card.improve.startswith("Take out “We guarantee")


def test_missing_perception_is_not_scored_on_proof_and_clear_objections_not_on_asking(scorer):
    card = scorer.assess("What do you even do?", "We make scheduling software for clinics.", "missing",
                         ambiguous=False)
    assert card.checks["assure"] is None and card.checks["asks"] is None
    card = scorer.assess("What do you even do?", "Is it how it works you're unsure of, or the price?", "missing",
                         ambiguous=True)
    assert card.checks["asks"] is not None


@pytest.mark.parametrize("reply, reason", [
    ("", "empty"), ("   ", "empty"), ("🙂", "no_words"), (":slightly_smiling_face:", "empty"), ("?!", "no_words"),
    ("what should I say?", "question"), ("How do I answer this?", "question"), ("¿qué le digo?", "question"),
    ("help", "question"), (SAVINGS, "objection"),
])
def test_replies_that_are_not_answers_are_triaged(reply, reason):
    assert triage(reply, SAVINGS) == reason


def test_a_question_to_the_coach_gets_a_hint_not_a_score(scorer):
    hint = scorer.assess(SAVINGS, "what should I say?", "skepticism", ambiguous=False)
    assert isinstance(hint, Hint) and hint.text.startswith("A hint, not the answer:")
    assert scorer.coach.playbooks["skepticism"].text("next_move", "en") in hint.text
    hint = scorer.assess(SAVINGS, "¿qué le digo?", "skepticism", ambiguous=False, lang="es")
    assert hint.text.startswith("Una pista")


def test_questions_to_the_buyer_are_scored(scorer):
    for reply in ("Could I suggest a short pilot?", "What would make this a fair test for you?"):
        assert isinstance(scorer.assess(SAVINGS, reply, "skepticism", ambiguous=True), Scorecard)


def test_spanish_reply_to_an_english_buyer_is_scored_with_a_note(scorer):
    card = scorer.assess(SAVINGS, "Entiendo la duda. Le muestro el cálculo con sus propias facturas.", "skepticism",
                         ambiguous=False, lang="en")
    assert isinstance(card, Scorecard) and card.language == "en"
    assert any("answered in Spanish" in note for note in card.notes)


def test_a_very_long_reply_is_cut_at_a_word_and_says_so(scorer):
    reply = "I understand the doubt and we can measure it together. " * 90  # about 5,000 characters
    card = scorer.assess(SAVINGS, reply, "skepticism", ambiguous=False)
    assert any("first 4000 characters" in note for note in card.notes)
    assert all(quote in reply[:4000] for quote in card.evidence.values())


def test_llm_yes_counts_only_with_words_from_the_reply():
    reply = "I hear you. Here is the calculation from your invoices."
    offline = Verdict({"align": False, "asks": None, "clarify": True, "assure": False, "no_pitfalls": True},
                      {"clarify": "Here is the calculation from your invoices."})
    answer = LLMScore.model_validate({
        "align": {"passed": True, "quote": "I hear you."},
        "asks": {"passed": True, "quote": "I hear you."},  # not applicable: ignored
        "clarify": {"passed": False, "quote": ""},
        "assure": {"passed": True, "quote": "We have forty happy customers."},  # invented: not taken
        "pitfall": {"found": True, "quote": "Sign today."}})  # not in the reply: not taken
    merged = merge_llm(answer, reply, offline)
    assert merged.checks == {"align": True, "asks": None, "clarify": False, "assure": False, "no_pitfalls": True}
    assert merged.evidence == {"align": "I hear you."}


def test_offline_pitfall_patterns_always_count_over_the_llm():
    reply = "Good point. We guarantee the savings."
    offline = Verdict({"align": True, "asks": None, "clarify": False, "assure": False, "no_pitfalls": False},
                      {"align": "Good point.", "no_pitfalls": "We guarantee the savings."})
    clean = {"passed": False, "quote": ""}
    answer = LLMScore.model_validate({"align": {"passed": True, "quote": "Good point."}, "asks": clean,
                                      "clarify": clean, "assure": clean, "pitfall": {"found": False, "quote": ""}})
    assert merge_llm(answer, reply, offline).checks["no_pitfalls"] is False
