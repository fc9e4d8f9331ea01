"""Topics, the team profile and grounding: offline coaching states only facts it was given."""

import json
import re
from pathlib import Path

import pytest
import yaml

from bot.content.playbooks import load_brush_offs, load_playbooks
from bot.content.profile import TeamProfile, load_profile
from bot.content.schema import PlaybookError
from bot.core.grounding import DealCues, claims, deal_cues, names_a_reference, ungrounded
from bot.core.resources import data_dir
from bot.core.taxonomy import LABELS
from bot.models.topics import TOPICS
from bot.services.coach import Coach

SHIPPED = data_dir("playbooks")
EXAMPLE = yaml.safe_load((SHIPPED / "team.example.yaml").read_text(encoding="utf-8"))
PROFILED = {fact["topic"] for fact in EXAMPLE["facts"]}

# Our own objections, two or more per topic, English and Spanish, some with a deal context.
OBJECTIONS = [
    ("price", "Your price is twice what we pay now for something similar.", None),
    ("price", "El precio por usuario es demasiado alto para nosotros.", "Grupo Sur, 25 personas"),
    ("price", "It's just too expensive for a company our size.", "Harbor Foods, 60 employees, wants lower costs"),
    ("budget", "We have no budget left for this until next fiscal year.", None),
    ("budget", "No hay presupuesto este año, finanzas congeló todo.", None),
    ("budget", "There's no money set aside for new software this year.", "Kestrel Labs, goal: cut manual reporting"),
    ("timing", "Now isn't a good time, come back next quarter.", None),
    ("timing", "Hablemos después del cierre de año, ahora no es el momento.", None),
    ("timing", "Let's revisit this after the holidays.", None),
    ("priority", "This isn't a priority for us this year, we have bigger projects.", None),
    ("priority", "Tenemos otras prioridades antes que esto.", None),
    ("incumbent", "We're happy with our current vendor.", None),
    ("incumbent", "Ya tenemos un proveedor para esto y estamos contentos con ellos.", None),
    ("incumbent", "We already use RouteMax and it does the job.", "Ridgeline Logistics, 90 trucks"),
    ("status_quo", "We're fine with our spreadsheets, they work for us.", None),
    ("status_quo", "Lo hacemos a mano de toda la vida y nos va bien.", None),
    ("integration", "Does this connect to our CRM? If not, it's useless.", None),
    ("integration", "¿Se integra con nuestro sistema contable?", None),
    ("integration", "Our IT team worries it won't integrate with our stack.", "Maria Lopez (CTO) owns the decision"),
    ("security", "Where is our data stored, and who can access it?", None),
    ("security", "Nuestro equipo de seguridad exige un informe de auditoría antes de aprobar.", None),
    ("security", "We handle patient data, so security is our first concern.", "a 12-clinic hospital group"),
    ("implementation", "How long does it take to get this up and running?", None),
    ("implementation", "Me dijeron que la implementación toma meses.", None),
    ("implementation", "We don't have the people for a long rollout.",
     "Pinecrest Retail, 300 stores, wants go-live before peak season"),
    ("implementation", "I heard the setup takes a year.", "a regional hospital"),
    ("adoption", "My team won't use another tool.", None),
    ("adoption", "Nuestro personal no se lleva con la tecnología, no la van a usar.", None),
    ("support", "What happens when something breaks at night? Who do we call?", None),
    ("support", "¿El soporte está incluido? ¿En cuánto tiempo responden?", None),
    ("support", "Our last vendor took a week to answer a ticket.", "logistics company, 40 trucks"),
    ("vendor_viability", "You're a small company; will you still be around in three years?", None),
    ("vendor_viability", "Son una startup, ¿qué pasa si cierran?", None),
    ("results", "How do I know we'll actually see a return on this?", None),
    ("results", "Todos prometen ahorros y nunca aparecen.", "Clínica del Norte, quieren menos tiempos muertos"),
    ("results", "Every vendor promises 30% savings and they never show up.", None),
    ("authority", "I'm not the one who signs off; it has to go to the board.", None),
    ("authority", "Esto lo decide el dueño, yo solo recomiendo.", None),
    ("fit", "This is built for big companies, not for a 12-person shop like us.", None),
    ("fit", "Nuestro proceso es muy particular, dudo que encaje.", None),
    ("contract", "A three-year commitment is too long for us.", None),
    ("contract", "No podemos firmar nada con renovación automática.", None),
    ("contract", "Legal has a problem with your liability clause.", "renewal due 2027"),
]


