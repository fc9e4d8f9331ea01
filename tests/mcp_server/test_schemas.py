"""The MCP tools' output schemas are the CLI's `--json` shapes: what `coach ask/summarize/score/call --json`
print validates against them, field for field (an added or missing field fails here, not in a client), and the
tools, called in process, return the same values the CLI prints."""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from bot.cli import main
from bot.core.taxonomy import LABELS, TOPICS
from bot.mcp import schemas
from bot.mcp.server import Kind, Topic
from bot.mcp.tools import Caller, CoachTools
from tests.mcp_server.conftest import DATA, PRICE

REPLY = "I hear you: budget matters. What are you comparing it with? Teams your size recover the cost in a quarter."
THREAD = DATA / "threads" / "en_03_cybersecurity_consensus.json"
CALL = DATA / "calls" / "meet_en.srt"


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def same_shape(model: type[BaseModel], data: dict[str, Any]) -> None:
    """`data` validates, and dumping it gives back exactly its fields and values."""
    assert model.model_validate(data).model_dump(mode="json") == data


def test_the_clis_json_is_what_the_tools_declare(capsys: pytest.CaptureFixture[str]) -> None:
    asked = cli_json(capsys, "ask", "--json", "--offline", PRICE)
    same_shape(schemas.Guidance, {**asked, "coaching_id": 1})
    for concern in asked["concerns"]:
        same_shape(schemas.Concern, concern)
    same_shape(schemas.ThreadSummary, cli_json(capsys, "summarize", "--json", "--offline", str(THREAD)))
    same_shape(schemas.Score, cli_json(capsys, "score", "--json", "--offline", PRICE, REPLY))
    hint = cli_json(capsys, "score", "--json", "--offline", PRICE, "what should I say?")
    assert hint["hint"] and set(hint) == {"kind", "hint", "reason"}
    same_shape(schemas.Score, hint)
    review = cli_json(capsys, "call", "--json", "--offline", str(CALL), "--ours", "Ben")
    assert review["moments"]
    same_shape(schemas.CallReview, review)


def test_a_field_the_cli_adds_is_not_silently_dropped() -> None:
    with pytest.raises(ValueError, match="extra"):
        schemas.ThreadSummary.model_validate({"risks": [], "objections": [], "stakeholders": [], "stalled": False,
                                             "next_step": "", "text": "", "source": "offline", "new": 1})


def test_the_tools_return_what_the_cli_prints(capsys: pytest.CaptureFixture[str], settings) -> None:
    tools = CoachTools(settings)
    caller = Caller("T1", "mcp-test")
    asked = cli_json(capsys, "ask", "--json", "--offline", PRICE)
    coached = tools.coach_objection(caller, PRICE, offline=True)
    assert {k: v for k, v in coached.items() if k != "coaching_id"} == asked
    thread = json.loads(THREAD.read_text(encoding="utf-8"))["messages"]
    assert tools.summarize(caller, thread, offline=True) == cli_json(capsys, "summarize", "--json", "--offline",
                                                                     str(THREAD))
    assert tools.score(caller, PRICE, REPLY, offline=True) == cli_json(capsys, "score", "--json", "--offline", PRICE,
                                                                       REPLY)
    assert tools.review_call(caller, CALL.read_text(encoding="utf-8"), ["Ben"]) == cli_json(
        capsys, "call", "--json", "--offline", str(CALL), "--ours", "Ben")


def test_the_kinds_and_topics_offered_are_the_coachs() -> None:
    assert get_args(Kind) == LABELS and get_args(Topic) == TOPICS
