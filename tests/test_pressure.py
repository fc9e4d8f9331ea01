"""The pressure check on model guidance judges the move the seller is told to make, not the word."""

import pytest

from bot.core.pressure import pressure

PUSHY_EN = [
    "Guarantee them 30% savings in the first year so the doubt goes away.",
    "Promise it will be live in a week, that usually settles it.",
    "Tell them we guarantee the results if they follow the rollout plan.",
    "Assure them that there will be no downtime during the migration.",
    "Tell them the discount expires Friday so they decide quickly.",
    "If they sign before the end of the month, knock off 15% from the licence.",
    "Remind them this is a limited-time offer and the price goes up next quarter.",
    "You can promise them the integration works out of the box.",
    "Lead with guaranteed savings of 20% to close the gap.",
    "Never oversell the roadmap, but promise them it will pay for itself within a year.",
    "If they don't sign by Friday, the special pricing is gone.",
    "Don't hesitate to guarantee them the result.",
    "Sign today and get 10% off.",
    "Push them to sign before the end of the quarter.",
]
FAIR_EN = [
    "Avoid promising guaranteed savings; show one comparable customer instead.",
    "Point to the uptime guarantee in our SLA and explain how service credits work.",
    "Never guarantee a number before the pilot has measured their baseline.",
    "Don't push a deadline or an expiring discount; let them set the pace.",
    "Say honestly that we can't promise a go-live date until their IT team has reviewed the plan.",
    "Mention the money-back guarantee only if the team profile lists it.",
    "Ask which date they need the rollout live by and plan back from there.",
    "Before Friday, send them the price breakdown they asked for.",
    "Assure them with one reference they can call, then stop adding proof.",
    "Make no promises about savings; offer to measure them together in a pilot.",
    "Rather than promising them a result, agree on what the pilot should show.",
    "The SLA guarantees that uptime stays above 99.9%, as the team profile states.",
    "Before Friday, ask if they're free for a call with their IT lead.",
    "Don't push them to sign before their security review is done.",
]
PUSHY_ES = [
    "Dile: te garantizo que ahorrarás un 30% el primer año.",
    "Asegúrale que no habrá problemas con la migración.",
    "Prométele que estará en marcha en una semana.",
    "Dile que el descuento vence el viernes para que se decida.",
    "Si firma antes del viernes le hacemos un 20%.",
    "Garantízale resultados desde el primer mes.",
    "Recuérdale que es una oferta por tiempo limitado.",
    "Dile que les garantizamos el ahorro si siguen el plan.",
    "Ofrece un ahorro garantizado del 25% para cerrar la duda.",
    "Puedes prometer que la integración funciona sin configurar nada.",
    "Si no firma antes de fin de mes, pierde el descuento.",
    "Firma hoy y te hacemos un 15%.",
    "Presiónale para que firme esta semana.",
]
FAIR_ES = [
    "No garantices un ahorro concreto; muestra un cliente parecido.",
    "Evita prometer plazos de implantación que no dependen de ti.",
    "Sin presionar con plazos, pregunta qué fecha les conviene.",
    "Menciona la garantía de disponibilidad que recoge nuestro SLA.",
    "Nunca le prometas resultados que el piloto no haya medido.",
    "Asegúrate de que entiendes qué les preocupa antes de responder.",
    "Pregunta para cuándo necesitan tenerlo funcionando y planifica hacia atrás.",
    "Antes del viernes, envíale el desglose de precios que pidió.",
    "No le pongas fecha límite al descuento; deja que decida a su ritmo.",
    "Di con honestidad que no podemos garantizar una cifra antes del piloto.",
    "En lugar de prometerle un resultado, acordad qué debe demostrar el piloto.",
    "Recuérdale que el SLA le garantiza un 99,9% de disponibilidad.",
    "Tácticas de presión: inventar una fecha límite o un descuento que vence.",
    "No lo presiones para que firme antes de la revisión de seguridad.",
]


@pytest.mark.parametrize("text", PUSHY_EN + PUSHY_ES)
def test_promises_and_pushed_deadlines_are_caught(text):
    assert pressure(text) is not None


@pytest.mark.parametrize("text", FAIR_EN + FAIR_ES)
def test_advice_against_and_neutral_mentions_pass(text):
    assert pressure(text) is None


def test_the_offending_clause_is_named():
    assert pressure("Show one case study. Then guarantee them the savings.") == "Then guarantee them the savings"
