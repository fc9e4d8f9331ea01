"""Messages that are no objection get no label, nothing is stored; short real objections are still coached."""

import pytest

from bot.core.guidance import EmptyObjection, NotAnObjection, OptedOut
from bot.services.coach import Coach
from bot.store import open_store

NOT_OBJECTIONS = [
    "hey 👋", "okay", "ok", "thanks a lot!", "thx", "test", "testing 123", "🙏", "👍👍", ":)", "...",
    "asdf qwer zxcv", "lkjhgf", "https://example.com/our-deck", "<https://example.com/a|example.com/a>",
    "write me a poem", "tell me a joke", "good morning everyone",
    "hola", "buenas tardes", "gracias", "vale, gracias", "prueba", "jajaja", "escríbeme un poema",
]
SHORT_OBJECTIONS = [
    "too expensive", "no budget", "not interested", "send me info", "muy caro", "we use a competitor",
    "no tenemos presupuesto", "no me interesa", "mándame info", "prove it", "¿y eso qué hace?",
]


@pytest.mark.parametrize("text", NOT_OBJECTIONS)
def test_not_an_objection_gets_no_label(shared_coach, text):
    d = shared_coach.diagnose(text)
    assert d.not_objection, (text, d)
    with pytest.raises(NotAnObjection):
        shared_coach.coach(text)


@pytest.mark.parametrize("text", SHORT_OBJECTIONS)
def test_short_real_objections_are_coached(shared_coach, text):
    assert not shared_coach.diagnose(text).not_objection, text
    guidance = shared_coach.coach(text)
    assert guidance.align or (guidance.question and guidance.clarify)  # a brush-off: the question to ask first


def test_not_an_objection_is_an_empty_objection_for_the_surfaces():
    assert issubclass(NotAnObjection, EmptyObjection)


def test_nothing_is_stored_for_a_non_objection(settings):
    store = open_store(settings)
    coach = Coach(settings, store)
    for text in ("hi there", "gracias!"):
        with pytest.raises(NotAnObjection):
            coach.coach(text, surface="test", team_id="T1", user_id="U1")
    assert store.coachings() == []
    coach.coach("no budget this year", surface="test")
    assert len(store.coachings()) == 1  # the same store does record a real objection


def test_cli_says_what_it_needs_and_stores_nothing(settings, cli):
    result = cli("ask", "thanks!")  # in this process (tests/test_cli.py runs the real entry point)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "buyer's own words" in lines[0]
    assert open_store(settings).coachings() == []


OPT_OUTS = ["pls take me off your list", "Please remove me from your mailing list.", "Stop emailing me.",
            "Do not contact me again, we went with someone else.", "Sáquenme de su lista, por favor",
            "Dejen de escribirme", "No me vuelvan a llamar más.", "Denme de baja de sus correos"]


@pytest.mark.parametrize("text", OPT_OUTS)
def test_a_buyer_who_asks_not_to_be_contacted_is_not_coached(settings, text):
    """Probing "not interested, take me off your list" with a question would be pressure: even with a kind
    chosen by the seller, nothing is coached and nothing is stored."""
    store = open_store(settings)
    coach = Coach(settings, store)
    with pytest.raises(OptedOut):
        coach.screen(text)
    for label in (None, "missing"):
        with pytest.raises(OptedOut):
            coach.coach(text, label=label, surface="test")
    assert store.coachings() == []


@pytest.mark.parametrize("text", ["We're not interested right now.", "Remove the onboarding fee and we have a deal.",
                                  "Please don't call me before 10am.", "No me interesa por ahora.",
                                  "¿Nos pueden quitar la cuota de alta?"])
def test_a_refusal_that_is_not_an_opt_out_is_still_coached(shared_coach, text):
    assert shared_coach.coach(text, offline=True).label
