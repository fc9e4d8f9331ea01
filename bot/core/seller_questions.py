"""A seller asking the coach, told from a seller reporting what the buyer said; and which part of a playbook
answers the question. Pure functions, English and Spanish."""

from __future__ import annotations

import re

# A seller asking the coach, rather than reporting the buyer. Some openings only a seller uses ("¿qué le digo?",
# "any tips?"); the rest a buyer uses too ("can I cancel any time?", "how do I know it works?", "¿y si no
# funciona?"), so they count only when what follows is about the buyer or is a seller's move.
_SELLER_ONLY = re.compile(
    r"^(help me|any (tips|ideas|advice)|what (do|should) i do|qu[ée] (le |les )?(digo|respondo|contesto)|"
    r"qu[ée] hago|c[óo]mo (le |les )?(respondo|contesto|manejo)|alg[úu]n consejo)\b",
    re.I,
)
_SELLER_IF = re.compile(
    r"^(what if|what about|what (do|should|can) i|how (do|should|can) i|should i|can i|could i|do i|y si|"
    r"deber[íi]a|puedo|c[óo]mo)\s+((i|le|les|me|se lo)\s+)?("
    # the buyer, in the third person
    r"(they|he|she|their|them|the (buyer|client|customer|prospect|cfo|ceo|cto|board|champion)|"
    r"my (buyer|client|contact|champion)|(el|la|mi) (cliente|clienta|comprador|compradora|director\w*|jef[ea])|"
    r"él|ella|ellos|ellas|pide|piden|pregunta|preguntan|dice|dicen|insiste|insisten|exige|exigen|se queja)\b"
    # or a seller's move
    r"|(offer|say|tell|push|mention|propose|suggest|respond|reply|answer|handle|approach|frame|lower|drop|"
    r"bring up|follow up|get (them|him|her)|ask (them|him|her|for|about))"
    r"|(ofre[cz]|dec(ir|irle|irles)\b|dig[oa]\b|mencion|propon|suger|sugier|respond|contest|insist|(re)?bajar|"
    r"darle|doy|manej|abord|plante))",
    re.I,
)
# What may come before the first word: spaces, the opening ¿ and ¡, quotes, Slack's "> " quote marker.
_LEADING = " \t\n¿¡\"'“”‘’«»„>`*_"


def is_seller_question(text: str) -> bool:
    """Whether the seller is asking the coach something (answered from the playbook) rather than reporting
    what the buyer said (coached as an objection)."""
    opening = text.lstrip(_LEADING)
    return bool(_SELLER_ONLY.match(opening) or _SELLER_IF.match(opening))


# Which playbook field answers a seller's question, by what it is about.
_FIELDS = (
    ("assure", re.compile(r"referen|proof|prueba|testimon|case stud|caso de [ée]xito|evidence|evidencia", re.I)),
    ("pitfalls", re.compile(r"price|pric|discount|cheaper|precio|descuento|rebaja|deadline|plazo", re.I)),
    ("talk_tracks", re.compile(r"\bsay\b|word|phrase|respond|reply|answer|digo|decir|respondo|contesto", re.I)),
    ("questions", re.compile(r"\bask\b|question|pregunt|find out|averiguar", re.I)),
    ("clarify", re.compile(r"explain|example|show|demo|explic|ejemplo|mostrar", re.I)),
)


def question_field(question: str) -> str | None:
    """The playbook field that answers the seller's question (assure, pitfalls, talk_tracks, questions, clarify),
    or None when it names none (the next move answers it)."""
    return next((name for name, pattern in _FIELDS if pattern.search(question)), None)
