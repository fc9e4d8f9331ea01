"""What fits in one call: a token estimate, and a long text (a thread, a call) cut into chunks of lines that each
fit the context left after the instructions and the answer (map-reduce: model calls grow linearly with the text,
and no call exceeds the budget)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")
MAX_OUTPUT_TOKENS = 900  # the longest answer asked for: a coaching, a scorecard, a chunk's reading


def estimate_tokens(text: str) -> int:
    """A conservative token estimate (about four characters a token for English and Spanish)."""
    return len(text) // 4 + 1


def room_for_lines(context_tokens: int, system: str, margin: int) -> int:
    """The tokens left for a chunk's lines: the context less the instructions, the answer and `margin` (the chunk
    template's own words)."""
    return context_tokens - estimate_tokens(system) - MAX_OUTPUT_TOKENS - margin


def chunk_lines(lines: Iterable[tuple[T, str]], room: int) -> list[list[tuple[T, str]]]:
    """Lines (each with what it stands for: a message, a turn) in order, cut into chunks of at most `room`
    estimated tokens; a line longer than half a chunk is cut there, so one line never fills a chunk alone."""
    limit = max(200, room * 4 // 2)  # characters: half a chunk
    chunks: list[list[tuple[T, str]]] = [[]]
    used = 0
    for item, line in lines:
        line = line[:limit]
        cost = estimate_tokens(line) + 1
        if chunks[-1] and used + cost > room:
            chunks.append([])
            used = 0
        chunks[-1].append((item, line))
        used += cost
    return chunks