def _text(guidance) -> str:
    return "\n".join([guidance.align, guidance.clarify, guidance.assure, guidance.talk_track, guidance.question or ""])


def test_there_are_forty_own_objections_over_every_topic_in_both_languages():
    assert len(OBJECTIONS) >= 40
    assert {topic for topic, _, _ in OBJECTIONS} == set(TOPICS)
    from bot.core.language import detect_language

    assert sum(detect_language(text) == "es" for _, text, _ in OBJECTIONS) >= 15


@pytest.mark.parametrize(("topic", "text", "context"), OBJECTIONS)
def test_offline_guidance_states_only_what_it_was_given(shared_coach, example_coach, topic, text, context):
    for coach in (shared_coach, example_coach):
        guidance = coach.coach(text, context, offline=True)
        assert guidance.topic == topic, (text, guidance.topic)
        profile = coach.playbooks.profile
        missing = ungrounded(_text(guidance), [text, context or "", profile.all_text()])
        assert missing == [], (coach.playbooks.profile_path, missing, _text(guidance))


def _fact_topic(coach: Coach, talk: str, lang: str) -> set[str | None]:
    """The topics of the profile facts a talk track states."""
    return {f.topic for f in coach.playbooks.profile.facts if f.get(lang)[0].rstrip(".") in talk}


@pytest.mark.parametrize(("topic", "text", "context"), [o for o in OBJECTIONS if o[0] in PROFILED])
def test_with_the_example_profile_a_concern_gets_its_topics_fact_or_an_honest_gap(example_coach, topic, text,
                                                                                   context):
    """Each concern is answered by the fact that meets it, said in the talk track; or, where the matcher is not
    sure or the fact does not meet what the buyer requires, by no fact at all: never by another topic's fact."""
    guidance = example_coach.coach(text, context, offline=True)
    lang = guidance.language
    if not guidance.talk_track:  # a brush-off: only the question to ask first
        assert guidance.question and not guidance.concerns
        return
    assert _fact_topic(example_coach, guidance.talk_track, lang) <= {topic}
    for concern in guidance.concerns:
        if concern["status"] == "answered":
            assert concern["fact"].rstrip(".") in guidance.talk_track and concern["fact"] in guidance.clarify
        elif concern["status"] == "unmet":  # in the talk track only as the limit it states, never as the answer
            assert concern["fact"] in guidance.clarify
            assert concern["fact"] not in guidance.talk_track or concern["ruled_out"] and re.search(
                r"(?:straight with you|Le seré claro)\. " + re.escape(concern["fact"]), guidance.talk_track)
        else:
            assert "[" in guidance.talk_track


# Concerns the example profile answers plainly: the fact that meets them is said.
ANSWERED = [
    ("implementation", "How long does it take to get this up and running?"),
    ("implementation", "No tengo claro cuánto nos llevaría la puesta en marcha."),
    ("security", "Where is our data stored, and is it encrypted?"),  # (not "who can access it": no fact says)
    ("price", "Does the price include setup and training?"),
    ("incumbent", "We already use RouteMax and it does the job."),
]


@pytest.mark.parametrize(("topic", "text"), ANSWERED)
def test_with_the_example_profile_the_fact_that_meets_the_concern_is_said(example_coach, topic, text):
    guidance = example_coach.coach(text, offline=True)
    assert [c["status"] for c in guidance.concerns] == ["answered"], guidance.concerns
    assert guidance.concerns[0]["fact"].rstrip(".") in guidance.talk_track


