"""Reading what the seller pasted: each concern, what the buyer accepts, the seller's own notes; then coaching
that answers each concern with the fact that meets it, acknowledges the accepted point once and never offers a
fact that does not meet what the buyer requires (EN and ES, the example profile and the empty one)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.content.profile import TeamProfile
from bot.core.config import Settings, load_settings
from bot.core.reading import accepts, asks_for_customer, read, states_our_fact
from bot.core.requirements import requirements, unmet
from bot.models.matching import Item, Matcher, meets_requirements
from bot.services.coach import Coach
from bot.services.composing import as_we, quoted, sayable


def _coach_with(team: dict, folder: Path, model_cache: Path) -> Coach:
    """A coach whose team profile is `team`, kept in `folder` with its own database; the models from `model_cache`."""
    (folder / "team.yaml").write_text(yaml.safe_dump(team, allow_unicode=True), encoding="utf-8")
    return Coach(Settings(**{**load_settings().__dict__, "db_path": folder / "coach.db", "cache_dir": model_cache,
                             "playbooks_dir": folder}))


@pytest.mark.parametrize(("text", "concerns", "accepted"), [
    ("The price is fine, but are implementation and training included?",
     ["are implementation and training included?"], ["The price is fine"]),
    ("El precio nos parece bien, pero ¿la capacitación está incluida? ¿Y quién nos atiende después?",
     ["¿la capacitación está incluida?", "¿Y quién nos atiende después?"], ["El precio nos parece bien"]),
    ("Hi Ana,\n\nThanks for the call. Three things: who is our contact after onboarding? Is support in the annual "
     "fee? What is the SLA for critical incidents?\n\nBest regards,\nDana\nCFO, Harbor Foods",
     ["who is our contact after onboarding?", "Is support in the annual fee?",
      "What is the SLA for critical incidents?"], []),
    ("We're happy with our current vendor.", ["We're happy with our current vendor."], []),
    ("Nos gustó la demo pero no nos sirve si no se conecta con CONTPAQi.",
     ["no nos sirve si no se conecta con CONTPAQi."], ["Nos gustó la demo"]),
    # a short turn opens what follows it, or stands alone; it never joins the approval before it
    ("The demo was great. But it's March. We're heading into swarm season and I'm not changing anything until "
     "October.", ["it's March. We're heading into swarm season and I'm not changing anything until October."],
     ["The demo was great"]),
    ("La demo nos encantó. Pero es marzo. Entramos en temporada alta y no cambio nada hasta octubre.",
     ["es marzo. Entramos en temporada alta y no cambio nada hasta octubre."], ["La demo nos encantó"]),
    # a question typed without its apostrophe or question mark is a question
    ("whats the price for one location, we do maybe 120 calls a year. any setup fee??",
     ["whats the price for one location, we do maybe 120 calls a year.", "any setup fee?"], []),
    ("Looks great. But too pricey.", ["too pricey."], ["Looks great"]),
    ("Me gusta. Pero es caro.", ["es caro."], ["Me gusta"]),
    # a short clause that says what follows from the one before is the same concern
    ("Me han dicho que la formación es solo con vídeos. Mis técnicos así no van a aprender.",
     ["Me han dicho que la formación es solo con vídeos. Mis técnicos así no van a aprender."], []),
    ("They told me the training is video only. My techs won't learn that way.",
     ["They told me the training is video only. My techs won't learn that way."], []),
    # an aside asked of themselves is no concern, nor joined to the approval before it
    ("Loved the dashboards. But honestly? Twelve months minimum is a big ask.",
     ["Twelve months minimum is a big ask."], ["Loved the dashboards"]),
    ("Nos encantó la demo. Pero ¿la verdad? Doce meses de permanencia es mucho pedir.",
     ["Doce meses de permanencia es mucho pedir."], ["Nos encantó la demo"]),
    # praise of the product in passing is accepted, never a concern (heldout-v's reviewer)
    ("Nice product, no offence, but we're a 12-person outfit.", ["we're a 12-person outfit."],
     ["Nice product, no offence"]),
    ("Buen producto, sin ofender, pero somos un taller de cinco personas.",
     ["somos un taller de cinco personas."], ["Buen producto, sin ofender"]),
])
def test_concerns_and_accepted_points(text: str, concerns: list[str], accepted: list[str]) -> None:
    reading = read(text)
    assert [c.words for c in reading.concerns] == concerns
    assert [a.rstrip(".,") for a in reading.accepted] == accepted


@pytest.mark.parametrize(("text", "note"), [
    ("Annual billing is a no-go for us (we do annual deals all the time)", "we do annual deals all the time"),
    ("They say the rollout is too long — note: they already use SAP", "note: they already use SAP"),
    ("Es muy caro para nosotros [nota: su presupuesto cierra en marzo]", "nota: su presupuesto cierra en marzo"),
    # what the seller told the buyer, in parentheses
    ("Where do you keep the data? (I told them about Frankfurt and they didn't care)",
     "I told them about Frankfurt and they didn't care"),
    ("¿Ustedes dónde guardan los datos? (les comenté lo de Fráncfort y no les movió nada)",
     "les comenté lo de Fráncfort y no les movió nada"),
])
def test_the_sellers_note_is_a_fact_not_the_buyers_words(text: str, note: str) -> None:
    reading = read(text)
    assert reading.seller_notes == (note,)
    assert note not in reading.buyer_text and not any(note in c.about for c in reading.concerns)


@pytest.mark.parametrize(("text", "note", "buyer"), [
    ("Note: she runs the night shift at three hospitals. She said: 'We are not changing anything before the audit.'",
     "Note: she runs the night shift at three hospitals.", "We are not changing anything before the audit."),
    ("Nota: es la gerente de compras de un grupo de 40 tiendas. Dice: «Nada nuevo hasta que cerremos el ejercicio».",
     "Nota: es la gerente de compras de un grupo de 40 tiendas.", "Nada nuevo hasta que cerremos el ejercicio"),
])
def test_a_note_ends_where_the_buyers_quoted_words_begin(text: str, note: str, buyer: str) -> None:
    reading = read(text)
    assert reading.seller_notes == (note,)
    assert reading.buyer_text.rstrip(".") == buyer.rstrip(".")
    assert [c.words.rstrip(".") for c in reading.concerns] == [buyer.rstrip(".")]


def test_a_buyers_own_parentheses_stay_theirs() -> None:
    reading = read("We need it live before peak season (October), otherwise it's useless.")
    assert reading.seller_notes == () and "October" in reading.buyer_text


def test_content_with_what_they_have_is_the_objection_not_an_accepted_point() -> None:
    for text in ("We're fine with our spreadsheets, they work for us.", "Estamos contentos con nuestro proveedor."):
        reading = read(text)
        assert reading.accepted == () and reading.concerns


def test_requirements_are_the_names_a_buyer_requires() -> None:
    assert requirements("Our legal team requires customer data to be hosted in Mexico.") == ["Mexico"]
    assert requirements("¿Tienen integración con SAP S/4HANA?") == ["SAP S/4HANA"]
    assert requirements("Is support included, in English?") == []
    # a sentence's full stop ends a name; a dot inside one does not
    # (where they are is no name they require: it binds only a fact limited to places)
    assert requirements("Data must stay in the United States. We're in Ohio?") == ["United States"]
    assert requirements("Do you integrate with Node.js services?") == ["Node.js"]
    # whom they spoke with is no requirement
    assert requirements("The NetSuite piece is solved, thanks for the call with Coastal. Is there a setup fee?") == []
    assert requirements("Gracias por la llamada con Coastal. ¿Hay tarifa de alta?") == []
    # where someone of theirs is, neither
    assert requirements("Our ops director in Montreal needs everything in French.") == ["French"]
    assert requirements("Los técnicos en Quebec necesitan la app en francés.") == []


def test_the_company_is_we_in_english() -> None:
    assert as_we("Fleetwise has been operating since 2016.", "Fleetwise", "en") == "We have been operating since 2016."
    assert as_we("288 of Fleetwise's customers renew.", "Fleetwise", "en") == "288 of our customers renew."
    assert as_we("Fleetwise opera desde 2016.", "Fleetwise", "es") == "Fleetwise opera desde 2016."
    assert as_we("Fleetwise has been operating since 2016 and has been profitable since 2021.", "Fleetwise", "en") \
        == "We have been operating since 2016 and have been profitable since 2021."


SEVERAL = "The price is fine, but are setup and training included? And does support answer on weekends?"
VARIAS = "El precio está bien, pero ¿la puesta en marcha y la capacitación están incluidas? ¿Atienden en fin de semana?"


@pytest.mark.parametrize("text", [SEVERAL, VARIAS])
def test_each_concern_answered_the_accepted_point_acknowledged_once(example_coach, text: str) -> None:
    guidance = example_coach.coach(text, offline=True)
    statuses = {c["words"].split()[0].lower(): c["status"] for c in guidance.concerns}
    assert len(guidance.concerns) == 2, guidance.concerns
    first, second = guidance.concerns
    assert first["status"] == "answered" and first["fact"].rstrip(".") in guidance.talk_track
    # the support fact says weekdays: it does not meet "weekends", so it is said only as the limit it is, never as
    # the answer
    assert second["status"] == "unmet", statuses
    limit = re.search(r"(?:I'll be straight with you|Le seré claro)\. (.+?) (?:I'd rather you hear|Prefiero que lo)",
                      guidance.talk_track)
    assert limit and limit.group(1).rstrip(".") == second["fact"].rstrip("."), guidance.talk_track
    assert guidance.talk_track.count(second["fact"].rstrip(".")) == 1
    assert second["fact"] in guidance.clarify
    sentences = re.split(r"(?<=[.?!])\s+", guidance.talk_track)
    assert re.search(r"happy with the price|conforme con el precio", sentences[0])
    assert not re.search(r"\b(price|precio)\b", " ".join(sentences[1:]).lower())  # not argued again
    assert guidance.talk_track.count("?") == 1  # one question, at the end


@pytest.mark.parametrize("text", [SEVERAL, VARIAS])
def test_with_the_empty_profile_each_concern_gets_a_placeholder_in_its_own_words(shared_coach, text: str) -> None:
    guidance = shared_coach.coach(text, offline=True)
    assert [c["status"] for c in guidance.concerns] == ["placeholder", "placeholder"]
    for concern in guidance.concerns:
        assert concern["words"] in guidance.talk_track and concern["words"] in guidance.clarify


def test_a_misleading_region_is_never_offered_as_reassurance(example_coach) -> None:
    guidance = example_coach.coach("Our legal team requires all customer data to be hosted in Mexico.", offline=True)
    [concern] = guidance.concerns
    assert concern["status"] == "unmet" and concern["required"] == ["Mexico"]
    assert "EU" not in guidance.talk_track and "Mexico" in guidance.talk_track
    assert "does not mention Mexico" in guidance.clarify


def test_the_sellers_note_may_be_stated(shared_coach) -> None:
    guidance = shared_coach.coach("Annual billing is a no-go for us (we do annual deals all the time)", offline=True)
    assert guidance.seller_notes == ["we do annual deals all the time"]
    assert "we do annual deals all the time" in guidance.clarify


@pytest.mark.parametrize("text", ["Let me think about it.", "Déjame pensarlo."])
def test_a_brush_off_gets_the_question_and_what_each_answer_means_no_talk_track(shared_coach, text: str) -> None:
    guidance = shared_coach.coach(text, offline=True)
    assert guidance.question and guidance.talk_track == "" and guidance.align == "" and guidance.assure == ""
    assert guidance.clarify.count("•") >= 2


@pytest.mark.parametrize(("text", "concerns", "accepted"), [
    # an announcement is no concern; the questions after it are
    ("I enjoyed the webinar. However, I have some concerns. Who runs it day to day?",
     ["Who runs it day to day?"], ["I enjoyed the webinar"]),
    ("Tengo un par de dudas. ¿Incluye la formación? ¿Quién es nuestro contacto?",
     ["¿Incluye la formación?", "¿Quién es nuestro contacto?"], []),
    # so is a list's title, with what holds them back or without a count
    ("Open items before we can issue a PO: is training included? Who is our contact?",
     ["is training included?", "Who is our contact?"], []),
    ("Hay tres puntos que nos impiden avanzar: ¿incluye la formación? ¿Quién es nuestro contacto?",
     ["¿incluye la formación?", "¿Quién es nuestro contacto?"], []),
    # a title that counts its points, whatever leads up to it; the points it announces may run in one sentence
    ("Before I can route this for approval I need three things in writing: the total cost for year one, whether "
     "there are per-user fees, and what happens to our data if we leave.",
     ["the total cost for year one", "whether there are per-user fees", "what happens to our data if we leave."], []),
    ("Antes de firmar necesitamos aclarar dos puntos: el plazo del contrato, y cuánto cuesta el soporte.",
     ["el plazo del contrato", "cuánto cuesta el soporte."], []),
    # who said it is no part of what they said; a question the seller's notes report is a concern
    ('Buyer: "We can\'t have our cost data next to our competitors\' data."',
     ["We can't have our cost data next to our competitors' data."], []),
    ("Call notes w/ Dana (VP Ops):\n- worried the rollout will disrupt brunch season\n- asked if we have anyone in "
     "hotels", ["worried the rollout will disrupt brunch season", "asked if we have anyone in hotels"], []),
    ("Cliente: no vemos la necesidad de cambiar.", ["no vemos la necesidad de cambiar."], []),
    ("Notas de la llamada con Marta:\n- preguntó si hay clientes en hoteles\n- le preocupa la temporada alta",
     ["preguntó si hay clientes en hoteles", "le preocupa la temporada alta"], []),
    # a sign-off at the end of the last line is no part of the last concern
    ("Who is our contact after onboarding? Thanks, Gwen", ["Who is our contact after onboarding?"], []),
    ("¿Incluye la formación? Gracias, Marta.", ["¿Incluye la formación?"], []),
    # a short statement answers the one before it
    ("Your ROI calculator assumes we're throwing away 8% of inventory. We're not. I don't buy the payback.",
     ["Your ROI calculator assumes we're throwing away 8% of inventory. We're not.", "I don't buy the payback."], []),
    # an intro ending in a colon belongs to what follows it
    ("Lo que me preocupa: que nadie lo use.", ["Lo que me preocupa: que nadie lo use."], []),
    # a short question pointing back is the same concern
    ("Our largest client requires a SOC 2 report. Is that something you have?",
     ["Our largest client requires a SOC 2 report. Is that something you have?"], []),
    ("Necesitamos los datos en México. ¿Eso lo tienen?", ["Necesitamos los datos en México. ¿Eso lo tienen?"], []),
    ("¿Incluye formación? ¿La app funciona sin señal?", ["¿Incluye formación?", "¿La app funciona sin señal?"], []),
    # praise is accepted, not a concern
    ("I'm a big fan of the product. But the price is too high.", ["the price is too high."],
     ["I'm a big fan of the product"]),
    ("Disfrutamos mucho la demo, pero el precio es alto.", ["el precio es alto."], ["Disfrutamos mucho la demo"]),
    # a softener or a hedge is no concern of its own
    ("No offense, but I don't believe our line workers will use a tablet.",
     ["I don't believe our line workers will use a tablet."], []),
    ("Sin ofender, pero no me creo que los operarios vayan a usar una tableta.",
     ["no me creo que los operarios vayan a usar una tableta."], []),
    ("Mmm no sé. ¿Cobran por usuario?", ["¿Cobran por usuario?"], []),
    # who wrote or said it, and whom a pasted Slack message was addressed to, are no part of it
    ("Their CFO wrote: we can't commit to three years.", ["we can't commit to three years."], []),
    ("Me escribió el director de planta: 'Si mis supervisores tienen que dejar la línea, olvídalo.'",
     ["Si mis supervisores tienen que dejar la línea, olvídalo."], []),
    ("@dana whats the api situation?", ["whats the api situation?"], []),
    # what someone on their side wants or asks to know, a bad experience, nothing that worked: concerns too
    ("Love the offline mode. And corporate wants 24/7 phone support for anything plant-critical.",
     ["corporate wants 24/7 phone support for anything plant-critical."], ["Love the offline mode"]),
    ("Tenemos dos dudas:\na) ¿Dónde quedan los datos?\nb) Compras pide saber si hay penalización si cancelamos antes "
     "del año.\n\nQuedo atento.",
     ["¿Dónde quedan los datos?", "Compras pide saber si hay penalización si cancelamos antes del año."], []),
    # a heading in capitals is what the item is about, not who said it
    ("Two things from IT. 1) SSO: we're on Okta and nothing gets approved without it. 2) Has anyone tested your app?",
     ["SSO: we're on Okta and nothing gets approved without it.", "Has anyone tested your app?"], []),
    ("Dos temas de sistemas. 1) SSO: usamos Okta y sin eso no se aprueba nada. 2) ¿Alguien ha probado su app?",
     ["SSO: usamos Okta y sin eso no se aprueba nada.", "¿Alguien ha probado su app?"], []),
    ("The team wants this. How fast can we start?", ["How fast can we start?"], []),
    ("We got burned by Provenix. I can't fund two systems in parallel.",
     ["We got burned by Provenix.", "I can't fund two systems in parallel."], []),
    ("Ya probamos dos sistemas y ninguno aguantó el ritmo de la planta.",
     ["Ya probamos dos sistemas y ninguno aguantó el ritmo de la planta."], []),
    # what reassures them, or became clear, is accepted (heldout-n's reviewer: re-opened as a concern)
    ("Que los controladores sigan funcionando sin internet nos tranquiliza mucho. Lo que no me queda claro es la "
     "garantía de los sensores.", ["Lo que no me queda claro es la garantía de los sensores."],
     ["Que los controladores sigan funcionando sin internet nos tranquiliza mucho"]),
    ("The boiler integration is crystal clear, thanks. Now management wants a reference in Mexico.",
     ["Now management wants a reference in Mexico."], ["The boiler integration is crystal clear, thanks"]),
    ("Lo de la integración con las calderas quedó clarísimo. ¿Tienen gente aquí o todo es remoto?",
     ["¿Tienen gente aquí o todo es remoto?"], ["Lo de la integración con las calderas quedó clarísimo"]),
    ("It is not reassuring that you have no one in Mexico.", ["It is not reassuring that you have no one in Mexico."],
     []),
])
def test_announcements_intros_and_follow_ups(text: str, concerns: list[str], accepted: list[str]) -> None:
    reading = read(text)
    assert [c.words for c in reading.concerns] == concerns
    assert [a.rstrip(".,") for a in reading.accepted] == accepted


@pytest.mark.parametrize(("note", "statable"), [
    ("we do annual deals all the time", True),
    ("note: we already integrate with SAP", True),
    ("hacemos pagos mensuales a menudo", True),
    ("he's the plant GM, not IT", False),
    ("my note: he's the decision maker, IT already said yes", False),
    # what we never did is ours to say too, after a first clause as well
    ("nota mía: esto no es verdad, no hemos subido precios", True),
    ("fyi: we never charge for office users", True),
    ("creo que lo leyeron en una reseña y nos están confundiendo", False),
    ("nota mía: fue otra empresa, no un competidor directo", False),
    # only in our own voice: a private note on what is ours stays the seller's (the diff review)
    ("Our discount ceiling is 15%, do not go lower", False),
    ("Montgó churned last month", False),
])
def test_a_note_about_us_may_be_stated_a_note_about_the_deal_is_for_the_seller(note: str, statable: bool) -> None:
    assert states_our_fact(note) is statable


@pytest.mark.parametrize(("concern", "met"), [
    ("District policy says student data must stay in the country.", False),
    ("Por ley los datos deben quedarse en el país.", False),
    ("Where is the data hosted?", True),
])
def test_in_country_hosting_is_not_met_by_a_named_region(concern: str, met: bool) -> None:
    fact = Item("fact", "All customer data is hosted in AWS data centres in Frankfurt.",
                "Todos los datos se alojan en centros de datos de AWS en Frankfurt.", "security", 0)
    assert meets_requirements(fact, 3.0, concern).meets is met


@pytest.mark.parametrize(("fact", "concern", "notes", "required"), [
    # a commitment the buyer refuses
    ("Monthly billing is available, but every plan requires a 12-month minimum commitment.",
     "We need to be able to cancel month to month.", "", "cancel month to month"),
    ("La facturación mensual exige un compromiso mínimo de 12 meses.",
     "Tiene que ser sin permanencia.", "", "sin permanencia"),
    ("La facturación mensual exige un compromiso mínimo de 12 meses.",
     "Los datos deben residir aquí y no firmamos contratos con permanencia mínima.", "",
     "no firmamos contratos con permanencia"),
    ("Every plan carries a 12-month minimum commitment.", "We don't sign minimum terms with new suppliers.", "",
     "don't sign minimum terms"),
    # a word between the term and the commitment
    ("The monthly plan requires a 12-month initial commitment, then renews month to month.",
     "Is there a month-to-month plan we can leave whenever we want?", "", "month-to-month"),
    ("El plan mensual exige un compromiso inicial de 12 meses y después se renueva mes a mes.",
     "¿Tenéis un plan mensual sin permanencia?", "", "sin permanencia"),
    # a span of time the item does not reach: how long, how soon, how often
    ("The app works offline for up to 72 hours before it must sync.",
     "Crews are out of coverage for up to a week at a time.", "", "for up to a week"),
    ("Los contratos son de 12 meses, con 60 días de preaviso.",
     "Nuestra política no permite compromisos superiores a 6 meses.", "",
     "no permite compromisos superiores a 6 meses"),
    ("Battery life is 5 years at one reading per hour.", "We need readings every minute on the compressors.", "",
     "every minute"),
    ("Los sensores toman una lectura cada hora.", "Necesitamos lecturas cada 5 minutos.", "", "cada 5 minutos"),
    ("Data is retained for 6 months.", "Tenemos que guardar los registros durante un año.", "", "durante un año"),
    ("The Business Central connector syncs once a night, in a single batch.",
     "QA holds have to reach BC within minutes or shipping will load held product.", "", "within minutes"),
    ("El conector con Business Central sincroniza una vez por noche.",
     "Las retenciones tienen que llegar al ERP en tiempo real.", "", "en tiempo real"),
    # business hours of another place
    ("Support is provided by our partner in Monterrey during Mexico City business hours.",
     "Who answers us? We work Manila business hours and need someone then.", "", "Manila"),
    ("El soporte lo da nuestro socio en Monterrey, en horario hábil de Ciudad de México.",
     "Necesitamos soporte en castellano y en horario de España.", "", "España"),
    # where it must stay, and what the buyer runs on
    ("All customer data is hosted on AWS in the São Paulo region.", "Bank details can't leave the EU.", "", "EU"),
    ("Los datos se alojan en AWS eu-west-1 (Irlanda).", "Los datos no pueden salir de México.", "", "México"),
    ("Los datos se alojan en AWS en Ohio (us-east-2).",
     "Jurídico pide que la información de los usuarios se quede en territorio mexicano.", "", "en territorio mexicano"),
    ("All customer data is hosted on AWS in Ohio (us-east-2).", "Legal requires our data to stay on Canadian soil.",
     "", "Canadian"),
    # another grade on the same scale
    ("The sensors are ATEX and IECEx certified for Zone 2 hazardous areas.",
     "Half our compressors sit in a Zone 1 area.", "", "Zone 1"),
    ("Contamos con un informe SOC 2 Tipo I.", "Auditoría exige SOC 2 Tipo II.", "", "Tipo II"),
    ("Hay conectores de nómina para SAP SuccessFactors, ADP y Workday.",
     "Aquí la nómina la corremos en CONTPAQi.", "", "CONTPAQi"),
    # a language the item does not list while listing others
    ("Support is by email and chat in English and Spanish.",
     "Support for the Brazil plant has to be in Portuguese.", "", "Portuguese"),
    ("El soporte es por correo en inglés y español.", "Para Brasil el soporte tiene que ser en portugués.", "",
     "portugués"),
    # a quantity outside the range the item states
    ("The analytics are validated between 60 and 10,000 RPM.", "Our kiln rollers turn at 3 to 5 RPM, is that ok?",
     "", "3 to 5 RPM"),
    ("Standard onboarding takes 6 weeks for companies with up to 20 active projects.",
     "Tenemos 45 obras activas, ¿cuánto tarda la implementación?", "", "45 obras"),
    ("A named success manager comes with 50 or more users.", "We're 25 users: will we have someone assigned?", "",
     "25 users"),
    # a time of day outside the hours the item states
    ("Phone support runs from 07:00 to 23:00 CET, seven days a week.",
     "I need someone on the phone if a till dies at 1am.", "", "at 1am"),
    ("El soporte atiende de 8:00 a 18:00.", "Si falla a las 2 de la madrugada, ¿quién contesta?", "",
     "a las 2 de la madrugada"),
    # a language is no place: Spanish-speaking support in Mexico City hours is not "horario español"
    ("Support in Spanish, 8:00-17:00 Mexico City business hours.", "Necesitamos soporte en horario español.", "",
     "horario español"),
    # ... once moved into the item's time zone: 8pm Central is 3 am in Madrid
    ("Phone and chat support on weekdays, 8:00 to 18:00 CET.",
     "We're in Texas, open 6am to 8pm Central, and my team needs phone support in those hours.", "", "8pm"),
    ("Soporte telefónico de lunes a viernes, de 8:00 a 18:00 CET.",
     "Estamos en Ciudad de México y cerramos a las 8 de la noche: necesitamos soporte hasta esa hora.", "",
     "a las 8 de la noche"),
    # their own servers, or a system named in the seller's note
    ("We have native connectors for Salesforce and SAP S/4HANA Cloud.",
     "Our SAP is an old on-premise version, can you connect to it?", "", "on-premise"),
    ("A one-way export to SAP S/4HANA is available.", "¿Se conecta con SAP?", "nota: usan SAP Business One",
     "SAP Business One"),
    ("Native connectors for SAP PM and IBM Maximo create work orders.", "We run Infor EAM, not SAP or Maximo.", "",
     "Infor EAM"),
    # a product's name in lower case before its capital, and what they ship "por"
    ("Scans sent through 3Shape Communicate arrive attached to the right case.",
     "Most of our clinics scan with iTero, not 3Shape. Does that land on the case?", "", "iTero"),
    ("Los escaneos enviados por 3Shape Communicate llegan adjuntos al caso.",
     "El 80 % de nuestras clínicas escanean con iTero, no con 3Shape. ¿Eso entra solo en el caso?", "", "iTero"),
    ("Las guías de FedEx y UPS se generan desde el caso.",
     "Aquí nadie usa FedEx, todo lo mandamos por Estafeta. ¿Eso cómo quedaría?", "", "Estafeta"),
    # a buyer who cannot pay ahead, or who must be able to end the contract whenever it suits them
    ("Paying a year upfront gets a 15% discount on the subscription.",
     "Love it, but right now we can't pay a year upfront.", "", "can't pay a year upfront"),
    ("Pagar un año por adelantado tiene un 15 % de descuento.",
     "Me encanta, pero ahora mismo no puedo pagar un año por adelantado.", "", "no puedo pagar un año por adelantado"),
    ("Every plan requires a 12-month minimum commitment.",
     "Our standard is a 30-day termination for convenience clause. Can you sign that?", "",
     "termination for convenience"),
    # what they run, said with "all" and a stopper rather than a question
    ("Gate access control integrates with Salto and Brivo controllers.",
     "Our gate access is all HID. If your system can't talk to it we're dead in the water.", "", "HID"),
    ("El control de accesos se integra con controladoras Salto y Brivo.",
     "Todo el acceso es HID. Si su sistema no habla con eso, no nos sirve.", "", "HID"),
    ("Al final de cada renovación anual, el cliente puede irse avisando con 60 días.",
     "Exigimos poder rescindir por conveniencia con 30 días de aviso.", "", "rescindir por conveniencia"),
    # a name the item names only to rule it out
    ("Data is hosted in Virginia, USA; there is no EU, UK or Latin American data residency option.",
     "Group IT needs ISO 27001 plus data stored in the UK or EU.", "", "UK"),
    ("Hay conectores con QuickBooks y Xero; no hay conector nativo para SAP, Sage ni Microsoft Dynamics.",
     "Nuestro ERP es SAP Business One y necesitamos que las órdenes entren solas. ¿Hay conector?", "",
     "SAP Business One"),
    # hours in another time zone
    ("Support runs Monday to Friday, 7:00 to 19:00 US Central Time.",
     # (7 in Madrid is midnight in Texas: the hour itself is what it misses)
     "Empezamos a las 7 de la mañana hora de Madrid. Si algo falla a esa hora, ¿quién nos atiende?", "",
     "a las 7 de la mañana"),
    ("Support runs Monday to Friday, 7:00 to 19:00 US Central Time.",
     "Someone has to pick up during Lisbon business hours.", "", "Lisbon"),
    # where the buyer is, against a fact limited to other places (playbooks/matching/places.yaml), or setting
    # theirs aside
    ("Death certificate data exports in the format of the EDRS systems of Texas, Florida and Ohio only.",
     "I assume you file straight into the state EDRS. We're in Georgia and that's half our paperwork.", "",
     "Georgia"),
    ("Flower orders go to the FloraLink network of florists in the US and Canada only.",
     "Trabajamos con floristerías de aquí, de Sevilla. ¿Eso se puede pedir desde el programa?", "", "Sevilla"),
    ("Trust reports are built in for 14 US states (not New York or California).",
     "But we're in New York, and the trust reporting goes to the state every year.", "", "New York"),
    ("Los informes de fideicomiso vienen para 14 estados de EE. UU. (no Nueva York ni California).",
     "Estamos en Nueva York y cada año reportamos al estado.", "", "Nueva York"),
    # ... named by an adjective
    ("Phone support Monday to Friday, 7 am to 7 pm US Central Time.",
     "Trabajamos en horario español y a las diez de la mañana nos tienen que coger el teléfono.", "",
     "horario español"),
    ("Phone support Monday to Friday, 7 am to 7 pm US Central Time.",
     "We need someone on the phone during Spanish business hours.", "", "Spanish business hours"),
    # fewer than the least a plan starts at
    ("Single sign-on is available only on the Enterprise plan, which starts at 50 technicians.",
     "We require single sign-on. We have 18 techs and 6 office staff.", "", "18 techs"),
    ("El inicio de sesión único solo está en el plan Enterprise, a partir de 50 técnicos.",
     "Exigimos inicio de sesión único; somos 18 técnicos.", "", "18 técnicos"),
    # one, in words
    ("Single sign-on with Microsoft Entra ID is only available on the Enterprise plan (5 or more locations).",
     "Every app has to log in through Microsoft Entra.", "single location, 8 staff", "single location"),
    ("El inicio de sesión único con Microsoft Entra ID solo está en el plan Enterprise (5 sedes o más).",
     "Todo tiene que entrar con Microsoft Entra; tenemos una sola sede.", "", "una sola sede"),
    # a capability the item denies in lower case, named by the buyer
    ("Help desk by phone and chat, 9:00 to 17:00; no weekend support.",
     "Our crews work Saturdays, and if the scanner breaks on a weekend nobody can wait till Monday.", "", "weekend"),
    ("Atención por teléfono de 9:00 a 17:00; sin soporte en fin de semana.",
     "Los sábados abrimos todo el día: si algo falla, ¿quién nos atiende?", "", "sábados"),
    ("The field app runs on Android phones; there is no iPhone version.",
     "Half our inspectors carry iPhones, so that has to work.", "", "iPhones"),
    ("Las tarifas se importan del Excel de la aseguradora; no hay conexión en tiempo real con Segurmax.",
     "Si no se conecta directo con Segurmax, seguimos tecleando todo a mano.", "", "Segurmax"),
    # a feature still coming, needed from the start
    ("Route planning is in beta with 12 customers; general release is planned for next spring.",
     "We need route planning from day one.", "", "from day one"),
    ("Roadmap: barcode chain-of-custody tracking for cremations is planned for Q4.",
     "Our crematory operator wants chain of custody with barcodes, starting this month.", "", "starting this month"),
    ("Hoja de ruta: la app para Android está prevista para el segundo semestre.",
     "¿Hay app para Android? La necesitamos este mes.", "", "este mes"),
    # a system denied in a list, asked for with "into"; the seller's note names the version, said once
    ("Payroll export goes to Sage and Xero; there is no ADP, Paychex or Gusto Payroll connector.",
     "Does it push into Gusto Payroll?", "they're on Gusto Payroll 2024", "Gusto Payroll 2024"),
    # someone on the phone, against support in writing only
    ("Support in French is by email only, answered within one business day.",
     "Our staff need to talk to someone on the phone in French.", "", "on the phone"),
    ("El soporte en portugués es solo por correo electrónico, con respuesta en un día hábil.",
     "Mi gente necesita hablar con alguien por teléfono en portugués.", "", "por teléfono"),
])
def test_a_fact_that_leaves_out_or_rules_out_what_the_buyer_requires_does_not_meet_it(
        fact: str, concern: str, notes: str, required: str) -> None:
    match = meets_requirements(Item("fact", fact, fact, None, 0), 3.0, concern, notes)
    assert not match.meets
    assert match.required == (required,)


@pytest.mark.parametrize(("fact", "concern"), [
    ("Customers with 50 or more users get a named customer success manager.", "We're 80 users: who is our contact?"),
    ("Phone support runs from 07:00 to 23:00 CET.", "Can I call you at 9am if something breaks?"),
    # a time in another zone, moved into the item's: 6am Central is 13:00 CET, 7am in Bogotá too
    ("Phone and chat support on weekdays, 8:00 to 18:00 CET.", "We open at 6am Central and need someone then."),
    ("Soporte telefónico de lunes a viernes, de 8:00 a 18:00 CET.",
     "Estamos en Bogotá y abrimos a las 7 de la mañana: ¿quién contesta?"),
    ("The analytics are validated between 60 and 10,000 RPM.", "Nuestros ventiladores giran a 1.500 rpm, ¿sirve?"),
    ("Monthly billing is available on every plan, with no minimum term.", "We need to cancel month to month."),
    ("El soporte es en inglés, español y portugués.", "El soporte tiene que ser en portugués."),
    ("A typical site goes live in 3 weeks, then a 14-day tuning period.", "We need to be live within 2 months."),
    ("Una planta típica arranca en 3 semanas.", "¿Pueden estar funcionando en menos de un mes?"),
    ("The app works offline for up to 10 days and syncs every 5 minutes.",
     "Crews are out of coverage for up to a week."),
    ("Sensors take a reading every 10 minutes.", "We need a reading every hour."),
    ("Los datos se guardan 10 años.", "Debemos conservar los registros al menos 7 años."),
    ("All customer data is hosted on AWS in Frankfurt.", "Bank details can't leave the EU."),
    # a kind of system is no product's name; "only" in a belief asks for nothing
    ("Las integraciones nativas con los puntos de venta Toast, Square y Lightspeed importan las ventas.",
     "¿Se integra con nuestro TPV? Usamos Lightspeed en los seis locales."),
    ("We support USD, MXN and EUR, with consolidated reporting across legal entities.",
     "We heard you only work with US companies, and half our locations are in Mexico."),
    ("The sensors are certified for Zone 2 hazardous areas.", "Our compressor house is Zone 2."),
    ("The app syncs every 5 minutes.", "Holds have to reach the ERP within minutes."),
    ("El soporte es en horario hábil de Ciudad de México.", "Necesitamos soporte en horario de México."),
    # an acronym the fact spells out
    ("The connector for Microsoft Dynamics 365 Business Central syncs once a night.",
     "do you guys have a business central connector or is that custom work? we're on BC online"),
    ("El conector con Microsoft Dynamics 365 Business Central sincroniza una vez por noche.",
     "¿Tienen conector para BC? Lo usamos en las tres plantas."),
    # a denial that promises: the EU is where the data stays
    ("Hosted in Frankfurt; no data leaves the EU.", "Our data must stay in the EU."),
    ("Alojado en Fráncfort; ningún dato sale de la UE.", "Los datos tienen que quedarse en la UE."),
    ("Single sign-on is available on plans from 50 technicians.", "We need SSO; we have 80 techs."),
    # what we do without a connection, and a burden denied, are no limits
    ("The field app works without a connection for 5 days and syncs when back in coverage.",
     "Our inspectors spend whole days in basements with no signal."),
    ("La app de campo funciona sin conexión y sincroniza al volver la cobertura.",
     "Nuestros técnicos pasan el día en sótanos sin señal."),
    ("No setup fees for teams under 20 inspectors.", "Are there setup fees for our 12 inspectors?"),
    ("No hay cuota de alta para equipos de menos de 20 inspectores.", "¿Hay cuota de alta? Somos 12 inspectores."),
    # a language they believe we only offer is none they need
    ("Support by email in Spanish and English, answered within one business day.",
     "I understand the system only comes in German, right? Our staff need it in Spanish."),
    ("El soporte es por correo en español e inglés, con respuesta en un día hábil.",
     "Entiendo que el sistema viene solo en alemán, ¿cierto? Mi gente no habla alemán y lo necesita en español."),
    # the phone asked about in another part of the message is not asked of this one
    ("Support in French is by email only, answered within one business day.",
     "Do your French-speaking agents answer tickets quickly?"),
    ("Phone and email support, weekdays 8:00 to 18:00.", "Can our staff call someone when a gate fails?"),
])
def test_a_fact_that_covers_what_the_buyer_requires_meets_it(fact: str, concern: str) -> None:
    assert meets_requirements(Item("fact", fact, fact, None, 0), 3.0, concern).meets


@pytest.mark.parametrize(("text", "lang"), [
    ("Every vendor promises savings like that. I've heard it all before and I doubt it will work for a brewery.", "en"),
    ("Todos los proveedores prometen ahorros así. Ya lo he oído antes y dudo que funcione en una cervecera.", "es"),
])
def test_with_no_reference_of_their_industry_the_seller_sees_the_closest_by_name_the_buyer_hears_none(
        example_coach, text: str, lang: str) -> None:
    """A doubt needs proof: the profile's references nearest by what they achieved are named for the seller to
    judge, never said to the buyer as if they fitted."""
    guidance = example_coach.coach(text, offline=True)
    assert guidance.label == "skepticism" and guidance.language == lang
    assert "Northwind Freight" in guidance.assure and ("Closest" in guidance.assure or "cercanas" in guidance.assure)
    assert "Northwind" not in guidance.talk_track


@pytest.mark.parametrize(("clause", "approves"), [
    # a doubt whether it fits, a comparison of the buyer's own things, a conditional: no approval of ours
    ("Our gearboxes run at 15 rpm, not sure it works for us.", False),
    ("Aquí los reductores trabajan a 15 rpm, no sé si eso les sirve.", False),
    ("Half my crew reads Spanish better than English.", False),
    ("You need a full year of data before the models are any good.", False),
    # approvals, still read as such
    ("Vale, el precio lo veo bien.", True),
    ("El precio lo vemos razonable.", True),
    ("Lo veo bien difícil con este presupuesto.", False),  # ("bien" as "very")
    ("Your app is way better than our spreadsheets.", True),
    ("The price is fine.", True),
    ("Esto nos sirve.", True),
    ("The team is on board with the product and the implementation plan.", True),
    ("We understand there is a 12-month minimum; no problem.", True),
    ("El plan mensual nos encaja y entendemos que hay un compromiso de 12 meses; no hay problema.", True),
    # ...but not a problem named, nor approval refused
    ("The problem is not the price, it is the contract length.", False),
    ("El problema no es el precio, es la permanencia.", False),
    ("We are not on board with the price.", False),
    ("We're in. Budget's approved.", True),
    ("El presupuesto ya está aprobado.", True),
    ("The budget is not approved yet.", False),
    ("Honestly, there's no problem to solve here.", False),
    ("No hay ningún problema que resolver aquí.", False),
    ("A 12% mileage cut sounds too good to be true.", False),
    ("Un 12 % menos de kilómetros suena demasiado bueno para ser verdad.", False),
    # granted only in theory
    ("Sounds good on paper.", False),
    ("En el papel se ve bien.", False),
    # praise in other words, and either gender in Spanish
    ("Not gonna lie, the product looks slick.", True),
    ("La validación de CFDI está perfecta, justo lo que necesitábamos.", True),
    # "justo" as "exactly", and "feel like" as "want to": no approval (heldout-p's review)
    ("El precio es justo.", True),
    ("TailVault hospeda en Estados Unidos, que es justo lo que pide nuestro corporativo.", False),
    ("We like the AD tracking dashboard.", True),
    ("Boeing could crush you whenever they feel like it.", False),
    ("Pricing is in line with what we expected.", True),
    ("El precio está en línea con lo que esperábamos.", True),
    ("The price is not in line with what we expected.", False),
    # a rule of theirs said to be plain binds us (heldout-r's review: "Good to hear that part works for you")
    ("Our parent company's IT policy is clear: every vendor needs ISO 27001.", False),
    ("La normativa del grupo es clara: todo proveedor necesita ISO 27001.", False),
    ("Your proposal is clear.", True),
    # praise in Spain's words, a concession after it (heldout-ab's reviewer: taken for a concern to answer)
    ("La demo muy chula, no digo que no.", True),
    ("OK the wholesale portal is exactly what our reps need.", True),
    ("That is exactly what my team wanted to get away from.", False),
    ("Nuestro programa es muy completo, no necesitamos otro.", False),
    # agreement refused with words between (heldout-ac's reviewer: "Me alegra que esa parte le parezca bien")
    ("Los socios no nos ponemos de acuerdo.", False),
    ("No, el precio está bien.", True),
    ("That is not exactly what our reps need.", False),
    ("El programa es muy completo.", True),
    ("El programa no es muy completo.", False),
])
def test_only_an_approval_of_ours_is_an_accepted_point(clause: str, approves: bool) -> None:
    assert accepts(clause) is approves


@pytest.mark.parametrize(("text", "check", "already_said"), [
    ("We run everything on NetSuite. Does it connect?", "Which systems would it need to connect to?", True),
    ("Usamos NetSuite para todo. ¿Se conecta?", "¿Con qué sistemas tendría que conectarse?", True),
    ("Does it connect to our ERP?", "Which systems would it need to connect to?", False),
    ("¿Se conecta con nuestro ERP?", "¿Con qué sistemas tendría que conectarse?", False),
    # what the seller's note says of them counts as said
    ("Do you have an API? Everything has to land in our ERP [note: they run SAP Business One]",
     "Which systems would it need to connect to?", True),
    ("¿Tienen API? Todo tiene que caer en nuestro ERP [nota: usan SAP Business One]",
     "¿Con qué sistemas tendría que conectarse?", True),
    # when they need help, the clause, their security requirement: said already
    ("We're open 24/7. If the system dies at 3am on a Saturday, who do I call?",
     "When would you most need help, and how fast?", True),
    ("Abrimos 24 horas. Si el sistema se cae un sábado de madrugada, ¿a quién llamo?",
     "¿Cuándo necesitarían más ayuda y con qué rapidez?", True),
    ("Legal flagged the auto-renewal clause in the order form; it has to change before we sign.",
     "Which clause is the sticking point", True),
    ("Jurídico marcó la cláusula de renovación automática; tiene que cambiar antes de firmar.",
     "¿Qué cláusula es el problema", True),
    ("We require SSO with Microsoft Entra for every user, non-negotiable.",
     "Which requirements does your security team check first?", True),
    ("Exigimos SSO con Microsoft Entra para todos los usuarios, es innegociable.",
     "¿Qué requisitos revisa primero su equipo de seguridad?", True),
    ("How long would the roll-out take? Last time the data migration alone took us three months.",
     "What worries you most about the roll-out", True),
    ("¿Cuánto tardaría la puesta en marcha? La última vez solo la migración de datos nos llevó tres meses.",
     "¿Qué le preocupa más de la puesta en marcha", True),
    ("How long would the roll-out take?", "What worries you most about the roll-out", False),
    # an approved budget is accepted, never asked about again
    ("We're in. Budget's approved. Only real issue: our director retires in June and nobody replaces her yet.",
     "When is the next budget decision", True),
    ("Estamos dentro, el presupuesto ya está aprobado. El único tema: la directora se jubila en junio.",
     "¿Cuándo es la próxima decisión de presupuesto", True),
    # when the money comes, which term blocks it, what worries them in the roll-out: already said
    ("We have no budget for this until April.", "When is the next budget decision", True),
    ("No hay presupuesto para esto hasta abril.", "¿Cuándo es la próxima decisión de presupuesto", True),
    ("We have no budget for this.", "When is the next budget decision", False),
    ("Procurement needs net-60 payment terms before this goes to contract.", "Which clause is the sticking point",
     True),
    ("Compras exige un plazo mínimo de 12 meses y condiciones de pago a 60 días.", "¿Qué cláusula es el problema",
     True),
    ("I'm worried about the roll-out: my people can't be learning a new system during audit season.",
     "What worries you most about the roll-out", True),
    ("Me preocupa la implementación: no puedo tener a la gente aprendiendo un sistema nuevo en plena auditoría.",
     "¿Qué le preocupa más de la puesta en marcha", True),
    # a freeze is a real constraint already
    ("We're being acquired. Nobody's signing anything new until the deal closes.",
     "Is this something more information would settle", True),
    ("Nos están comprando y hay un congelamiento de compras hasta que cierre la operación.",
     "¿Es algo que se resolvería con más información", True),
])
def test_the_closing_question_never_asks_what_the_buyer_already_said(example_coach, text: str, check: str,
                                                                     already_said: bool) -> None:
    talk = example_coach.coach(text, offline=True).talk_track
    assert (check in talk) is not already_said, talk


@pytest.mark.parametrize("text", [
    "Who can see our data inside your company? And do you have a recent penetration test report?",
    "¿Quién puede ver nuestros datos dentro de su empresa? ¿Y tienen un informe reciente de pruebas de penetración?",
])
def test_concerns_on_one_topic_that_nothing_answers_each_keep_their_placeholder(shared_coach, text: str) -> None:
    """Two security questions read as one topic are answered together when a fact covers them; with nothing to
    answer them, neither is dropped."""
    guidance = shared_coach.coach(text, offline=True)
    assert len(guidance.concerns) == 2 and guidance.talk_track.count("[") >= 2, guidance.concerns
    assert all(c["status"] == "placeholder" for c in guidance.concerns)


@pytest.mark.parametrize("text", ["We run everything on NetSuite. Does it connect?",
                                  "Usamos NetSuite para todo. ¿Se conecta?"])
def test_with_no_topic_question_left_the_kinds_closing_question_checks_back(example_coach, text: str) -> None:
    guidance = example_coach.coach(text, offline=True)
    kind = example_coach.playbooks[guidance.label]
    assert guidance.talk_track.endswith(kind.closing(guidance.language)), guidance.talk_track
    assert kind.closing(guidance.language) in kind.lines("questions", guidance.language)


def test_each_kind_closes_with_a_question_that_checks_back_not_the_first_diagnostic_one(shared_coach) -> None:
    major = shared_coach.playbooks["major_concern"]
    for lang in ("en", "es"):
        assert major.closing(lang) == major.lines("questions", lang)[1]
        assert "who inside the company" not in major.closing(lang)


@pytest.mark.parametrize(("text", "accepted", "concerns"), [
    # what the buyer turns with "but" is held against us, whatever its words; a doubt in a word is a concern
    ("Your references are solid. But those are big groups with IT teams. Also 10 business days sounds optimistic.",
     1, ["those are big groups with IT teams", "10 business days sounds optimistic"]),
    ("Las referencias están bien. Pero son grupos grandes con equipo de TI. Y 10 días hábiles me parece ambicioso.",
     1, ["son grupos grandes con equipo de TI", "10 días hábiles me parece ambicioso"]),
    # ...but a question right after it asks about it: one concern
    ("We like it, but all our supplier payments go through BancoEstado and BCI. Can you connect to those banks?",
     1, ["Can you connect to those banks?"]),
    ("Nos interesa harto, pero todos los pagos los hacemos desde BancoEstado y BCI. ¿Se pueden conectar con esos "
     "bancos?", 0, ["¿Se pueden conectar con esos bancos?"]),
    # "nos cuadra" / "we can live with" approve of ours
    ("El precio nos cuadra, pero me cuesta creer que un algoritmo conozca el mercado mejor que yo.",
     1, ["me cuesta creer que un algoritmo conozca el mercado mejor que yo"]),
    ("We can live with the price, but I doubt an algorithm knows our market better than I do.",
     1, ["I doubt an algorithm knows our market better than I do"]),
])
def test_a_clause_turned_with_but_is_a_concern_and_an_approval_before_it_is_accepted(
        text: str, accepted: int, concerns: list[str]) -> None:
    reading = read(text)
    assert len(reading.accepted) == accepted, reading
    assert [c.words.rstrip(".") for c in reading.concerns] == concerns
    if len(concerns) == 1:  # what the buyer runs on stays with the question about it
        assert "BCI" in reading.concerns[0].about or "BCI" not in text


@pytest.mark.parametrize("text", [
    "The price is fine, but I find it hard to believe an algorithm knows our market better than I do.",
    "El precio nos cuadra, pero me cuesta creer que un algoritmo conozca el mercado mejor que yo.",
])
def test_the_topic_is_read_on_what_the_buyer_holds_against_us_not_on_what_they_accept(shared_coach,
                                                                                      text: str) -> None:
    """Neither a price accepted nor "me cuesta creer" (I find it hard to believe) makes it a price objection."""
    assert shared_coach.detect_topic(text).topic != "price" or shared_coach.detect_topic(text).confidence < 0.5
    guidance = shared_coach.coach(text, offline=True)
    assert guidance.topic != "price"
    assert "price" not in guidance.clarify.lower() and "precio" not in guidance.clarify.lower(), guidance.clarify


@pytest.mark.parametrize(("notes", "required"), [
    ("they run SAP Business One", True),
    ("usan SAP Business One", True),
    ("they may be confusing us with Optimare", False),
    ("creo que nos confunden con Optimare", False),
])
def test_a_name_in_the_sellers_note_is_required_only_when_they_run_use_or_need_it(notes: str, required: bool) -> None:
    from bot.core.requirements import unmet

    assert bool(unmet("Connects to NetSuite and Xero.", "Does it connect to our ERP?", notes)) is required


@pytest.mark.parametrize(("concern", "notes"), [
    ("I was told the mobile app is iPhone only, and half my managers are on Android.",
     "they may be confusing us with Optimare"),
    ("Me dijeron que la app es solo para iPhone y la mitad de mis gerentes usa Android.",
     "puede que nos confundan con Optimare"),
])
def test_a_fact_is_not_held_back_for_a_name_in_the_sellers_private_note(concern: str, notes: str) -> None:
    """Else the talk track told the buyer "what we offer may not meet Optimare": the note's name, said aloud."""
    app = Item("fact", "An iOS and Android app lets managers approve rates from their phone.",
               "Una app para iOS y Android permite a los gerentes aprobar tarifas desde el teléfono.", None, 0)
    match = meets_requirements(app, 3.0, concern, notes)
    assert match.meets and "Optimare" not in match.required


