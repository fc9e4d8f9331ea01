"""Never an invented fact: find the figures and names a piece of coaching states, and check each one is in the
buyer's words, the deal context, the thread or the team profile. Pure functions, no I/O.

A "claim" is a number written in digits (amounts, percentages, years, durations), a number word with a unit
("six years", "diez semanas") or a capitalised word inside a sentence ("a call with Northwind Freight"); a
name that opens a sentence is caught by its later words only.
Text in [square brackets] is a placeholder for the seller to fill in and is never a claim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\[[^\]]*\]")
_DIGITS = re.compile(r"\d+(?:[.,:]\d+)*")
_NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|hundred|"
    "thousand|million|dozen|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|quince|veinte|treinta|"
    "cuarenta|cincuenta|cien|cientos|mil|millones|docena"
)
_UNITS = (
    "years?|months?|weeks?|days?|hours?|minutes?|customers?|clients?|percent|sites?|users?|seats?|people|employees|"
    "trucks?|stores?|countries|regions|offices|años|meses|semanas|días|horas|minutos|clientes|por ciento|sedes|"
    "usuarios|personas|empleados|camiones|tiendas|países|regiones|oficinas"
)
_WORDED = re.compile(rf"(?<!\w)({_NUMBER_WORDS})(?:[- ](?:\w+[- ])?)({_UNITS})(?!\w)", re.I)
_CAPITALISED = re.compile(r"(?<![\w@#])[A-ZÁÉÍÓÚÑÜ][\w'’&-]*")
_SENTENCE_START = re.compile(r"(^|[.!?:;•\n\"«“(¿¡*>-])\s*$")
# Capitalised words that name no customer, competitor or figure: pronouns, and roles and terms every seller uses.
ORDINARY_NAMES = {
    "i", "i'm", "i'd", "i'll", "i've", "ok", "okay", "cfo", "ceo", "cto", "cio", "coo", "ciso", "vp", "it", "hr",
    "roi", "kpi", "kpis", "api", "apis", "crm", "erp", "sso", "sla", "slas", "faq", "pdf", "csv", "q&a", "usted",
    "ustedes", "ud", "uds", "tu", "tú", "su", "sus", "mr", "ms", "mrs", "sr", "sra", "dr", "dra", "english",
    "spanish", "align", "clarify", "assure", "alinear", "clarificar", "asegurar", "slack",
}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w'’&-]+", text.lower()))


def claims(text: str) -> list[str]:
    """The figures and names `text` states, in order, each once."""
    text = _PLACEHOLDER.sub(" ", text)
    found: list[str] = []
    found += _DIGITS.findall(text)
    found += [m.group(0) for m in _WORDED.finditer(text)]
    for match in _CAPITALISED.finditer(text):
        word = match.group(0).rstrip("'’-")
        if word.lower() in ORDINARY_NAMES:
            continue
        if _SENTENCE_START.search(text[: match.start()]):
            continue  # a capitalised first word is just a first word; the rest of a name is still caught
        found.append(word)
    return list(dict.fromkeys(found))


def ungrounded(text: str, sources: Iterable[str]) -> list[str]:
    """The claims in `text` that none of `sources` contains (a figure by its digits, a name or number word by
    the word itself, ignoring case)."""
    joined = "\n".join(s for s in sources if s)
    numbers = set(_DIGITS.findall(joined))
    words = _words(joined)
    missing = []
    for claim in claims(text):
        if claim[0].isdigit():
            if claim not in numbers:
                missing.append(claim)
        elif not _words(claim) <= words and not (_WORDED.fullmatch(claim) and claim.split()[0].lower() in words):
            missing.append(claim)
    return missing


class Ungrounded(ValueError):
    """A coaching answer states a figure or a name that no input or profile entry holds."""

    def __init__(self, claims: list[str]):
        self.claims = claims
        super().__init__(
            "not grounded: it states " + ", ".join(repr(c) for c in claims) + ", which are in none of the buyer's "
            "words, the deal context, the thread or the team profile; state only those, or write a [placeholder]"
        )


def check_answer(fields: Mapping[str, object], sources: str, skip: Iterable[str] = ("label", "language")) -> None:
    """Raise Ungrounded when any text field of a model's answer states a figure or a name not in `sources`."""
    skipped = set(skip)
    text = "\n".join(str(v) for k, v in fields.items() if isinstance(v, str) and k not in skipped)
    missing = ungrounded(text, [sources])
    if missing:
        raise Ungrounded(missing)


_REFERENCE_OFFER = re.compile(r"referen|customer (who|you|they) can call|call (with )?a customer|cliente (al )?que|"
                              r"caso de (é|e)xito|testimon", re.I)


def names_a_reference(assure: str, customers: Iterable[str]) -> bool:
    """Whether an assure that offers a reference names one: a profile customer or a [placeholder]."""
    if not _REFERENCE_OFFER.search(assure):
        return True
    return bool(_PLACEHOLDER.search(assure)) or any(c.lower() in assure.lower() for c in customers)


@dataclass(frozen=True)
class DealCues:
    """What a deal context says that coaching can use: a stated goal and a named stakeholder."""

    goal: str | None = None
    stakeholder: str | None = None


_GOAL = re.compile(r"(?:\b(?:wants?|needs?|goal(?: is)?|aims? to|looking to|hopes? to|quiere|quieren|necesita|"
                   r"necesitan|busca|buscan|objetivo(?: es)?|meta(?: es)?)\b)[:\s]+(?:to\s+|a\s+)?([^.;,\n()]{4,80})",
                   re.I)
_NAMED = re.compile(r"\b([A-ZÁÉÍÓÚÑ][a-záéíóúñ]+(?: [A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)?)\s*\(([^)]{2,40})\)")
_ROLE_NAME = re.compile(r"\b(CFO|CEO|CTO|CIO|COO|CISO|VP of \w+|head of \w+|director[a]? de \w+|gerente de \w+)\s+"
                        r"([A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)")


def deal_cues(context: str | None) -> DealCues:
    """The goal and the stakeholder a deal context names, when it names them plainly."""
    if not context:
        return DealCues()
    goal = _GOAL.search(context)
    named = _NAMED.search(context)
    role_name = _ROLE_NAME.search(context)
    stakeholder = (f"{named.group(1)} ({named.group(2).strip()})" if named else
                   f"{role_name.group(2)} ({role_name.group(1)})" if role_name else None)
    return DealCues(goal=goal.group(1).strip() if goal else None, stakeholder=stakeholder)
