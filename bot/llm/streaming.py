"""The model's answer as it streams (server-sent events): read to its end within the deadline, and the guidance
fields' text given out as it arrives (`FieldStream`), so a surface can show the draft while the answer is still
being written. Only the finished, validated answer counts (bot/llm/client.py)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

OnText = Callable[[str, str], None]  # (field, new text) while a streamed answer arrives


class StreamBroken(Exception):
    """The server-sent stream stopped before the answer was finished: `kind` "timeout" or "connection"."""

    def __init__(self, kind: str, detail: str):
        self.kind = kind
        super().__init__(detail)


class Streamed:
    """What a finished stream amounts to, shaped like the parts of a ChatCompletion `_complete` reads."""

    def __init__(self, content: str, finish_reason: str | None, refusal: str | None, usage: Any):
        self.choices = [SimpleNamespace(finish_reason=finish_reason,
                                        message=SimpleNamespace(content=content, refusal=refusal))]
        self.usage = usage


def read_stream(stream: Any, on_text: OnText, deadline: float) -> Streamed:
    """Read a chat.completion.chunk stream to its end, telling `on_text` the guidance text as it arrives.

    A stream that ends without a finish reason (the connection dropped), or passes the deadline, is broken:
    its half an answer is never used. `on_text`'s own failures are the listener's business, not the model's."""
    parts: list[str] = []
    refusal: list[str] = []
    finish: str | None = None
    usage = None
    fields = FieldStream()
    try:
        for chunk in stream:
            if time.monotonic() > deadline:
                raise StreamBroken("timeout", "past the deadline")
            usage = getattr(chunk, "usage", None) or usage
            if not chunk.choices:
                continue
            choice = chunk.choices[0]
            delta = choice.delta
            if delta is not None and delta.content:
                parts.append(delta.content)
                for field, text in fields.feed(delta.content):
                    on_text(field, text)
            if delta is not None and getattr(delta, "refusal", None):
                refusal.append(delta.refusal)
            finish = choice.finish_reason or finish
    except StreamBroken:
        raise
    except Exception as exc:  # httpx's read errors and the client's decode errors: the stream broke
        import openai

        if isinstance(exc, openai.APIError | OSError) or type(exc).__module__.startswith(("httpx", "httpcore")):
            kind = "timeout" if "Timeout" in type(exc).__name__ else "connection"
            raise StreamBroken(kind, type(exc).__name__) from exc
        raise
    finally:
        stream.close()
    if finish is None:
        raise StreamBroken("connection", "the stream ended before the answer did")
    return Streamed("".join(parts), finish, "".join(refusal) or None, usage)


STREAMED_FIELDS = ("align", "clarify", "assure", "talk_track")


class FieldStream:
    """The text of the guidance fields inside a JSON object that arrives in pieces: `feed(piece)` gives the
    (field, new text) pairs the piece completed, decoded (escapes and all), in the order they were written."""

    _START = re.compile(r'"(' + "|".join(STREAMED_FIELDS) + r')"\s*:\s*"')

    def __init__(self) -> None:
        self.raw = ""
        self._field: str | None = None
        self._at = 0  # where the current field's undecoded string text starts in `raw`
        self._sent = 0  # how many decoded characters of it were given out

    def feed(self, piece: str) -> list[tuple[str, str]]:
        self.raw += piece
        out: list[tuple[str, str]] = []
        while True:
            if self._field is None:
                match = self._START.search(self.raw, self._at)
                if match is None:
                    return out
                self._field, self._at, self._sent = match.group(1), match.end(), 0
            body, closed = _string_so_far(self.raw, self._at)
            decoded = _decode(body)
            if len(decoded) > self._sent:
                out.append((self._field, decoded[self._sent:]))
                self._sent = len(decoded)
            if not closed:
                return out
            self._at += len(body) + 1
            self._field = None


_HIGH_SURROGATE = re.compile(r"d[89ab][0-9a-f]{2}", re.I)


def _string_so_far(raw: str, start: int) -> tuple[str, bool]:
    """The JSON string body from `start` up to its closing quote (True) or to the last complete escape."""
    i = start
    while i < len(raw):
        if raw[i] == "\\":
            if i + 1 >= len(raw) or (raw[i + 1] == "u" and i + 6 > len(raw)):
                return raw[start:i], False  # an escape cut in two: wait for its other half
            if raw[i + 1] == "u" and _HIGH_SURROGATE.match(raw, i + 2) and i + 12 > len(raw):
                return raw[start:i], False  # half an emoji (\ud83d of \ud83d\ude00): wait for the rest
            i += 6 if raw[i + 1] == "u" else 2
            continue
        if raw[i] == '"':
            return raw[start:i], True
        i += 1
    return raw[start:], False


def _decode(body: str) -> str:
    try:
        return json.loads(f'"{body}"')
    except ValueError:  # a lone surrogate half or a broken escape: show nothing rather than junk
        return ""
