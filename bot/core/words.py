"""Content words: what two texts on one point share, in English or Spanish, whatever their accents or endings."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Words any buyer line or vendor sentence may hold without saying what it is about (EN and ES)
COMMON_WORDS = frozenset("""
about again also answer answered asked asking because been before being could does doesn didn don done each ok
even every exactly fine first good great have haven hear heard here just know like look make makes more most
much need needs next okay only other over part question really right said same saying says should show still
sure tell telling than that thanks them then there these they thing things think this those through told trying
very want wants well were what when where which while will with would yes your yours you're kind let's that's
it's i'm i've don't can't isn't what's there's going point case clear means mean sounds sound plainly once
ahora algo antes aquí bien cada como cómo cual cuál cuando cuándo decir dice dicho donde dónde ellos entonces
eso esta está este esto estoy hace hacer hasta lo los las más mismo mucho muy nada necesito nos nuestra nuestro
otra otro para pero poco porque pregunta pregunté puede que qué quiero sabe saber sigue sigo sobre solo sólo
también tengo todavía todo usted ustedes vamos veo vez voy claro bueno pues sea
into onto upon across within without something anything someone anyone everyone nothing lots four five three
always never maybe perhaps already instead around between since after until those these whose whom again
entre desde hacia hasta durante sino cuatro tres cinco siempre nunca quizás alguien nadie puedo podemos
""".split())
_WORD = re.compile(r"[^\W\d_]{4,}|\d+", re.U)


@lru_cache(maxsize=65536)  # the same words and sentences are folded again and again while one message is read
def fold(text: str) -> str:
    """Lower case without accents."""
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")


_COMMON_STEMS = frozenset(fold(w)[:5] for w in COMMON_WORDS)


# names written in capitals say the most in the fewest letters: SSO, SAP, RFIs
_ACRONYM = re.compile(r"\b([A-Z][A-Z0-9]{1,3})s?\b")


def stems(text: str) -> set[str]:
    """Its content words, acronyms and numbers, without accents, cut to their first five letters ("integrations",
    "integración": "integ"; "RFIs": "rfi"), less the common ones."""
    return ({w[:5] for w in _WORD.findall(fold(text))} | {a.lower() for a in _ACRONYM.findall(text)}) - _COMMON_STEMS