@pytest.mark.parametrize("text", ["Where is our data stored, and who can access it?",
                                  "¿Dónde se guardan nuestros datos? ¿Y quién puede acceder a ellos?"])
def test_a_fact_that_answers_one_of_two_questions_on_a_topic_leaves_the_other_its_placeholder(example_coach, text):
    """The hosting fact says where the data is, not who can see it: that question keeps its own placeholder."""
    guidance = example_coach.coach(text, offline=True)
    assert [c["status"] for c in guidance.concerns] == ["answered", "placeholder"], guidance.concerns
    assert guidance.concerns[0]["fact"].rstrip(".") in guidance.talk_track and "[" in guidance.talk_track


@pytest.mark.parametrize(("text", "placeholder"), [
    ("Our spreadsheet works great for a shop our size. It is not a priority this year, we have other projects first.",
     "[how this supports the priority they named]"),
    ("Somos una empresa chica, llevamos todo en un Excel y anda bárbaro. No es prioridad ahora, gracias igual.",
     "[cómo esto apoya la prioridad que nombraron]"),
])
def test_a_concern_about_the_buyers_own_situation_gets_its_topics_placeholder(shared_coach, text, placeholder):
    """No fact of ours answers "not a priority": the seller fills in how this serves their priority, not "[our
    answer to «Not a priority this year»]"."""
    guidance = shared_coach.coach(text, offline=True)
    assert placeholder in guidance.talk_track and "«" not in guidance.talk_track and "“" not in guidance.talk_track


@pytest.mark.parametrize(("topic", "text", "context"), OBJECTIONS)
def test_with_the_empty_profile_placeholders_appear_and_no_new_digits(shared_coach, topic, text, context):
    guidance = shared_coach.coach(text, context, offline=True)
    if guidance.talk_track:
        assert re.search(r"\[[^\]]{8,}\]", guidance.clarify) and "[" in guidance.talk_track
        if guidance.label in ("skepticism", "incorrect", "major_concern"):
            assert re.search(r"\[[^\]]{8,}\]", guidance.assure)  # the reference placeholder
    else:  # a brush-off: the question, and what each answer would mean
        assert guidance.question and guidance.clarify and not guidance.assure
    given = set(re.findall(r"\d+", text + (context or "")))
    assert set(re.findall(r"\d+", _text(guidance))) <= given


@pytest.mark.parametrize(
    ("text", "context", "customer"),
    [
        ("We doubt the results will show up for us.", "Ridgeline Logistics, a freight carrier", "Northwind Freight"),
        ("¿Cómo sé que vamos a ver resultados?", "Hospital Central, red de clínicas", "Clínica San Rafael"),
        ("Prove it works for a chain of stores like ours.", None, "Verde Market"),
        # no industry said: the size picks the closest reference (300 vehicles -> 400 vehicles)
        ("How do I know we'll actually see a return?", "we run 300 vehicles", "Verde Market"),
    ],
)
def test_the_reference_is_picked_by_the_buyers_industry_then_size(example_coach, text, context, customer):
    guidance = example_coach.coach(text, context, label="skepticism", offline=True)
    assert customer in guidance.assure
    others = {r.customer for r in example_coach.playbooks.profile.references} - {customer}
    assert not any(other in guidance.assure for other in others)
    assert customer in guidance.talk_track


@pytest.mark.parametrize(("text", "context"), [
    ("How do I know we'll actually see a return?", "we run 3 vehicles"),
    ("¿Cómo sé que de verdad vamos a ver resultados?", "tenemos 3 vehículos"),
])
def test_a_reference_far_from_the_buyers_size_is_no_fitting_proof(example_coach, text, context):
    """heldout-v's reviewer: a 420-cleaner contractor offered as the fitting proof to a 12-person firm. The
    example profile's smallest reference runs 35 vehicles, more than five times the buyer's 3: none is offered as
    fitting, and the talk track names no customer."""
    guidance = example_coach.coach(text, context, label="skepticism", offline=True)
    customers = {r.customer for r in example_coach.playbooks.profile.references}
    assert not any(c in guidance.talk_track for c in customers), guidance.talk_track


