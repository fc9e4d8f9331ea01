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
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NoReturn, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from bot.core.config import Settings, reveal
from bot.core.grounding import Ungrounded, check_answer, unlinked
from bot.core.logs import redact_url
from bot.llm.answers import LLMBuyerLine, LLMGuidance, LLMScore, answer_schema
from bot.llm.budget import MAX_OUTPUT_TOKENS
from bot.llm.streaming import OnText, StreamBroken, read_stream

log = logging.getLogger(__name__)

Answer = TypeVar("Answer", bound=BaseModel)
T = TypeVar("T")
FORMATS = ("json_schema", "json_object_schema", "json_object", "prompt_only")
class LLMFailure(Exception):
    """The model gave no usable answer; `kind` says why (timeout, rate_limited, server_error, invalid, ...)."""

    def __init__(self, kind: str, detail: str = ""):
        self.kind = kind
        self.detail = detail
        super().__init__(f"{kind}: {detail}" if detail else kind)


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
    grounding: str | None = None  # every figure or name the answer states must be in this text (bot/core/grounding.py)
    team_id: str | None = None  # the workspace asking: its answers are cached for it alone
    # what the talk track and assure must not say: names of a profile fact that does not meet what the buyer
    # requires (offered as reassurance it would mislead), and words of a point the buyer accepted (said again
    # after the opening sentence, they re-open it); each answer that does gets one repair, then offline
    not_offered: tuple[str, ...] = ()
    accepted_words: tuple[str, ...] = ()

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


class Records(Protocol):
    """Where the answer cache, the call log and each server's response format are kept: the store
    (bot/store/llm.py), which this package does not import."""

    def llm_cached(self, key: str, team_id: str | None = None) -> str | None: ...

    def llm_cache_put(self, key: str, response: str, team_id: str | None = None) -> None: ...

    def log_llm_call(self, **row: Any) -> None: ...

    def llm_format(self, server: str, model: str) -> str | None: ...

    def set_llm_format(self, server: str, model: str, fmt: str) -> None: ...


