"""Issue #22, calls9: a worry said in the buyer's own words, and a price said to be over what they pay or expected,
are a major concern, whatever the classifier reads, in English and Spanish. Sentences of our own, not the
writers'."""

from __future__ import annotations

import pytest

import bot.calls.finding as finding
from bot.calls.finding import way_kind
from bot.calls.formats import read_call_text
from bot.calls.review import _marked, review_call  # noqa: PLC2701
from bot.calls.sides import assign_sides
from bot.models.classify import Diagnosis

WORRIES = [
    "My worry is the night shift, honestly: they already juggle three screens.",
    "We're a bit worried about what happens to the route data if the tablets go offline.",
    "Nos preocupa mucho el tema de los datos de los pacientes, que ya hubo quejas el año pasado.",
    "A mí me da cosa darle acceso a las nóminas a una empresa de fuera.",
]


@pytest.mark.parametrize("quote", WORRIES)
def test_a_worry_in_the_buyers_words_is_a_major_concern(quote):
    assert way_kind(quote) == "major_concern"
    read_as = Diagnosis("incomplete", 0.7, {"incomplete": 0.7, "skepticism": 0.2, "major_concern": 0.1})
    assert _marked(read_as, quote).label == "major_concern"


@pytest.mark.parametrize("quote", WORRIES)
def test_without_the_worry_way_the_classifier_keeps_its_kind(quote, monkeypatch):
    monkeypatch.setattr(finding, "WAYS", finding.WAYS - {"worry"})
    read_as = Diagnosis("incomplete", 0.7, {"incomplete": 0.7, "skepticism": 0.2, "major_concern": 0.1})
    assert _marked(read_as, quote).label != "major_concern"


PRICES = [
    "Honestly the per-site fee looks high next to what we pay our current provider.",
    "The licence came in at nearly double what we budgeted for the depots.",
    "El coste por envío nos sale bastante más caro que con la agencia de ahora.",
    "Cuarenta mil euros de implantación para una empresa como la nuestra es una barbaridad.",
]


@pytest.mark.parametrize("quote", PRICES)
def test_a_price_over_what_they_pay_is_a_major_concern(quote, monkeypatch):
    read_as = Diagnosis("incomplete", 0.7, {"incomplete": 0.7, "skepticism": 0.2, "major_concern": 0.1})
    assert way_kind(quote) == "major_concern"
    assert _marked(read_as, quote).label == "major_concern"
    monkeypatch.setattr(finding, "WAYS", finding.WAYS - {"price_high"})
    assert _marked(read_as, quote).label != "major_concern"


@pytest.mark.parametrize("quote", [
    "How much does the licence cost for two depots?",
    "¿Cuánto cuesta la licencia para dos almacenes?",
    "I don't know how you price this at all.",
])
def test_asking_the_price_is_no_price_over_what_they_pay(quote):
    assert way_kind(quote) != "major_concern"


@pytest.mark.parametrize(("quote", "kind"), [
    ("We'd have to run it by legal first, and I'm worried about the timing.", "major_concern"),  # checking it first
    ("I'm worried, because if it can't read paper delivery notes we're stuck.", "incomplete"),  # a missing piece
    ("Si no lee los albaranes en papel, me preocupa que no nos sirva.", "incomplete"),
])
def test_the_earlier_ways_still_come_first(quote, kind):
    assert way_kind(quote) == kind


@pytest.mark.parametrize(("text", "ours", "buyer"), [
    ("Ana: Onboarding takes two weeks and we do it remotely.\n"
     "Dana: I'm worried the drivers will just ignore the alerts after a week.\n", "Ana", "Dana"),
    ("Lucía: La puesta en marcha son dos semanas y la hacemos en remoto.\n"
     "Martín: Me preocupa que los encargados dejen de usarlo a la segunda semana.\n", "Lucía", "Martín"),
])
def test_a_review_names_the_worry_a_major_concern(shared_coach, text, ours, buyer, monkeypatch):
    conversation = read_call_text(text, "call.txt")
    review = review_call(shared_coach, conversation, assign_sides(conversation, ours=[ours]), offline=True)
    assert [(m.speaker, m.kind) for m in review.moments] == [(buyer, "major_concern")]
    # what the classifier alone reads it as: the way decides
    monkeypatch.setattr(finding, "WAYS", finding.WAYS - {"worry"})
    review = review_call(shared_coach, conversation, assign_sides(conversation, ours=[ours]), offline=True)
    assert [m.kind for m in review.moments] != ["major_concern"]