@pytest.mark.parametrize(("text", "lang"), [
    ("We need someone on the phone at 2am on a Saturday night. That's non-negotiable for our night audit team.", "en"),
    ("Necesitamos a alguien al teléfono a las 2 de la mañana un sábado. Eso es innegociable para el equipo de noche.",
     "es"),
    ("We need someone on the phone at 2am on a Saturday night. We require it for any vendor, no exceptions.", "en"),
    ("Necesitamos a alguien al teléfono a las 2 de la mañana un sábado. Por ley tiene que ser así, sin excepción.",
     "es"),
])
def test_a_major_concern_said_to_be_non_negotiable_is_not_asked_whether_it_is_a_real_constraint(
        shared_coach, text: str, lang: str) -> None:
    major = shared_coach.playbooks["major_concern"]
    guidance = shared_coach.coach(text, label="major_concern", offline=True)
    assert major.closing(lang) not in guidance.talk_track, guidance.talk_track
    assert major.lines("questions", lang)[2] in guidance.talk_track, guidance.talk_track
    plain = "We need someone on the phone at 2am on a Saturday night." if lang == "en" else \
        "Necesitamos a alguien al teléfono a las 2 de la mañana un sábado."
    assert major.closing(lang, plain) == major.closing(lang)


@pytest.mark.parametrize(("text", "lang"), [
    ("Our gate access is all HID. If your system can't talk to it we're dead in the water.", "en"),
    ("Todo el acceso es HID. Si su sistema no habla con eso, no nos sirve.", "es"),
])
def test_a_major_concern_the_buyer_calls_a_stopper_is_not_asked_whether_it_is_real(shared_coach, text: str,
                                                                                  lang: str) -> None:
    """heldout-m's reviewer: "is this a real constraint?" asked right after "we're dead in the water"."""
    major = shared_coach.playbooks["major_concern"]
    guidance = shared_coach.coach(text, label="major_concern", offline=True)
    assert major.closing(lang) not in guidance.talk_track, guidance.talk_track