class LLM:
    """An OpenAI-compatible chat model, reached through the `openai` client."""

    def __init__(self, settings: Settings, store: Records):
        self.settings = settings
        self.store = store
        self.model = settings.model
        # which server, for the answer cache and the remembered response format: credentials are no part of
        # which server it is, and must not land in the database
        base_url = reveal(settings.openai_base_url)
        self.server = redact_url(base_url) if base_url else "https://api.openai.com/v1"

    @cached_property
    def _client(self) -> Any:
        """Made on first use, inside `structured`'s guard, so a client that cannot be built is one more failure."""
        from urllib.parse import parse_qsl

        from openai import OpenAI

        base_url, query = reveal(self.settings.openai_base_url), None
        if base_url and "?" in base_url:
            # The client appends each path to the base URL as text, so a query string in it (a gateway's
            # "?api-key=...") would end up inside the path: it is sent with every request instead.
            base_url, raw = base_url.split("?", 1)
            query = dict(parse_qsl(raw.split("#", 1)[0], keep_blank_values=True))
        # A local server needs no key, but the client insists on one.
        return OpenAI(
            api_key=reveal(self.settings.openai_api_key) or "not-needed",
            base_url=base_url,
            default_query=query,
            timeout=self.settings.llm_timeout,
            max_retries=0,  # retries are ours: bounded by the deadline below, and only where they can help
        )

    def _cache_key(self, prompt: Prompt) -> str:
        parts = [self.server, self.model, prompt.system, prompt.user, *prompt.not_offered, *prompt.accepted_words]
        # per workspace: the same words in two workspaces are two entries (no workspace: the CLI's, as before)
        return hashlib.sha256(json.dumps(parts + [prompt.team_id] if prompt.team_id else parts).encode()).hexdigest()

    def coach(self, prompt: Prompt, on_text: OnText | None = None) -> tuple[LLMGuidance, bool]:
        """Validated guidance for the prompt, and whether it came from the cache. Raises LLMFailure only.

        With `on_text`, the answer is streamed and `on_text(field, delta)` hears each guidance field's text as
        the model writes it (`STREAMED_FIELDS`); what counts is still only the validated answer returned."""
        return self.structured(prompt, LLMGuidance, "coaching", on_text)

    def score_reply(self, prompt: Prompt) -> tuple[LLMScore, bool]:
        """A practice scorecard (each check with its quote) for the prompt, and whether it was cached."""
        return self.structured(prompt, LLMScore, "practice_score")

    def buyer_turn(self, prompt: Prompt) -> tuple[LLMBuyerLine, bool]:
        """The practice buyer's next line, in character, and whether it was cached."""
        return self.structured(prompt, LLMBuyerLine, "practice_buyer")

    def structured(self, prompt: Prompt, answer_type: type[Answer], name: str,
                   on_text: OnText | None = None) -> tuple[Answer, bool]:
        """One JSON answer validated as `answer_type` (the server is given its schema, bot/llm/answers.py), and
        whether it came from the cache.

        Raises LLMFailure and nothing else: anything unexpected (an odd server reply, a client bug) is logged
        and becomes LLMFailure("error"), so a caller's one `except LLMFailure` always reaches its offline answer.
        """
        try:
            return self._structured(prompt, answer_type, name, on_text)
        except LLMFailure:
            raise
        except Exception as exc:
            log.exception("model call failed unexpectedly (model %s)", self.model)
            raise LLMFailure("error", type(exc).__name__) from exc

    def _structured(self, prompt: Prompt, answer_type: type[Answer], name: str,
                    on_text: OnText | None = None) -> tuple[Answer, bool]:
        schema = answer_schema(answer_type)
        key = self._cache_key(prompt)
        cached = self._bookkeep(self.store.llm_cached, key, prompt.team_id)
        if cached is not None:
            # An answer cached before today's checks may fail them: it is a miss, and the fresh answer replaces it.
            try:
                answer = _validated(cached, answer_type, prompt)
            except (ValidationError, ValueError):
                log.info("a cached model answer fails today's checks; asking the model again")
            else:
                self._bookkeep(self.store.log_llm_call, model=self.model, outcome="cache_hit")
                return answer, True
        deadline = time.monotonic() + self.settings.llm_timeout
        messages = prompt.messages()
        repaired = False
        while True:
            # only the first attempt streams: a repair's text would follow text the checks just rejected
            content = self._complete(messages, deadline, schema, name, None if repaired else on_text)
            try:
                answer = _validated(_strip_fences(content), answer_type, prompt)
            except (ValidationError, ValueError) as exc:
                problem = _problem(exc)
                if repaired:
                    self._bookkeep(self.store.log_llm_call, model=self.model, outcome="invalid")
                    if isinstance(exc, Ungrounded):  # the seller is told what the model made up (no link in it)
                        raise LLMFailure("ungrounded", unlinked(", ".join(exc.claims))) from None
                    raise LLMFailure("invalid", problem) from None
                repaired = True  # one repair attempt: show the model its answer and what was wrong
                messages = [*prompt.messages(), {"role": "assistant", "content": content[:4000]},
                            {"role": "user", "content": f"That answer was not valid ({problem}). Reply again with "
                                                        "only the JSON object, every field filled as instructed."}]
                continue
            self._bookkeep(self.store.llm_cache_put, key, answer.model_dump_json(), prompt.team_id)
            return answer, False

    def _bookkeep(self, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Call logging, the cache and format memory are best-effort: a database error there costs the record
        (a read counts as a miss), never the answer."""
        try:
            return operation(*args, **kwargs)
        except Exception:
            log.warning("model bookkeeping failed (%s)", operation.__name__, exc_info=True)
            return None

    def _complete(self, messages: list[dict[str, str]], deadline: float, schema: dict[str, Any], name: str,
                  on_text: OnText | None = None) -> str:
        """One chat completion within the deadline, stepping down response formats the server rejects;
        streamed (server-sent events) when `on_text` is given."""
        import openai

        known = self._bookkeep(self.store.llm_format, self.server, self.model)
        mode = known or FORMATS[0]
        rate_limited_once = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0.05:
                self._bookkeep(self.store.log_llm_call, model=self.model, outcome="timeout")
                raise LLMFailure("timeout", f"no answer within {self.settings.llm_timeout:g} s")
            started = time.monotonic()
            kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0.3,
                                      "max_tokens": MAX_OUTPUT_TOKENS, "timeout": remaining}
            response_format = _response_format(mode, schema, name)
            if response_format is not None:
                kwargs["response_format"] = response_format
            if on_text is not None:
                kwargs["stream"] = True
            try:
                raw = self._client.chat.completions.with_raw_response.create(**kwargs)
                if on_text is not None:
                    completion = read_stream(raw.parse(), on_text, deadline)
                else:
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
            except StreamBroken as exc:
                self._failed(exc.kind, raw.headers.get("x-request-id"), started, str(exc))
            except openai.APIConnectionError:
                self._failed("connection", None, started)
            if not completion.choices:  # some servers answer 200 with nothing in it
                self._failed("empty", raw.headers.get("x-request-id"), started, "no choices in the answer")
            choice = completion.choices[0]
            usage = completion.usage
            refused = bool(getattr(choice.message, "refusal", None))
            cut = choice.finish_reason == "length"
            self._bookkeep(
                self.store.log_llm_call,
                model=self.model,
                outcome="refusal" if refused else "length" if cut else "ok",
                request_id=raw.headers.get("x-request-id"),
                prompt_tokens=usage.prompt_tokens if usage else None,
                completion_tokens=usage.completion_tokens if usage else None,
                duration_ms=round((time.monotonic() - started) * 1000),
            )
            if mode != known:
                self._bookkeep(self.store.set_llm_format, self.server, self.model, mode)
            if refused:
                raise LLMFailure("refusal", "the model declined to answer")
            if cut:
                raise LLMFailure("length", "the answer was cut at the token limit")
            return choice.message.content or ""

    def _failed(self, kind: str, request_id: str | None, started: float, detail: str = "") -> NoReturn:
        log.warning("model call failed: %s %s(request id %s, model %s)", kind, f"{detail} " if detail else "",
                    request_id or "-", self.model)
        self._bookkeep(self.store.log_llm_call, model=self.model, outcome=kind, request_id=request_id,
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


def _validated(content: str, answer_type: type[Answer], prompt: Prompt) -> Answer:
    """The answer parsed and checked as `answer_type`, not quoting our instructions, stating no figure or name
    that is not in the prompt's grounding. Raises ValueError."""
    answer = answer_type.model_validate_json(content)
    _no_leak(answer.model_dump_json(), prompt.system)
    if prompt.grounding is not None:
        check_answer(answer.model_dump(), prompt.grounding)
    if isinstance(answer, LLMGuidance):
        _answers_what_was_said(answer, prompt)
    return answer


def _answers_what_was_said(answer: LLMGuidance, prompt: Prompt) -> None:
    """Reject guidance that offers a fact marked as not meeting the buyer's requirement, or argues again a point
    the buyer accepted (after the talk track's opening sentence, which may acknowledge it)."""
    said = f"{answer.talk_track}\n{answer.assure}".lower()
    offered = [name for name in prompt.not_offered if name.lower() in said]
    if offered:
        raise ValueError(f"it offers {offered[0]!r} as reassurance, but that fact does not meet what the buyer "
                         "requires: say plainly what the profile states and that it must be confirmed")
    rest = answer.talk_track.split(". ", 1)[-1].lower() if ". " in answer.talk_track else ""
    reopened = [word for word in prompt.accepted_words if re.search(rf"\b{re.escape(word.lower())}", rest)]
    if reopened:
        raise ValueError(f"it argues again a point the buyer accepted ({reopened[0]!r}): acknowledge it once, "
                         "then answer only their open concerns")


def _problem(exc: ValueError) -> str:
    """What was wrong, field by field, for the repair request ("assure: must not promise outcomes...")."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors()[:3])[:300]
    return str(exc).splitlines()[0][:300]


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


