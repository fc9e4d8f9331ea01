"""Which buyer turns of a call resist: the sentences that push back, doubt, worry, mistake or ask what is
missing, as opposed to the rest of a conversation (greetings, answers to discovery questions, agreement,
scheduling).

Why cues and not the objection classifier alone: the classifier was trained to tell the five kinds apart on
messages a seller chose to paste, and its "not an objection" class on Slack chatter; asked about "Sounds good,
let's meet Tuesday" it still names a kind, often with confidence. So a turn is an objection when one of its
sentences carries a cue of resistance in English or Spanish and is no approval (bot/core/reading.py `accepts`); the
classifier then gives the kind of what those sentences say, and can still decline it as no objection.
"""

from __future__ import annotations

import re

from bot.core.reading import accepts

_EN = (
    # doubt
    r"not (?:so |really |entirely |totally )?(?:sure|convinced|sold)|i (?:really )?doubt|skeptic|hard to believe|"
    r"i (?:don'?t|do not) (?:believe|buy|see|think|understand|get)|never (?:shows? up|works?|happens?)|"
    r"too good to be true|heard (?:that|this) before|every vendor|(?:you|they) (?:all )?(?:say|claim|promise)|"
    r"prove (?:it|that)|how (?:do|can|would) (?:we|i) know|what guarantee|"
    # worry
    r"worr(?:y|ied|ies|ying)|concern(?:ed|s)?\b|afraid|nervous|scar(?:ed|y)|risk(?:y|s)?\b|"
    r"what (?:happens|if)\b|what about (?:our|the|when|if)|lock(?:ed)?[- ]in|security|secure|compliance|compliant|"
    r"gdpr|hipaa|soc ?2|privacy|outage|downtime|go (?:out of business|under)|still be around|"
    # price and budget
    r"too (?:expensive|pricey|much|high|steep|costly)|expensive|pricey|over (?:our |the )?budget|budget|"
    r"can'?t afford|cheaper|(?:price|pricing|cost|quote|fee)s?\b[^.?!]{0,40}\b(?:high|more than|steep|a lot|over|"
    r"out of|double|twice)|more than we (?:pay|paid|budgeted|expected|spend)|hidden (?:fees|costs)|pay extra|"
    r"extra (?:cost|charge|fee)|(?:is|are) [^.?!]{1,40} extra\b|"
    # the way things are
    r"happy with (?:our|what|the current)|already (?:have|use|got)|works? (?:fine|well|for us)|"
    r"(?:don'?t|do not) (?:really )?need|no need|not a priority|(?:other|bigger) priorities|switching|"
    r"why (?:would we )?change|current (?:vendor|provider|system|tool)|"
    # mistaken beliefs
    r"i (?:thought|heard|read|was told)|someone told|(?:isn'?t|is it) true|you (?:only|don'?t|can'?t|won'?t) |"
    r"(?:doesn'?t|does not) (?:it|your)|"
    # what went wrong before
    r"we tried|last time|burn(?:ed|t)|didn'?t work|nobody used|no one used|never used|"
    # timing and authority
    r"not (?:the right )?(?:time|now)|next (?:year|quarter|fiscal)|(?:run|check) (?:this|it) (?:by|with)|"
    r"sign[- ]off|approv(?:al|e)|the board|(?:needs?|has|have) to (?:approve|sign|see|agree|weigh in)|"
    # a missing or partial picture
    r"(?:don'?t|do not|need to|want to) (?:understand|get|see|know) (?:what|how|why|where)|not clear|unclear|confus|"
    r"what (?:exactly )?(?:does|do|is) (?:it|this|that|you|your|the price|the cost)\b[^?]{0,40}"
    r"(?:include|cost|do|mean|work)|what'?s included|how (?:does|do|would|will) (?:it|this|that|you|your)\b|"
    r"won'?t work|wouldn'?t work|doesn'?t work|can'?t see how|don'?t see how|no way"
)
_ES = (
    r"no (?:estoy|estamos) (?:muy |del todo |tan )?(?:segur|convencid)|dud[oa]|esc[eé]ptic|no (?:me )?creo|"
    r"no (?:lo )?veo|cuesta creer|todos (?:los proveedores )?(?:dicen|prometen)|"
    r"me preocupa|nos preocupa|preocupaci[oó]n|miedo|riesgo|seguridad|protecci[oó]n de datos|rgpd|privacidad|"
    r"qu[eé] pasa (?:si|con)|y si\b|ca[ií]da|"
    r"caro|car[ií]simo|presupuesto|no (?:nos )?(?:alcanza|da) el|m[aá]s barato|(?:se )?paga aparte|"
    r"(?:precio|coste|costo|cuota)[^.?!]{0,40}(?:alto|elevado|m[aá]s de|doble)|"
    r"ya (?:tenemos|usamos|trabajamos)|estamos content|nos va bien|no (?:lo )?necesitamos|no es (?:una )?prioridad|"
    r"(?:por qu[eé]|para qu[eé]) cambiar|proveedor actual|"
    r"me dijeron|nos dijeron|tengo entendido|ten[ií]a entendido|pensaba que|le[ií] que|"
    r"probamos|la [uú]ltima vez|no funcion[oó]|nadie (?:lo |la )?us[oó]|la dejaron|lo dejaron|"
    r"ahora no|el a[nñ]o que viene|el pr[oó]ximo (?:a[nñ]o|trimestre)|(?:consultarlo|hablarlo|verlo) con|"
    r"(?:tiene|tienen) que (?:aprobar|firmar|verlo|dar el visto)|aprobaci[oó]n|"
    r"no (?:me )?queda claro|no (?:veo|tengo) claro|no entiendo|no s[eé] (?:si|c[oó]mo|qu[eé]|d[oó]nde)|"
    r"qu[eé] incluye|c[oó]mo funciona|no funciona|no sirve|no va a funcionar|imposible"
)
CUE = re.compile(rf"\b(?:{_EN}|{_ES})", re.I)
# Words that carry a cue yet close it: "no worries", "that makes sense, no concerns", "sin problema".
_DEFUSED = re.compile(
    r"\b(?:no (?:worries|concerns?|problem|risk)|not a problem|don'?t worry|not worried|no issue|"
    r"that (?:answers|covers|addresses) (?:it|that|my)|sin problema|no te preocupes|no hay problema|"
    r"no me preocupa|eso (?:responde|resuelve))\b", re.I)
