"""What the model may answer, as pydantic models: each answer is validated against its model, and the JSON schema
the server is given is derived from the same model (`answer_schema`), so the two cannot drift apart."""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from bot.core.language import LANGUAGES
from bot.core.pressure import pressure
from bot.core.taxonomy import LABELS, OBSTACLE_KINDS, Label, one_of

_SENTENCE = re.compile(r"\w+(\W+\w+){3,}")  # at least four words


class LLMGuidance(BaseModel):
    label: Label
    confidence: float = Field(ge=0, le=1)
    language: Annotated[str, one_of(LANGUAGES)]  # asked for; not checked: the coach answers in the buyer's
    align: str
    clarify: str
    assure: str
    talk_track: str
    question: str | None

    @field_validator("align", "clarify", "assure", "talk_track")
    @classmethod
    def _a_sentence(cls, value: str) -> str:
        value = value.strip()
        if len(value) < 20 or not _SENTENCE.search(value):
            raise ValueError("must be at least one full sentence")
        if (pushed := pressure(value)) is not None:
            raise ValueError(f"must not promise outcomes or push deadlines or expiring offers: {pushed[:80]!r}")
        return value

    @field_validator("question")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None


# --- practice: scoring a seller's reply, and the buyer's next line (bot/services/score.py, practice.py) ---

class LLMCheck(BaseModel):
    passed: bool
    quote: str  # the words of the reply that earned it ("" when not passed)


class LLMPitfall(BaseModel):
    found: bool
    quote: str  # the offending words of the reply ("" when none)


class LLMScore(BaseModel):
    align: LLMCheck
    asks: LLMCheck
    clarify: LLMCheck
    assure: LLMCheck
    pitfall: LLMPitfall


class LLMBuyerLine(BaseModel):
    line: str = Field(min_length=3, max_length=600)


# --- a deal-room thread, read a chunk at a time (bot/services/summarize.py) ---
# The kinds, labels and positions are asked for in the schema but not checked here: a reading naming another is
# dropped by the summary, which keeps the rest of the chunk's reading.

class ChunkRisk(BaseModel):
    kind: Annotated[str, one_of(OBSTACLE_KINDS)]
    evidence_ts: str


class ChunkObjection(BaseModel):
    ts: str
    label: Annotated[str, one_of(LABELS)]


class ChunkStakeholder(BaseModel):
    name: str
    role: str
    position: Annotated[str, one_of(("supportive", "opposed", "unclear"))]
    evidence_ts: str


class ChunkReading(BaseModel):
    """What the model reports for one chunk of a thread; checked against the chunk before use."""

    risks: list[ChunkRisk]
    objections: list[ChunkObjection]
    stakeholders: list[ChunkStakeholder]


# --- a call or email thread, read a chunk at a time (bot/calls/with_llm.py): each objection and how the seller
# answered it; a kind the five do not name is left to the offline classifier ---

class CallObjection(BaseModel):
    turn: int
    quote: str
    kind: Annotated[str, one_of(LABELS)]
    answer: LLMScore


class CallChunkReading(BaseModel):
    """What the model reports for one chunk of a conversation; checked against the chunk before use."""

    objections: list[CallObjection]


# What pydantic checks once the answer has arrived, and the server's strict JSON mode does not take
# (OpenAI's structured outputs accept a subset of JSON Schema): names and bounds stay on our side.
_CHECKED_HERE = frozenset({"title", "description", "default", "minimum", "maximum", "exclusiveMinimum",
                           "exclusiveMaximum", "minLength", "maxLength", "pattern"})


@cache
def answer_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema the server is given for `model`, in the strict form structured outputs require: nested
    models inlined, every property required, no other property allowed, a nullable field as a type list."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def strict(node: Any) -> Any:
        if isinstance(node, list):
            return [strict(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return strict(definitions[node["$ref"].rsplit("/", 1)[-1]])
        options = node.get("anyOf")
        if options and all(set(o) == {"type"} and isinstance(o["type"], str) for o in options):
            node = {**{k: v for k, v in node.items() if k != "anyOf"}, "type": [o["type"] for o in options]}
        out = {key: strict(value) for key, value in node.items() if key not in _CHECKED_HERE | {"properties"}}
        if "properties" in node:  # field names, whatever they are called, are kept
            out["properties"] = {name: strict(value) for name, value in node["properties"].items()}
        if out.get("type") == "object":
            out["required"] = list(out.get("properties", {}))
            out["additionalProperties"] = False
        return out

    return strict(schema)
