"""Tell English from Spanish (the languages we coach in) and notice text in neither; which of ours to answer in."""

from __future__ import annotations

import re
from collections.abc import Iterable

LANGUAGES = ("en", "es")  # what the coach speaks: playbooks, the profile, the UI strings
DEFAULT = "en"  # what it answers in when the text is in another language, or says nothing of one

_WORD = re.compile(r"[a-záéíóúñüàâçèêëîïôûœß']+")

_STOPWORDS = {
    "en": set(
        "the and is are was we our you your it this that to of for with not don't doesn't can't won't "
        "they their have has be but what how why who will would just about if so do does too no any "
        "already need see think really".split()
    ),
    "es": set(
        "el la los las y es son fue nosotros nuestro nuestra usted ustedes su sus esto eso que de del "
        "para con no por una un lo se pero qué cómo como por qué quién va tenemos tiene hay muy ya "
        "también dice creo más estamos están sí si nos le "
        # the words of a short brush-off, where "no" alone says nothing: "nel, ahorita no", "ahora no, gracias"
        "ahora ahorita gracias nel luego después despues interesa mándame mandame favor momento".split()
    ),
    # enough to notice French, Portuguese, German and Italian rather than guess English
    "other": set(
        "le les des est nous vous avec pour pas une sont ce dans mais très "
        "não você vocês está isso também muito uma são "
        "der die das und ist nicht wir sie ein eine mit für auch sind "
        "il della che sono non siamo questo anche molto".split()
    ),
}
_SPANISH_MARKS = re.compile(r"[ñ¿¡]")
# a short line may hold no common word of either language ("No interesado."): a Spanish ending or an accented vowel
# then tells ("-ado", "-ción", "-mente"; "rápido"), each counting once a word
_SPANISH_WORD = re.compile(r"(?:[áéíóú]|(?:ado|ada|ados|adas|ido|ida|idos|idas|ción|ciones|mente)$)")


def detect_language(text: str) -> str:
    """Return 'en', 'es' or 'other' for a short piece of text; English when there is no evidence."""
    words = _WORD.findall(text.lower())
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in _STOPWORDS.items()}
    scores["es"] += 2 * len(_SPANISH_MARKS.findall(text)) + sum(bool(_SPANISH_WORD.search(w)) for w in words)
    best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
    if scores[best] == 0:
        return "en"
    return best


def ours(lang: str | None) -> str:
    """`lang` when it is one of our languages, else English."""
    return lang if lang in LANGUAGES else DEFAULT


def answer_language(text: str) -> str:
    """The language to answer `text` in: its own when we speak it, else English."""
    return ours(detect_language(text))


def majority_language(texts: Iterable[str]) -> str:
    """Spanish when more of the texts read as Spanish than as English, else English."""
    votes = [detect_language(text) for text in texts]
    return "es" if votes.count("es") > votes.count("en") else DEFAULT
