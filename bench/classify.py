"""The offline classifier: quality on other people's objections (--dev), cold start, first run with training,
warm diagnosis latency and peak memory. Prints figures; not a test.

Run: .venv/bin/python bench/classify.py [--dev ../shared/data/objections-dev.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.config import load_settings  # noqa: E402
from bot.core.taxonomy import LABELS  # noqa: E402
from bot.models.examples import read_examples  # noqa: E402
from bot.models.metrics import score  # noqa: E402

_ASK = [sys.executable, "-m", "bot", "ask", "--json", "We're happy with our current vendor"]


def first_run() -> tuple[float, float, str]:
    """Wall and CPU time of `coach ask` with an empty model cache (training included); and the cache used."""
    cache = tempfile.mkdtemp()
    env = {**os.environ, "COACH_DB": os.path.join(cache, "bench.db"), "COACH_CACHE_DIR": cache}
    start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(_ASK, env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return time.perf_counter() - start, cpu, cache


def cold_start(cache: str, runs: int = 5) -> tuple[list[float], float]:
    """Wall times of a fresh `coach ask` process, classifier already trained and cached; its peak RSS (MB)."""
    env = {**os.environ, "COACH_DB": os.path.join(cache, "bench.db"), "COACH_CACHE_DIR": cache}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(_ASK, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def serve_memory(cache: str, commands: int = 20) -> float:
    """Peak RSS (MB) of a `coach serve` process (HTTP mode, a local Slack stand-in) after it has loaded its
    models and coached `commands` objections."""
    from tests.e2e.replicas import Replica, app_env
    from tests.e2e.standins import SlackStandIn, command_form, signed_post

    slack = SlackStandIn()
    replica = Replica(app_env(slack.api_url, "bench-secret", os.path.join(cache, "serve.db"), cache))
    try:
        replica.wait_ready()
        for i in range(commands):
            form = command_form(f"Deal {i}: our current supplier covers this", slack.url)
            signed_post(f"{replica.url}/slack/events", form, "application/x-www-form-urlencoded", "bench-secret")
        slack.wait_for("chat.postMessage", commands, timeout=300)
        status = Path(f"/proc/{replica.process.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024
    finally:
        replica.stop()
        slack.close()


def warm_latency(coach) -> list[float]:
    texts = [e.text for path in sorted((ROOT / "playbooks" / "heldout").glob("*.jsonl")) for e in read_examples(path)]
    coach.diagnose(texts[0])
    times = []
    for text in texts:
        start = time.perf_counter()
        coach.diagnose(text)
        times.append(time.perf_counter() - start)
    return times


def dev_report(coach, path: Path) -> None:
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    diagnoses = coach.classifier.diagnose_many([r["text"] for r in rows])
    sure = [(r, d) for r, d in zip(rows, diagnoses, strict=True) if r["sure"]]
    unsure = [d for r, d in zip(rows, diagnoses, strict=True) if not r["sure"]]
    report = score([r["label"] for r, _ in sure], [d.label for _, d in sure])
    answered = [r["label"] == d.label for r, d in sure if not d.asks_first]
    print(f"dev set {path.name}: {len(sure)} sure, {len(unsure)} unsure items")
    print(f"  macro-F1 on sure items: {report['macro_f1']:.3f} (accuracy {report['accuracy']:.3f})")
    print("  per-label F1: " + ", ".join(f"{label} {report['per_label'][label]['f1']:.2f}" for label in LABELS))
    print(f"  accuracy among answers given without 'Ask first': {sum(answered) / len(answered):.3f} "
          f"({len(answered)} of {len(sure)} sure items answered)")
    asked = [r for r, d in zip(rows, diagnoses, strict=True) if not r["sure"] and d.asks_first]
    covered = sum(set(r["plausible"]) <= set(d.in_play) for r, d in zip(rows, diagnoses, strict=True)
                  if not r["sure"] and d.asks_first)
    print(f"  'Ask first' on sure items: {sum(d.asks_first for _, d in sure) / len(sure):.0%}; "
          f"on unsure items: {len(asked) / len(unsure):.0%} "
          f"(their plausible kinds all in play: {covered} of {len(asked)})")
    print(f"  declined as no objection: {sum(d.not_objection for d in diagnoses)} of {len(rows)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dev", type=Path, help="JSONL of other people's objections with 'sure' and 'plausible'")
    args = parser.parse_args()
    wall, cpu, cache = first_run()
    print(f"first run (training included, empty cache): {wall:.1f} s wall, {cpu:.1f} s CPU")
    cold, child_rss = cold_start(cache)
    print(f"coach ask cold start: median {statistics.median(cold):.2f} s, max {max(cold):.2f} s ({len(cold)} runs)")
    print(f"peak memory of a coach ask process (models loaded, training included): {child_rss:.0f} MB RSS")
    print(f"peak memory of coach serve (models loaded, 20 objections coached): {serve_memory(cache):.0f} MB RSS")
    from bot.core.config import Settings
    from bot.services.coach import Coach

    settings = load_settings()
    coach = Coach(Settings(**{**settings.__dict__, "cache_dir": Path(cache)}))
    warm = sorted(warm_latency(coach))
    p50, p99 = warm[len(warm) // 2], warm[int(len(warm) * 0.99) - 1]
    print(f"warm diagnosis: p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms, max {warm[-1] * 1000:.2f} ms "
          f"({len(warm)} objections)")
    if args.dev:
        dev_report(coach, args.dev)
    print(f"peak memory of this process (models loaded): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB RSS")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} (2 cores)")