def test_a_named_competitor_gets_the_profiles_difference(example_coach):
    guidance = example_coach.coach("We use RouteMax today. Why would we switch?", offline=True)
    assert guidance.question is None and guidance.topic == "incumbent"
    assert "we re-plan during the day" in guidance.clarify and "RouteMax" in guidance.talk_track


@pytest.mark.parametrize("text", ["We already use RouteMax and they're fine.", "Ya usamos RouteMax y nos va bien."])
def test_a_brush_off_naming_a_competitor_keeps_the_profiles_difference_at_hand(example_coach, text):
    """Asking first builds no talk track on a guess, but a competitor the buyer names is no guess."""
    guidance = example_coach.coach(text, offline=True)
    assert guidance.question and not guidance.talk_track
    assert re.search(r"(compare you with|los comparan con) RouteMax: RouteMax (plans|planifica)", guidance.clarify)


def test_the_context_is_used_goal_stakeholder_and_numbers(shared_coach):
    context = "Acme, 40 seats, wants faster month-end close; Dana Reyes (CFO) signs"
    guidance = shared_coach.coach("How long does it take to get this running?", context, offline=True)
    assert "Acme, 40 seats" in guidance.align and "Dana Reyes (CFO)" in guidance.align
    assert "faster month-end close" in guidance.talk_track


def test_the_quick_start_example_is_coached_as_an_incumbent_vendor(shared_coach):
    guidance = shared_coach.coach("We're happy with our current vendor", offline=True)
    assert guidance.topic == "incumbent"
    assert "current vendor" in guidance.talk_track and "current vendor" in guidance.align
    assert guidance.as_json()["topic"] == "incumbent"


def test_kind_and_topic_both_shape_the_coaching(shared_coach):
    text = "We're happy with our current vendor"
    missing = shared_coach.coach(text, label="missing", offline=True)
    concern = shared_coach.coach(text, label="major_concern", offline=True)
    rollout = shared_coach.coach("I heard the rollout takes a year.", label="incorrect", offline=True)
    assert missing.talk_track != concern.talk_track and missing.align != concern.align
    assert rollout.topic == "implementation" and "roll-out" in rollout.talk_track
    assert "current vendor" not in rollout.talk_track


def test_spanish_profile_sentence_missing_falls_back_to_english_with_a_note(example_coach):
    guidance = example_coach.coach("¿Tienen una API abierta para conectar nuestro sistema de pedidos?", offline=True)
    assert guidance.topic == "integration" and guidance.language == "es"
    assert "open API" in guidance.clarify
    assert any("no tienen versión en español" in note for note in guidance.notes)


def test_no_invented_fact_in_any_shipped_playbook_sentence():
    books = load_playbooks()
    for label, pb in books.resistance.items():
        for lang in ("en", "es"):
            for field in ("align", "clarify", "assure", "talk_tracks"):
                for line in pb.lines(field, lang):
                    assert claims(line) == [], (label, field, lang, line)
            assert claims(re.sub(r"\{\w+\}", ".", pb.text("talk_template", lang))) == []
    for topic, pb in books.topics.items():
        for lang in ("en", "es"):
            for field in ("align", "clarify", "assure", "talk", "check"):
                assert claims(pb.text(field, lang).replace("{fact}", ".")) == [], (topic, field, lang)
            # the "Ask first" question on the topic: its lead-in opens a sentence, each reading sits inside one
            assert claims(getattr(pb.ask.lead, lang)) == [], (topic, "ask.lead", lang)
            for kind in LABELS:
                assert claims(f"x {pb.ask.reading(kind, lang)}") == [], (topic, f"ask.{kind}", lang)
    for name, brush_off in load_brush_offs().items():
        for lang in ("en", "es"):
            for line in brush_off.lines("questions", lang):
                assert claims(line) == [], (name, lang, line)


