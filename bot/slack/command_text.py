"""Reading `/objection`'s text: which subcommand it asks for and with what arguments, and when words are a
sentence someone said rather than a name. Shared by the command's listeners and the @mention's `track`."""

from __future__ import annotations

import re

from bot.slack.blocks import unescape

HELP = {"", "help", "ayuda", "?"}


# What each subcommand's arguments look like. Anything else is an objection to coach, so "owner says we're too
# expensive" or "close, but the CFO wants..." are coached, not taken for commands.
_SHAPES = {
    "help": re.compile(r"^$"),
    "track": re.compile(r"^.{0,80}$"),
    "untrack": re.compile(r"^$"),
    "summary": re.compile(r"^$"),
    "nudges": re.compile(r"^(on|off)$", re.I),
    "on-stop": re.compile(r"^(offline|nothing)$", re.I),
    "owner": re.compile(r"^<@U[A-Z0-9]+(\|[^>]*)?>$"),
    "stage": re.compile(r"^[^\s].{0,59}$"),
    "close": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "practice": re.compile(r"^([\w-]+)?(\s+(en|es))?$", re.I),  # taken by bot/slack/listeners/practice.py
    "call": re.compile(r"^$"),  # how to share a call's transcript: "call me tomorrow" is an objection
}

# A deal name or a stage is a short label. These turn "track record? You've only been around two years" or
# "stage we're too early for this" into an objection to coach, never into a change of the deal.
NAMED_SUBCOMMANDS = ("track", "stage")
LABEL_WORDS = 6
_SENTENCE_MARKS = re.compile(r"[?!¿¡]|\w['’](?:ve|re|ll|d|m|t)\b", re.I)
_SLACK_MARKUP = re.compile(r"<[^>]*>")
_SENTENCE_WORDS = set(
    # English and Spanish pronouns, verbs and connectives that make a sentence, not a name (lowercase only:
    # "Is" or "No" in a name is capitalised)
    "i you we they he she it me us them my your our their his her its is are was were am be been being have "
    "has had do does did will would should can could cannot not never only just too very why how what who "
    "when if because but than says said think "
    "yo tú usted ustedes nosotros ellos ellas él ella nos les te es son era fue está están estamos somos "
    "tiene tienen tenemos hay nunca solo sólo muy porque qué cómo cuando pero que dice dicen creo".split()
)


def reads_like_a_sentence(args: str) -> bool:
    """More than six words, a question or exclamation mark, a contraction ("you've", "don't"), or a lowercase
    pronoun or verb ("you", "is", "tenemos"): something someone said, not a name."""
    words = args.split()
    plain = _SLACK_MARKUP.sub(" ", args)  # "<!channel>" or "<@U123>" are not punctuation
    return (len(words) > LABEL_WORDS or bool(_SENTENCE_MARKS.search(plain))
            or any(w.strip(",.;:") in _SENTENCE_WORDS for w in words))


def parse(text: str | None) -> tuple[str, str]:
    """Split command text into (subcommand, args); free text is the `coach` subcommand."""
    text = unescape(text or "").strip()
    first, _, rest = text.partition(" ")
    sub = "help" if first.lower() in HELP else first.lower()
    rest = rest.strip()
    if sub in NAMED_SUBCOMMANDS and reads_like_a_sentence(rest):
        return "coach", text
    if sub in _SHAPES and _SHAPES[sub].match(rest):
        return sub, rest
    return "coach", text


def declined_subcommand(text: str | None) -> bool:
    """The text starts like `track` or `stage` but is coached: worth a line on how to track a deal."""
    first = unescape(text or "").strip().partition(" ")[0].lower()
    return first in NAMED_SUBCOMMANDS and parse(text)[0] == "coach"