# Logistics and small talk: a turn of only these is no objection, whatever words it uses.
_LOGISTICS = re.compile(
    r"\b(?:can you (?:hear|see) me|share (?:your|my) screen|(?:send|shoot) (?:me|over|us) the (?:invite|link|deck|"
    r"recording)|next (?:monday|tuesday|wednesday|thursday|friday|week)|see you|talk (?:soon|then|later)|"
    r"me escuchas|me oyes|compart(?:e|ir) (?:la|tu|su) pantalla|nos vemos|hablamos el)\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\s+(?=¿|¡)|\n+")
MIN_WORDS = 4


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def resisting(text: str) -> list[str]:
    """The sentences of a buyer's turn that resist, in order; [] when none does."""
    found = []
    for sentence in sentences(text):
        if len(sentence.split()) < MIN_WORDS and "?" not in sentence:
            continue
        if not CUE.search(sentence) or _DEFUSED.search(sentence) or _LOGISTICS.search(sentence):
            continue
        if accepts(sentence) and "?" not in sentence:
            continue  # "the demo went well, and the price is fine": an approval, not resistance
        found.append(sentence)
    return found


def quote(text: str, resist: list[str], limit: int = 600) -> str:
    """The buyer's words to show and diagnose: from the first resisting sentence to the last, in full when they
    fit; else the resisting sentences alone, cut at a word."""
    parts = sentences(text)
    first, last = parts.index(resist[0]), parts.index(resist[-1])
    said = " ".join(parts[first : last + 1])
    if len(said) > limit:
        said = " ".join(resist)
    if len(said) > limit:
        said = said[:limit].rsplit(" ", 1)[0] + "…"
    return said
