"""What a coaching is made of, for every surface: the objection as taken, the guidance given, the answer to a
seller's own question, and the two ways there is nothing to coach."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.core.text import MAX_CHARS, clean


class EmptyObjection(ValueError):
    """There is no objection text to coach."""


class NotAnObjection(EmptyObjection):
    """The text is no buyer objection (a greeting, thanks, a test, gibberish, a request): nothing to coach.
    A kind of EmptyObjection, so every surface answers it with its usage help."""


class OptedOut(NotAnObjection):
    """The buyer asked not to be contacted again ("take me off your list", "no me escriban más"): nothing to
    coach, and no question to ask them back; the surfaces tell the seller to honour it."""


@dataclass(frozen=True)
class Objection:
    """Cleaned objection text, plus what the cleaning had to do."""

    text: str
    truncated: bool = False

    @classmethod
    def parse(cls, raw: str | None, limit: int = MAX_CHARS) -> Objection:
        text, truncated = clean(raw, limit)
        if not text:
            raise EmptyObjection("there is no objection text")
        return cls(text, truncated)


@dataclass
class Guidance:
    label: str
    confidence: float
    language: str
    align: str
    clarify: str
    assure: str
    talk_track: str
    question: str | None
    source: str
    topic: str | None = None  # what the objection is about (bot/models/topics.py)
    notes: list[str] = field(default_factory=list)
    coaching_id: int | None = None  # its row in the coaching log
    proof: str = ""  # the reference offered (a profile customer or a placeholder), for checking a model's assure
    # how the message was read: each concern ({"words", "topic", "status", "fact", "required"}), what the buyer
    # accepts, the seller's own notes
    concerns: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    seller_notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The public JSON shape (`coach ask --json`)."""
        data = asdict(self)
        del data["notes"], data["coaching_id"], data["proof"]
        return data


@dataclass
class Answer:
    """A reply to the seller's own question inside a coaching thread."""

    label: str
    language: str
    heading: str
    lines: list[str]
    source: str
    notes: list[str] = field(default_factory=list)
    topic: str | None = None  # the thread objection's topic, when the answer was composed with it
