"""Indirect objections, said without a cue word (issue #22, calls6): a condition whose consequence says no, a
question backed by what is at stake, liking part of it and asking for the rest, a refusal in other words than
"can't/won't", not seeing the need, having to see how it fits first. English and Spanish; and the sentences that
look alike but do not resist. Also a transcript's participants header: it is no speaker, and the companies it
lists settle the sides."""

from __future__ import annotations

import pytest

from bot.calls import finding
from bot.calls.finding import objections_in, resisting, resists, resists_indirectly, stakes
from bot.calls.formats import read_call_text
from bot.calls.sides import assign_sides


@pytest.mark.parametrize("sentence", [
    "If the tablets need a signal in the freezer, we're done.",
    "And if the export can't be scheduled, my analysts are still copying numbers by hand.",
    "Si la app necesita cobertura en la cámara, nos quedamos a medias.",
    "Y si hay que dar de alta cada pedido a mano, seguimos igual que ahora.",
])
def test_a_condition_with_a_bad_consequence_resists(sentence):
    assert not resists(sentence)  # no cue word
    assert stakes(sentence) and resists_indirectly(sentence)
    assert resisting(sentence) == [sentence]


@pytest.mark.parametrize("sentence", [
    "If it works on the pilot site, we'd roll it out to all twelve depots.",
    "Si os parece bien, lo vemos el jueves con el equipo.",
    "Laura asked me to confirm if the training can be split into two sessions.",  # "if" = whether
    "Me pidió que le confirme si la formación puede ser en dos jornadas.",
])
def test_a_condition_that_says_no_no_is_none(sentence):
    assert not stakes(sentence)
    assert resisting(sentence) == []


@pytest.mark.parametrize(("question", "stake"), [
    ("Does it post back to our ERP?", "Because if my clerks have to key it twice, we're still on paper."),
    ("Was that study done at a cold-storage site?", "Because ours don't behave like a normal warehouse."),
    ("¿Las facturas se validan solas?", "Porque si hay que revisarlas una a una, no ahorramos nada."),
    ("¿Eso funciona con los terminales viejos?", "Porque no pensamos cambiar los cuarenta."),
])
def test_a_question_backed_by_what_is_at_stake_is_one_objection(question, stake):
    found = objections_in(f"Okay. {question} {stake}")
    assert [f.quote for f in found] == [f"{question} {stake}"]


@pytest.mark.parametrize("text", [
    "Can we export it to Excel? Because our auditor always asks for the detail.",
    "¿Se puede exportar a Excel? Porque el auditor siempre nos pide el detalle.",
])
def test_a_question_with_a_plain_reason_is_none(text):
    assert objections_in(text) == []


@pytest.mark.parametrize("sentence", [
    "The dashboard looks great, but does it handle our night shift rota?",
    "The routing part is nice, but I didn't hear anything about returns.",
    "Me gusta cómo cuadra los cobros, pero ¿también concilia las remesas?",
    "La parte de informes está bien, pero no vi nada sobre los festivos.",
])
def test_liking_part_and_asking_for_the_rest_resists(sentence):
    assert not resists(sentence)
    assert " ".join(resisting(sentence)) == sentence  # "…, pero" and "¿también…?" are two sentences, both in


@pytest.mark.parametrize("sentence", [
    "I'm not going to push procurement for a year-end discount.",
    "I'm not signing a three-year term on a tool we haven't piloted.",
    "I don't want my dispatchers learning two systems in the same quarter.",
    "Our plant IT will not let a cloud gateway onto the line network.",
    "No quiero que a los conductores les suene nada mientras conducen.",
    "La auditoría interna no va a aceptar que firmemos sin revisar el contrato.",
])
def test_a_refusal_in_other_words_resists(sentence):
    assert not resists(sentence)
    assert resisting(sentence) == [sentence]


@pytest.mark.parametrize("sentence", [
    "I'm not sure which of us owns the budget, let me check.",  # "not sure" of a fact, no refusal
    "We're not going to be in the office on Friday.",
    "No quiero molestar, pero ¿me reenvías la presentación?",
])
def test_a_first_person_not_that_is_no_refusal_is_none(sentence):
    assert not finding._WILL_NOT.search(sentence)


@pytest.mark.parametrize("sentence", [
    "Honestly I don't really see the gap, our planners catch most of it.",
    "No veo por qué tendríamos que cambiar, la hoja de cálculo funciona.",
    "No sé yo si esto nos hace falta con el volumen que tenemos.",
    "I'd have to see how that plays with our works council agreement.",
    "Esto lo tendría que pasar por compras antes de nada.",
])
def test_not_seeing_the_need_or_having_to_check_the_fit_resists(sentence):
    assert not resists(sentence)
    assert resisting(sentence) == [sentence]


def test_each_mechanism_can_be_switched_off(monkeypatch):
    sentence = "If the tablets need a signal in the freezer, we're done."
    monkeypatch.setattr(finding, "MECHANISMS", frozenset())
    assert resisting(sentence) == []
    assert objections_in("Does it post back to our ERP? Because if my clerks key it twice, we're still on paper.") \
        == []


TRANSCRIPT = """Call: Harbor Clinic / Tidewell Systems - rollout review
Date: March 3, 2025
Duration: 31 min
Participants: Nora Quill (Tidewell Systems), Omar Haddad (Harbor Clinic), Lena Brandt (Harbor Clinic)

Nora Quill: Thanks for joining, both. I have the pilot numbers.

Omar Haddad: Great, go ahead.

Lena Brandt: Can you hear me now?

Nora Quill: Loud and clear.
"""


def test_a_header_is_no_speaker_and_its_companies_settle_the_sides():
    conversation = read_call_text(TRANSCRIPT)
    assert conversation.speakers == ["Nora Quill", "Omar Haddad", "Lena Brandt"]
    assert dict(conversation.affiliations)["Lena Brandt"] == "Harbor Clinic"
    sides = assign_sides(conversation, company="Tidewell Systems")
    assert (sides.ours, sides.buyers, sides.undecided) == (("Nora Quill",), ("Omar Haddad", "Lena Brandt"), ())


def test_a_spanish_header_lists_participants_too():
    text = ("Llamada: Clínica Norte / Tidewell\nDuración: 20 min\n"
            "Participantes: Ana Ruiz (Tidewell Systems), Luis Gil (Clínica Norte)\n\n"
            "Ana Ruiz: Hola, Luis, gracias por venir.\n\nLuis Gil: Hola, ¿se me oye?\n\nAna Ruiz: Perfectamente.\n")
    conversation = read_call_text(text)
    assert conversation.speakers == ["Ana Ruiz", "Luis Gil"]
    sides = assign_sides(conversation, company="Tidewell Systems")
    assert (sides.ours, sides.buyers) == (("Ana Ruiz",), ("Luis Gil",))


def test_a_header_may_shorten_our_company_name():
    text = ("Participantes: Ana Ruiz, Beto Paz (Tidewell); Luis Gil (Clínica Norte)\n\n"
            "Ana Ruiz: Hola, Luis, gracias por venir.\n\nLuis Gil: Hola, ¿se me oye?\n\n"
            "Beto Paz: Yo llevo la parte técnica.\n\nLuis Gil: Perfecto.\n")
    sides = assign_sides(read_call_text(text), company="Tidewell Systems S.A.")
    assert "Beto Paz" in sides.ours and "Luis Gil" in sides.buyers
