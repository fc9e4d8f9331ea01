"""Slack's message markup, reduced to what a reader sees."""

from __future__ import annotations

import re
import unicodedata

# The most of a person's text the coach works on, keeps and shows: an objection, a seller's question, a thread
# turn, the quote under a coaching. Slack allows 40,000 characters a message; nobody's objection needs 4,000.
MAX_CHARS = 4000
# Control characters and invisible format marks (zero-width, bidirectional overrides): nothing a person meant to
# write, and the bidirectional ones can make a quote read differently from what it says.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SLACK_MARKUP = re.compile(r"<([@#!])([^>|]*)(?:\|([^>]*))?>|<(https?://[^|>]+)(?:\|([^>]*))?>")


def plain(text: str) -> str:
    """<@U1> → @U1, <@U1|ana> → ana, <#C1|general> → general, <!here> → @here, <url|label> → label."""

    def repl(m: re.Match[str]) -> str:
        if m.group(1):
            return (m.group(3) or (m.group(1).replace("!", "@") + m.group(2))).strip()
        return m.group(5) or m.group(4)

    return _SLACK_MARKUP.sub(repl, text)


def normalise(text: str) -> str:
    """What the models see: Slack mentions and links reduced to plain words, spaces collapsed."""
    return " ".join(plain(text).split())


def cut_at_word(text: str, limit: int = MAX_CHARS) -> str:
    """`text` itself when it fits in `limit` characters, else its first `limit` characters, cut back to the
    last whole word (a single word longer than the limit is cut where it reaches it)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if not text[limit].isspace() and " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip()


def clean(raw: str | None, limit: int = MAX_CHARS) -> tuple[str, bool]:
    """A person's text as the coach takes it (an objection, a seller's reply or question): without control
    characters and invisible format marks, stripped, cut at a word within `limit`; and whether it was cut."""
    text = _CONTROL.sub("", raw or "").strip()
    cut = cut_at_word(text, limit)
    return cut, cut != text


# Words too common in buyers' and vendors' sentences to say what one is about (EN and ES).
_COMMON = frozenset("""
the and for with that this you your our are was were have has had not but can will would could should what when
where which who how why does did from they them their there then than into about just only also very more most
some any all out over under been being its we're don't can't won't isn't aren't every each per
los las del que por para con sin sus nos nuestro nuestra nuestros son fue era ser esta este esto estos estas ese
esa eso hay muy mas pero como cuando donde quien tan tambien solo tienen tiene tenemos hacer puede pueden
""".split())
_WORD_RUN = re.compile(r"[a-z0-9][a-z0-9'\-]*")


def word_stems(text: str) -> set[str]:
    """The content words of `text`, accents folded and cut to five letters, so "garantía" meets "garantías" and
    "integration" meets "integrations"; three-letter words stay ("SSO", "SAP", "API"), numbers too."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return {w[:5] for w in _WORD_RUN.findall(folded) if len(w) >= 3 and w not in _COMMON}
