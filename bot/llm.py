"""The one place that talks to the model: one structured call per coaching, validated, cached and logged.

Any OpenAI-compatible server works. Servers differ in how they take a JSON schema, so the call starts with
OpenAI's `json_schema` response format and steps down (llama.cpp's `json_object` + schema, plain
`json_object`, then prompt-only) when a server rejects a format; what worked is remembered per server and
model in SQLite, so the rejection is paid once. Every failure ends in `LLMFailure`, and the caller answers
from the playbooks instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Literal, NoReturn, TypeVar

from pydantic import BaseModel, Field, ValidationError, field_validator

from bot.config import Settings
from bot.store import Store
from bot.taxonomy import LABELS

log = logging.getLogger(__name__)

Answer = TypeVar("Answer", bound=BaseModel)
FORMATS = ("json_schema", "json_object_schema", "json_object", "prompt_only")
MAX_OUTPUT_TOKENS = 900
_SENTENCE = re.compile(r"\w+(\W+\w+){3,}")  # at least four words
# Guidance must never promise outcomes or push the buyer: such an answer is sent back once, then replaced.
_PRESSURE = re.compile(
    r"\bguarantee[sd]?\b|\bgarantiz\w*|limited[- ]time|only this (week|month)|\bact now\b|price goes up|"
    r"offer expires|expiring (offer|discount)|sign (it )?(by|before) (friday|monday|the end)|"
    r"[uú]ltima oportunidad|solo esta semana|oferta por tiempo limitado|firm(a|e|en) antes del? (viernes|lunes|cierre)",
    re.I,
)


class LLMFailure(Exception):
    """The model gave no usable answer; `kind` says why (timeout, rate_limited, server_error, invalid, ...)."""

    def __init__(self, kind: str, detail: str = ""):
        self.kind = kind
        super().__init__(f"{kind}: {detail}" if detail else kind)


class LLMGuidance(BaseModel):
    label: Literal["missing", "incomplete", "incorrect", "skepticism", "major_concern"]
    confidence: float = Field(ge=0, le=1)
    language: str
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
        if _PRESSURE.search(value):
            raise ValueError("must not promise outcomes or use pressure tactics (deadlines, expiring offers)")
        return value

    @field_validator("question")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "enum": list(LABELS)},
        "confidence": {"type": "number"},
        "language": {"type": "string", "enum": ["en", "es"]},
        "align": {"type": "string"},
        "clarify": {"type": "string"},
        "assure": {"type": "string"},
        "talk_track": {"type": "string"},
        "question": {"type": ["string", "null"]},
    },
    "required": ["label", "confidence", "language", "align", "clarify", "assure", "talk_track", "question"],
    "additionalProperties": False,
}


def _response_format(mode: str, schema: dict[str, Any], name: str) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}
    if mode == "json_object_schema":  # llama.cpp's own form
        return {"type": "json_object", "schema": schema}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


class LLM:
    """An OpenAI-compatible chat model, reached through the `openai` client."""

    def __init__(self, settings: Settings, store: Store):
        from openai import OpenAI

        self.settings = settings
        self.store = store
        self.model = settings.model
        self.server = settings.openai_base_url or "https://api.openai.com/v1"
        # A local server needs no key, but the client insists on one.
        self._client = OpenAI(
            api_key=settings.openai_api_key or "not-needed",
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout,
            max_retries=0,  # retries are ours: bounded by the deadline below, and only where they can help
        )

    def _cache_key(self, prompt: Prompt) -> str:
        return hashlib.sha256(json.dumps([self.server, self.model, prompt.system, prompt.user]).encode()).hexdigest()

    def coach(self, prompt: Prompt) -> tuple[LLMGuidance, bool]:
        """Validated guidance for the prompt, and whether it came from the cache. Raises LLMFailure."""
        return self.structured(prompt, LLMGuidance, SCHEMA, "coaching")

    def score_reply(self, prompt: Prompt) -> tuple[LLMScore, bool]:
        """A practice scorecard (each check with its quote) for the prompt, and whether it was cached."""
        return self.structured(prompt, LLMScore, SCORE_SCHEMA, "practice_score")

    def buyer_turn(self, prompt: Prompt) -> tuple[LLMBuyerLine, bool]:
        """The practice buyer's next line, in character, and whether it was cached."""
        return self.structured(prompt, LLMBuyerLine, BUYER_SCHEMA, "practice_buyer")

    def structured(self, prompt: Prompt, answer_type: type[Answer], schema: dict[str, Any],
                   name: str) -> tuple[Answer, bool]:
        """One JSON answer validated as `answer_type`, and whether it came from the cache. Raises LLMFailure."""
        key = self._cache_key(prompt)
        cached = self.store.llm_cached(key)
        if cached is not None:
            self.store.log_llm_call(model=self.model, outcome="cache_hit")
            return answer_type.model_validate_json(cached), True
        deadline = time.monotonic() + self.settings.llm_timeout
        messages = prompt.messages()
        repaired = False
        while True:
            content = self._complete(messages, deadline, schema, name)
            try:
                guidance = answer_type.model_validate_json(_strip_fences(content))
                _no_leak(guidance.model_dump_json(), prompt.system)
            except (ValidationError, ValueError) as exc:
                problem = str(exc).splitlines()[0][:300]
                if repaired:
                    self.store.log_llm_call(model=self.model, outcome="invalid")
                    raise LLMFailure("invalid", problem) from None
                repaired = True  # one repair attempt: show the model its answer and what was wrong
                messages = [*prompt.messages(), {"role": "assistant", "content": content[:4000]},
                            {"role": "user", "content": f"That answer was not valid ({problem}). Reply again with "
                                                        "only the JSON object, every field filled as instructed."}]
                continue
            self.store.llm_cache_put(key, guidance.model_dump_json())
            return guidance, False

    def _complete(self, messages: list[dict[str, str]], deadline: float, schema: dict[str, Any], name: str) -> str:
        """One chat completion within the deadline, stepping down response formats the server rejects."""
        import openai

        known = self.store.llm_format(self.server, self.model)
        mode = known or FORMATS[0]
        rate_limited_once = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0.05:
                self.store.log_llm_call(model=self.model, outcome="timeout")
                raise LLMFailure("timeout", f"no answer within {self.settings.llm_timeout:g} s")
            started = time.monotonic()
            kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0.3,
                                      "max_tokens": MAX_OUTPUT_TOKENS, "timeout": remaining}
            response_format = _response_format(mode, schema, name)
            if response_format is not None:
                kwargs["response_format"] = response_format
            try:
                raw = self._client.chat.completions.with_raw_response.create(**kwargs)
                completion = raw.parse()
            except openai.APITimeoutError:
                self._failed("timeout", None, started)
            except openai.RateLimitError as exc:
                wait = _retry_after(exc.response.headers)
                if rate_limited_once or wait is None or wait > deadline - time.monotonic():
                    self._failed("rate_limited", exc.request_id, started)
                rate_limited_once = True
                log.info("model rate-limited; retrying after %.1f s", wait)
                time.sleep(wait)
                continue
            except openai.APIStatusError as exc:
                # A server that cannot do a response format answers 400/422 (or, llama.cpp on json_schema, 500):
                # step down a format; the one that works is remembered. Any other 5xx is the server failing.
                next_mode = _next_format(mode)
                rejected = exc.status_code in (400, 422) or (exc.status_code >= 500 and mode == "json_schema")
                if next_mode and rejected:
                    log.info("model server rejected %s (HTTP %s); trying %s", mode, exc.status_code, next_mode)
                    mode = next_mode
                    continue
                self._failed("server_error", exc.request_id, started, f"HTTP {exc.status_code}")
            except openai.APIConnectionError:
                self._failed("connection", None, started)
            choice = completion.choices[0]
            usage = completion.usage
            refused = bool(getattr(choice.message, "refusal", None))
            cut = choice.finish_reason == "length"
            self.store.log_llm_call(
                model=self.model,
                outcome="refusal" if refused else "length" if cut else "ok",
                request_id=raw.headers.get("x-request-id"),
                prompt_tokens=usage.prompt_tokens if usage else None,
                completion_tokens=usage.completion_tokens if usage else None,
                duration_ms=round((time.monotonic() - started) * 1000),
            )
            if mode != known:
                self.store.set_llm_format(self.server, self.model, mode)
            if refused:
                raise LLMFailure("refusal", "the model declined to answer")
            if cut:
                raise LLMFailure("length", "the answer was cut at the token limit")
            return choice.message.content or ""

    def _failed(self, kind: str, request_id: str | None, started: float, detail: str = "") -> NoReturn:
        log.warning("model call failed: %s %s(request id %s, model %s)", kind, f"{detail} " if detail else "",
                    request_id or "-", self.model)
        self.store.log_llm_call(model=self.model, outcome=kind, request_id=request_id,
                                duration_ms=round((time.monotonic() - started) * 1000))
        raise LLMFailure(kind, detail)


