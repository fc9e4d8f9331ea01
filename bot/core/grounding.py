"""Never an invented fact: find the figures and names a piece of coaching states, and check each one is in the
buyer's words, the deal context, the thread or the team profile. Pure functions, no I/O.

A "claim" is a number written in digits (amounts, percentages, years, durations), a number word with a unit
("six years", "diez semanas"), a capitalised word inside a sentence ("a call with Northwind Freight"), or a
link, whose host must be one the inputs name (a model's link to anywhere else is a place nobody vouched for,
and Slack makes it clickable); a name that opens a sentence is caught by its later words only.
Text in [square brackets] is a placeholder for the seller to fill in and is never a claim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

# A link as Slack shows one: a scheme and a host ("https://…", "ftp://…") or "www." and a host; brackets,
# parentheses and quotes end it (markdown's "[label](url)", a sentence's "(see …)"), and so does the full stop
# or comma of the sentence it ends.
LINK = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>()\[\]{}\"'`|]*[^\s<>()\[\]{}\"'`|.,;:!?]", re.I)
_MARKDOWN_LINK = re.compile(r"\]\(\s*(" + LINK.pattern + r")\s*\)", re.I)
_DOMAIN = re.compile(r"(?<![\w.@-])(?:[a-z0-9-]+\.)+[a-z]{2,}(?![\w-])", re.I)
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
    # a plural possessive, a quote or a dash around a word ("the Musicians' Union", 'Samsara') is the word itself,
    # as claims() reads it
    return {word.strip("'’-") for word in re.findall(r"[\w'’&-]+", text.lower())}


def link_host(link: str) -> str:
    """The host a link points to, lowercased, without "www."."""
    try:
        host = urlsplit(link if "://" in link else f"http://{link}").hostname or ""
    except ValueError:  # not a URL after all ("http://[oops")
        return ""
    return host.rstrip(".").removeprefix("www.")


def unlinked(text: str) -> str:
    """`text` with every link replaced by its host written so that nothing makes it a link again ("evil[.]com"),
    for text shown before or without its links being checked: a model's streamed draft, a rejected claim."""

    def host(link: str) -> str:
        return link_host(link).replace(".", "[.]")

    text = _MARKDOWN_LINK.sub(lambda m: f"] ({host(m.group(1))})", text)  # "[label](url)": no markdown link left
    return LINK.sub(lambda m: host(m.group(0)), text)


def _hosts(text: str) -> set[str]:
    """The hosts `text` names: in its links, and as bare domains ("acme.com", "www.Globex.com")."""
    return {link_host(m.group(0)) for m in LINK.finditer(text)} | {
        link_host(m.group(0)) for m in _DOMAIN.finditer(text)}


def claims(text: str) -> list[str]:
    """The links, figures and names `text` states, in order, each once."""
    text = _PLACEHOLDER.sub(" ", text)
    found: list[str] = LINK.findall(text)
    text = LINK.sub(" ", text)  # a link's digits and words are the link's: it is judged by its host
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
    the word itself, ignoring case, a link by its host)."""
    joined = "\n".join(s for s in sources if s)
    numbers = set(_DIGITS.findall(joined))
    words = _words(joined)
    stated = claims(text)
    hosts = _hosts(joined) - {""} if any(LINK.fullmatch(claim) for claim in stated) else set()
    missing = []
    for claim in stated:
        if LINK.fullmatch(claim):
            if link_host(claim) not in hosts:
                missing.append(claim)
        elif claim[0].isdigit():
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
