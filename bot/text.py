"""Slack's message markup, reduced to what a reader sees."""

from __future__ import annotations

import re

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
