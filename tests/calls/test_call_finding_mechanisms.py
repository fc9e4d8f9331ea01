"""The mechanisms that find objections however the buyer words them (issue #22): an announced point takes in the
sentence after it, a first-person refusal resists whatever its verb, a concession is no approval, a worry said
not to be one is none, a sentence that counts the points to come is none itself, an email's paragraphs keep its
points apart, and a new point after the seller's reply is told from a press. English and Spanish."""

from __future__ import annotations

import pytest

from bot.calls.emails import parse_email_text
from bot.calls.finding import objections_in, resisting, resists
from bot.calls.formats import Turn, merge_turns
from bot.calls.review import _same_kind, find_objections
from bot.calls.sides import BUYER, OURS


@pytest.mark.parametrize(("announcement", "point"), [
    ("My worry is the front desk, honestly.",
     "Two of my three people are part-time, and they already struggle with the system we have."),
    ("I'll be straightforward.",
     "The per-pump price is about eighteen percent above what we pay now."),
    ("Y aquí viene mi problema.",
     "En junio y julio tenemos la campaña de invierno y el contact center está al máximo."),
    ("Le voy a ser sincera.",
     "Los médicos aquí tienen tres pantallas abiertas todo el día."),
])
def test_an_announced_point_is_the_next_sentence_and_one_objection_with_it(announcement, point):
    assert not resists(point)  # on its own, the point carries no cue
    found = objections_in(f"Okay. {announcement} {point}")
    assert [f.quote for f in found] == [f"{announcement} {point}"]


@pytest.mark.parametrize("text", [
    "I'll be honest.",  # nothing follows in the turn
    "Le voy a ser sincero.",
])
def test_an_announcement_alone_is_no_objection(text):
    assert objections_in(text) == []


@pytest.mark.parametrize(("refusal", "plain"), [
    ("We also can't sign anything until our board meets on June 12.",
     "Our board meets on June 12 to sign the budget."),
    ("We're heading into peak, and nobody is touching dispatch during peak.",
     "We're heading into peak, and everybody is busy with dispatch."),
    ("Tenemos tres clínicas llenas y no podemos cerrar consultas para formar al equipo.",
     "Tenemos tres clínicas llenas y cerramos consultas los viernes para formar al equipo."),
    ("Los médicos aquí no van a querer usar otra pantalla más.",
     "Los médicos aquí van a usar la pantalla de la consulta."),
])
def test_a_first_person_refusal_resists_whatever_the_verb(refusal, plain):
    assert resists(refusal) and not resists(plain)


def test_si_no_vamos_a_is_otherwise_not_a_refusal():
    assert not resists("Mejor por especialidad, si no vamos a estar negociando con cada médico.")


@pytest.mark.parametrize(("conceded", "approved"), [
    ("Even if we love this, I can't get a PO through before July.",
     "We love this, and the PO is already through."),
    ("Aunque nos gusta mucho, no podemos meter nada nuevo hasta septiembre.",
     "Nos gusta mucho, y lo queremos meter en septiembre."),
])
def test_a_concession_is_no_approval(conceded, approved):
    assert resists(conceded) and not resists(approved)


@pytest.mark.parametrize(("worry", "no_worry"), [
    ("That part worries me a lot, to be frank with you.", "That part doesn't worry me, to be frank with you."),
    ("Nos preocupa el tiempo de formación del equipo.", "No, a nosotros eso no nos preocupa."),
])
def test_a_worry_said_not_to_be_one_is_none(worry, no_worry):
    assert resists(worry) and not resists(no_worry)


@pytest.mark.parametrize("sentence", [
    "I honestly don't know where we'd find the hours for another project.",  # an adverb in the slot
    "I still don't have a clear picture of how the waitlist decides who goes first.",
    "Every pump vendor says the drug library sync is seamless.",
    "Le confieso que sigo sin estar seguro de que el soporte desde Bogotá tenga la misma calidad.",
    "Por otro lado, entendemos que la garantía es solo de un año.",  # a belief in the plural
    "Eso de que reduce un treinta por ciento las horas extra... eso lo dicen todos.",
])
def test_cues_take_the_grammar_around_them(sentence):
    assert resists(sentence)


@pytest.mark.parametrize("text", [
    "We looked at it with Pablo and we have a couple of questions before we go on.",
    "La he revisado con Pablo y tenemos un par de dudas antes de seguir.",
])
def test_a_sentence_that_counts_the_points_to_come_is_none(text):
    assert resisting(text) == []


@pytest.mark.parametrize(("first", "second"), [
    ("Second, paying per project on jobs we lose makes no sense for us.",
     "And we're right in the middle of bid season. I'm not sure this is the time to change how my team works."),
    ("Por otro lado, entendemos que la garantía es solo de un año.",
     "Y el Dr. Salvat no tiene nada claro lo de la precisión en arcada completa."),
])
def test_an_emails_paragraphs_keep_its_points_apart(first, second):
    assert len(objections_in(f"{first} {second}")) == 1  # one run of resisting sentences
    apart = objections_in(f"{first}\n\n{second}")
    assert len(apart) == 2 and apart[0].quote == first and apart[1].quote in second


def test_an_email_keeps_its_paragraphs_and_a_call_does_not():
    mail = Turn("Ana Ruiz", "First point, wrapped\nover two lines.\n\nSecond point.", None, 1)
    call = Turn("Ana Ruiz", "First line\n\nof a caption.", 12.0, None)
    assert merge_turns([mail])[0].text == "First point, wrapped over two lines.\n\nSecond point."
    assert merge_turns([call])[0].text == "First line of a caption."


@pytest.mark.parametrize(("reply", "buyer"), [
    ("We can connect you with a customer who had the same question.",
     "Okay, that makes sense. I'll be honest, the transaction fee is what we can't get past."),
    ("Si te sirve, te conecto con la gerenta de finanzas de un cliente.",
     "Ya, me sirve, sí. Mira, te soy honesto. La comisión por transacción, con ochenta tarjetas, eso suma."),
])
def test_a_point_raised_after_taking_the_answer_is_a_new_objection(reply, buyer):
    raised = {"en": "I'm worried the fees will be too high for us.",
              "es": "Me preocupa que las comisiones sean demasiado altas."}["es" if "Si te" in reply else "en"]
    turns = [Turn("Buyer", raised, 1.0, None), Turn("Seller", reply, 2.0, None), Turn("Buyer", buyer, 3.0, None)]
    found = find_objections(turns, [BUYER, OURS, BUYER], ["major_concern", "major_concern"])
    assert [index for index, _ in found] == [0, 2]


def test_missing_then_incomplete_is_one_point_pressed_but_a_belief_is_not():
    assert _same_kind("missing", "incomplete") and _same_kind("incomplete", "missing")
    assert not _same_kind("missing", "incorrect") and not _same_kind("missing", "major_concern")


@pytest.mark.parametrize(("title", "name"), [("Dr.", "Fernando Salvat"), ("Dra.", "Nuria Bosch"), ("Ms", "Amy Lind")])
def test_a_senders_title_is_no_part_of_the_name(title, name):
    thread = (f"From: {title} {name} <x@buyer.example>\nSent: Monday, May 19, 2025 8:31 AM\nTo: Ana <ana@us.example>\n"
              "Subject: RE: pilot\n\nWe can't start before June.\n")
    turns, _ = parse_email_text(thread)
    assert turns[0].speaker == name