# --- the team profile file --------------------------------------------------------------------------------------

def test_the_shipped_profile_is_generic_and_the_example_is_valid():
    shipped = load_profile().profile
    assert shipped.facts == [] and shipped.references == [] and shipped.competitors == []
    assert shipped.topics_without_facts() == list(TOPICS)
    example = TeamProfile.model_validate(EXAMPLE)
    assert {f.topic for f in example.facts} == PROFILED and example.references and example.competitors


def test_a_teams_profile_overrides_the_shipped_one(tmp_path):
    (tmp_path / "team.yaml").write_text(yaml.safe_dump(EXAMPLE, allow_unicode=True))
    assert load_playbooks(tmp_path).profile.company.name == "Fleetwise"
    assert load_playbooks(tmp_path).profile_path == tmp_path / "team.yaml"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["facts"][0].update(topic="pricing"), "facts.0.topic"),
        (lambda d: d["references"][0].update(industry="Logistics and freight"), "references.0.industry"),
        (lambda d: d["company"].pop("offering"), "company.offering"),
        (lambda d: d["competitors"][0].pop("en"), "competitors.0.en"),
        (lambda d: d.update(awards=["best vendor"]), "awards"),
    ],
)
def test_a_malformed_profile_names_file_and_field(tmp_path, mutate, field):
    data = json.loads(json.dumps(EXAMPLE))
    mutate(data)
    path = tmp_path / "team.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(PlaybookError) as error:
        load_playbooks(tmp_path)
    assert str(path) in str(error.value) and f"'{field}" in str(error.value)


