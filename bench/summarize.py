"""A 1,000-message deal-room thread summarised offline, how the LLM path grows with the thread, how long the
posted summary is, and how often "stalled" is called right on the annotated threads.
Prints figures; not a test. Run: .venv/bin/python bench/summarize.py

The thread is built from the annotated test threads, repeated with fresh timestamps. The LLM path runs against
the local OpenAI-compatible stand-in from the tests; prompt tokens are our estimate (characters / 4).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.config import load_settings  # noqa: E402
from bot.llm.budget import estimate_tokens  # noqa: E402
from bot.services.coach import Coach  # noqa: E402
from bot.services.summarize import Message, Summarizer, parse_messages  # noqa: E402
from bot.services.summary_text import summary_text  # noqa: E402
from bot.slack.blocks import escape, summary_messages  # noqa: E402
from tests.e2e.standins import OpenAIStandIn  # noqa: E402

SIZE = 1000


def thread(size: int) -> list[Message]:
    pool = [m for path in sorted((ROOT / "tests" / "data" / "threads").glob("*.json"))
            for m in json.loads(path.read_text())["messages"]]
    start = 1_760_000_000
    return [Message(pool[i % len(pool)].get("user", "U1"), pool[i % len(pool)]["text"], f"{start + 60 * i}.000100")
            for i in range(size)]


def stalled_accuracy(summarizer: Summarizer) -> None:
    """Stalled or not, against the annotations of every thread in tests/data/threads/."""
    rows = []
    for path in sorted((ROOT / "tests" / "data" / "threads").glob("*.json")):
        data = json.loads(path.read_text())
        rows.append((data["expected"]["stalled"], summarizer.summarize(parse_messages(data)).stalled))
    right = sum(truth == called for truth, called in rows)
    stalled = [called for truth, called in rows if truth]
    healthy = [not called for truth, called in rows if not truth]
    print(f"stalled called right on {right}/{len(rows)} annotated threads: {sum(stalled)}/{len(stalled)} stalled, "
          f"{sum(healthy)}/{len(healthy)} healthy")


def main() -> None:
    summarizer = Summarizer(Coach(load_settings()))
    stalled_accuracy(summarizer)
    messages = thread(SIZE)
    summarizer.summarize(messages[:10])  # load both classifiers first: start-up is not the figure
    times = []
    for _ in range(5):
        start = time.perf_counter()
        summary = summarizer.summarize(messages)
        times.append(time.perf_counter() - start)
    print(f"{SIZE}-message thread summarised offline: median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s (5 runs); {len(summary.risks)} obstacle mentions, "
          f"{len(summary.objections)} objections, {len(summary.stakeholders)} stakeholders")
    coach = summarizer.coach
    for size in (200, SIZE):
        long = summarizer.summarize(messages[:size])
        posts = summary_messages(summary_text(long, coach.obstacle_names("en"), coach.kind_names("en"), escape))
        sizes = ", ".join(f"{sum(len(b['text']['text']) for b in blocks)} chars in {len(blocks)} blocks"
                          for blocks in posts)
        print(f"  {size}-message thread posted as {len(posts)} message(s): {sizes}")

    model = OpenAIStandIn()
    os.environ.update(OPENAI_BASE_URL=model.url, OPENAI_API_KEY="bench",
                      COACH_DB=os.path.join(tempfile.mkdtemp(), "bench.db"))
    settings = load_settings()
    llm_summarizer = Summarizer(Coach(settings))
    print(f"with an LLM (context budget {settings.llm_context_tokens} tokens):")
    for size in (250, 500, 1000, 2000):
        before = len(model.requests)
        chunks = llm_summarizer.chunk_prompts(thread(size))
        summary = llm_summarizer.summarize(thread(size))
        sizes = [estimate_tokens(p.system) + estimate_tokens(p.user) for _, p in chunks]
        print(f"  {size:>5} messages: {len(model.requests) - before:>3} model calls, {sum(sizes):>7} prompt tokens, "
              f"largest call {max(sizes)} tokens ({summary.source})")
    model.close()


if __name__ == "__main__":
    main()
