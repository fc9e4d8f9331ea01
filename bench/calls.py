"""A 60-minute call (400 cues) read and reviewed offline: how long each step takes, cold and warm.
Prints figures; not a test. Run: .venv/bin/python bench/calls.py [FILE.vtt …]
                                   .venv/bin/python bench/calls.py --real [--cues]

`--real`: the real long calls of the writers' sets (every call of 45 minutes or more: calls-heldout's 62-minute
call, calls-heldout-5's and -6's, and the other sets' hours), each reviewed with the query cache emptied
(bot/models/encoder.py forget_queries) and no cache folder for sentence vectors, as a new call would be: seconds a
call with the cues alone (`detector=False`, main) and with the shipped detector. `--cues` times the cues alone only.

With no file, the call is built from the transcripts in tests/data/calls/ (English), their turns repeated with a
cue every nine seconds and written out as a Zoom-style WebVTT file, so the reading is measured too. The target
(issue #22) is a 60-minute call reviewed offline in at most 3 s on the project's 2-core machine.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import json  # noqa: E402

from bot.calls.finding import sentences  # noqa: E402
from bot.calls.formats import read_call  # noqa: E402
from bot.calls.review import review_call  # noqa: E402
from bot.calls.sides import assign_sides  # noqa: E402
from bot.core.config import load_settings  # noqa: E402
from bot.models import encoder  # noqa: E402
from bot.services.coach import Coach  # noqa: E402

CUES = 400
SECONDS_A_CUE = 9  # 400 cues x 9 s = 60 minutes
SELLERS = {"Ana Ruiz", "Ben Carter"}


def stamp(seconds: float) -> str:
    return f"{int(seconds) // 3600:02d}:{int(seconds) % 3600 // 60:02d}:{seconds % 60:06.3f}"


def synthetic_call(folder: Path) -> Path:
    """A Zoom-style WebVTT hour from the short English fixtures: Ana sells, Dana buys."""
    pool = [t for name in ("zoom_en.vtt", "otter_en.txt", "gong_en.txt", "meet_en.srt")
            for t in read_call(ROOT / "tests" / "data" / "calls" / name).turns]
    lines = ["WEBVTT", ""]
    for i in range(CUES):
        turn = pool[i % len(pool)]
        speaker = "Ana Ruiz" if turn.speaker in SELLERS else "Dana Okafor"
        start = i * SECONDS_A_CUE
        lines += [str(i + 1), f"{stamp(start)} --> {stamp(start + SECONDS_A_CUE - 0.5)}", f"{speaker}: {turn.text}",
                  ""]
    path = folder / "hour.vtt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


LONG = 45 * 60  # a real call this long (seconds) is timed by `--real`


def long_calls() -> list[Path]:
    """The writers' calls of LONG or more, longest first."""
    found = []
    for path in sorted((ROOT / "tests" / "data").glob("calls-*/*")):
        if path.suffix == ".json" or not path.with_name(path.name + ".json").exists():
            continue
        try:
            starts = [t.start for t in read_call(path).turns if t.start is not None]
        except Exception:  # noqa: BLE001 - the sets hold bad inputs on purpose
            continue
        if starts and max(starts) - min(starts) >= LONG:
            found.append((max(starts) - min(starts), path))
    return [path for _, path in sorted(found, reverse=True)]


def real(ways: list[tuple[str, bool]]) -> None:
    """Each long real call reviewed cold (no query in the cache, no cache folder), once a way."""
    coach = Coach(load_settings())
    warm_up = ROOT / "tests" / "data" / "calls" / "zoom_en.vtt"
    conversation = read_call(warm_up)
    review_call(coach, conversation, assign_sides(conversation), offline=True)  # models loaded once
    totals: dict[str, list[float]] = {name: [] for name, _ in ways}
    for path in long_calls():
        truth = json.loads(path.with_name(path.name + ".json").read_text(encoding="utf-8"))
        conversation = read_call(path)
        sides = assign_sides(conversation, ours=truth["ours"])
        buyer = [t for t in conversation.turns if sides.side(t.speaker) == "buyer"]
        said = len({s for t in buyer for s in sentences(t.text)})
        cells = []
        for name, detector in ways:
            encoder.forget_queries()
            asked: list[str] = []
            real_queries = encoder.queries

            def counting(texts: Any, asked: list[str] = asked, real_queries: Any = real_queries) -> Any:
                asked.extend(texts)
                return real_queries(texts)

            encoder.queries = counting  # type: ignore[assignment]  # counts what is encoded, not its time
            try:
                start = time.perf_counter()
                review = review_call(coach, conversation, sides, offline=True, detector=detector)
                seconds = time.perf_counter() - start
            finally:
                encoder.queries = real_queries  # type: ignore[assignment]
            totals[name].append(seconds)
            cells.append(f"{name} {seconds:.2f} s ({len(review.moments)} found, {len(set(asked))} texts encoded)")
        minutes = (review.duration or 0) / 60
        print(f"{path.parent.name}/{path.name}: {minutes:.0f} min, {len(buyer)} buyer turns, {said} buyer "
              "sentences; " + "; ".join(cells), flush=True)
    for name, seconds in totals.items():
        print(f"{name}: worst {max(seconds):.2f} s, median {statistics.median(seconds):.2f} s a call, cold "
              "(target: 3 s)")


def main() -> None:
    if "--real" in sys.argv:
        real([("cues", False)] if "--cues" in sys.argv else [("cues", False), ("detector", True)])
        return
    with tempfile.TemporaryDirectory() as folder:
        files = [Path(p) for p in sys.argv[1:]] or [synthetic_call(Path(folder))]
        started = time.perf_counter()
        coach = Coach(load_settings())
        for path in files:
            start = time.perf_counter()
            conversation = read_call(path)
            read_s = time.perf_counter() - start
            sides = assign_sides(conversation, ours=["Ana Ruiz"]) if not sys.argv[1:] else assign_sides(conversation)
            if not sides.decided:
                print(f"{path.name}: sides undecided ({', '.join(sides.undecided)}); skipped")
                continue
            start = time.perf_counter()
            review = review_call(coach, conversation, sides, offline=True)
            cold = time.perf_counter() - start
            since_start = time.perf_counter() - started
            warm = []
            for _ in range(5):
                start = time.perf_counter()
                conversation = read_call(path)
                review = review_call(coach, conversation, assign_sides(conversation, ours=list(sides.ours)),
                                     offline=True)
                warm.append(time.perf_counter() - start)
            minutes = (review.duration or 0) / 60
            answered = sum(1 for m in review.moments if m.answer is not None)
            print(f"{path.name}: {path.stat().st_size / 1024:.0f} KB, {minutes:.0f} min, "
                  f"{len(conversation.turns)} turns ({review.buyer_turns} the buyer's), "
                  f"{len(review.moments)} objections, "
                  f"{answered} answers scored, "
                  f"{len(review.obstacles)} obstacles")
            print(f"  read: {read_s * 1000:.0f} ms; review, first in this process (models loaded): {cold:.2f} s "
                  f"({since_start:.2f} s since start, coach set-up and reading included)")
            print(f"  read + review, warm: median {statistics.median(warm):.2f} s, worst {max(warm):.2f} s "
                  f"of {len(warm)} (target: 3 s)")


if __name__ == "__main__":
    main()
