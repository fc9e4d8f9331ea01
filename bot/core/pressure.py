"""The pressure policy: coaching never tells the seller to promise an outcome or push a deadline or an expiring
offer. `pressure(text)` finds the clause that does; a model's guidance holding one is sent back once, then
replaced by the playbooks' (bot/llm/client.py). Pure functions, English and Spanish."""

from __future__ import annotations

import re

# Guidance must never tell the seller to promise an outcome or push a deadline: such an answer is sent back
# once, then replaced. What is judged is the move the seller is told to make, not a word: "avoid promising
# savings" and "the uptime guarantee in our SLA" are good advice; "guarantee them 30% savings" is not.
_CLAUSE = re.compile(r"[.;:!?¿¡\n]+|\s[—–]\s|\b(?:but|however|instead|pero|sino|aunque|en cambio)\b", re.I)
# A promise of outcome made by the seller or the company: first or second person, or an order to the seller.
_PROMISE = re.compile("|".join((
    r"^\W*(?:just |then |so |and )?(?:guarantee|promise)\b",  # "Guarantee them...", "Promise it will..."
    r"\b(?:i|we|you)(?:'ll| will| can| could| would| do| should| must)?(?: (?!only)\w+ly)? (?:guarantee|promise)\b",
    r"\b(?:guarantee|promise)d? (?:them|him|her|you|that|to\b|the (?:buyer|client|customer|prospect))",
    r"\b(?:guaranteeing|promising) (?:\w+ )?(?:\d|them|that|results|savings)",
    r"\b(?:re)?assure (?:them|him|her|the \w+) (?:that )?(?:it|they|you|we|there|this)\b(?:'ll| will| won't)",
    r"\bguaranteed (?:savings|results|roi|returns?|success|growth|payback)",
    r"\b(?:te|le|les|se lo|se la) (?:garantiz(?:o|amos|as)|garantic(?:e|es|en)|promet(?:o|emos|es|as|a|an)|"
    r"asegur(?:o|amos|as|es|e))\b",  # "te garantizo", "le prometo" (not the SLA's "le garantiza")
    r"\b(?:garant[ií]z|prom[ée]t)\w*(?:le|les|te)\b|\bas[ée]g[úu]r\w*(?:le|les)\b",  # "garantízale", "asegúrales"
    r"\b(?:garantizo|garantizamos|prometo|prometemos|garantices?|garanticen|prometas?|prometan)\b",
    r"\b(?:aseguro|aseguramos) que\b|^\W*(?:garantiza|promete)\b",
    r"\b(?:puedes|puede|podemos|debes|debe|hay que|vamos a|intenta) (?:garantizar|prometer|asegurarle)",
    r"\b(?:ahorros?|resultados?|retorno|roi|[ée]xito|crecimiento) garantizad[oa]s?",
)), re.I)
# Urgency that is pressure in itself: a countdown, or pushing the buyer to sign.
_URGENCY = re.compile(
    r"\blimited[- ]time|\blast chance|\bact now|\b(?:today|this week|this month) only|\bonly (?:this|until) \w+|"
    r"\bprice (?:goes|will go) up|\bbefore the price|[uú]ltima oportunidad|por tiempo limitado|"
    r"\bsolo (?:hoy|esta semana|este mes)|\bel precio (?:sube|subir[áa])|"
    r"\b(?:push|press|pressure|rush|hurry|urge)\w* (?:them|him|her|the \w+) (?:to|into) (?:sign|decide|commit|clos)|"
    r"\b(?:must|need to|needs to|have to|has to) (?:sign|decide|commit) (?:by|before|today|this week|now)\b|"
    r"\b(?:presi[óo]n|empuj|apur|mete prisa)\w*(?: \w+){0,3} (?:firm|decid|cerr)|"
    r"\btienen? que (?:firmar|decidir)\w* (?:antes|hoy|ya|esta|este)\b",
    re.I,
)
# A time limit and an incentive in one clause make an expiring offer ("the discount expires Friday",
# "si firma antes del viernes le hacemos un 20%"); either alone is ordinary planning or pricing.
_TIME_LIMIT = re.compile("|".join((
    r"\b(?:by|before|until|till|ends?|ending|expires?|runs? out) (?:the )?(?:end of (?:the )?)?"
    r"(?:today|tonight|tomorrow|(?:this|next) \w+|month|week|quarter|year|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|month[- ]end|quarter[- ]end|\d)",
    r"\b(?:expires?|expiring|expiry|deadline|fecha l[ií]mite|caduca|expira|vence|vencen)\b",
    r"\b(?:sign|commit|decide|buy|order)s?\b(?: \w+){0,2} (?:today|tonight|now|this week|this month)\b",
    r"\b(?:antes del?|hasta el|termina|se acaba|acaba) (?:el |este |esta |fin de )?(?:hoy|mañana|lunes|martes|"
    r"mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|fin|cierre|final|\d)",
    r"\bfirm(?:a|e|en|ar|as|amos)\b(?: \w+){0,2} (?:hoy|ya|ahora|esta semana|este mes)\b",
)), re.I)
_INCENTIVE = re.compile(
    r"discount|descuento|rebaja|rebate|promo|bonus|bonificaci[óo]n|gratis|lock in|for free|months? free|"
    r"\bfree (?:months?|seats?|licen[cs]es?|onboarding|training|upgrade)|"
    r"\d+ ?% (?:off|discount|de descuento|menos)|(?:hacemos|damos|dejamos|take|give|knock)(?: \w+){0,2} \d+ ?%|"
    r"special (?:price|pricing|terms|rate|offer)|\bthis offer\b|\boffer (?:ends|expires|is (?:only )?valid)|"
    r"\besta oferta\b|oferta (?:vence|caduca|termina|acaba)|oferta especial|precio especial|condiciones especiales",
    re.I,
)
# Advice against the move ("avoid", "never", "no garantices", "sin presionar", "inventing a deadline") earlier
# in its clause...
_ADVISED_AGAINST = re.compile(
    r"\b(?:avoid\w*|never|don't|dont|do not|not|no|without|refrain\w*|stop|resist|rather than|instead of|"
    r"can't|cannot|won't|shouldn't|mustn't|steer clear|nunca|jam[áa]s|sin|evit\w*|ni|tampoco|en lugar de|"
    r"en vez de|nada de|cuidado con|invent\w*)\b",
    re.I,
)
# ...but "if they don't sign by Friday" and "don't hesitate to" are part of the push, not advice against it.
_NOT_AGAINST = re.compile(r"\b(?:if|unless|si)\b(?: \w+)? (?:no|not|don't|do not|doesn't|won't)\b|"
                          r"\b(?:don't|do not|no) (?:hesitate|wait|dudes|esperes)\b", re.I)


def pressure(text: str) -> str | None:
    """The clause of `text` that tells the seller to promise an outcome or push a deadline, else None."""
    for clause in _CLAUSE.split(text):
        if not clause or not clause.strip():
            continue
        starts = [m.start() for m in (_PROMISE.search(clause), _URGENCY.search(clause)) if m]
        limit, incentive = _TIME_LIMIT.search(clause), _INCENTIVE.search(clause)
        if limit and incentive:
            starts.append(min(limit.start(), incentive.start()))
        for start in starts:
            before = _NOT_AGAINST.sub(" ", clause[:start])
            if not _ADVISED_AGAINST.search(before):
                return clause.strip()
    return None
