"""Practice scorecard agreement with labelled seller replies, and offline scoring latency. Prints figures.

Run: .venv/bin/python bench/practice.py [tests/data/practice_heldout.jsonl]   # held-out set, written apart
     .venv/bin/python bench/practice.py --cv                                  # 5-fold CV on the training replies

The model trains from playbooks/practice/replies/ only; the held-out file is never trained on. Accuracy per
check counts the replies where the label applies (non-null); `applies` is how often we agree on whether it
applies. Pitfalls recall: of the replies labelled with a pitfall, the share we flag.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.config import Settings, load_settings  # noqa: E402
from bot.models.moves import CHECKS, LabelledReply, read_replies, read_reply_dir, replies_dir, train_moves  # noqa: E402
from bot.services.coach import Coach  # noqa: E402
from bot.services.score import Scorer  # noqa: E402


def measure(scorer: Scorer, replies: list[LabelledReply]) -> dict[str, object]:
    right = {c: 0 for c in CHECKS}
    counted = {c: 0 for c in CHECKS}
    applies = {c: 0 for c in CHECKS}
    pitfalls = caught = false_alarms = clean = 0
    times = []
    misses: list[tuple[str, LabelledReply, bool | None]] = []
    for item in replies:
        start = time.perf_counter()
        verdict = scorer.offline_verdict(item.reply, item.kind, item.ambiguous, item.objection)
        times.append(time.perf_counter() - start)
        for check in CHECKS:
            gold, ours = item.checks[check], verdict.checks[check]
            applies[check] += (gold is None) == (ours is None)
            if gold is None:
                continue
            counted[check] += 1
            right[check] += bool(ours) == gold
            if bool(ours) != gold:
                misses.append((check, item, ours))
        if item.checks["no_pitfalls"] is False:
            pitfalls += 1
            caught += verdict.checks["no_pitfalls"] is False
        else:
            clean += 1
            false_alarms += verdict.checks["no_pitfalls"] is False
    times.sort()
    return {"accuracy": {c: right[c] / counted[c] if counted[c] else None for c in CHECKS}, "counted": counted,
            "applies": {c: applies[c] / len(replies) for c in CHECKS},
            "pitfall_recall": caught / pitfalls if pitfalls else None, "pitfalls": pitfalls,
            "false_alarm_rate": false_alarms / clean if clean else None,
            "p50_ms": times[len(times) // 2] * 1000, "p99_ms": times[max(0, int(len(times) * 0.99) - 1)] * 1000,
            "misses": misses}


def report(title: str, result: dict[str, object], show_misses: int) -> None:
    print(title)
    accuracy, counted, applies = result["accuracy"], result["counted"], result["applies"]
    for check in CHECKS:
        value = accuracy[check]
        figure = f"{value:.3f}" if value is not None else "  n/a"
        print(f"  {check:<12} accuracy {figure}  (n={counted[check]:>3})   applies agreement {applies[check]:.3f}")
    recall = result["pitfall_recall"]
    print(f"  pitfalls recall {recall:.3f} (n={result['pitfalls']}), false alarms {result['false_alarm_rate']:.3f}"
          if recall is not None else "  no pitfalls labelled")
    print(f"  offline scoring latency p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms")
    for check, item, ours in result["misses"][:show_misses]:
        print(f"    MISS {check} gold={item.checks[check]} ours={ours}: {item.reply[:140]!r}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", default=str(ROOT / "tests" / "data" / "practice_heldout.jsonl"))
    parser.add_argument("--cv", action="store_true", help="5-fold cross-validation on the training replies")
    parser.add_argument("--misses", type=int, default=0, help="print this many disagreements")
    args = parser.parse_args()
    settings = load_settings()
    coach = Coach(Settings(**{**settings.__dict__, "db_path": Path(tempfile.mkdtemp()) / "bench.db"}))
    train = read_reply_dir(replies_dir(settings.playbooks_dir))
    if args.cv:
        from sklearn.model_selection import KFold

        merged: dict[str, object] = {}
        folds = KFold(n_splits=5, shuffle=True, random_state=1).split(train)
        results = []
        for train_idx, test_idx in folds:
            scorer = Scorer(coach)
            scorer.__dict__["model"] = train_moves([train[i] for i in train_idx])
            results.append(measure(scorer, [train[i] for i in test_idx]))
        merged = results[0]
        for key in ("accuracy", "applies"):
            merged[key] = {c: statistics.mean(r[key][c] for r in results if r[key][c] is not None) for c in CHECKS}
        merged["pitfall_recall"] = statistics.mean(r["pitfall_recall"] for r in results)
        merged["counted"] = {c: sum(r["counted"][c] for r in results) for c in CHECKS}
        merged["misses"] = [m for r in results for m in r["misses"]]
        report(f"5-fold CV on {len(train)} training replies", merged, args.misses)
        return 0
    scorer = Scorer(coach)
    heldout = read_replies(Path(args.file))
    scorer.offline_verdict("warm up the model", "missing", False)
    report(f"{args.file}: {len(heldout)} held-out replies (model trained on {len(train)})", measure(scorer, heldout),
           args.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
