"""The buyer's next line in a practice answers only what the seller said (issue #24).

A scenario's scripted lines were written for one imagined answer: "Telling me the price goes up next quarter
makes me less comfortable" presumes the seller pressured, "A full export in an open format, tested once during
the pilot" presumes the seller offered exactly that. Said after an answer that did neither, the buyer answers
words the seller never wrote. So a scripted line is used only when it fits the reply: the words it presumes (its
content words that are not the buyer's own, in the objection or persona) are mostly in the reply, or it presumes
none. Otherwise the buyer says a generic line that presumes nothing, and reacts to a pitfall only when the reply
holds one (its words are quoted on the scorecard).
"""

from __future__ import annotations

import re

from bot.content.i18n import t
from bot.core.words import COMMON_WORDS
from bot.services.score import Scorecard, pattern_pitfalls

_WORD = re.compile(r"[^\W\d_]{4,}", re.U)
FITS_SHARE = 0.5  # of the words a scripted line presumes, at least this share must be in the seller's reply


_COMMON_STEMS = frozenset(w[:5] for w in COMMON_WORDS)


def _stems(text: str) -> set[str]:
    """Content words, cut to their first five letters ("matches", "matching": "match")."""
    return {w[:5] for w in _WORD.findall(text.lower())} - _COMMON_STEMS


def presumed(line: str, *buyer_said: str) -> set[str]:
    """The words of a buyer line that are not the buyer's own (objection, persona): what it presumes was said."""
    own = set().union(*(_stems(s) for s in buyer_said)) if buyer_said else set()
    return _stems(line) - own


def fits(line: str, reply: str, *buyer_said: str) -> bool:
    """The line presumes nothing, or most of what it presumes is in the seller's reply."""
    words = presumed(line, *buyer_said)
    return not words or len(words & _stems(reply)) >= FITS_SHARE * len(words)


def pitfall_in(card: Scorecard, reply: str) -> str | None:
    """The pitfall the reply holds ("pressure", "guarantee", "price_cut", "arguing", or "other" when only the
    model flagged one), None when it holds none."""
    if card.checks.get("no_pitfalls") is not False:
        return None
    found = pattern_pitfalls(reply)
    return found[0][0] if found else "other"


def next_line(*, scripted: str, generic: str, reply: str, card: Scorecard, handled: bool, lang: str,
              buyer_said: tuple[str, ...], authored: bool = True) -> str:
    """The buyer's next line, offline: the scenario's `scripted` line when it fits what the seller said, else the
    `generic` one; after a pitfall, the buyer first reacts to it (unless the scripted line, fitting, already
    does: "A discount if I sign this month is exactly what I'm trying to avoid"). `authored`: the scripted line
    was written for one imagined answer (a scenario file's); the catalogue's own lines presume nothing."""
    specific = authored and bool(presumed(scripted, *buyer_said))
    fitting = not authored or fits(scripted, reply, *buyer_said)
    line = scripted if fitting else generic
    pitfall = None if handled else pitfall_in(card, reply)
    if pitfall is None or (fitting and specific):
        return line
    return f"{t(f'practice.react.{pitfall}', lang)} {line}"
