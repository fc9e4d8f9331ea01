"""Issue #22, calls7: resistance in other words than the cues (no room, no money, asking for proof, naming what
is absent, asking why pay), and the kind the way of resisting implies (checking with someone first or burned
before: a major concern; no need: missing; a condition on a piece that may not be there: incomplete), which
decides over the classifier. English and Spanish; and sentences that look alike but do not resist."""

from __future__ import annotations

import pytest

from bot.calls.finding import in_other_words, resisting, resists, way_kind
from bot.calls.review import _marked
from bot.models.classify import Diagnosis


@pytest.mark.parametrize(("sentence", "way"), [
    ("Our warehouse leads are already stretched after the move.", "no_room"),
    ("Nobody on my crew is going to open another app on the dock.", "no_room"),
    ("Los técnicos andan con la lengua afuera desde marzo.", "no_room"),
    ("Mis repartidores no van a rellenar nada en la tablet.", "no_room"),
    ("Honestly that setup fee is hard to justify to the owners.", "no_money"),
    ("La cuota anual se nos va bastante de lo que tenemos previsto.", "no_money"),
    ("Ese precio por sede es una barbaridad para una clínica pequeña.", "no_money"),
    ("You quoted forty percent fewer stockouts, but where's that figure from?", "prove_it"),
    ("I don't really buy that payback for a plant our size.", "prove_it"),
    ("Lo de montarlo en dos semanas me parece muy optimista.", "prove_it"),
    ("What I didn't see anywhere is how returns get credited.", "absent"),
    ("Lo que no vi en la propuesta es cómo se cierran las devoluciones.", "absent"),
    ("The drivers keep asking why we'd pay for a second tracker.", "why_pay"),
    ("No acabo de ver qué nos aporta frente a la hoja de cálculo.", "why_pay"),
])
def test_resistance_in_other_words_is_found(sentence, way):
    assert way in in_other_words(sentence)
    assert resists(sentence)
    assert resisting(sentence) == [sentence]


@pytest.mark.parametrize("sentence", [
    "We stretched the pilot to six weeks and it went well.",
    "Where's the data stored, in Frankfurt?",
    "I'd want to see it in the app gallery when it ships.",
    "The team is busy this week, so let's meet on Thursday.",
    "Lo que vi en la demo me gustó mucho.",
    "Se nos va a hacer corto el jueves, ¿lo movemos al viernes?",
])
def test_look_alikes_do_not_resist(sentence):
    assert not in_other_words(sentence)
    assert not resists(sentence)


@pytest.mark.parametrize(("quote", "kind"), [
    ("Let me run it by procurement first, they had a bad year with vendors.", "major_concern"),
    ("Tendría que ver cómo encaja eso con el reglamento interno.", "major_concern"),
    ("Our finance team got burned by a vendor that doubled the price.", "major_concern"),
    ("A la planta se nos dañó un lote con el proveedor anterior.", "major_concern"),
    ("I'm not sure we need a tool for what Excel already does.", "missing"),
    ("Con la libreta nos apañamos y funciona, la verdad.", "missing"),
    ("If it can't read our barcodes, the pickers will keep the paper lists.", "incomplete"),
    ("Si no lee las etiquetas viejas, no nos sirve.", "incomplete"),
    ("If it works in the pilot, we'll roll it out.", None),
    ("What becomes of our records if you get acquired in two years?", "skepticism"),
    ("Sois una empresa muy nueva; ¿seguiréis existiendo dentro de cinco años?", "skepticism"),
    ("My worry is you're a small startup and you go under.", "major_concern"),
])
def test_the_way_of_resisting_implies_a_kind(quote, kind):
    assert way_kind(quote) == kind


def _diagnosis(label: str, confidence: float) -> Diagnosis:
    rest = (1 - confidence) / 4
    kinds = ("missing", "incomplete", "incorrect", "skepticism", "major_concern")
    return Diagnosis(label, confidence, {k: confidence if k == label else rest for k in kinds})


@pytest.mark.parametrize(("quote", "read_as", "kind"), [
    ("Déjeme hablarlo con el gerente, la última vez se nos dañó un lote entero.", "skepticism", "major_concern"),
    ("Let me run it by legal, they got burned last year on an e-signature tool.", "skepticism", "major_concern"),
    ("I'm not sure the crews see a reason to change that.", "skepticism", "missing"),
    ("Si no están los informes por sede, no nos sirve de mucho.", "skepticism", "incomplete"),
])
def test_the_way_decides_the_kind_over_a_confident_classifier(quote, read_as, kind):
    marked = _marked(_diagnosis(read_as, 0.93), quote)
    assert marked.label == kind
    assert marked.in_play == (kind,)


def test_without_a_way_a_confident_classifier_keeps_its_kind():
    quote = "We had the same pitch from three vendors last year."
    assert way_kind(quote) is None
    assert _marked(_diagnosis("skepticism", 0.93), quote).label == "skepticism"