@pytest.mark.parametrize(("text", "lang"), [
    ("Will someone of yours be on the project with us, or are we on our own?", "en"),
    ("¿Alguien de ustedes va a estar con nosotros en el proyecto, o estamos solos?", "es"),
])
def test_a_concern_nothing_answers_shows_the_seller_the_closest_facts_to_check_never_the_buyer(
        example_coach, text: str, lang: str) -> None:
    """The matcher's floor refuses many facts that do answer (e5-small ranks them first for under half of the
    concerns): the closest ones are shown to the seller to judge, kept out of the talk track."""
    guidance = example_coach.coach(text, offline=True)
    [concern] = guidance.concerns
    assert guidance.language == lang and concern["status"] == "placeholder"
    engineer = "one of our engineers on the project" if lang == "en" else "uno de nuestros ingenieros en el proyecto"
    assert any(engineer in fact for fact in concern["nearest"]) and len(concern["nearest"]) <= 2
    [line] = [line for line in guidance.clarify.splitlines() if engineer in line]
    assert re.search(r"Closest in your team profile, for you to check|Lo más cercano en el perfil de tu equipo", line)
    assert engineer not in guidance.talk_track


@pytest.mark.parametrize("text", ["Will someone of yours be on the project with us, or are we on our own?",
                                  "¿Quién nos va a acompañar cuando arranque el proyecto?"])
