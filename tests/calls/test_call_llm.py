"""The call review with a language model, through the real openai client against a local OpenAI-compatible
stand-in: chunks within the budget, every claim checked against the transcript (a claim about a turn that is not
there, or words that are not in it, is dropped), any failure read offline, and `--offline` never calls it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.calls.formats import Conversation, Turn
from bot.calls.review import review_call
from bot.calls.sides import assign_sides
from bot.calls.with_llm import chunks, found_in
from bot.cli import main
from bot.core.config import load_settings
from bot.llm.budget import MAX_OUTPUT_TOKENS, estimate_tokens
from bot.services.coach import Coach
from tests.e2e.standins import OpenAIStandIn, _completion

DATA = Path(__file__).resolve().parent.parent / "data" / "calls"
_LINE = re.compile(r"^\[(\d+)\] (.+?) \((buyer|seller)\): (.*)$", re.M)
_NO = {"passed": False, "quote": ""}


class CallModel(OpenAIStandIn):
    """The stand-in, answering call-review chunks as a model might, with the mistakes a model makes: each buyer
    turn that says "not convinced" or "worried" is an objection (its sentence quoted), whose answer aligns with
    the seller's next turn's first sentence and "clarifies" with words nobody said; plus a claim about a turn
    that does not exist, one about a seller's turn, and one quoting words the buyer never said."""

    def _reply(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        if "<transcript>" not in user:
            return super()._reply(body)
        with self._lock:
            behaviour = self.script.pop(0) if self.script else self.default
        if behaviour == "500":
            return 500, {"error": {"message": "boom", "type": "server_error"}}, {}
        lines = [(int(n), role, text) for n, _, role, text in _LINE.findall(user)]
        claims = []
        for position, (turn, role, text) in enumerate(lines):
            said = next((s for s in re.split(r"(?<=[.!?])\s+", text) if re.search(r"not convinced|worried", s)), None)
            if role != "buyer" or said is None:
                continue
            after = next((t for _, r, t in lines[position + 1 :] if r == "seller"), "")
            first = re.split(r"(?<=[.!?])\s+", after)[0] if after else ""
            answer = {"align": {"passed": bool(first), "quote": first}, "asks": _NO,
                      "clarify": {"passed": True, "quote": "words the seller never wrote"}, "assure": _NO,
                      "pitfall": {"found": False, "quote": ""}}
            claims.append({"turn": turn, "quote": said, "kind": "skepticism", "answer": answer})
        empty = {"align": _NO, "asks": _NO, "clarify": _NO, "assure": _NO, "pitfall": {"found": False, "quote": ""}}
        seller = next((n for n, role, _ in lines if role == "seller"), 0)
        claims += [{"turn": 999, "quote": "a turn that is not there", "kind": "incorrect", "answer": empty},
                   {"turn": seller, "quote": "the seller's own words", "kind": "missing", "answer": empty},
                   {"turn": lines[0][0], "quote": "words the buyer never said at all", "kind": "missing",
                    "answer": empty}]
        return 200, _completion(body, json.dumps({"objections": claims})), {}


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Iterator[CallModel]:
    standin = CallModel()
    monkeypatch.setenv("OPENAI_BASE_URL", standin.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-calls")
    monkeypatch.setenv("COACH_MODEL", "standin-model")
    monkeypatch.setenv("COACH_LLM_TIMEOUT", "3")
    yield standin
    standin.close()


def _call(n: int = 1) -> Conversation:
    turns: list[Turn] = []
    for i in range(n):
        turns += [Turn("Ana", f"Thanks for the time, part {i}. Let me show you the planner.", 60.0 * i),
                  Turn("Dana", f"Honestly I'm not convinced your planner fits crews like ours, part {i}.",
                       60.0 * i + 10),
                  Turn("Ana", "That's fair. Two crews like yours cut overtime by a fifth; I can introduce you.",
                       60.0 * i + 20),
                  Turn("Dana", "Okay, send me their names.", 60.0 * i + 30)]
    return Conversation("call", "colon", tuple(turns), "en")


def _review(conversation: Conversation, **kw: Any):
    coach = Coach(load_settings())
    return review_call(coach, conversation, assign_sides(conversation, ours=["Ana"]), **kw)


def test_the_models_claims_are_checked_against_the_transcript(model):
    review = _review(_call())
    assert review.source == "llm" and len(model.requests) >= 1
    assert [(m.where, m.quote, m.kind) for m in review.moments] == [
        ("00:00:10", "Honestly I'm not convinced your planner fits crews like ours, part 0", "skepticism")]
    answer = review.moments[0].answer
    assert answer.checks["align"] and answer.evidence["align"] == "That's fair."  # quoted, and there
    assert "words the seller never wrote" not in answer.evidence.values()  # not there: the offline verdict stands
    user = next(r for r in model.requests if "<transcript>" in r["body"]["messages"][1]["content"])
    assert "[1] Dana (buyer): Honestly I'm not convinced" in user["body"]["messages"][1]["content"]


def test_a_failing_model_leaves_the_offline_review(model):
    conversation = _call()
    model.default = "500"
    with_model = _review(conversation)
    offline = _review(conversation, offline=True)
    assert with_model.source == "offline" and model.requests
    assert [m.quote for m in with_model.moments] == [m.quote for m in offline.moments]
    assert [m.answer.checks for m in with_model.moments] == [m.answer.checks for m in offline.moments]


def test_offline_makes_no_request(model):
    review = _review(_call(), offline=True)
    assert review.source == "offline" and model.requests == []


def test_long_calls_are_cut_into_chunks_within_the_budget(model, monkeypatch):
    monkeypatch.setenv("COACH_LLM_CONTEXT", "3000")
    coach = Coach(load_settings())
    small, large = _call(40), _call(160)
    side = [None if t.speaker == "Ana" else "buyer" for t in large.turns]
    side = ["ours" if s is None else s for s in side]
    few, many = chunks(coach, small, side[: len(small.turns)]), chunks(coach, large, side)
    assert 3.5 <= len(many) / len(few) <= 4.5  # linear in the call's length
    for chunk in few + many:
        assert estimate_tokens(chunk.prompt.system) + estimate_tokens(chunk.prompt.user) + MAX_OUTPUT_TOKENS <= 3000
    assert [i for chunk in many for i in chunk.turns] == list(range(len(large.turns)))  # every turn, once
    review = review_call(coach, small, assign_sides(small, ours=["Ana"]))
    assert len([r for r in model.requests if "<transcript>" in r["body"]["messages"][1]["content"]]) == len(few)
    assert review.source == "llm" and len(review.moments) == 40


def test_one_failing_chunk_is_read_offline_and_the_rest_by_the_model(model, monkeypatch):
    monkeypatch.setenv("COACH_LLM_CONTEXT", "3000")
    model.script = ["500", "500"]  # the first chunk fails (a 500 on json_schema is also tried once without it)
    review = _review(_call(40))
    assert review.source == "llm+offline" and len(review.moments) == 40


def test_the_cli_uses_the_model_unless_offline(model, capsys):
    assert main(["call", str(DATA / "zoom_en.vtt"), "--ours", "Ana", "--json", "--offline"]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == "offline" and model.requests == []
    assert main(["call", str(DATA / "zoom_en.vtt"), "--ours", "Ana", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["source"] in ("llm", "llm+offline") and model.requests


def test_a_quote_is_found_in_a_turn_whatever_its_quote_marks_and_spaces():
    assert found_in("we don’t   pay that", "Well, we don't pay that much.") == "we don't pay that"
    assert found_in("“not convinced”", "I'm not convinced.") == "not convinced"
    assert found_in("nothing like this", "I'm not convinced.") is None
    assert found_in("convinced", "I'm not convinced.") is None  # one word says nothing about where
