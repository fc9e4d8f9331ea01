"""The JSON schemas the model server is given are derived from the answer models (bot/llm/answers.py); they say
what the hand-written schemas said before, in the strict form OpenAI's structured outputs take."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.taxonomy import LABELS, OBSTACLE_KINDS
from bot.llm.answers import CallChunkReading, ChunkReading, LLMBuyerLine, LLMGuidance, LLMScore, answer_schema


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


_CHECK = _object({"passed": {"type": "boolean"}, "quote": {"type": "string"}})
# the schemas as they were written by hand (bot/llm.py and bot/summarize.py before issue 21)
BEFORE = {
    LLMGuidance: _object({
        "label": {"type": "string", "enum": list(LABELS)},
        "confidence": {"type": "number"},
        "language": {"type": "string", "enum": ["en", "es"]},
        "align": {"type": "string"},
        "clarify": {"type": "string"},
        "assure": {"type": "string"},
        "talk_track": {"type": "string"},
        "question": {"type": ["string", "null"]},
    }),
    LLMScore: _object({
        "align": _CHECK, "asks": _CHECK, "clarify": _CHECK, "assure": _CHECK,
        "pitfall": _object({"found": {"type": "boolean"}, "quote": {"type": "string"}}),
    }),
    LLMBuyerLine: _object({"line": {"type": "string"}}),
    ChunkReading: _object({
        "risks": {"type": "array", "items": _object({"kind": {"type": "string", "enum": list(OBSTACLE_KINDS)},
                                                     "evidence_ts": {"type": "string"}})},
        "objections": {"type": "array", "items": _object({"ts": {"type": "string"},
                                                          "label": {"type": "string", "enum": list(LABELS)}})},
        "stakeholders": {"type": "array", "items": _object({
            "name": {"type": "string"}, "role": {"type": "string"},
            "position": {"type": "string", "enum": ["supportive", "opposed", "unclear"]},
            "evidence_ts": {"type": "string"}})},
    }),
}
# bot/calls/with_llm.py's, written by hand beside the model until issue 21
BEFORE[CallChunkReading] = _object({"objections": {"type": "array", "items": _object({
    "turn": {"type": "integer"}, "quote": {"type": "string"},
    "kind": {"type": "string", "enum": list(LABELS)}, "answer": BEFORE[LLMScore]})}})


@pytest.mark.parametrize("model", list(BEFORE), ids=lambda m: m.__name__)
def test_the_derived_schema_says_what_the_hand_written_one_did(model):
    assert answer_schema(model) == BEFORE[model]


def test_every_object_is_closed_and_fully_required():
    def objects(node: Any) -> list[dict[str, Any]]:
        if isinstance(node, list):
            return [o for item in node for o in objects(item)]
        if not isinstance(node, dict):
            return []
        found = [node] if node.get("type") == "object" else []
        return found + [o for value in node.values() for o in objects(value)]

    for model in BEFORE:
        for obj in objects(answer_schema(model)):
            assert obj["additionalProperties"] is False and obj["required"] == list(obj["properties"])
        assert "$ref" not in str(answer_schema(model)) and "anyOf" not in str(answer_schema(model))


def test_a_field_keeps_its_name_whatever_it_is_called():
    from pydantic import BaseModel

    class Named(BaseModel):
        title: str
        default: int

    assert answer_schema(Named) == _object({"title": {"type": "string"}, "default": {"type": "integer"}})
