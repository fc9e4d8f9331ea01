"""Our own cost per LLM coaching (prompt rendering, validation, storage), the model's time excluded,
and the prompt size per label. Prints figures; not a test. Run: .venv/bin/python bench/llm_overhead.py

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


if __name__ == "__main__":
    main()
