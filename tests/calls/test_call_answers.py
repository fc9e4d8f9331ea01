"""The seller's answer in a conversation: the turns that answer (asking first, hearing the buyer out, going on),
the section of a reply that answers one of several points, and the scorecard read as a conversation (a spoken
acknowledgement aligns, a "but" takes it back, repeating the buyer's words does not align, jargon clarifies
nothing)."""

from __future__ import annotations

from bot.calls.answers import jargon, reply_turns, section_for, spoken
from bot.calls.formats import Turn
from bot.calls.sides import BUYER, OURS
from bot.services.score import Verdict


def _verdict(**checks: bool | None) -> Verdict:
    base: dict[str, bool | None] = {"align": False, "asks": None, "clarify": False, "assure": False,
                                    "no_pitfalls": True}
    return Verdict({**base, **checks}, {})


def test_asking_first_then_answering_is_one_answer():
    turns = [Turn("Kim", "We tried a routing tool and nobody used it."),
             Turn("Ana", "That's good to know. What made people stop using it?"),
             Turn("Kim", "It needed a login on every phone."),
             Turn("Ana", "Ours needs none: drivers get a text with a link."),
             Turn("Kim", "Okay, what about the weekend crews?"),
             Turn("Ana", "Same link.")]
    side = [BUYER, OURS, BUYER, OURS, BUYER, OURS]
    reply = reply_turns(turns, side, 0, {0})
    assert [t.text for t in reply] == [turns[1].text, turns[3].text]  # the seller did not ask again after turn 3


def test_a_new_objection_ends_the_answer_and_an_email_reply_is_one_message():
    turns = [Turn("Kim", "We tried a routing tool and nobody used it."),
             Turn("Ana", "What made people stop?"),
             Turn("Kim", "Also, the price is too high for us."),
             Turn("Ana", "Let's look at the numbers.")]
    side = [BUYER, OURS, BUYER, OURS]
    assert reply_turns(turns, side, 0, {0, 2}) == [turns[1]]
    mails = [Turn("Kim", "I'm not convinced.", None, 1), Turn("Ana", "Why is that?", None, 2),
             Turn("Kim", "Because of last year.", None, 3), Turn("Ana", "I see.", None, 4)]
    assert reply_turns(mails, side, 0, {0}) == [mails[1]]


def test_a_reply_to_several_points_is_cut_to_the_section_about_each():
    reply = ("Thanks for the quick read. On the seasonal staff: you only pay for the months they work. "
             "On the servers: nothing is installed on site, it all runs in the browser.")
    assert section_for(reply, "I don't know how you bill for seasonal staff.") == \
        "you only pay for the months they work."
    assert section_for(reply, "My impression is that each site needs its own server.").startswith("nothing is")
    assert section_for("No labels here. Just an answer.", "anything") == "No labels here. Just an answer."
    spanish = "Sobre los plazos: seis semanas bastan. Sobre la VPN: no hace falta ninguna VPN."
    assert section_for(spanish, "Dudo que en seis semanas estéis listos.") == "seis semanas bastan."


def test_a_spoken_acknowledgement_aligns_and_a_but_takes_it_back():
    verdict, _ = spoken(_verdict(), "That's the right thing to worry about. Our uptime is in the contract.")
    assert verdict.checks["align"] and verdict.evidence["align"] == "That's the right thing to worry about."
    assert spoken(_verdict(), "Buena pregunta. Cobramos por usuario y mes.")[0].checks["align"]
    taken_back, _ = spoken(_verdict(), "I hear you, but if you don't sign by Friday the price goes up.")
    assert not taken_back.checks["align"]


def test_repeating_the_buyers_words_is_not_acknowledging_unless_it_goes_back_to_what_they_said():
    echo = Verdict({**_verdict().checks, "align": True}, {"align": "No, the app runs on Android too."})
    assert not spoken(echo, "No, the app runs on Android too.")[0].checks["align"]
    tied = Verdict({**_verdict().checks, "align": True}, {"align": "Since you mentioned the Android tablets, yes."})
    assert spoken(tied, "Since you mentioned the Android tablets, yes.")[0].checks["align"]


def test_jargon_clarifies_nothing_and_is_the_pitfall():
    reply = "On exit we snapshot the tenant to S3 as Parquet via our ETL, then purge after the TTL."
    assert jargon(reply) == reply
    verdict, heavy = spoken(Verdict({**_verdict().checks, "clarify": True}, {"clarify": reply}), reply)
    assert heavy == reply and verdict.checks["clarify"] is False and verdict.checks["no_pitfalls"] is False
    assert jargon("We support SSO with your ERP and send a PDF by SMS.") is None  # terms a buyer uses
