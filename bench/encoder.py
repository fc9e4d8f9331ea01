"""The sentence encoder's time per query (bot/models/encoder.py): alone, four coachings side by side, and with
both cores busy with other work. What THREADS and SPIN_COUNT were chosen on; prints figures, not a test.

Run: .venv/bin/python bench/encoder.py
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.models import encoder  # noqa: E402

# about 40 words, a typical pasted objection
TEXT = ("Honestly I don't see how this would work for our drivers: they're on the road all day, half of them don't "
        "even use smartphones, and the union will push back on anything that tracks them.")


def _run(count: int, out: list[float]) -> None:
    for _ in range(count):
        start = time.perf_counter()
        encoder._encoded_queries([TEXT])
        out.append(time.perf_counter() - start)


def _report(name: str, times: list[float], wall: float) -> None:
    times.sort()
    print(f"{name:<24} p50 {1000 * times[len(times) // 2]:5.0f} ms   p99 {1000 * times[int(len(times) * .99)]:5.0f} ms"
          f"   {len(times) / wall:5.1f} queries/s")


def main() -> None:
    _run(3, [])  # load the engine
    print(f"threads {encoder.THREADS}, GOMP_SPINCOUNT {encoder.os.environ.get('GOMP_SPINCOUNT')}")
    for side_by_side in (1, 4):
        times: list[float] = []
        start = time.perf_counter()
        threads = [threading.Thread(target=_run, args=(80 // side_by_side, times)) for _ in range(side_by_side)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        _report(f"{side_by_side} side by side", times, time.perf_counter() - start)
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        time.sleep(0.5)
        times = []
        start = time.perf_counter()
        _run(30, times)
        _report("both cores busy", times, time.perf_counter() - start)
    finally:
        for burner in burners:
            burner.kill()


if __name__ == "__main__":
    main()
