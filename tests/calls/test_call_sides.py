"""Who is the buyer: names given as ours, email domains, the company's name, the speakers' own words (the cue
grammar, and the learned side model for speakers it leaves open); undecided speakers are reported rather than
guessed. And the profile's `company.domains`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.calls import side_model
from bot.calls.formats import Conversation, Turn, read_call
from bot.calls.sides import assign_sides, parse_names, usable_company
from bot.content.profile import load_profile
from bot.content.schema import PlaybookError
from bot.core.resources import data_dir

DATA = Path(__file__).resolve().parent.parent / "data" / "calls"


def _call(*turns: tuple[str, str]) -> Conversation:
    return Conversation("call", "colon", tuple(Turn(s, t) for s, t in turns), "en")


def test_names_given_as_ours_settle_every_side():
    conversation = read_call(DATA / "zoom_en.vtt")
    sides = assign_sides(conversation, ours=["dana"])  # first name, any case: the seller may be anyone
    assert (sides.ours, sides.buyers, sides.undecided) == (("Dana Okafor",), ("Ana Ruiz",), ())
    assert sides.reasons["Ana Ruiz"] == ("given", "not named")


def test_an_email_address_names_a_speaker_and_an_unknown_name_is_reported():
    conversation = read_call(DATA / "thread_en.eml")
    sides = assign_sides(conversation, ours=["ana@brightpath.io", "Zoe"])
    assert sides.ours == ("Ana Ruiz",) and sides.unknown_names == ("Zoe",)


def test_the_profiles_domains_tell_each_sender_of_a_thread():
    sides = assign_sides(read_call(DATA / "thread_es.txt"), domains=["@BrightPath.io"])
    assert (sides.ours, sides.buyers) == (("Lucía Gómez",), ("Martín Herrera",))
    assert sides.reasons["Martín Herrera"] == ("domain", "ferreteriasol.es")


def test_a_domain_that_spells_the_company_is_ours_even_without_domains():
    sides = assign_sides(read_call(DATA / "thread_en.eml"), company="Brightpath")
    assert sides.ours == ("Ana Ruiz",) and sides.buyers == ("Dana Okafor",) and sides.decided


def test_the_company_in_a_speakers_words_or_label():
    sides = assign_sides(read_call(DATA / "gong_en.txt"), company="Brightpath")
    assert sides.ours == ("Ben Carter",) and sides.reasons["Ben Carter"][0] == "company"
    labelled = _call(("Ana (Brightpath)", "Hello all."), ("Dana", "Hi."), ("Raj", "Hello."))
    assert assign_sides(labelled, company="Brightpath").ours == ("Ana (Brightpath)",)


def test_a_buyer_mentioning_the_company_is_not_ours():
    call = _call(("Sam", "Your team at Brightpath told us the price includes support, but your pricing page says no."),
                 ("Kim", "Good catch. Our pricing includes support for every plan; let me show you the contract line."))
    sides = assign_sides(call, company="Brightpath")
    assert (sides.ours, sides.buyers) == (("Kim",), ("Sam",))


def test_words_alone_decide_a_two_person_call_in_either_language():
    for name, seller, buyer in (("zoom_en.vtt", "Ana Ruiz", "Dana Okafor"),
                                ("teams_es.vtt", "Lucía Gómez", "Martín Herrera"),
                                ("fireflies_es.txt", "Lucía Gómez", "Carlos Vega")):
        sides = assign_sides(read_call(DATA / name))
        assert (sides.ours, sides.buyers) == ((seller,), (buyer,)), name


def test_without_evidence_the_speakers_are_undecided_not_guessed():
    quiet = _call(("A", "Hello."), ("B", "Hi, good morning."), ("C", "Morning."))
    assert assign_sides(quiet).undecided == ("A", "B", "C")
    pair = _call(("Ana", "Is this a good time?"), ("Dana", "Yes, go ahead."), ("Ana", "Great."))
    assert assign_sides(pair).undecided == ("Ana", "Dana") and not assign_sides(pair).decided


def test_one_cue_on_each_side_of_a_two_person_thread_decides_it():
    # no profile, no names: the seller speaks of "sus conductores", the buyer of what "probamos"
    sides = assign_sides(read_call(DATA / "thread_es.txt"))
    assert (sides.ours, sides.buyers) == (("Lucía Gómez",), ("Martín Herrera",)) and sides.decided


def test_a_four_person_call_is_told_by_who_runs_it_who_asks_the_price_and_who_addresses_whom():
    call = _call(
        ("Nora", "Hi Pete, hi Gwen. Thanks for making the time. Luis is on the line too, he'll run the demo."),
        ("Pete", "Hi Nora. Gwen is driving, she'll be on mute."),
        ("Luis", "Morning. Let me share my screen. This is the board you'd see each morning."),
        ("Gwen", "Sorry, I'm here. How do you price this?"),
        ("Nora", "Fair question. It's priced per seat, per month."),
        ("Pete", "Our finance team will want that in writing, Nora."),
    )
    sides = assign_sides(call)
    assert (sides.ours, sides.buyers, sides.undecided) == (("Nora", "Luis"), ("Pete", "Gwen"), ())


def test_a_colleague_introduced_joins_the_introducers_side():
    call = _call(("Eva", "Os presento a Iván, nuestro ingeniero de soluciones."),
                 ("Iván", "Hola a todos."),
                 ("Rosa", "Hola, soy Rosa, de Compras. ¿Nos podéis mandar la propuesta?"))
    sides = assign_sides(call)
    assert (sides.ours, sides.buyers) == (("Eva", "Iván"), ("Rosa",))


@pytest.mark.parametrize("turns", [
    # "Ray's here" (no space before the 's) and "Leah's with me" account for a colleague
    (("Gail", "Hello. Ray's here, he's just come in from the yard."), ("Ray", "Morning."),
     ("Ben", "Thanks for joining. Leah's with me today."), ("Leah", "Hi both.")),
    (("Gail", "Ray está en la nave, ahora entra desde el móvil."), ("Ray", "Ya estoy."),
     ("Ben", "Gracias por recibirnos. Me acompaña Leah."), ("Leah", "Hola a todos.")),
])
def test_a_colleague_accounted_for_in_passing_joins_the_speakers_side(turns):
    sides = assign_sides(_call(*turns))
    assert (sides.ours, sides.buyers, sides.undecided) == (("Ben", "Leah"), ("Gail", "Ray"), ())


def test_asking_to_be_sent_something_for_us_is_the_buyers():
    call = _call(("Celia", "Eso sería todo por hoy."), ("Felipe", "Bueno. Mándanos los números y lo vemos."))
    sides = assign_sides(call)
    assert (sides.ours, sides.buyers) == (("Celia",), ("Felipe",))


def test_hearsay_about_the_company_is_the_buyers_and_a_plain_statement_the_sellers():
    call = _call(("Kim", "I heard Brightpath only works in the US."),
                 ("Lee", "Brightpath runs in three regions, so the data stays where you need it."))
    sides = assign_sides(call, company="Brightpath")
    assert (sides.ours, sides.buyers) == (("Lee",), ("Kim",))
    assert sides.reasons["Lee"][0] == "company"


def test_speakers_writing_from_one_domain_are_one_side():
    turns = (Turn("Ana", "Our platform includes support, and your team gets a named manager.", None, 1,
                  "ana@brightpath.io"),
             Turn("Dana", "Thanks.", None, 2, "dana@northwind.com"),
             Turn("Raj", "Noted.", None, 3, "raj@northwind.com"))
    sides = assign_sides(Conversation("email", "eml", turns, "en"))
    assert (sides.ours, sides.buyers) == (("Ana",), ("Dana", "Raj"))


def test_more_you_than_we_leans_a_long_talker_to_the_sellers_side():
    seller = ("You would see your whole week on one screen, and you can move any job with a drag. "
              "Your planners keep their rules, you just stop retyping them, and you get the report on Monday. ") * 2
    buyer = ("We plan on paper and we like it, our planners know the routes and we have done it this way for years. "
             "We would need a lot of convincing, since we changed tools twice and we lost months each time. ") * 2
    call = _call(("A", seller), ("B", buyer), ("C", "Hello."))
    sides = assign_sides(call)
    assert sides.ours[0] == "A" and "B" in sides.buyers


def test_a_third_speaker_who_leans_joins_a_side_once_both_sides_are_known(cues_only):
    call = _call(("Ana", "Thanks for joining. Our platform plugs into your dispatchers' tools."),
                 ("Dana", "We use spreadsheets today and your pricing looks high."),
                 ("Raj", "Our budget is set for this year."))
    sides = assign_sides(call)
    assert sides.ours == ("Ana",) and sides.buyers == ("Dana", "Raj")


def test_parse_names_and_the_placeholder_company():
    assert parse_names(" Ana,  Ben Carter ;") == ["Ana", "Ben Carter"]
    assert parse_names(None) == []
    assert usable_company("Our company") is None and usable_company("[your company]") is None
    assert usable_company("Brightpath") == "Brightpath"


def _team(tmp_path: Path, domains: object) -> Path:
    profile = yaml.safe_load((data_dir("playbooks") / "team.example.yaml").read_text(encoding="utf-8"))
    if domains is None:
        profile["company"].pop("domains", None)
    else:
        profile["company"]["domains"] = domains
    (tmp_path / "team.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_profile_domains_are_normalised_and_optional(tmp_path):
    assert load_profile(_team(tmp_path, [" @Fleetwise.Example ", "mail.fleetwise.example"])).profile.company.domains \
        == ["fleetwise.example", "mail.fleetwise.example"]
    assert load_profile(_team(tmp_path, None)).profile.company.domains == []  # a team.yaml from before still loads
    assert load_profile().profile.company.domains == []  # the shipped generic profile


def test_a_profile_domain_that_is_no_domain_is_refused_naming_the_field(tmp_path):
    with pytest.raises(PlaybookError, match=r"company\.domains.*not an email domain"):
        load_profile(_team(tmp_path, ["fleetwise"]))


def test_who_raises_objections_in_the_words_that_mark_them_is_the_buyer():
    call = _call(("A", "Hello both."), ("B", "Hi."),
                 ("C", "My understanding is that every user needs a paid seat. Honestly I have no idea how you "
                       "price the mobile part."),
                 ("A", "Let me check."))
    sides = assign_sides(call)
    assert "C" in sides.buyers


def test_a_buyer_describing_their_own_business_is_not_taken_for_the_vendor():
    call = _call(("Nina", "Thanks for making the time. How do you assign jobs today?"),
                 ("Greg", "We provide repairs to two thousand homes and we offer same-day service. Our dispatcher "
                          "does it on a whiteboard."),
                 ("Nina", "Got it. Let me share my screen."))
    assert assign_sides(call).buyers == ("Greg",)


@pytest.mark.parametrize(("name", "company", "ours", "buyers"), [
    ("review_hr_en.vtt", "Rosterly", ("Priya Das", "Marco Ruiz"), ("Tom Becker", "Lena Ortiz")),
    ("review_obra_es.srt", "Partefácil", ("Julia Serrano", "Raúl Pastor"), ("Andrés Molina", "Carmen Vidal")),
    ("review_hvac_en.txt", "Dispatchly", ("Nina Patel",), ("Greg Hill", "Olga Sand")),
])
def test_four_and_three_person_calls_are_sided_from_the_company_name_alone(name, company, ours, buyers):
    sides = assign_sides(read_call(DATA / name), company=company)
    assert (sides.ours, sides.buyers, sides.undecided) == (ours, buyers, ())


# A colleague of the buyer's who says nothing any cue knows: no "our team", no price question, no "send me".
QUIET_BUYER = {
    "en": [("Marta", "Thanks for joining, everyone. Let me share my screen and walk you through the schedule view."),
           ("Ken", "Sure. We use paper for the rota today, and our drivers hate it."),
           ("Lou", "Most of them, yes."),
           ("Marta", "How many changes do you get in a normal week?"),
           ("Lou", "Honestly? Maybe thirty a week, more in summer."),
           ("Lou", "Ugh, the old one crashed every Friday."),
           ("Lou", "That would save me a lot of walking.")],
    "es": [("Marta", "Gracias por vuestro tiempo. Os comparto pantalla y os enseño la vista de turnos."),
           ("Ken", "Vale. Usamos hojas de Excel y nuestros conductores las odian."),
           ("Lou", "Sí, la mayoría."),
           ("Marta", "¿Cuántos cambios tenéis en una semana normal?"),
           ("Lou", "Uf, el de antes se caía cada viernes."),
           ("Lou", "Eso me ahorraría muchas vueltas."),
           ("Lou", "Pues treinta a la semana, más en verano.")],
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_speaker_no_cue_places_is_placed_by_how_they_speak(language, monkeypatch):
    call = Conversation("call", "colon", tuple(Turn(s, t) for s, t in QUIET_BUYER[language]), language)
    placed = assign_sides(call)
    assert (placed.ours, placed.buyers) == (("Marta",), ("Ken", "Lou"))
    assert placed.reasons["Lou"] == ("words", "how they speak")
    monkeypatch.setattr(side_model, "shipped", lambda: None)
    assert assign_sides(call).undecided == ("Lou",)  # the cues alone leave Lou for the seller to name


def test_the_side_model_loads_as_plain_arrays_and_a_bad_file_leaves_the_cues(tmp_path, monkeypatch, caplog):
    import numpy as np

    from bot.models import persist

    path = persist.shipped_dir() / side_model.FILE
    with np.load(path, allow_pickle=False) as archive:  # plain arrays only: a pickled object would raise here
        assert all(archive[name].dtype != object for name in archive.files)
    model = persist.load(path, side_model.SideModel)
    assert model.tfidf.size == model.linear.width > 1000
    (tmp_path / side_model.FILE).write_bytes(b"\x80\x04not a model")  # a pickle's opening bytes
    monkeypatch.setattr(persist, "shipped_dir", lambda: tmp_path)
    side_model.shipped.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="bot.models.persist"):
            assert side_model.shipped() is None
            call = Conversation("call", "colon", tuple(Turn(s, t) for s, t in QUIET_BUYER["en"]), "en")
            assert assign_sides(call).undecided == ("Lou",)
    finally:
        side_model.shipped.cache_clear()
    assert side_model.FILE in caplog.text and "cues alone" in caplog.text
