"""Cold start of `coach ask` and warm per-objection classification latency. Prints figures; not a test.

Run: .venv/bin/python bench/classify.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.classify import read_examples  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.playbooks import load_playbooks  # noqa: E402


def cold_start(runs: int = 5) -> list[float]:
    """Wall time of a fresh `coach ask` process, classifier already trained and cached."""
    env = {**os.environ, "COACH_DB": os.path.join(tempfile.mkdtemp(), "bench.db")}
    command = [sys.executable, "-m", "bot", "ask", "--json", "We're happy with our current vendor"]
    subprocess.run(command, env=env, check=True, capture_output=True)  # trains the model if needed
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def warm_latency() -> list[float]:
    from bot.classify import load_classifier

    settings = load_settings()
    classifier = load_classifier(load_playbooks(settings.playbooks_dir).examples_dir, settings.cache_dir)
    texts = [e.text for path in sorted((ROOT / "tests" / "data").glob("heldout_*.jsonl")) for e in read_examples(path)]
    classifier.diagnose(texts[0])
    times = []
    for text in texts:
        start = time.perf_counter()
        classifier.diagnose(text)
        times.append(time.perf_counter() - start)
    return times


if __name__ == "__main__":
    cold = cold_start()
    print(f"coach ask cold start: median {statistics.median(cold):.2f} s, max {max(cold):.2f} s ({len(cold)} runs)")
    warm = sorted(warm_latency())
    p50, p99 = warm[len(warm) // 2], warm[int(len(warm) * 0.99) - 1]
    print(f"warm classification: p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms, max {warm[-1] * 1000:.2f} ms "
          f"({len(warm)} objections)")
