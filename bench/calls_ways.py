"""Which of the fifth round's ways of resisting (bot/calls/finding.py NEW_WAYS) each leave-one-writer-out fold keeps.

For each way, the buyer sentences of the six writers' sets (bench/calls_signal.py `examples`) that only it flags,
right (inside an annotated objection) and wrong, per set; a fold keeps the way when, on the other five sets, it
flags more right sentences than wrong ones. Prints figures; not a test.

  .venv/bin/python bench/calls_ways.py
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import calls_signal  # noqa: E402

import bot.calls.finding as finding  # noqa: E402


def main() -> None:
    sets = calls_signal.SETS
    every = {name: calls_signal.examples(ROOT / "tests" / "data" / name) for name in sets}
    chosen = finding.IN_OTHER_WORDS
    finding.IN_OTHER_WORDS = chosen - finding.NEW_WAYS
    without = {name: calls_signal.examples(ROOT / "tests" / "data" / name) for name in sets}
    finding.IN_OTHER_WORDS = chosen
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for name in sets:
        for with_it, alone in zip(every[name], without[name], strict=True):
            if with_it["rule"] and not alone["rule"]:
                for way in [w for w in finding.in_other_words(with_it["sentence"]) if w in finding.NEW_WAYS]:
                    counts[way][name][0 if with_it["label"] else 1] += 1
    for way in sorted(finding.NEW_WAYS):
        per_set = counts[way]
        kept = [held for held in sets if sum(per_set[n][0] for n in sets if n != held)
                > sum(per_set[n][1] for n in sets if n != held)]
        print(f"{way:15} right/wrong by set: " + ", ".join(f"{n} +{r}/-{w}" for n, (r, w) in per_set.items()))
        print(f"{'':15} kept when holding out: {', '.join(kept) or 'none'}")


if __name__ == "__main__":
    main()
