"""Slack's message markup, reduced to what a reader sees."""

from __future__ import annotations

import re

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