def _next_format(mode: str) -> str | None:
    index = FORMATS.index(mode)
    return FORMATS[index + 1] if index + 1 < len(FORMATS) else None


def _retry_after(headers: Any) -> float | None:
    try:
        return max(0.0, float(headers.get("retry-after")))
    except (TypeError, ValueError):
        return None


def _strip_fences(content: str) -> str:
    """Models without a JSON mode often wrap the object in a ``` fence or a sentence; keep the object."""
    start, end = content.find("{"), content.rfind("}")
    return content[start : end + 1] if start != -1 and end > start else content


def _no_leak(answer: str, system: str) -> None:
    """Reject an answer that quotes our instructions (a prompt-injection success)."""
    fields = json.loads(answer)
    fields = " ".join(str(v) for v in fields.values()) if isinstance(fields, dict) else answer
    lines = [line.strip() for line in system.splitlines() if len(line.strip()) >= 40]
    if any(line[:40] in fields for line in lines):
        raise ValueError("the answer quotes the system instructions")


# --- practice: scoring a seller's reply, and the buyer's next line (bot/score.py, bot/practice.py) ---

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


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


_CHECK = _object({"passed": {"type": "boolean"}, "quote": {"type": "string"}})
SCORE_SCHEMA: dict[str, Any] = _object({
    "align": _CHECK, "asks": _CHECK, "clarify": _CHECK, "assure": _CHECK,
    "pitfall": _object({"found": {"type": "boolean"}, "quote": {"type": "string"}}),
})
BUYER_SCHEMA: dict[str, Any] = _object({"line": {"type": "string"}})
