"""Issue #22, calls8: the misses of the two newest writers, sorted by cause, and the general ways of resisting they
show (a belief said in the past or as hearsay, what the buyer cannot see happen, no time for the people, a price
above what was expected, a doubt in a word, not seeing what for), English and Spanish; written on sentences of our
own, not the writers'. And look-alikes that do not resist."""

from __future__ import annotations

import pytest

from bot.calls.finding import IN_OTHER_WORDS, NEW_WAYS, in_other_words, resisting, resists, way_kind


@pytest.mark.parametrize(("sentence", "way"), [
    ("I understood your scanners can't read the old pallet labels.", "belief_said"),
    ("Thought this only worked with the big ERP vendors.", "belief_said"),
    ("Creía que solo funcionaba con lectores de la misma marca.", "belief_said"),
    ("I don't see it getting approved before the summer.", "not_happening"),
    ("Cambiar el sistema en plena campaña es impensable.", "not_happening"),
    ("No sé yo si eso se va a poder integrar con el ERP.", "not_happening"),
    ("Honestly my nurses don't have time for another login.", "no_time"),
    ("No quiero meterle más carga al equipo de almacén.", "no_time"),
    ("This is going to be more work for my planners, not less.", "no_time"),
    ("The renewal came in way higher than we expected for four sites.", "price_expected"),
    ("El precio por sede, la verdad, se nos va.", "price_expected"),
    ("Our plant managers were lukewarm on the whole idea.", "lukewarm"),
    ("A mí me da cosa dejar las llaves del almacén a un tercero.", "lukewarm"),
    ("No sé para qué queremos otra pantalla en el muelle.", "what_for"),
    ("I don't know why we'd need a portal for twelve suppliers.", "what_for"),
    ("If you get acquired next year, who supports the gateways?", "viability"),
    ("You guys are a pretty new company, aren't you?", "viability"),
    ("Sois una empresa muy joven y no sé si seguiréis existiendo cuando haya que renovar.", "viability"),
])
def test_the_new_ways_are_found(sentence, way):
    assert way in in_other_words(sentence)
    assert resists(sentence)
    assert resisting(sentence) == [sentence]


@pytest.mark.parametrize("sentence", [
    "I understood the demo perfectly, thanks for walking us through it.",
    "You said your team handles the migration, right?",
    "I see it working well for the night shift.",
    "We have time on Thursday afternoon for the follow-up.",
    "El precio por sede va incluido en la propuesta, ¿verdad?",
    "No sé para cuándo lo tendremos listo, te aviso.",
    "The pilot results were better than we expected.",
    "Thanks, bye, we're going under the bridge now.",
    "If we add a new vendor in the ERP, does it show up in the portal?",
])
def test_look_alikes_do_not_resist(sentence):
    assert not resists(sentence)


def test_the_ways_chosen_leave_one_writer_out_are_all_on():
    assert NEW_WAYS <= IN_OTHER_WORDS


def test_a_question_backed_by_a_spanish_ni_is_one_objection():
    said = "¿Y la conexión con los lectores? Porque los que tenemos ya ni tienen soporte del fabricante."
    assert resisting(said) == ["¿Y la conexión con los lectores?",
                               "Porque los que tenemos ya ni tienen soporte del fabricante."]


@pytest.mark.parametrize("quote", [
    "Eso lo tendría que ver con el comité de seguridad antes de nada.",
    "Todo esto lo tendríamos que hablar con la gestoría.",
])
def test_checking_it_with_someone_first_is_a_major_concern_in_spanish(quote):
    assert way_kind(quote) == "major_concern"


# calls-heldout-24 (measured once, then used): beliefs about us asked back or heard, a price weighed, "not now" in
# other words, and the call's own line (a screen not shared yet, a signal dropping, a colleague called Caro)
@pytest.mark.parametrize("sentence", [
    "So you're basically a marketplace that takes a cut of every sale, aren't you?",
    "Ustedes son los que instalan las cámaras y luego cobran por cada lectura, ¿no?",
    "I'd heard you guys were being sold to a bigger group and the product was being frozen.",
    "Me contaron que ustedes se quedan con los datos de los clientes cuando uno se da de baja.",
    "What's the per-seat fee on the reporting module?",
    "Nine hundred a month is a lot for a shop with four people.",
    "I wouldn't want to be moving systems in the middle of our busy season.",
    "En diciembre no tocamos nada, que es cuando más vendemos.",
])
def test_beliefs_asked_back_prices_weighed_and_not_now_resist(sentence):
    assert resisting(sentence) and sentence.startswith(resisting(sentence)[0])


@pytest.mark.parametrize("sentence", [
    "I can't see anything yet, is the screen shared?",
    "No veo nada todavía, creo que estoy con la Caro en la otra sala.",
    "Estamos con la Caro en la oficina de Providencia.",
    "Sorry, I'm losing signal, I'll drop off and call back.",
    "Can I raise one more concern before we wrap up?",
    "You're just showing the admin side now, right?",
    "Now you're just picking on me.",
    "What's the fee on that?",
])
def test_the_calls_own_line_and_asking_leave_do_not_resist(sentence):
    assert not resisting(sentence)