def test_with_the_empty_profile_no_closest_facts_are_shown(shared_coach, text: str) -> None:
    guidance = shared_coach.coach(text, offline=True)
    assert [c["nearest"] for c in guidance.concerns] == [[]]
    assert "Closest in your team profile" not in guidance.clarify and "Lo más cercano" not in guidance.clarify


def test_the_closest_facts_leave_out_one_that_does_not_meet_what_the_buyer_requires(example_coach) -> None:
    """A hosting fact that names the EU is no candidate for a buyer who requires data in Mexico."""
    from bot.models.matching import items

    matcher = example_coach.matcher
    concern = "Where is the data kept? Legal requires it to stay in Mexico."
    region = next(i for i in items(example_coach.playbooks.profile) if "hosted in the EU" in i.en)
    assert region not in matcher.nearest(concern) and region not in matcher.nearest(concern, "security")
    assert region in matcher.nearest("Where is the data kept?")


_NAMING_PROFILE = {
    "company": {"name": "Palisca", "offering": {"en": "Freight audit and payment for shippers.",
                                                "es": "Auditoría y pago de fletes para cargadores."}},
    "facts": [
        {"topic": "integration", "en": "Carrier invoices arrive by EDI 210, carrier portal or PDF capture.",
         "es": "Las facturas de transportistas llegan por EDI 210, portal o captura de PDF."},
        {"topic": "integration", "en": "There are native connectors for SAP S/4HANA and Oracle NetSuite.",
         "es": "Hay conectores nativos para SAP S/4HANA y Oracle NetSuite."},
        {"topic": "price", "en": "The minimum monthly fee is $1,500.",
         "es": "La cuota mínima mensual es de 1.500 USD."},
    ],
}


@pytest.mark.parametrize("text", [
    "Does it integrate with NetSuite? That's where our GL lives.",
    "¿Se integra con NetSuite? Ahí está nuestra contabilidad.",
])
def test_the_item_that_names_what_the_buyer_requires_answers_them(monkeypatch, text: str) -> None:
    """Rather than "I'd rather not guess on NetSuite" over the fact that stands first by meaning but lists other
    systems, the fact just below it that names NetSuite (the meaning scores are set here, so the rule is what is
    tested, not e5's ranking)."""
    profile = TeamProfile.model_validate(_NAMING_PROFILE)
    matcher = Matcher(profile)
    monkeypatch.setattr(matcher, "scores",
                        lambda concerns, topics=(), words=True, parts=(): np.array([[4.0, 3.5, 0.2]] * len(concerns)))
    match = matcher.best([text])[0]
    assert match is not None and match.meets and "NetSuite" in match.item.en
    monkeypatch.setattr(matcher, "scores",
                        lambda concerns, topics=(), words=True, parts=(): np.array([[4.0, 0.5, 0.2]] * len(concerns)))
    far = matcher.best([text])[0]  # too far below by meaning: the first stays, said not to meet it
    assert far is not None and not far.meets and far.required == ("NetSuite",)


@pytest.mark.parametrize(("concern", "message"), [
    ("if it doesn't validate it's no use to us", "Does the system validate invoices with SUNAT? if it doesn't "
     "validate it's no use to us"),
    ("si no valida no nos sirve", "¿el sistema valida los comprobantes con SUNAT? si no valida no nos sirve"),
])
def test_a_name_required_in_one_part_of_the_message_binds_the_others(concern: str, message: str) -> None:
    """Read as two concerns, the second must not be answered by a fact that names other tax authorities."""
    fact = Item("fact", "Incoming e-invoices are validated against CFDI 4.0 with Mexico's SAT and Chile's SII.",
                "Las facturas recibidas se validan contra el CFDI 4.0 ante el SAT de México y el SII de Chile.", None,
                0)
    match = meets_requirements(fact, 3.0, concern, message=message)
    assert not match.meets and match.required == ("SUNAT",)
    assert meets_requirements(fact, 3.0, concern, message=concern).meets


@pytest.mark.parametrize(("concern", "message"), [
    ("Also we'd need SSO through Entra ID.", "Our Montreal crew works in French. Is the app available in French? "
     "Also we'd need SSO through Entra ID."),
    ("Y necesitamos inicio de sesión con Okta.", "Nuestra cuadrilla trabaja en francés. ¿La app está en Portugués? "
     "Y necesitamos inicio de sesión con Okta."),
])
def test_a_concern_that_names_its_own_requirement_is_not_bound_by_the_others(concern: str, message: str) -> None:
    """The sign-on concern asks for Entra ID, not for the language another part of the message asks of the app:
    the fact that names Entra ID meets it."""
    fact = Item("fact", "Single sign-on works with Microsoft Entra ID, Okta and Google Workspace.",
                "El inicio de sesión único funciona con Microsoft Entra ID, Okta y Google Workspace.", None, 0)
    assert meets_requirements(fact, 3.0, concern, message=message).meets


@pytest.mark.parametrize(("message", "bound", "free"), [
    ("We run everything on UNE-EN 81-20. Do you have those checklists loaded? Another thing: does the app work "
     "offline in the pit?", "Do you have those checklists loaded?", "does the app work offline in the pit?"),
    ("Trabajamos con la UNE-EN 81-20. ¿Las tenéis ya cargadas? Y otra: en el foso no hay cobertura, ¿la app aguanta "
     "sin conexión?", "¿Las tenéis ya cargadas?", "¿la app aguanta sin conexión?"),
])
def test_a_name_binds_the_concern_right_after_it_not_a_later_point(message: str, bound: str, free: str) -> None:
    """The checklists asked about right after the standard must follow it; the offline app, a new point, need not."""
    checklists = "Checklists come preloaded for ASME A17.1. Las listas vienen precargadas para ASME A17.1."
    offline = "The app works fully offline on Android and iOS. La app funciona sin conexión en Android e iOS."
    assert unmet(checklists, bound, message=message) == ("UNE-EN 81-20",)
    assert unmet(offline, free, message=message) == ()


@pytest.mark.parametrize(("required", "buyer", "said"), [
    (("Entra ID",), "Do you support Entra ID?", "Entra ID"),
    (("SUNAT", "CFDI 4.0"), "¿Validan con SUNAT y timbran CFDI 4.0?", "SUNAT, CFDI 4.0"),
    (("weekends",), "Who answers at weekends?", "weekends"),
    # a phrase the rules read: not said back garbled
    (("can't do is pay a full year upfront", "monthly"), "What we can't do is pay a full year upfront.", ""),
    # a name only the seller's private note gives: never said to the buyer
    (("WhatsApp",), "Our cleaners won't put a company app on their phones.", ""),
])
def test_only_names_the_buyer_requires_are_said_back_in_the_talk_track(required, buyer: str, said: str) -> None:
    assert sayable(required, buyer) == said


@pytest.mark.parametrize(("text", "note_name"), [
    ("Our cleaners won't put a company app on their personal phones. [my note: most of their staff already use the "
     "WhatsApp group on personal phones]", "WhatsApp"),
    ("Mis limpiadoras no van a poner una app de la empresa en sus móviles personales. [nota: casi todas usan "
     "WhatsApp en el móvil personal]", "WhatsApp"),
])
def test_a_name_only_in_the_sellers_note_is_never_said_to_the_buyer(tmp_path, model_cache, text: str,
                                                                     note_name: str) -> None:
    """heldout-v's reviewer: "I'd rather not guess on “WhatsApp”" said aloud, a word only the seller's private
    note had. The seller reads it in Clarify; the buyer never hears it."""
    team = {"company": {"name": "Shiny", "offering": {"en": "Software for cleaning firms.",
                                                      "es": "Software para empresas de limpieza."}},
            "facts": [{"topic": "adoption",
                       "en": "The crew app is available in English, Spanish and Portuguese; Arabic is not available "
                             "yet.",
                       "es": "La app de equipos está en inglés, español y portugués; el árabe todavía no está "
                             "disponible."}]}
    coach = _coach_with(team, tmp_path, model_cache)
    guidance = coach.coach(text, offline=True)
    [concern] = guidance.concerns
    assert concern["status"] == "unmet" and concern["required"] == [note_name], concern
    assert note_name in guidance.clarify
    assert note_name not in guidance.talk_track, guidance.talk_track


_WORDS_PROFILE = {
    "company": {"name": "Tarvio", "offering": {"en": "Billing for builders.", "es": "Facturación para constructoras."}},
    "facts": [
        {"en": "Direct debits are exported as a SEPA XML file your bank accepts.",
         "es": "Las domiciliaciones se exportan como un fichero SEPA XML que su banco acepta."},
        {"en": "RFI response times fall by 38% on average in the first six months.",
         "es": "El tiempo de respuesta a las RFI baja un 38 % de media en los primeros seis meses."},
        {"en": "Our onboarding team sets up your first project with you."},  # written in English only
    ],
}


@pytest.mark.parametrize(("concern", "lang"), [
    ("Can you produce the SEPA file for our direct debits?", "en"),
    ("¿Generan el fichero SEPA para las domiciliaciones?", "es"),
])
def test_an_item_that_shares_the_buyers_rare_words_stands_out_more(concern: str, lang: str) -> None:
    matcher = Matcher(TeamProfile.model_validate(_WORDS_PROFILE))
    with_words, meaning = matcher.scores([concern])[0], matcher.scores([concern], words=False)[0]
    assert with_words[0] > meaning[0] and with_words[0] - meaning[0] > with_words[1] - meaning[1]
    assert with_words[2] == pytest.approx(meaning[2])  # one language: by meaning alone, whatever the buyer's


@pytest.mark.parametrize("concern", [
    "What kills us is schedule delays, not RFIs. Do you have data on delays?",
    "Lo que nos mata son los atrasos de cronograma, no los RFI. ¿Tienen datos de atrasos?",
])
def test_a_name_the_buyer_sets_aside_is_no_word_shared_with_an_item(concern: str) -> None:
    matcher = Matcher(TeamProfile.model_validate(_WORDS_PROFILE))
    kept = concern.replace("not RFIs", "RFIs").replace("no los RFI", "los RFI")
    set_aside = matcher.scores([concern])[0][1] - matcher.scores([concern], words=False)[0][1]
    named = matcher.scores([kept])[0][1] - matcher.scores([kept], words=False)[0][1]
    assert set_aside < named


