"""Warm offline coaching latency: diagnosis (kind + topic) and rendering, with the empty and the example team
profile. Prints figures; not a test.

Run: .venv/bin/python bench/coach.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.config import load_settings  # noqa: E402
from bot.core.guidance import Objection  # noqa: E402
from bot.models import encoder  # noqa: E402
from bot.models.classify import Diagnosis  # noqa: E402
from bot.models.examples import read_examples  # noqa: E402
from bot.services.coach import Coach  # noqa: E402


def _latencies(coach: Coach, texts: list[str]) -> tuple[list[float], list[float]]:
    """Wall time and this thread's CPU time per objection; on a shared machine the wall time's tail is mostly
    other processes' turn on the CPU, which the CPU time leaves out (and so does the encoder's second thread)."""
    coach.offline_guidance(Objection.parse(texts[0]), coach.diagnose(texts[0]), None)  # load and train first
    encoder.forget_queries()  # each objection encoded as a new one would be (the other profile's run kept them)
    times, cpu = [], []
    for i, text in enumerate(texts):
        context = "Ridgeline Logistics, 90 trucks, wants fewer late deliveries; Dana Reyes (COO)" if i % 2 else None
        start, start_cpu = time.perf_counter(), time.thread_time()
        objection = Objection.parse(text)
        diagnosis: Diagnosis = coach.diagnose(objection.text)
        coach.offline_guidance(objection, diagnosis, context)
        times.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
    return sorted(times), sorted(cpu)


def _line(values: list[float]) -> str:
    p50, p99 = statistics.median(values), values[int(len(values) * 0.99) - 1]
    return f"p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms, max {values[-1] * 1000:.2f} ms"


def main() -> None:
    texts = [e.text for path in sorted((ROOT / "playbooks" / "heldout").glob("*.jsonl")) for e in read_examples(path)]
    settings = load_settings()
    team = Path(tempfile.mkdtemp())
    shutil.copy(ROOT / "playbooks" / "team.example.yaml", team / "team.yaml")
    for name, coach in (("empty profile", Coach(settings)),
                        ("example profile", Coach(settings.model_copy(update={"playbooks_dir": team})))):
        wall, cpu = _latencies(coach, texts)
        print(f"warm offline coaching ({name}, {len(wall)} objections): diagnosis + topic + rendering")
        print(f"  wall {_line(wall)}\n  cpu  {_line(cpu)}")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    shutil.rmtree(team)


if __name__ == "__main__":
    main()
