"""The call review with a language model: the conversation cut into chunks that fit the context budget, each
chunk read in one structured call (the buyer's objections, their kind, and how the seller answered), and every
claim checked against the transcript before it is used, as deal-room summaries are (bot/services/summarize.py):

- an objection must cite a buyer turn of that chunk, and its quote must be words of that turn; else it is dropped;
- a kind must be one of the five; else the offline classifier names it;
- a check the model passes must quote the seller's answer (bot/services/score.py `merge_llm`); a check it fails
  counts only when the whole answer was in the chunk it read, else the offline verdict stands.

A chunk whose call fails in any way (timeout, refusal, invalid JSON) is read offline, so the review always comes
back; model calls grow linearly with the conversation and none exceeds the budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.calls.formats import Conversation, Turn
from bot.calls.sides import BUYER, OURS
from bot.content.templates import as_prompt_data, templates
from bot.core.taxonomy import KINDS, LABELS
from bot.llm.answers import CallChunkReading, LLMScore
from bot.llm.budget import chunk_lines, room_for_lines
from bot.llm.client import LLMFailure, Prompt
from bot.services.coach import Coach

# The most transcript tokens in one chunk, whatever the context allows: each objection found costs output
# tokens (its quote and five checks with theirs), and the answer must fit in MAX_OUTPUT_TOKENS.
MAX_CHUNK_TOKENS = 2400


@dataclass(frozen=True)
class Chunk:
    turns: tuple[int, ...]  # indices into the conversation's turns, in order
    prompt: Prompt


@dataclass(frozen=True)
class ModelObjection:
    """An objection the model found, checked: its turn, the buyer's words, the kind, and the model's verdict on the
    answer (with whether the model saw all of it)."""

    turn: int
    quote: str
    kind: str | None
    answer: LLMScore
    chunk_end: int  # the last turn of the chunk the model read


@dataclass(frozen=True)
class Reading:
    objections: list[ModelObjection]
    offline_turns: set[int]  # the turns of chunks whose call failed: read offline
    chunks: int


def chunks(coach: Coach, conversation: Conversation, side: list[str | None], team_id: str | None = None
           ) -> list[Chunk]:
    """The conversation cut into prompts that each fit the context budget (system + chunk + room to answer)."""
    system = templates().get_template("call_review_system.j2").render(kinds=KINDS).strip()
    template = templates().get_template("call_review_chunk.j2")
    room = min(MAX_CHUNK_TOKENS, room_for_lines(coach.settings.llm_context_tokens, system, margin=80))
    roles = ["seller" if side[index] == OURS else "buyer" for index in range(len(conversation.turns))]
    parts = chunk_lines(((index, f"[{index}] {turn.speaker} ({roles[index]}): "
                                 f"{as_prompt_data(' '.join(turn.text.split()))}")
                         for index, turn in enumerate(conversation.turns)), room)
    language = "Spanish" if conversation.language == "es" else "English"
    return [Chunk(tuple(i for i, _ in part),
                  Prompt(system, template.render(part=n + 1, parts=len(parts), kind=conversation.kind,
                                                 language=language, lines=[line for _, line in part]).strip(),
                         team_id=team_id))
            for n, part in enumerate(parts)]


_WORDS = re.compile(r"\w+(?:['’]\w+)*")


def found_in(quote: str, text: str) -> str | None:
    """The quote as the turn has it, when the model copied words that are there, in order (at least two; the
    punctuation and spacing between them may differ); else None."""
    words = _WORDS.findall(quote)
    if len(words) < 2:
        return None
    pattern = r"\W+".join(re.escape(w.replace("’", "'")).replace("'", "['’]") for w in words)
    match = re.search(rf"(?<!\w){pattern}(?!\w)", text, re.I)
    return match.group(0) if match else None


def read(coach: Coach, conversation: Conversation, side: list[str | None], team_id: str | None = None) -> Reading:
    """Each chunk read by the model and checked against the transcript; the chunks that fail, left to offline."""
    assert coach.llm is not None
    turns: list[Turn] = list(conversation.turns)
    objections: list[ModelObjection] = []
    offline: set[int] = set()
    parts = chunks(coach, conversation, side, team_id)
    for chunk in parts:
        try:
            reading, _ = coach.llm.structured(chunk.prompt, CallChunkReading, "call_review")
        except LLMFailure:
            offline.update(chunk.turns)
            continue
        seen: set[tuple[int, str]] = set()
        for claim in reading.objections:
            # a claim about a turn that is not in this chunk, or not the buyer's, or words not in it: dropped
            if claim.turn not in chunk.turns or side[claim.turn] != BUYER:
                continue
            quote = found_in(claim.quote, turns[claim.turn].text)
            if quote is None or (claim.turn, quote) in seen:
                continue
            seen.add((claim.turn, quote))
            objections.append(ModelObjection(claim.turn, quote, claim.kind if claim.kind in LABELS else None,
                                             claim.answer, chunk.turns[-1]))
    objections.sort(key=lambda o: (o.turn, turns[o.turn].text.find(o.quote)))
    return Reading(objections, offline, len(parts))
