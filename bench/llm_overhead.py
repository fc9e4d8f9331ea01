"""Our own cost per LLM coaching (prompt rendering, validation, storage), the model's time excluded,
the prompt size per label, and how long a coaching takes when the model fails: silent past COACH_LLM_TIMEOUT
(the offline answer), or rate-limited once with Retry-After: 1 (asked again after it). Prints figures; not a
test (tests/e2e/test_llm.py checks what happens, not how long it takes). Run: .venv/bin/python bench/llm_overhead.py

The model is the local OpenAI-compatible stand-in from the tests, answering at once; the time of each HTTP
call as measured around it (logged in llm_calls.duration_ms) is subtracted from the coaching's wall time.
Token counts are estimated as characters / 4 (tiktoken fetches its tables from the network).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.config import load_settings  # noqa: E402
from bot.core.guidance import Objection  # noqa: E402
from bot.core.taxonomy import LABELS  # noqa: E402
from bot.models.examples import read_examples  # noqa: E402
from bot.services.coach import Coach  # noqa: E402
from tests.e2e.standins import OpenAIStandIn  # noqa: E402


def main() -> None:
    failures()
    model = OpenAIStandIn()
    os.environ.update(OPENAI_BASE_URL=model.url, OPENAI_API_KEY="bench", COACH_MODEL="standin",
                      COACH_DB=os.path.join(tempfile.mkdtemp(), "bench.db"))
    coach = Coach(load_settings())
    texts = [e.text for path in sorted((ROOT / "playbooks" / "heldout").glob("*.jsonl")) for e in read_examples(path)]
    coach.coach("warm-up: I heard you only sell to banks")
    overheads = []
    for text in texts:
        start = time.perf_counter()
        guidance = coach.coach(text)
        wall = (time.perf_counter() - start) * 1000
        assert guidance.source == "llm", guidance.notes
        model_ms = coach.store.llm_calls()[-1]["duration_ms"]
        overheads.append(wall - model_ms)
    overheads.sort()
    print(f"overhead per uncached coaching, model time excluded ({len(texts)} objections): "
          f"p50 {statistics.median(overheads):.1f} ms, p99 {overheads[int(len(overheads) * 0.99) - 1]:.1f} ms, "
          f"max {overheads[-1]:.1f} ms")
    print("prompt size per label (system + user, estimated tokens = characters / 4):")
    sample = Objection.parse("Our CFO doubts the savings you promise and says the budget is frozen until Q3.")
    diagnosis = coach.diagnose(sample.text)
    for label in LABELS:
        prompt = coach.prompt(sample, diagnosis, None, None, "en", forced_label=label)
        print(f"  {label:<14} {len(prompt.system) // 4:>5} + {len(prompt.user) // 4:>5} tokens")
    both = coach.prompt(sample, diagnosis, "Globex, 200 seats", None, "en")
    print(f"  {'(top two)':<14} {len(both.system) // 4:>5} + {len(both.user) // 4:>5} tokens")
    model.close()


def failures(timeout: str = "3") -> None:
    """Wall time of one coaching when the model never answers in time, and when it says 429 once."""
    print(f"a coaching when the model fails (COACH_LLM_TIMEOUT {timeout} s):")
    environ = dict(os.environ)
    for behaviour, what in (("slow", "silent"), ("429", "429, Retry-After: 1")):
        model = OpenAIStandIn(default="slow" if behaviour == "slow" else "ok")
        model.slow_seconds = 60
        model.script = [behaviour]
        os.environ.update(OPENAI_BASE_URL=model.url, OPENAI_API_KEY="bench", COACH_MODEL="standin",
                          COACH_LLM_TIMEOUT=timeout, COACH_DB=os.path.join(tempfile.mkdtemp(), "bench.db"))
        coach = Coach(load_settings())
        coach.coach("warm-up: I heard you only sell to banks", offline=True)  # the models loaded first
        start = time.perf_counter()
        guidance = coach.coach("Our CFO doubts the savings you promise will ever show up.")
        print(f"  {what:<20} {guidance.source} answer after {time.perf_counter() - start:.2f} s, "
              f"{len(model.requests)} request(s)")
        model.close()
    os.environ.clear()
    os.environ.update(environ)


if __name__ == "__main__":
    main()