@pytest.mark.parametrize("text", [
    "Is it SOC 2 certified? And do you encrypt the data at rest?",
    "¿Tienen certificación ISO 27001? ¿Y dónde se guardan los datos?",
])
def test_concerns_merged_on_one_topic_are_matched_by_their_parts_not_encoded_again(
        example_coach: Coach, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """Two concerns read as one topic are matched as one, by the closest of their parts' meanings: the encoder
    reads each part once (the kind classifier reads them too), never the merged text a second time."""
    from bot.models import encoder

    encoded: list[str] = []
    real = encoder._encoded_queries
    monkeypatch.setattr(encoder, "_encoded_queries", lambda texts: encoded.extend(texts) or real(texts))
    encoder.forget_queries()
    parts = [c.about for c in read(text).concerns]
    example_coach.coach(text, offline=True)
    assert len(parts) == 2 and set(encoded) == set(parts)
    matcher = example_coach.matcher
    merged = " ".join(parts)
    assert np.allclose(matcher.scores([merged], words=False, parts=[parts])[0],
                       matcher.scores(parts, words=False).max(axis=0))


def _stands_out(monkeypatch: pytest.MonkeyPatch, matcher: Matcher, item: int) -> None:
    """Item `item` scored far above every other for any concern, so that it would clear every floor."""
    scores = np.full((1, len(matcher.items)), 0.1)
    scores[0, item] = 5.0
    monkeypatch.setattr(matcher, "scores", lambda concerns, topics=(), words=True, parts=(): scores)


_SAID_BACK_PROFILE = {
    "company": {"name": "Cuspida", "offering": {"en": "Lab software.", "es": "Software para laboratorios."}},
    "facts": [
        {"en": "Labs on Cuspida cut remakes by a median of 31% in their first year.",
         "es": "Los laboratorios en Cuspida reducen las repeticiones un 31 % de mediana en su primer año."},
        {"en": "Support answers by chat within 2 hours.", "es": "El soporte responde por chat en menos de 2 horas."},
    ],
    "references": [{"customer": "OrtoLab Valencia", "industry": "dental",
                    "result": {"en": "Moved three sites onto one case list in 5 weeks.",
                               "es": "Pasó tres sedes a una sola lista de casos en 5 semanas."}}],
}


@pytest.mark.parametrize("message", ["We're a lab in Valencia too. Who else have you done this for?",
                                     "Somos un laboratorio de Valencia. ¿Con quién más lo han hecho?"])
def test_a_place_in_a_customers_name_is_where_the_buyer_is_not_the_customer_named(monkeypatch, message: str) -> None:
    matcher = Matcher(TeamProfile.model_validate(_SAID_BACK_PROFILE))
    _stands_out(monkeypatch, matcher, 2)
    assert matcher.best([message], message=message)[0].item.customer == "OrtoLab Valencia"


@pytest.mark.parametrize(("message", "item"), [
    ("Your deck says labs cut remakes 31%. Every vendor has a slide like that. Who measured it?", 0),
    ("Dicen que reducen las repeticiones un 31 %. ¿Quién lo midió?", 0),
    ("Sure, OrtoLab Valencia did it. They're four times our size.", 2),
    ("¿OrtoLab Valencia? Los conozco, son mucho más grandes que nosotros.", 2),
    # by the word of its name that is its own (not "Lab" nor a place)
    ("OrtoLab cut their remakes, sure, but they're four times our size.", 2),
    ("Lo de OrtoLab está bien, pero son cuatro veces más grandes que nosotros.", 2),
    # a small number counts with what it counts: "2 hours" is the chat fact's claim, quoted back to doubt it
    ("Chat within 2 hours? Every vendor promises that and nobody keeps it.", 1),
    ("¿Responder por chat en menos de 2 horas? Eso no se lo cree nadie.", 1),
])
def test_what_the_buyer_already_said_is_no_answer_to_them(monkeypatch, message: str, item: int) -> None:
    """A fact whose figure the buyer quotes, or a reference they name, told again answers nothing they asked (the
    scores are set here so that it would clear every floor)."""
    matcher = Matcher(TeamProfile.model_validate(_SAID_BACK_PROFILE))
    _stands_out(monkeypatch, matcher, item)
    assert matcher.best([message], message=message) == [None]
    other = "Who measured that, and on which labs?"  # the same item, when they did not say it
    assert matcher.best([other], message=other)[0].item.index == matcher.items[item].index


@pytest.mark.parametrize("message", [
    "We need chat support within 2 days, and is your SOC 2 Type II current?",
    "Necesitamos soporte en 2 días como mucho, y el informe SOC 2 Tipo II vigente.",
])
def test_a_number_the_buyer_uses_for_something_else_does_not_quote_a_fact(monkeypatch, message: str) -> None:
    """"2 days" is not the fact's "2 hours", and the 2 of a name ("SOC 2 Type II") counts nothing."""
    profile = {**_SAID_BACK_PROFILE, "facts": [*_SAID_BACK_PROFILE["facts"], {
        "en": "We hold a SOC 2 Type II report, renewed every year.",
        "es": "Tenemos un informe SOC 2 Tipo II que se renueva cada año."}]}
    matcher = Matcher(TeamProfile.model_validate(profile))
    for item in (1, 2):
        _stands_out(monkeypatch, matcher, item)
        assert matcher.best([message], message=message)[0].item.index == matcher.items[item].index


@pytest.mark.parametrize(("text", "topic_or_kind"), [
    ("We only sign month-to-month with new vendors, period. No annual contracts.", "contract"),
    ("El contrato tiene que ir bajo ley española y a los juzgados de Sevilla. ¿Lo aceptan?", "contract"),
    ("How long does the roll-out take? We need it running before the March season.", "implementation"),
    ("¿En cuánto tiempo queda funcionando? Queremos arrancar ya, antes de la temporada.", "implementation"),
    ("Two blockers left: the app must be in Portuguese and live before winter.", "major_concern"),
    ("Nos interesa, pero solo si el técnico puede estar aquí en dos días como mucho.", "major_concern"),
])
def test_the_closing_question_does_not_ask_what_the_buyer_just_said(shared_coach, text: str,
                                                                    topic_or_kind: str) -> None:
    """heldout-n's reviewer: "which clause is the problem?" after the buyer named it, "is this a real
    constraint?" after "only if…", "what worries you about the roll-out?" after "how long"."""
    lang = "es" if any(c in text for c in "¿ñá") or " el " in text else "en"
    guidance = shared_coach.coach(text, label="major_concern" if topic_or_kind == "major_concern" else None,
                                  offline=True)
    if topic_or_kind == "major_concern":
        asked = shared_coach.playbooks["major_concern"].closing(lang)
    else:
        asked = shared_coach.playbooks.topics[topic_or_kind].text("check", lang)
    assert asked not in guidance.talk_track, guidance.talk_track


@pytest.mark.parametrize(("text", "lang", "story"), [
    ("Our lawyer says the contract must be governed by Spanish law. Do you accept that clause?", "en", False),
    ("Nuestro abogado dice que el contrato tiene que ir bajo ley española y los juzgados de Sevilla. ¿Lo aceptan?",
     "es", False),
    ("I doubt the savings you showed will ever show up in our numbers.", "en", True),
    ("Dudo mucho que esos resultados se vean en nuestros números.", "es", True),
])
def test_a_customer_story_is_offered_aloud_only_where_it_proves_something(shared_coach, text: str, lang: str,
                                                                         story: bool) -> None:
    """heldout-n's reviewer: "[a customer in their industry] can tell you how it went" after a governing-law
    clause proves nothing; after a doubt about results it is the proof."""
    guidance = shared_coach.coach(text, label="major_concern" if not story else "skepticism", offline=True)
    placeholder = "[a customer in their industry who will take a call]" if lang == "en" else \
        "[un cliente de su sector que acepte una llamada]"
    assert (placeholder in guidance.talk_track) is story, guidance.talk_track


@pytest.mark.parametrize(("text", "asks"), [
    ("Any customers in Colombia I could talk to?", True),
    ("Procurement needs three references from contractors our size.", True),
    ("¿Tienen algún cliente en Colombia con el que pueda hablar?", True),
    ("Necesito referencias de alguna distribuidora de nuestro tamaño.", True),
    ("Some vendor contracts reference PHI, so legal needs a BAA.", False),  # "reference" as a verb
    ("Our customers hate installing apps.", False),
    ("El portal para clientes está muy bien.", False),
    ("Quiero ver un cliente de ustedes en México, que no sea de Estados Unidos.", True),
    ("Is there a customer of yours in Mexico we could visit?", True),
    ("Un cliente de ustedes nos habló mal del soporte.", False),
])
def test_a_buyer_asking_to_hear_from_a_customer_is_read(text: str, asks: bool) -> None:
    assert asks_for_customer(text) is asks


@pytest.mark.parametrize(("text", "said"), [
    ("Do you have any customers in Spain we could call?", "Clínica San Rafael"),
    ("¿Tienen algún cliente en México con el que pueda hablar?", "Northwind Freight"),
    # only the place they ask for counts: Mexico is what they turn down
    ("¿Tenéis alguna referencia en Chile? Lo de México no nos sirve.", None),
    ("Any customers in Chile I could talk to?", None),
])
def test_a_customer_in_the_place_the_buyer_names_is_offered_and_none_elsewhere(example_coach, text: str,
                                                                              said: str | None) -> None:
    """The example profile describes Northwind Freight as a carrier in Monterrey, Mexico and Clínica San Rafael as
    clinics in Valencia, Spain: a buyer asking for a customer there is offered that customer, whatever the kind;
    one asking for a customer where the team has none hears none of them (the placeholder for one, and the
    closest shown to the seller), and never "[our answer to: any customer in Chile?]"."""
    guidance = example_coach.coach(text, offline=True)
    if said:
        assert said in guidance.talk_track, guidance.talk_track
    else:
        assert not any(name in guidance.talk_track for name in ("Northwind", "Clínica San Rafael", "Verde Market"))
        assert "[a customer in their industry who will take a call]" in guidance.talk_track or \
            "[un cliente de su sector que acepte una llamada]" in guidance.talk_track, guidance.talk_track
    asked = text.split("?")[0].strip("¿")  # the ask itself is answered by the story, never quoted in a placeholder
    assert asked not in guidance.talk_track, guidance.talk_track


@pytest.mark.parametrize(("text", "concerns"), [
    ("Pricing is fine. But do you have a customer in Spain we could call, and does it work offline?", 2),
    ("How long does the roll-out take, and what does it cost per site?", 2),
    ("We tried a tool like this, and it was slow.", 1),
])
def test_a_second_question_in_one_sentence_is_a_concern_of_its_own(text: str, concerns: int) -> None:
    assert len(read(text).concerns) == concerns, read(text).concerns


@pytest.mark.parametrize(("text", "concerns"), [
    ("Before this goes further:\n1) Finance runs on SAP. Whatever we buy has to post invoices there.\n"
     "2) We use Okta for everything.\n3) Please send your SOC 2 report.\nThanks,\nRick",
     ["Finance runs on SAP. Whatever we buy has to post invoices there.", "We use Okta for everything.",
      "Please send your SOC 2 report."]),
    ("Legal here. Our MSA requires (a) breach notice within 24 hours, (b) a list of subprocessors, and (c) an "
     "audit report. Please confirm.", ["breach notice within 24 hours", "a list of subprocessors", "an audit report"]),
    ("Antes de firmar:\na) el contrato bajo ley española y juzgados de Bilbao\nb) que los datos no salgan de la UE\n"
     "c) el plazo para arrancar en septiembre",
     ["el contrato bajo ley española y juzgados de Bilbao", "que los datos no salgan de la UE",
      "el plazo para arrancar en septiembre"]),
])
def test_each_item_the_buyer_numbers_or_letters_is_a_concern(text: str, concerns: list[str]) -> None:
    """An enumerated item is one point, whatever its words and however many sentences it takes on its line."""
    read_concerns = read(text).concerns
    assert len(read_concerns) == len(concerns), read_concerns
    for concern, words in zip(read_concerns, concerns, strict=True):
        assert words in concern.about, (words, concern.about)


@pytest.mark.parametrize("text", [
    "What's your uptime commitment? If you're down, dispatch is down. And what are your support hours?",
    "¿Qué disponibilidad comprometen? Si se cae, se nos para el despacho. ¿Y en qué horario dan soporte?",
])
def test_two_answers_on_one_topic_are_bridged_once(tmp_path, model_cache, text: str) -> None:
    """"On support: …. On support: …" sounds like a form; the second answer follows the first."""
    team = {"company": {"name": "Liftly", "offering": {"en": "Lift maintenance software.",
                                                       "es": "Software de mantenimiento de ascensores."}},
            "facts": [{"topic": "support", "en": "We commit to 99.9% monthly uptime, with service credits.",
                       "es": "Comprometemos un 99,9 % de disponibilidad mensual, con créditos de servicio."},
                      {"topic": "support", "en": "Support hours are 7am to 7pm Central Time, Monday to Friday.",
                       "es": "El horario de soporte es de 7 a 19 h, hora del Centro, de lunes a viernes."}]}
    coach = _coach_with(team, tmp_path, model_cache)
    talk = coach.coach(text, offline=True).talk_track
    assert "99.9" in talk or "99,9" in talk, talk
    assert "7am to 7pm" in talk or "de 7 a 19 h" in talk, talk
    for bridge in ("On support:", "Sobre el soporte:"):
        assert talk.count(bridge) <= 1, talk


@pytest.mark.parametrize(("text", "lang", "asked"), [
    ("Your 31% claim? I'd want to talk to a customer our size before I believe it.", "en", False),
    ("No me lo creo. Quiero ver números de un cliente real antes de seguir.", "es", False),
    ("I doubt the savings will ever show up in our numbers.", "en", True),
    ("Dudo que esos ahorros lleguen a nuestros números.", "es", True),
])
def test_a_doubter_who_said_what_they_need_to_see_is_not_asked_it(shared_coach, text: str, lang: str,
                                                                   asked: bool) -> None:
    """heldout-o's reviewer: "what would you need to see?" after the buyer said exactly that."""
    skepticism = shared_coach.playbooks["skepticism"]
    need_to_see = skepticism.lines("questions", lang)[1]
    assert (skepticism.closing(lang, text) == need_to_see) is asked


@pytest.mark.parametrize(("text", "required"), [
    ("Our maintenance team is the Brazilian subsidiary and they work in Portuguese. Is it usable for them?",
     ["Portuguese"]),
    ("Nuestro equipo es la filial Brasileña y trabaja en portugués. ¿Les sirve?", []),
    ("Our ERP is SAP Business One. Does it connect?", ["SAP Business One"]),
    ("Nuestro ERP es Odoo, ¿se conecta?", ["Odoo"]),
])
def test_a_name_said_of_something_after_is_requires_nothing(text: str, required: list[str]) -> None:
    """heldout-p's reviewer: "I'd rather not guess on 'Brazilian'" over the Portuguese interface that answers it."""
    assert requirements(text) == required


@pytest.mark.parametrize("text", [
    "The team liked the AD tracking dashboard and it's a clear step up from our spreadsheets. But can we pay monthly?",
    "Al equipo le encantó el panel y es mucho mejor que nuestras hojas de cálculo. Pero ¿podemos pagar mensual?",
])
def test_an_approval_is_never_acknowledged_as_content_with_how_they_work(example_coach, text: str) -> None:
    talk = example_coach.coach(text, offline=True).talk_track
    assert "the way you work today" not in talk and "su forma de trabajar actual" not in talk, talk


@pytest.mark.parametrize(("concern", "topic", "meets"), [
    ("Who picks up the phone at 3am when an aircraft is grounded?", "support", True),
    ("¿Quién contesta el teléfono a las 3 de la mañana si un avión queda en tierra?", "support", True),
    ("Can it push completed work orders back into our ERP?", "integration", False),
    ("¿Puede devolver las órdenes cerradas a nuestro ERP?", "integration", False),
])
def test_a_system_the_sellers_note_names_binds_only_concerns_a_system_touches(monkeypatch, concern: str,
                                                                              topic: str, meets: bool) -> None:
    """heldout-p's reviewer: "I'd rather not guess on SAP PM" under the 3 am support line, after the seller's
    note "they run SAP PM". A concern surely on support is not bound by it; one on integration still is."""
    profile = {"company": {"name": "Rivet", "offering": {"en": "Maintenance records.", "es": "Registros."}},
               "facts": [{"topic": "support", "en": "Our 24/7 AOG desk answers by phone within 15 minutes.",
                          "es": "Nuestra mesa AOG 24/7 contesta por teléfono en menos de 15 minutos."},
                         {"topic": "integration", "en": "A nightly export sends closed work orders to Oracle.",
                          "es": "Una exportación nocturna envía las órdenes cerradas a Oracle."}]}
    matcher = Matcher(TeamProfile.model_validate(profile))
    item = 0 if topic == "support" else 1
    _stands_out(monkeypatch, matcher, item)
    match = matcher.best([concern], [topic], [0.99], notes="they run SAP PM", message=concern)[0]
    assert match is not None and match.item.index == item and match.meets is meets, match


@pytest.mark.parametrize(("concern", "meets"), [
    ("Our onboarding requires a minimum 99.95% uptime commitment written into the contract.", False),
    ("Necesitamos por contrato al menos un 99,95 % de disponibilidad.", False),
    ("We need at least 99.5% uptime.", True),
    ("¿Qué disponibilidad comprometen?", True),
])
def test_a_share_below_the_minimum_the_buyer_requires_does_not_meet_it(concern: str, meets: bool) -> None:
    """heldout-p's reviewer: a 99.9 % SLA offered against a required 99.95 %."""
    sla = Item("fact", "The SLA guarantees 99.9% monthly uptime, with service credits.",
               "El SLA garantiza un 99,9 % de disponibilidad mensual, con créditos de servicio.", None, 0)
    assert meets_requirements(sla, 3.0, concern).meets is meets


@pytest.mark.parametrize(("text", "straight", "guess"), [
    ("Group IT needs our data stored in the UK. Where do you host?", "I'll be straight with you. All data is hosted",
     "I'd rather not guess"),
    ("Jurídico exige que los datos se queden en el Reino Unido. ¿Dónde alojan?", "Le seré claro. Todos los datos",
     "Prefiero no adivinar"),
])
def test_a_fact_that_rules_out_what_the_buyer_requires_is_said_plainly_never_dodged(tmp_path, model_cache, text: str,
                                                                                     straight: str,
                                                                                     guess: str) -> None:
    """heldout-q's reviewer: "I'd rather not guess on 'UK'" when the profile plainly says there is no UK hosting
    would embarrass the seller; the limit is said plainly, as the profile states it (heldout-x's reviewer: "what we
    offer doesn't cover it" left the seller to find which limit), never as the answer."""
    team = {"company": {"name": "Baitly", "offering": {"en": "Pest-control software.",
                                                       "es": "Software para control de plagas."}},
            "facts": [{"topic": "security",
                       "en": "All data is hosted on AWS in Virginia, USA; there is no EU, UK or Latin American "
                             "data residency option.",
                       "es": "Todos los datos se alojan en AWS en Virginia, EE. UU.; no hay opción de residencia de "
                             "datos en la UE, Reino Unido ni Latinoamérica."}]}
    coach = _coach_with(team, tmp_path, model_cache)
    guidance = coach.coach(text, offline=True)
    [concern] = [c for c in guidance.concerns if c["status"] == "unmet"]
    assert concern["ruled_out"]
    assert straight in guidance.talk_track and guess not in guidance.talk_track, guidance.talk_track
    assert "Virginia" in guidance.clarify
    assert "rules out" in guidance.clarify or "descarta" in guidance.clarify


@pytest.mark.parametrize(("text", "said"), [
    ("Your SOC 2 is nice, but our data must be hosted in the UK.", "happy with security"),
    ("Su informe de seguridad SOC 2 nos gusta, pero nuestros datos tienen que alojarse en el Reino Unido.",
     "seguridad"),
])
def test_an_approval_on_the_topic_of_a_concern_is_not_acknowledged_as_the_whole_topic(shared_coach, text: str,
                                                                                      said: str) -> None:
    """"Good to hear you're happy with security" to a buyer whose concern is security."""
    guidance = shared_coach.coach(text, offline=True)
    assert said not in guidance.talk_track.split(".")[0], guidance.talk_track


@pytest.mark.parametrize(("text", "note", "use"), [
    ("We're not changing anything until October. - my note: their renewal with RouteRanger is Sept 30",
     "their renewal with RouteRanger is Sept 30", "Build your next step on it"),
    ("No cambiamos nada hasta octubre. — nota: su renovación con RouteRanger es el 30 de septiembre",
     "su renovación con RouteRanger es el 30 de septiembre", "Apoya tu siguiente paso en ella"),
])
def test_a_note_about_the_deal_is_for_the_seller_to_build_the_next_step_on(shared_coach, text: str, note: str,
                                                                           use: str) -> None:
    """heldout-q's reviewer: notes were repeated back but never turned into a move."""
    guidance = shared_coach.coach(text, offline=True)
    line = next(line for line in guidance.clarify.splitlines() if note in line)
    assert use in line and note not in guidance.talk_track


@pytest.mark.parametrize(("text", "placeholder", "brief"), [
    ("Honestly Mortarly is half your price and does the same job.", "[how we differ from Mortarly",
     "If they compare you with Mortarly"),
    ("Mortarly cuesta la mitad y hace lo mismo, la verdad.", "[en qué nos diferenciamos de Mortarly",
     "Si los comparan con Mortarly"),
])
def test_a_competitor_note_is_the_sellers_brief_never_read_to_the_buyer(tmp_path, model_cache, text: str,
                                                                        placeholder: str, brief: str) -> None:
    """heldout-r's reviewer: the talk track read the team's competitor card aloud, the competitor's strengths
    included ("support in Mexican hours and an iPhone app"). A note on the competitor alone is the seller's brief;
    one that compares, speaking of us, is said (tests/test_topics.py, RouteMax)."""
    team = {"company": {"name": "Trowel", "offering": {"en": "Quoting software for bricklayers.",
                                                       "es": "Software de presupuestos para albañiles."}},
            "facts": [{"topic": "price", "en": "The Crew plan is €90 a month for up to 10 users.",
                       "es": "El plan Crew cuesta 90 € al mes para hasta 10 usuarios."}],
            "competitors": [{"name": "Mortarly",
                             "en": "Cheaper and has an iPhone app; no materials takeoff and no offline mode.",
                             "es": "Más barato y con app para iPhone; sin cálculo de materiales ni modo sin "
                                   "conexión."}]}
    coach = _coach_with(team, tmp_path, model_cache)
    guidance = coach.coach(text, offline=True)
    assert placeholder in guidance.talk_track, guidance.talk_track
    assert "iPhone" not in guidance.talk_track and "iPhone" in guidance.clarify
    assert brief in guidance.clarify


def test_a_note_on_a_us_based_competitor_does_not_speak_of_us() -> None:
    """heldout-ab's reviewer: "US-based; strong on TTB reporting…" was read aloud as if it were about us: "US"
    was taken for "us"."""
    from bot.content.profile import TeamProfile
    from bot.services.composing import compares
    profile = TeamProfile.model_validate(_EXCISE)
    assert not compares("US-based; strong on TTB reporting, priced from $399/month.", profile)
    assert compares("They report to TTB; we also file SILICIE.", profile)


@pytest.mark.parametrize("text", [
    "Is the route optimiser ready? We need the route optimiser from day one.",
    "¿El optimizador de rutas está listo? Necesitamos el optimizador de rutas desde el primer día.",
])
def test_a_roadmap_fact_does_not_make_the_buyer_one_for_whom_now_is_the_wrong_time(tmp_path, model_cache,
                                                                                    text: str) -> None:
    """heldout-r's reviewer: "What would need to change for the timing to be right?" to a buyer who raised no
    timing issue, because the fact answering them (a roadmap date) is filed under timing. A feature in beta does
    not meet "from day one": the question asks how essential it is from the start."""
    team = {"company": {"name": "Trowel", "offering": {"en": "Scheduling software for bricklaying crews.",
                                                       "es": "Software de planificación para cuadrillas."}},
            "facts": [{"topic": "timing",
                       "en": "The route optimiser is in beta with 12 customers; general release is planned for "
                             "next spring.",
                       "es": "El optimizador de rutas está en beta con 12 clientes; el lanzamiento general está "
                             "previsto para la próxima primavera."},
                      {"topic": "price", "en": "The Crew plan is €90 a month for up to 10 users.",
                       "es": "El plan Crew cuesta 90 € al mes para hasta 10 usuarios."},
                      {"topic": "support", "en": "Support is by chat, Monday to Friday, 8:00 to 18:00.",
                       "es": "El soporte es por chat, de lunes a viernes, de 8:00 a 18:00."}]}
    coach = _coach_with(team, tmp_path, model_cache)
    guidance = coach.coach(text, offline=True)
    timing = coach.playbooks.topics["timing"]
    assert timing.text("check", guidance.language) not in guidance.talk_track, guidance.talk_track
    # the need the profile rules out is what the question qualifies
    assert guidance.talk_track.endswith(("a must from the start, or something we could plan in together?",
                                         "algo necesario desde el inicio, o algo que podríamos planificar juntos?"))


@pytest.mark.parametrize("text", [
    "I need a one-page summary for our GM before Friday: what does support cost?",
    "El informe es para el GM, ¿lo pueden mandar?",
])
def test_a_role_is_no_name_the_buyer_requires(text: str) -> None:
    """heldout-t's reviewer: "I'd rather not guess on “GM”", the buyer's general manager read as a system."""
    assert requirements(text) == []


@pytest.mark.parametrize(("fact", "concern"), [
    ("All data is hosted in Frankfurt, Germany; there is no Latin American hosting option.",
     "Do you store our data in Colombia? Our legal team requires it."),
    ("Los datos se alojan en Fráncfort (Alemania); no hay alojamiento en Latinoamérica.",
     "¿Guardan los datos en Colombia? Jurídico lo exige."),
])
def test_a_place_inside_a_region_the_fact_denies_is_ruled_out_not_guessed(fact: str, concern: str) -> None:
    """heldout-t's reviewer: "I'd rather not guess about Colombia" when the profile says there is no Latin American
    hosting."""
    match = meets_requirements(Item("fact", fact, fact, None, 0), 3.0, concern)
    assert not match.meets and match.ruled_out and match.required == ("Colombia",)


@pytest.mark.parametrize("concern", [
    "Our IT policy requires SSO on every app we buy, no exceptions.",
    "La política de TI exige SSO en todas las aplicaciones, sin excepciones.",
])
def test_an_acronym_shares_its_word_with_the_fact_that_spells_it_out(concern: str) -> None:
    """heldout-v: "requires SSO… no exceptions" ranked the support fact ("…except P1 incidents") above the one on
    "Single sign-on", which shares no word with the acronym unless the acronym is read in it."""
    profile = {"company": {"name": "Shiny", "offering": {"en": "Cleaning software.", "es": "Software de limpieza."}},
               "facts": [{"en": "Single sign-on with Okta or Entra ID is available on the Enterprise plan.",
                          "es": "El inicio de sesión único (single sign-on) con Okta o Entra ID está en el plan "
                                "Enterprise."},
                         {"en": "Support answers by email on weekdays, with exceptions for P1 incidents.",
                          "es": "El soporte responde por correo entre semana, con excepciones para incidencias P1."}]}
    matcher = Matcher(TeamProfile.model_validate(profile))
    words, _ = matcher._shared_words([concern])
    assert words[0, 0] > 0  # "SSO" is a word the single sign-on fact shares, as "excep" is the support fact's


@pytest.mark.parametrize(("words", "kept"), [
    ("our families pay in Canadian dollars, and a lot of them in the Ottawa valley would want the portal in French.",
     "the portal in French"),
    ("nuestras familias pagan en dólares canadienses y muchas en el valle de Ottawa querrían el portal en francés.",
     "el portal en francés"),
])
def test_a_long_concern_quoted_keeps_its_beginning_and_what_it_asks_for_at_the_end(words: str, kept: str) -> None:
    said = quoted(words)
    assert len(said) <= 95 and said.startswith(words[:20]) and said.endswith(kept) and " … " in said


@pytest.mark.parametrize(("fact", "concern"), [
    ("Soporte de 8:00 a 18:00, hora de Madrid.", "Necesitamos soporte en horario español."),
    ("Support 8:00-18:00 Madrid time.", "We need support during Spanish business hours."),
])
def test_business_hours_named_by_an_adjective_are_met_by_the_place_they_name(fact: str, concern: str) -> None:
    assert meets_requirements(Item("fact", fact, fact, None, 0), 3.0, concern).meets


@pytest.mark.parametrize("text", [
    "We have four funeral homes and each site should only see its own files. And most important, support: someone "
    "has to pick up the phone at 10 am Madrid time, in Spanish.",
    "Tenemos cuatro tanatorios y queremos que cada sede vea solo sus expedientes. Y lo más importante, el soporte: "
    "si llamamos a las diez de la mañana nos tienen que coger el teléfono, en español.",
])
def test_what_must_be_so_is_a_concern_of_its_own(text: str) -> None:
    assert len(read(text).concerns) == 2


_SUPPORT_PROFILE = {
    "company": {"name": "Lanternhall", "offering": {"en": "Software for funeral homes.",
                                                    "es": "Software para funerarias."}},
    "facts": [
        {"en": "Phone and chat support Monday to Friday, 7 am to 7 pm US Central Time.",
         "es": "Soporte por teléfono y chat de lunes a viernes, de 7:00 a 19:00 hora del centro de EE. UU."},
        {"en": "Prices start at $189 a month per location.", "es": "Desde 189 USD al mes por sede."},
        {"en": "Hosted on AWS in the United States.", "es": "Alojado en AWS en Estados Unidos."},
    ],
}


@pytest.mark.parametrize("parts", [
    ["Each of our four sites should only see its own case files.",
     "Someone has to pick up the phone at 10 am Madrid time."],
    ["Queremos que cada sede vea solo sus expedientes.",
     "Si llamamos a las diez de la mañana nos tienen que coger el teléfono."],
])
def test_a_match_for_concerns_merged_on_one_topic_answers_only_the_parts_it_stands_out_for(parts) -> None:
    """The support hours answer the call at ten, not which files each site sees: that one keeps its placeholder."""
    matcher = Matcher(TeamProfile.model_validate(_SUPPORT_PROFILE))
    assert matcher.answers(parts, matcher.items[0]) == [False, True]
    both = [parts[1], parts[1].replace("10 am", "9 am").replace("diez", "nueve")]
    assert matcher.answers(both, matcher.items[0]) == [True, True]


@pytest.mark.parametrize(("concern", "shares"), [
    ("Our IT says it's a hard requirement: everything through Microsoft Entra.", False),
    ("Es un requisito: todo tiene que entrar con Microsoft Entra.", False),
    ("We looked at Requiem already, honestly.", True),
])
def test_a_name_shares_only_itself_not_the_words_it_starts_like(concern: str, shares: bool) -> None:
    """"Requiem" (a competitor) has nothing in common with a buyer's "requirement", though both begin "requi"."""
    profile = {**_SUPPORT_PROFILE, "competitors": [
        {"name": "Requiem", "en": "Requiem sells 3-year contracts; we sell monthly.",
         "es": "Requiem vende contratos de 3 años; nosotros, mensuales."}]}
    matcher = Matcher(TeamProfile.model_validate(profile))
    shared, _ = matcher._shared_words([concern])
    assert (shared[0, len(matcher.items) - 1] > 0) == shares


@pytest.mark.parametrize(("fact", "concern"), [
    ("Flower orders go to the FloraLink network of florists in the US and Canada only.",
     "We're in Georgia. Can families order flowers from the obituary page?"),
    ("Trust reports are built in for 14 US states (not New York or California).", "We are in Ohio. Trust reports?"),
    ("Soporte en inglés únicamente, desde nuestra oficina de Dublín.", "Estamos en Madrid, ¿quién nos atiende?"),
    ("Los pedidos de flores van a floristerías de EE. UU. y Canadá solamente.",
     "Estamos en Texas, ¿las familias pueden pedir flores?"),
    # a place inside the one they require
    ("All data is hosted on AWS in Ohio (us-east-2).", "Our data must stay in the United States."),
    # no limit ("not only in"), no place ("una nevada"), no requirement (where they are, with a curly apostrophe),
    # and "more than one" is no single location (a diff review's findings)
    ("Certified installers work not only in Texas but in every state.", "We’re in Georgia. Who installs it?"),
    ("Los pedidos van solo a floristerías de EE. UU. y Canadá.", "Con una nevada como la de ayer, ¿llegan las flores?"),
    ("Single sign-on is only available on the Enterprise plan (5 or more locations).",
     "We need single sign-on; we have more than one location and growing."),
    ("Los datos se alojan en Madrid.", "Los datos tienen que quedarse en España."),
])
def test_a_place_inside_the_places_a_fact_names_is_met_and_where_they_are_is_no_requirement(fact, concern) -> None:
    assert meets_requirements(Item("fact", fact, fact, None, 0), 3.0, concern, message=concern).meets


def test_a_quoted_concern_cut_at_a_word_keeps_that_word_whole() -> None:
    words = "ab " * 20 + "tail words that the buyer said at the very end of it all"
    said = quoted(words)
    assert said.endswith("of it all") and all(w in words.split() for w in said.split(" … ")[1].split())


@pytest.mark.parametrize("concern", ["Rivera-Montoya's numbers look great for them.",
                                     "Lo de Rivera-Montoya suena bien, pero son más grandes."])
def test_a_hyphenated_name_is_shared_whole(concern: str) -> None:
    profile = {**_SUPPORT_PROFILE, "references": [
        {"customer": "Rivera-Montoya Funeral Chapels", "industry": "funeral",
         "result": {"en": "Flower sales brought in $41,000 in a year.",
                    "es": "Las flores dejaron 41.000 USD al año."}}]}
    matcher = Matcher(TeamProfile.model_validate(profile))
    shared, _ = matcher._shared_words([concern])
    assert shared[0, len(matcher.items) - 1] > 0


_KENNEL = {"company": {"name": "Pawbook", "offering": {"en": "Booking software for dog kennels.",
                                                       "es": "Software de reservas para residencias caninas."}},
           "facts": [{"en": "All data is hosted on AWS in Frankfurt (EU) only; there is no US or Latin American "
                            "hosting option.",
                      "es": "Todos los datos se alojan solo en AWS en Fráncfort (UE); no hay opción de alojamiento "
                            "en EE. UU. ni en Latinoamérica."},
                     {"en": "The Starter plan costs €79 per month for one location.",
                      "es": "El plan Starter cuesta 79 € al mes por local."},
                     {"en": "Support is by chat and email, Monday to Friday, 8:00 to 18:00 CET.",
                      "es": "El soporte es por chat y correo, de lunes a viernes, de 8:00 a 18:00 CET."},
                     {"en": "Staff rotas include shift swaps approved by a manager.",
                      "es": "Los turnos del personal incluyen cambios aprobados por un responsable."}]}


@pytest.mark.parametrize(("text", "required", "said"), [
    ("We're in Ohio and we board dogs for the county shelter. Our contract says customer data has to stay on US "
     "servers. Is that going to be a problem?", "US", "there is no US or Latin American hosting option"),
    ("Estamos en Valencia y trabajamos para la perrera municipal. El contrato dice que los datos de los clientes "
     "tienen que quedarse en servidores de Chile. ¿Eso es un problema?", "Chile",
     "no hay opción de alojamiento en EE. UU. ni en Latinoamérica"),
])
def test_a_limit_the_buyer_needs_to_hear_is_said_plainly_even_where_meaning_alone_would_not_answer(
        tmp_path, model_cache, text: str, required: str, said: str) -> None:
    """heldout-x's reviewer: the limits the seller needs to hear were left as placeholders. The hosting fact stands
    first by meaning but below every floor; it rules out what the contract requires, so the buyer hears it as it
    is, never as reassurance, and the requirement named is the one required, not where the buyer is."""
    coach = _coach_with(_KENNEL, tmp_path, model_cache)
    guidance = coach.coach(text, offline=True)
    [concern] = guidance.concerns
    assert concern["status"] == "unmet" and concern["required"] == [required], guidance.concerns
    assert said in guidance.talk_track and guidance.talk_track.count(said) == 1
    assert f"«{required}»" in guidance.talk_track or f"“{required}”" in guidance.talk_track


@pytest.mark.parametrize("text", [
    "We mostly buy from a local distributor, so what would the ordering screen even be for?",
    "Compramos todo a un distribuidor local de Albacete, ¿para qué querríamos la pantalla de pedidos?",
])
def test_a_local_supplier_requires_nothing_of_where_we_host(text: str) -> None:
    """heldout-v and -w: a bare "local" (a local distributor) was read as data that must stay in the country."""
    fact = "All data is hosted on AWS in Frankfurt (EU) only; no data is stored in the customer's country."
    assert unmet(fact, text) == ()


@pytest.mark.parametrize(("fact", "concern"), [
    # a span an item on another subject states: a training time is no answer on how fast an alert goes out
    ("Staff need under 20 minutes of training.", "Eso de que avisa en menos de un minuto ya lo he oído antes."),
    # a customer "in Mexico" is not where the data must be
    ("All data is hosted in Frankfurt only; there is no Latin American hosting option.",
     "I'd want to see a customer of yours in Mexico first."),
])
def test_only_a_firm_requirement_makes_an_item_on_another_subject_a_limit(fact: str, concern: str) -> None:
    from bot.core.requirements import unmet_why
    assert unmet_why(fact, concern, firm=True) == ((), False)


@pytest.mark.parametrize("text", [
    "La demo nos convenció, pero estamos en Santiago. Si el soporte es en horario de España, en la tarde no hay nadie.",
    "Loved the demo, but we are in Santiago. If support runs on Spanish hours, nobody is there in our afternoon.",
])
def test_where_the_buyer_is_said_mid_sentence_is_no_name_they_require(text: str) -> None:
    """heldout-y's reviewer: "Prefiero no adivinar sobre «Santiago»" when the support hours answered (and told
    the limit): "estamos en" was read as the link to a required name when it did not open the message."""
    assert requirements(text) == []


@pytest.mark.parametrize("text", [
    "We need vaccination reminders sent at 7pm, when owners are home.",
    "¿Los recordatorios salen también los domingos? Los dueños lo necesitan.",
    "Can owners get the reminder texts in French? They need them in French.",
])
def test_a_time_a_day_or_a_language_asked_of_something_else_is_no_limit_of_the_support_hours(
        tmp_path, model_cache, text: str) -> None:
    """The diff review: below the floors, the support hours (or languages) were told as a limit to a buyer asking
    when reminders go out. Only where the data is kept and a commitment name their own subject."""
    coach = _coach_with(_KENNEL, tmp_path, model_cache)
    guidance = coach.coach(text, offline=True)
    assert "Support is by chat" not in guidance.talk_track and "El soporte es por" not in guidance.talk_track
    assert all(c["status"] == "placeholder" for c in guidance.concerns), guidance.concerns


@pytest.mark.parametrize("concern", [
    "The council needs it on a local server.",
    "Our data has to be kept local, that's the rule.",
    "El ayuntamiento exige alojamiento local de los datos.",
])
def test_data_kept_local_is_a_requirement_the_cloud_does_not_meet(concern: str) -> None:
    """The diff review: dropping the bare "local" had dropped "a local server" and "kept local" with it."""
    fact = "All customer data is hosted on AWS in Frankfurt (EU)."
    assert unmet(fact, concern) != ()


@pytest.mark.parametrize("text", [
    "Our contract says customer data has to stay on EU servers. Is that a problem?",
    "El contrato dice que los datos de los clientes tienen que quedarse en servidores de la UE. ¿Es un problema?",
])
def test_a_competitors_limit_is_never_told_as_ours(tmp_path, model_cache, text: str) -> None:
    """The diff review: a competitor's card, closest to the concern, was told to the buyer as our limit."""
    team = {**_KENNEL, "facts": _KENNEL["facts"][1:],  # (no hosting fact of ours)
            "competitors": [{"name": "KennelPro",
                             "en": "KennelPro keeps all data in the US only, with no EU hosting; we are simpler.",
                             "es": "KennelPro guarda todos los datos solo en EE. UU., sin alojamiento en la UE; "
                                   "nosotros somos más sencillos."}]}
    coach = _coach_with(team, tmp_path, model_cache)
    guidance = coach.coach(text, offline=True)
    assert all(c["status"] == "placeholder" for c in guidance.concerns), guidance.concerns


@pytest.mark.parametrize(("concern", "said"), [
    ("¿Y a qué hora? Nosotros estamos en Bogotá y abrimos hasta las 7 de la noche.", "hasta las 7 de la noche"),
    ("What hours is support? We are in Bogota and open until 7pm.", "until 7pm"),
])
def test_closing_time_in_the_buyers_zone_is_outside_the_support_hours(concern: str, said: str) -> None:
    """heldout-x: once "estamos en Bogotá" was no longer a name they require, "hasta las 7 de la noche" was not
    read as a time at all, so the support hours (12:00 in Bogotá) were said as the answer."""
    fact = "Live chat and phone support run Monday to Friday, 8:00 to 18:00 CET."
    assert unmet(fact, concern, "", concern) == (said,)


_GROOMING = {"company": {"name": "Pawbook", "offering": {"en": "Booking software for dog groomers.",
                                                         "es": "Software de reservas para peluquerías caninas."}},
             "facts": [{"topic": "timing",
                        "en": "Route planning for mobile grooming vans is on the roadmap for Q3 2027 and is not "
                              "available today.",
                        "es": "La planificación de rutas para furgonetas de peluquería móvil está prevista para el "
                              "tercer trimestre de 2027."},
                       {"topic": "price", "en": "The Starter plan costs €79 per month for one location.",
                        "es": "El plan Starter cuesta 79 € al mes por local."},
                       {"topic": "fit", "en": "Offline mode is read-only: staff can see today's bookings.",
                        "es": "El modo sin conexión es de solo lectura: el personal ve las reservas del día."},
                       {"topic": "contract", "en": "Plans are month-to-month with 30 days' notice to cancel.",
                        "es": "Los planes son mes a mes con 30 días de preaviso para cancelar."},
                       {"topic": "implementation",
                        "en": "Standard onboarding takes 10 business days and includes data import.",
                        "es": "La puesta en marcha estándar dura 10 días laborables e incluye la importación de "
                              "datos."}]}


@pytest.mark.parametrize(("text", "answered"), [
    ("We're mid-renovation and moving to a new building in April. Nothing new until we're in.", False),
    ("Con la huelga de examinadores tenemos lista de espera de meses. Ahora mismo esto es lo último que me "
     "preocupa.", False),
    ("Do you have route planning for our two grooming vans yet? We need it.", True),
])
def test_a_plan_answers_a_question_about_its_feature_not_the_buyers_own_timing(tmp_path, model_cache, text: str,
                                                                                answered: bool) -> None:
    """heldout-y's reviewer: a module on the roadmap given to a buyer whose examiners are on strike; heldout-x: route
    planning for 2027 to a buyer moving building in April."""
    coach = _coach_with(_GROOMING, tmp_path, model_cache)
    guidance = coach.coach(text, offline=True)
    matched = any("Route planning" in (c["fact"] or "") or "planificación de rutas" in (c["fact"] or "")
                  for c in guidance.concerns)
    assert matched is answered, guidance.concerns


_SIGN_ON = {"company": {"name": "Notera", "offering": {"en": "Scheduling and billing for music schools.",
                                                      "es": "Agenda y facturación para escuelas de música."}},
            "facts": [{"en": "Single sign-on works with Google and Microsoft accounts; there is no SAML or Okta "
                             "support.",
                       "es": "El inicio de sesión único funciona con cuentas de Google y Microsoft; no hay soporte "
                             "para SAML ni Okta."},
                      {"en": "All data is hosted on AWS in Dublin; there is no option to host data in the Americas.",
                       "es": "Todos los datos se alojan en AWS en Dublín; no hay opción de alojar datos en las "
                             "Américas."},
                      {"en": "Lessons can be booked online by families.",
                       "es": "Las familias pueden reservar clases en línea."}]}


@pytest.mark.parametrize(("message", "concern", "required"), [
    ("Our IT lead asks: can we log in through Okta, and where do you keep the data? Our trustees want it hosted "
     "in the US.", "where do you keep the data? Our trustees want it hosted in the US.", "US"),
    ("Nuestro informático pregunta: ¿se puede entrar con Okta, y dónde guardan los datos? La junta quiere que "
     "estén alojados en México.", "dónde guardan los datos? La junta quiere que estén alojados en México.",
     "México"),
])
def test_a_name_of_another_clause_binds_no_concern_and_the_americas_hold_the_us(
        message: str, concern: str, required: str) -> None:
    """heldout-z's reviewer: "where is the data stored" was bound by the Okta of the clause before it in the same
    question ("I'd rather not guess on “Okta”"), and "no option to host data in the Americas" met a board that
    wants US hosting."""
    from bot.core.requirements import unmet_why
    fact = _SIGN_ON["facts"][1]
    assert unmet_why(f"{fact['en']} {fact['es']}", concern, "", message) == ((required,), True)
    # (the place set aside, not the one we host in: hosting in Dublin meets a buyer who must stay in the EU)
    assert unmet_why(f"{fact['en']} {fact['es']}", "Our data can't leave the EU, where is it hosted?") == ((), False)


@pytest.mark.parametrize(("text", "frame", "first", "second"), [
    ("Two things from IT: can we log in through Okta, and where do you keep the data? Our trustees want it hosted in "
     "the US.", "I'll be straight with you.", "there is no SAML or Okta support",
     "there is no option to host data in the Americas"),
    ("Dos cosas de sistemas: ¿se puede entrar con Okta, y dónde guardan los datos? La junta quiere que estén "
     "alojados en México.", "Le seré claro.", "no hay soporte para SAML ni Okta",
     "no hay opción de alojar datos en las Américas"),
])
def test_two_limits_are_said_as_the_profile_words_them_with_one_frame(
        tmp_path, model_cache, text: str, frame: str, first: str, second: str) -> None:
    """A name the item itself denies ("no … Okta support") is a limit said as the item words it; a second limit in
    the same talk track follows without the frame again ("I'll be straight with you… I'd rather you hear it now")."""
    coach = _coach_with(_SIGN_ON, tmp_path, model_cache)
    guidance = coach.coach(text, offline=True)
    assert [c["status"] for c in guidance.concerns][:2] == ["unmet", "unmet"], guidance.concerns
    talk = guidance.talk_track
    assert talk.count(frame) == 1 and first in talk and second in talk, talk
    assert talk.index(frame) < talk.index(first) < talk.index(second)


@pytest.mark.parametrize("text", [
    "Your rep showed us the dashboard and it looked great. But everything looks great in a demo. How many customers "
    "left you last year?",
    "La demo nos pareció muy buena. Pero todas las demos parecen buenas. ¿Cuántos clientes se fueron el año pasado?",
    "The demo was great. But every demo is great. How many customers left you last year?",
])
def test_praise_of_every_demo_is_a_doubt_not_an_accepted_point(shared_coach, text: str) -> None:
    """heldout-z's reviewer: "it looked slick. But demos always look slick." was met with "Good to hear that part
    works for you"."""
    assert read(text).accepted == ()
    talk = shared_coach.coach(text, offline=True).talk_track
    assert not talk.startswith(("Good to hear", "Me alegra")), talk


def test_a_requirement_on_every_vendor_does_not_take_back_the_praise() -> None:
    assert read("The demo was great. But any vendor we pick must support SSO. Do you?").accepted == (
        "The demo was great.",)


@pytest.mark.parametrize("text", [
    "Honestly I've never heard of Notera. What is it, some kind of app for teachers?",
    "I don't know what you do, to be honest.",
    "La verdad no sé qué es Notera ni por qué me escriben.",
    "No sé quiénes son ni qué hacen. ¿De qué se trata?",
])
def test_who_we_are_is_answered_by_what_we_do_and_our_name_is_no_evidence(tmp_path, model_cache, text: str) -> None:
    """heldout-z's reviewer: "I've never heard of Fermata" was answered with the teacher-pay fact, which names
    Fermata Hub, and "what is it?" was left as a placeholder after the offering sentence that answers it. What we
    do answers it, with the team's fact on how established we are."""
    from bot.core.reading import asks_what_we_are
    established = {"en": "Used by 300 music schools in Spain and Portugal.",
                   "es": "La usan 300 escuelas de música en España y Portugal.", "topic": "vendor_viability"}
    team = {**_SIGN_ON, "facts": [*_SIGN_ON["facts"], established,
                                  {"en": "Teacher pay is exported as a file; Notera does not run payroll.",
                                   "es": "La retribución se exporta en un fichero; Notera no hace nóminas."}]}
    coach = _coach_with(team, tmp_path, model_cache)
    guidance = coach.coach(text, offline=True)
    talk = guidance.talk_track
    assert "payroll" not in talk and "nóminas" not in talk, talk
    offering = _SIGN_ON["company"]["offering"]["en" if guidance.language == "en" else "es"].rstrip(".")
    assert talk.count(offering.split()[0]) == 1 and offering.split(" ", 1)[1] in talk, talk
    assert "[" not in talk and talk.count(established[guidance.language].rstrip(".")) == 1, talk
    assert all(asks_what_we_are(c["words"], "Notera") for c in guidance.concerns), guidance.concerns


@pytest.mark.parametrize("text", [
    "What is it going to cost for forty teachers?", "I don't know what the price is.", "No sé qué es peor.",
    "Who is your biggest customer here?", "¿Qué es lo que incluye el plan básico?",
])
def test_a_question_about_something_of_ours_is_not_who_we_are(text: str) -> None:
    from bot.core.reading import asks_what_we_are
    assert not asks_what_we_are(text, "Notera")


def test_who_we_are_with_the_empty_profile_is_the_offering_to_fill_in(shared_coach) -> None:
    guidance = shared_coach.coach("Never heard of you guys. Who are you?", offline=True)
    talk, offering = guidance.talk_track, "[what we sell, and to whom, in one sentence]"
    assert talk.count(offering) == 1 and talk.count("[") == 1, talk
    # (in Clarify, once, as the line to fill in: a placeholder is nothing the seller "can state")
    assert guidance.clarify.count(offering) == 1 and "you can state" not in guidance.clarify, guidance.clarify


@pytest.mark.parametrize("text", [
    "Isn't this just a calendar with extra steps?",
    "¿No es solo un calendario con otro nombre?",
])
def test_a_product_taken_for_less_is_answered_by_what_we_do_not_the_thing_named(tmp_path, model_cache,
                                                                                text: str) -> None:
    """heldout-z's reviewer: "isn't this a calendar with extra steps?" was answered with the calendar-sync fact,
    which only confirms the belief."""
    team = {**_SIGN_ON, "facts": [*_SIGN_ON["facts"],
                                  {"en": "Lessons sync to Google Calendar and Outlook.",
                                   "es": "Las clases se sincronizan con Google Calendar y Outlook."}]}
    guidance = _coach_with(team, tmp_path, model_cache).coach(text, offline=True)
    offering = _SIGN_ON["company"]["offering"][guidance.language].rstrip(".")
    assert offering in guidance.talk_track and "Outlook" not in guidance.talk_track, guidance.talk_track


@pytest.mark.parametrize("text", [
    "It's just a question of budget.", "Es solo una pregunta.", "This is only a pilot, right?",
    "Isn't it a bit expensive?", "It's just a lot of money for us.",
])
def test_just_a_question_or_a_lot_of_money_takes_nothing_for_less(text: str) -> None:
    from bot.core.reading import belittles
    assert not belittles(text)


@pytest.mark.parametrize(("text", "closing"), [
    ("I heard you only work with big conservatories.", "Does knowing that change how you see this project?"),
    ("Tengo entendido que solo trabajan con conservatorios grandes.", "¿Cambia eso su manera de ver este proyecto?"),
])
def test_a_belief_answered_is_checked_back_not_supposed_again(tmp_path, model_cache, text: str, closing: str) -> None:
    """heldout-z's reviewer: "If it turned out that was not the case…" was asked right after the fact that says it
    is not. With the fact said, the talk track checks back; with a placeholder, the diagnostic question still closes."""
    team = {**_SIGN_ON, "facts": [*_SIGN_ON["facts"],
                                  {"en": "We work with small music schools as well as big conservatories.",
                                   "es": "Trabajamos con escuelas de música pequeñas y también con conservatorios "
                                         "grandes."}]}
    guidance = _coach_with(team, tmp_path, model_cache).coach(text, offline=True, label="incorrect")
    assert guidance.concerns[0]["status"] == "answered", guidance.concerns
    assert guidance.talk_track.endswith(closing), guidance.talk_track
    (tmp_path / "empty").mkdir()
    empty = _coach_with({**_SIGN_ON, "facts": []}, tmp_path / "empty", model_cache)
    assert not empty.coach(text, offline=True, label="incorrect").talk_track.endswith(closing)


@pytest.mark.parametrize(("fact", "concern", "said"), [
    ("The survey app runs on iPhone and iPad only; an Android version is on the roadmap for 2027.",
     "Does it work on Android? My crews all have Samsungs.", "Android"),
    ("ISO 27001 certified since 2023; a SOC 2 Type II audit has not started.",
     "Our insurer asks for a SOC 2 Type II report from every vendor.", "SOC 2 Type II"),
    ("Two-way sync with Xero; QuickBooks Online is one-way only (payments are not read back).",
     "Do you connect with QuickBooks? My bookkeeper needs to see the deposits there.", "QuickBooks"),
    ("Hoja de ruta: un módulo de dimensionado de baterías para instalaciones existentes, previsto para 2027.",
     "¿Hace el dimensionado de baterías para instalaciones existentes?", "dimensionado de baterías"),
])
def test_a_fact_that_says_what_was_asked_is_not_there_yet_is_a_limit(fact: str, concern: str, said: str) -> None:
    """heldout-aa (measured once, then used): "an Android version is on the roadmap", "a SOC 2 audit has not
    started", "QuickBooks Online is one-way only" were offered as the answer, as if they met the need."""
    from bot.core.requirements import unmet_why
    assert unmet_why(fact, concern) == ((said,), True)


@pytest.mark.parametrize(("fact", "concern"), [
    # what is there, "only" naming it; a plan for another feature; a name the clause says nothing "not yet" of
    ("The survey app runs on iPhone and iPad only; an Android version is on the roadmap for 2027.",
     "Does the app work on iPhone?"),
    ("Roadmap: EV charger quoting in 2027.", "Can we quote batteries?"),
    ("Two-way sync with Xero; QuickBooks Online is one-way only.", "Do you sync with Xero?"),
])
def test_a_fact_that_has_what_was_asked_is_no_limit(fact: str, concern: str) -> None:
    from bot.core.requirements import unmet_why
    assert unmet_why(fact, concern) == ((), False)


@pytest.mark.parametrize(("text", "frame", "fact"), [
    ("Does your site-survey app run on Android? None of my installers has an iPhone.", "I'll be straight with you.",
     "an Android version is on the roadmap for 2027"),
    ("¿La app de visitas funciona en Android? Ninguno de mis instaladores tiene iPhone.", "Le seré claro.",
     "la versión para Android está en la hoja de ruta para 2027"),
])
def test_a_limit_the_fact_states_is_said_plainly_in_the_talk_track(tmp_path, model_cache, text: str, frame: str,
                                                                   fact: str) -> None:
    team = {**_SIGN_ON, "facts": [*_SIGN_ON["facts"],
                                  {"en": "The site-survey app runs on iPhone and iPad only; an Android version is on "
                                         "the roadmap for 2027.",
                                   "es": "La app de visitas funciona solo en iPhone y iPad; la versión para Android "
                                         "está en la hoja de ruta para 2027."}]}
    guidance = _coach_with(team, tmp_path, model_cache).coach(text, offline=True)
    assert guidance.concerns[0]["status"] == "unmet", guidance.concerns
    assert frame in guidance.talk_track and fact in guidance.talk_track, guidance.talk_track


@pytest.mark.parametrize("concern", [
    "Creo que esto no se conecta con Holded, ¿verdad? Me dijeron que todo hay que pasarlo a mano a contabilidad.",
    "I don't think this connects to Holded, right? I was told everything is retyped for the accountants.",
])
def test_no_connection_with_other_programs_denies_none_of_those_named(concern: str) -> None:
    """heldout-aa's reviewer: "No hay conexión con otros programas de contabilidad" was read as denying accounting,
    and the coach told a buyer who doubted the Holded sync that we do not cover it."""
    fact = ("Two-way sync with Holded and Xero; no other accounting packages are connected. Sincronización "
            "bidireccional con Holded y Xero; no hay conexión con otros programas de contabilidad.")
    assert unmet(fact, concern) == ()
    assert unmet("There is no connection with accounting packages.", "Do you connect to my accounting?") != ()


@pytest.mark.parametrize(("text", "opening"), [
    ("El programa me gusta, la parte de presupuestos es justo lo que buscábamos. Pero no puedo formar a nadie hasta "
     "octubre.", "Me alegra que esa parte le parezca bien."),
    ("Love the quote layout. Which monitoring apps does the handover work with?", "Good to hear that part works"),
])
def test_praise_of_a_part_of_ours_is_not_read_as_the_price(shared_coach, text: str, opening: str) -> None:
    """heldout-aa's reviewer: "la parte de presupuestos" (the quoting module) was acknowledged as "Me alegra que esté
    conforme con el presupuesto"."""
    talk = shared_coach.coach(text, offline=True).talk_track
    assert talk.startswith(opening), talk


def test_praise_of_the_price_part_is_still_the_price() -> None:
    from bot.core.reading import names_a_part_of_ours
    assert not names_a_part_of_ours("The pricing part is fine") and not names_a_part_of_ours("La parte del precio")


# --- the diff review's look-alikes (this round's reading) ---------------------------------------------------------

@pytest.mark.parametrize("text", [
    "If the driver goes offline, what does it do?", "Who are you working with in Chile?",
    "I don't know what you do with our customers' addresses.", "Eso es un tipo de riesgo que no corremos.",
    "What's Notera's uptime?", "Conozco a Notera de una feria.",
])
def test_a_question_on_something_else_is_not_who_we_are(text: str) -> None:
    from bot.core.reading import asks_what_we_are
    assert not asks_what_we_are(text, "Notera")
    assert not asks_what_we_are("What's our exit cost if we leave?", "Our company")  # (the shipped profile's name)


@pytest.mark.parametrize("text", ["Is it just a one-time fee, or monthly?", "No es solo un problema de precio."])
def test_a_fee_or_not_only_a_price_takes_nothing_for_less(text: str) -> None:
    from bot.core.reading import belittles
    assert not belittles(text)


def test_praise_from_everyone_is_praise_and_the_price_part_is_the_price() -> None:
    from bot.core.reading import names_a_part_of_ours
    assert accepts("A todos nos gustó mucho la demo.") and accepts("We all loved the demo.")
    assert not names_a_part_of_ours("la parte de los precios está bien")


def test_good_news_is_no_limit_and_our_name_is_no_requirement(tmp_path, model_cache) -> None:
    from bot.core.requirements import unmet_why
    fact = "We have not had an outage longer than one hour since 2019."
    assert unmet_why(fact, "Have you ever had a long outage?") == ((), False)
    coach = _coach_with({**_SIGN_ON, "facts": [{"en": fact, "es": "No hemos tenido una caída de más de una hora "
                                                                   "desde 2019."}]}, tmp_path, model_cache)
    assert coach.matcher.without_our_name("Has Notera's app ever gone down?").split() == ["Has", "app", "ever",
                                                                                         "gone", "down?"]
    talk = coach.coach("Has Notera ever had a long outage? We can't lose a Saturday.", offline=True).talk_track
    assert "straight with you" not in talk and "«Notera»" not in talk and "“Notera”" not in talk, talk


def test_storing_history_is_no_item_about_where_the_data_is() -> None:
    from bot.core.requirements import unmet_why
    message = "Our data can't leave the EU. Can we keep ten years of history?"
    assert unmet_why("Customers can store unlimited route history.", "Can we keep ten years of history?", "",
                     message) == ((), False)


@pytest.mark.parametrize(("text", "not_asked"), [
    ("Every vendor at the trade fair told me their tool quotes in ten minutes. Prove it.",
     "Has a vendor told you something similar before?"),
    ("Todos los proveedores me dicen exactamente lo mismo. Demuéstrelo.",
     "¿Algún proveedor le planteó algo parecido antes?"),
])
def test_a_closing_question_the_buyer_already_answered_twice_is_not_asked(shared_coach, text: str,
                                                                            not_asked: str) -> None:
    """heldout-aa's reviewer: "Has a vendor told you something similar before?" right after "every vendor at
    Intersolar told me…" (and "prove it" had already answered what they would need to see)."""
    lang = "es" if not_asked.startswith("¿") else "en"
    closing = shared_coach.playbooks["skepticism"].closing(lang, text)
    assert not closing.startswith(not_asked) and closing.endswith("?"), closing
    guidance = shared_coach.coach(text, offline=True, label="skepticism")
    assert not_asked not in guidance.talk_track, guidance.talk_track


_EXCISE = {"company": {"name": "Maltline", "offering": {"en": "Brewing and excise software for small breweries.",
                                                        "es": "Software de elaboración e impuestos especiales para "
                                                              "pequeñas cerveceras."}},
           "facts": [{"en": "Excise returns are filed for Spain (SILICIE) and for UK HMRC; the US TTB Brewer's "
                            "Report of Operations is not supported.",
                      "es": "Se presentan las declaraciones de impuestos especiales de España (SILICIE) y de HMRC en "
                            "el Reino Unido; el TTB Brewer's Report of Operations de EE. UU. no está soportado."},
                     {"en": "Pricing starts at €149 a month for up to 1,500 hl a year.",
                      "es": "El precio empieza en 149 € al mes hasta 1.500 hl al año."},
                     {"en": "Batch traceability links each malt lot to the kegs it ended up in.",
                      "es": "La trazabilidad enlaza cada lote de malta con los barriles en los que acabó."},
                     {"en": "A REST API is included on the Pro plan, limited to 10,000 calls per day.",
                      "es": "La API REST se incluye en el plan Pro, con un límite de 10.000 llamadas al día."}]}


@pytest.mark.parametrize(("text", "frame", "limit"), [
    ("We're a brewpub outside Portland. Doing the TTB Brewer's Report of Operations by hand eats two days a month, "
     "so if that goes away we're interested.", "I'll be straight with you.", "is not supported"),
    ("Tenemos una planta en Texas y cada mes el TTB Brewer's Report of Operations nos quita dos días; si eso lo "
     "resuelven, nos interesa.", "Le seré claro.", "no está soportado"),
])
def test_the_one_fact_naming_the_form_the_buyer_named_answers_it_with_its_limit(
        tmp_path, model_cache, text: str, frame: str, limit: str) -> None:
    """heldout-ab's reviewer: the fact saying the TTB report is not supported was never matched (meaning alone
    ranked it below the floor), so the seller was told no fact matched and set up to chase a deal the product
    cannot serve."""
    guidance = _coach_with(_EXCISE, tmp_path, model_cache).coach(text, offline=True)
    assert [c["status"] for c in guidance.concerns] == ["unmet"], guidance.concerns
    assert frame in guidance.talk_track and limit in guidance.talk_track, guidance.talk_track


def test_a_name_a_fact_denies_is_the_buyers_run_of_its_words() -> None:
    from bot.core.requirements import unmet_why
    fact = _EXCISE["facts"][0]["en"]
    assert unmet_why(fact, "Can you file our TTB Brewer's Report of Operations?") == (
        ("TTB Brewer's Report of Operations",), True)


@pytest.mark.parametrize(("text", "offering", "api"), [
    ("Sorry, who are you with again? I get ten of these calls a day.", "Brewing and excise software",
     "10,000 calls"),
    ("Perdona, ¿de qué empresa me dijiste que eras? Me llaman diez veces al día.",
     "Software de elaboración e impuestos especiales", "10.000 llamadas"),
])
def test_who_are_you_with_is_answered_by_what_we_do_not_by_a_fact_its_words_match(
        tmp_path, model_cache, text: str, offering: str, api: str) -> None:
    """heldout-ab: "who are you with again? I get ten of these calls a day" was answered with the API's limit of
    calls per day."""
    guidance = _coach_with(_EXCISE, tmp_path, model_cache).coach(text, offline=True)
    assert offering in guidance.talk_track and api not in guidance.talk_track, guidance.talk_track


@pytest.mark.parametrize(("fact", "said"), [
    ("Pricing: Starter plan €149/month.", "Starter plan €149/month."),
    ("Hoja de ruta: la sincronización con Untappd está prevista para el T1.",
     "La sincronización con Untappd está prevista para el T1."),
    ("SLA: 99.9% uptime, with service credits.", "SLA: 99.9% uptime, with service credits."),
    ("SOC 2: a Type II report is due in Q3 2027.", "SOC 2: a Type II report is due in Q3 2027."),
    ("US TTB report: not supported.", "US TTB report: not supported."),
    ("Support is by email: Monday to Friday.", "Support is by email: Monday to Friday."),
])
def test_a_fact_is_said_without_the_label_it_is_filed_under(fact: str, said: str) -> None:
    from bot.services.composing import spoken
    assert spoken(fact) == said


@pytest.mark.parametrize(("text", "said", "label"), [
    ("How much is it a month for a small brewery?", "Starter plan is €149 a month", "Pricing:"),
    ("¿Cuánto cuesta al mes para una cervecera pequeña?", "El plan Starter cuesta 149 € al mes", "Precios:"),
])
def test_the_talk_track_does_not_read_the_facts_label_aloud(tmp_path, model_cache, text: str, said: str,
                                                            label: str) -> None:
    """heldout-ab's reviewer: "Sobre el precio: Precios: plan Starter…" read the profile's filing aloud."""
    team = {**_EXCISE, "facts": [{"topic": "price", "en": "Pricing: the Starter plan is €149 a month for up to "
                                                          "1,500 hl a year.",
                                  "es": "Precios: el plan Starter cuesta 149 € al mes hasta 1.500 hl al año."},
                                 *_EXCISE["facts"][2:]]}
    guidance = _coach_with(team, tmp_path, model_cache).coach(text, offline=True)
    assert said.lower() in guidance.talk_track.lower() and label not in guidance.talk_track, guidance.talk_track


def test_a_list_of_what_the_company_did_is_all_said_as_we() -> None:
    """heldout-ab's reviewer: "We were founded in 2017 in Valencia, has 48 employees"."""
    assert as_we("Maltline was founded in 2017, has 48 employees and raised €6M.", "Maltline", "en") == \
        "We were founded in 2017, have 48 employees and raised €6M."
    # (a verb inside a clause of its own keeps its subject)
    assert as_we("Maltline runs a desk that, since 2023, has been open on Saturdays.", "Maltline", "en") == \
        "We run a desk that, since 2023, has been open on Saturdays."


@pytest.mark.parametrize(("text", "question"), [
    ("Is the price per user or per location?", "How many sites and people should I price it for"),
    ("¿El precio es por usuario o por local?", "¿Para cuántas sedes y personas se lo calculo"),
    ("Su precio es el doble de lo que pagamos hoy.", "¿Con qué están comparando el precio?"),
])
def test_a_buyer_who_only_asks_how_it_is_priced_is_not_asked_what_they_compare_it_with(
        shared_coach, text: str, question: str) -> None:
    """heldout-ab's reviewer: a factual question about pricing per location was closed with "What are you comparing
    the price with?", as if the buyer had said it costs too much."""
    talk = shared_coach.coach(text, offline=True).talk_track
    assert question in talk, talk


@pytest.mark.parametrize(("words", "asks"), [
    ("Can we run two taprooms on one account, or is pricing per location", True),
    ("¿Se cobra por local o por cuenta?", True),
    ("Why is it so expensive compared with a spreadsheet?", False),
    ("¿Por qué es tan caro si solo somos tres?", False),
    ("Your price is double what we pay today.", False),
    ("Isn't that costly for a team of four?", False),
    ("Es inasumible para nosotros, ¿no?", False),
    ("Además de eso, ¿se cobra por local?", True),
])
def test_only_asks_is_a_question_holding_nothing_against_it(words: str, asks: bool) -> None:
    from bot.core.reading import only_asks
    assert only_asks(words) is asks



@pytest.mark.parametrize(("text", "concerns"), [
    ("Procurement's questionnaire asks for a SOC 2 Type II report, and IT wants SSO through Entra on the Pro plan.",
     ["Procurement's questionnaire asks for a SOC 2 Type II report", "IT wants SSO through Entra on the Pro plan."]),
    ("Legal needs the DPA signed, and finance wants monthly billing.",
     ["Legal needs the DPA signed", "finance wants monthly billing."]),
    ("El comité pide la ISO 27001, y la gerencia quiere facturación mensual.",
     ["El comité pide la ISO 27001", "la gerencia quiere facturación mensual."]),
    # one subject, one requirement: no second concern
    ("We tried it, and it works, but it needs to be faster.", ["it needs to be faster."]),
])
def test_a_second_requirement_with_its_own_subject_is_a_concern_of_its_own(text: str, concerns: list[str]) -> None:
    """heldout-ab's reviewer: "…asks for a SOC 2 Type II report, and IT wants SSO through Entra on the Pro plan"
    was one concern; the SOC 2 limit the profile states was never said."""
    assert [c.words for c in read(text).concerns] == concerns


def test_a_name_binds_a_concern_only_as_a_whole_word() -> None:
    """"Pro" (a plan) is not in "Problem is procurement's…": the SOC 2 concern was held back with "I'd rather not
    guess on “Pro”"."""
    from bot.core.requirements import unmet_why
    fact = "We are ISO/IEC 27001 certified; a SOC 2 Type II report is not available yet."
    message = "Problem is procurement asks for a SOC 2 Type II report. And IT wants SSO on the Pro plan?"
    missing, ruled_out = unmet_why(fact, "Problem is procurement asks for a SOC 2 Type II report", "", message)
    assert "Pro" not in missing and "SOC 2 Type II" in missing and ruled_out, missing


@pytest.mark.parametrize("concern", ["Finance wants the 12-month commitment removed before anything goes live.",
                                     "Finanzas quiere quitar la permanencia de 12 meses antes de firmar."])
def test_a_commitment_they_want_removed_is_not_met_by_the_fact_that_imposes_it(concern: str) -> None:
    """dev-h, once the second requirement of a sentence became a concern of its own: "The Pro plan … requires a
    12-month minimum commitment" was stated as the answer to a buyer who wants that commitment removed."""
    from bot.core.requirements import unmet_why
    missing, ruled_out = unmet_why("The Pro plan is billed monthly but requires a 12-month minimum commitment.",
                                   concern)
    assert missing and ruled_out


_BOOKS = {**_EXCISE, "facts": [{"en": "Accounting integrations: two-way sync with Xero and QuickBooks Online; Sage 50 "
                                      "is export-only (one way, daily CSV).",
                                "es": "Integraciones contables: sincronización bidireccional con Xero y QuickBooks "
                                      "Online; Sage 50 es solo de exportación (en un solo sentido, CSV diario)."},
                               {"topic": "timing", "en": "Roadmap: live tap-list sync with Untappd is due in Q1 2027.",
                                "es": "Hoja de ruta: la sincronización de la carta de grifos con Untappd está prevista "
                                      "para el T1 de 2027."},
                               *_EXCISE["facts"][1:3]]}


@pytest.mark.parametrize(("text", "other"), [
    ("Do you integrate with Xero? We're moving the books to Sage 50 next year though, will that sync both ways too?",
     "Untappd"),
    ("¿Se integra con Xero? El año que viene pasamos la contabilidad a Sage 50, ¿eso también sincroniza en los dos "
     "sentidos?", "Untappd"),
])
def test_a_concern_an_earlier_answer_covers_gets_no_second_best_fact_on_another_subject(
        tmp_path, model_cache, text: str, other: str) -> None:
    """heldout-ab: the accounting fact answered "Do you integrate with Xero?", so "will that sync both ways too?"
    got the next closest, the Untappd roadmap, held back with "I'd rather not guess on “Xero”"."""
    guidance = _coach_with(_BOOKS, tmp_path, model_cache).coach(text, offline=True)
    assert not any(other in (c["fact"] or "") for c in guidance.concerns), guidance.concerns


def test_an_export_only_link_does_not_meet_a_two_way_need() -> None:
    from bot.core.requirements import unmet_why
    missing, ruled_out = unmet_why(_BOOKS["facts"][0]["en"],
                                   "Can it push orders to our Sage 50 so invoices come back marked paid?")
    assert missing == ("Sage 50",) and ruled_out



@pytest.mark.parametrize(("fact", "concern", "denied"), [
    # one ordinary word of a denied name is no name the buyer said (the diff review)
    ("There is no Apple Watch app.", "Our techs all carry Apple iPhones, does it run there?", ()),
    ("No Dynamics 365 Business Central connector.", "We are a small business, does it work for us?", ()),
    # a name opening the clause of its denial is denied
    ("No Okta integration; sign-on works with Google accounts only.", "Can we log in through Okta?", ("Okta",)),
    # a place alone is a name of its own ("CFDI de México")
    ("No se admite la facturación electrónica CFDI de México.", "¿Y en México funciona?", ("México",)),
])
def test_a_denied_name_is_said_whole_or_as_a_run_or_an_acronym(fact: str, concern: str, denied: tuple) -> None:
    from bot.core.requirements import denied_names
    assert denied_names(fact, concern) == denied


@pytest.mark.parametrize(("text", "required"), [
    ("We will be opening a taproom outside Portland next year, can you support two sites?", []),
    ("Our data cannot be stored outside the EU, can you do that?", ["EU"]),
])
def test_outside_a_place_binds_only_where_the_data_is(text: str, required: list[str]) -> None:
    assert requirements(text) == required


def test_getting_managements_commitment_is_no_wish_for_no_minimum_term() -> None:
    from bot.core.requirements import unmet_why
    assert unmet_why("Billed monthly, with a 12-month minimum commitment.",
                     "Primero tengo que sacar el compromiso de la dirección para el proyecto.") == ((), False)


@pytest.mark.parametrize(("text", "who"), [
    ("¿De qué empresa son esas referencias que nos mandaste?", False),
    ("Is it a kind of subscription, or do we buy it once?", False),
    ("Sorry, who are you with again?", True),
])
def test_who_we_are_in_so_many_words(text: str, who: bool) -> None:
    from bot.core.reading import asks_who_we_are
    assert asks_who_we_are(text) is who