def test_a_topic_playbook_must_have_a_bracketed_placeholder_and_a_fact_slot(tmp_path):
    data = yaml.safe_load((SHIPPED / "topics" / "price.yaml").read_text(encoding="utf-8"))
    data["placeholder"]["en"] = "what customers pay"
    data["talk"]["es"] = "Sin hueco para el dato."
    (tmp_path / "topics").mkdir()
    (tmp_path / "topics" / "price.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(PlaybookError) as error:
        load_playbooks(tmp_path)
    assert "'placeholder'" in str(error.value) and "'talk'" in str(error.value) and "{fact}" in str(error.value)


def test_cli_profile_shows_what_it_holds_and_the_topics_without_a_fact(tmp_path, monkeypatch, cli):
    shipped = cli("profile")
    assert shipped.returncode == 0 and "Topics with no fact yet (16)" in shipped.stdout
    (tmp_path / "team.yaml").write_text(yaml.safe_dump(EXAMPLE, allow_unicode=True))
    monkeypatch.setenv("COACH_PLAYBOOKS", str(tmp_path))
    result = cli("profile")
    assert result.returncode == 0, result.stderr
    assert "Fleetwise" in result.stdout and "Northwind Freight (logistics, 120 trucks; takes calls) — regional " \
        "freight carrier in Monterrey, Mexico: cut planning time" in result.stdout
    assert f"Topics with no fact yet ({len(TOPICS) - len(PROFILED)})" in result.stdout and "budget" in result.stdout
    data = json.loads(cli("profile", "--json").stdout)
    assert set(data["topics_without_facts"]) == set(TOPICS) - PROFILED


# --- topic detection ---------------------------------------------------------------------------------------------

HELDOUT = Path(__file__).parent / "data" / "topics_heldout.jsonl"


def test_topic_detection_on_the_held_out_set_written_by_another_author(settings):
    from bot.services.evaluate import evaluate

    report = evaluate(HELDOUT, settings, progress=False, field="topic")
    assert report["n"] >= 200 and report["accuracy"] >= 0.85, report["accuracy"]


def test_topic_examples_cover_every_topic_in_both_languages():
    from bot.core.language import detect_language
    from bot.models.examples import read_example_dir

    examples = read_example_dir(SHIPPED / "examples" / "topics", TOPICS, "topic")
    for topic in TOPICS:
        mine = [e.text for e in examples if e.label == topic]
        assert len(mine) >= 25, topic
        assert sum(detect_language(t) == "es" for t in mine) >= 10, topic


def test_cli_eval_measures_topics(tmp_path, cli):
    path = tmp_path / "few.jsonl"
    path.write_text("\n".join(json.dumps({"text": text, "topic": topic}) for topic, text, _ in OBJECTIONS[:6]))
    report = json.loads(cli("eval", str(path), "--field", "topic", "--json").stdout)
    assert report["n"] == 6 and set(report["per_label"]) == set(TOPICS)


# --- grounding ---------------------------------------------------------------------------------------------------

def test_claims_are_figures_number_words_and_names_but_not_placeholders():
    text = ("We have been operating for six years. Talk to Acme Freight, they saved 30% in 2023. "
            "Fill in [your usual go-live time]. I can help; the CFO agrees.")
    assert claims(text) == ["30", "2023", "six years", "Acme", "Freight"]
    assert ungrounded(text, ["acme freight saved 30% in 2023, six years"]) == []
    assert ungrounded("A typical customer goes live in about ten weeks.", ["How long is the rollout?"]) == ["ten weeks"]


def test_a_plural_possessive_is_grounded_by_the_same_word():
    # the seller's note "the local Musicians' Union" quoted back is no invented name (heldout-z, empty profile)
    note = "(note: it's the local Musicians' Union branch)"
    assert ungrounded("Your note: it's the local Musicians' Union branch.", [note]) == []
    assert ungrounded("Talk to the Musicians first.", [note]) == []
    assert ungrounded("Ask los Profesores' Guild.", [note]) == ["Profesores", "Guild"]


def test_a_reference_offer_must_name_one():
    assert not names_a_reference("Offer a reference they can call.", ["Northwind Freight"])
    assert names_a_reference("Offer Northwind Freight as a reference.", ["Northwind Freight"])
    assert names_a_reference("Offer [a customer in their industry who will take a call].", [])
    assert names_a_reference("Ask what they need to see.", [])


def test_deal_cues():
    assert deal_cues("Globex, 200 seats, wants fewer stock-outs. Ana Ruiz (COO) decides") == DealCues(
        "fewer stock-outs", "Ana Ruiz (COO)")
    assert deal_cues("Renewal in March") == DealCues()


@pytest.mark.parametrize(("text", "support"), [
    ("Does it support SSO? We're all on Okta.", False),
    ("¿Soporta SAML con Azure AD? Todos entramos con eso.", False),
    ("Do you support us on weekends if the system goes down?", True),
    ("¿Quién nos da soporte si falla un fin de semana?", True),
])
def test_support_as_a_verb_is_what_the_product_handles_not_help_after_the_sale(shared_coach, text, support):
    assert (shared_coach.detect_topic(text).topic == "support") is support


@pytest.mark.parametrize("text", [
    "¿Cuánto sale por mes?", "¿Y cuánto vale para tres profesores?", "How much is it for a school our size?",
    "What would it cost us per month?",
])
def test_how_much_it_costs_is_read_as_price_in_either_language(shared_coach, text):
    """heldout-z: "¿Cuánto sale por mes?" (what it costs, in Rioplatense) was read as implementation."""
    assert shared_coach.detect_topic(text).topic == "price"


def test_how_much_it_relies_on_something_is_not_price(shared_coach):
    """The diff review: "how much does it" alone had been a price cue."""
    assert shared_coach.detect_topic("How much does it rely on the drivers updating the app?").topic != "price"


def test_a_quoted_name_is_grounded_by_the_same_word():
    assert ungrounded("Ask them about Samsara first.", ["we use 'Samsara' for the trucks"]) == []
