"""The kind of a found objection, measured leave-one-writer-out on the six writers' annotated sets (issue #22).

Every sure annotated quote of tests/data/calls-dev, calls-dev2, calls-heldout, calls-heldout-2, calls-heldout-3 and
calls-heldout-4 is one example, with the writer's kind. Compared, each fitted on five writers and scored on the
sixth:

  pipeline     what the review does: the objection classifier over the quote, the buyer's words
               (finding.KIND_MARKERS) weighed in, the way of resisting (finding.WAY_KINDS) deciding
  prev+quote   the same, the classifier reading the seller's turn before the quote too
  calibrated   the pipeline with a per-kind log-odds shift on the classifier's scores, fitted on five writers
  model        a logistic regression over the quote's vector (static e5 word vectors, or e5 itself with
               --vectors e5), the classifier's log scores and the marker and way kinds, on the writers' labels

Prints accuracy per held-out writer and the six-fold mean; not a test.

  .venv/bin/python bench/calls_kind.py [--vectors words|e5]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import calls_signal  # noqa: E402
from calls_accuracy import annotated, span  # noqa: E402

from bot.calls.finding import kind_marker, way_kind  # noqa: E402
from bot.calls.review import _marked  # noqa: E402, PLC2701
from bot.core.config import load_settings  # noqa: E402
from bot.models.classify import LABELS, Diagnosis  # noqa: E402
from bot.services.coach import Coach  # noqa: E402

KINDS = list(LABELS)


def quotes() -> list[dict[str, Any]]:
    """Every sure annotated objection: its set, words, the writer's kind and the seller's turn before it."""
    rows = []
    for name in calls_signal.SETS:
        folder = ROOT / "tests" / "data" / name
        for truth, conversation in annotated(folder):
            turns = conversation.turns
            for o in truth["objections"]:
                if not o.get("sure", True):
                    continue
                at = span([t.text if t.speaker == o["speaker"] else "" for t in turns], o["quote"])
                before = next((turns[k].text for k in range(at[0] - 1, -1, -1)
                               if truth["speakers"].get(turns[k].speaker) == "ours"), "") if at else ""
                rows.append({"set": name, "quote": o["quote"], "kind": o["kind"], "before": before})
    return rows


def accuracy(predicted: np.ndarray, y: np.ndarray, sets: np.ndarray) -> list[float]:
    return [float((predicted[sets == held] == y[sets == held]).mean()) for held in calls_signal.SETS]


def show(name: str, folds: list[float]) -> None:
    print(f"{name:28} " + " ".join(f"{a:.2f}" for a in folds) + f"   mean {np.mean(folds):.3f}")


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    vectors = sys.argv[sys.argv.index("--vectors") + 1] if "--vectors" in sys.argv else "words"
    classifier = Coach(load_settings()).classifier_for(None)
    rows = quotes()
    alone = classifier.diagnose_many([r["quote"] for r in rows])
    with_before = classifier.diagnose_many([f"{r['before'][-300:]} {r['quote']}".strip() for r in rows])
    y = np.array([KINDS.index(r["kind"]) for r in rows])
    sets = np.array([r["set"] for r in rows])
    print(f"{len(rows)} sure quotes; folds in order: {', '.join(calls_signal.SETS)}")
    pipeline = np.array([KINDS.index(_marked(d, r["quote"]).label) for d, r in zip(alone, rows, strict=True)])
    show("pipeline", accuracy(pipeline, y, sets))
    before = np.array([KINDS.index(_marked(d, r["quote"]).label) for d, r in zip(with_before, rows, strict=True)])
    show("prev+quote", accuracy(before, y, sets))

    scores = np.log(np.array([[d.scores[k] for k in KINDS] for d in alone]) + 1e-6)

    def shifted(index: np.ndarray, shift: np.ndarray) -> np.ndarray:
        out = []
        for i in index:
            p = np.exp(scores[i] + shift)
            p = p / p.sum()
            named = {k: float(p[j]) for j, k in enumerate(KINDS)}
            label = KINDS[int(np.argmax(p))]
            out.append(KINDS.index(_marked(Diagnosis(label, named[label], named, False, (label,), None),
                                           rows[i]["quote"]).label))
        return np.array(out)

    def fit_shift(index: np.ndarray) -> np.ndarray:
        shift = np.zeros(len(KINDS))
        best = float((shifted(index, shift) == y[index]).mean())
        for _ in range(3):  # coordinate search, each kind's shift in [-2, 2]
            for j in range(len(KINDS)):
                for value in np.arange(-2, 2.01, 0.25):
                    trial = shift.copy()
                    trial[j] = value
                    right = float((shifted(index, trial) == y[index]).mean())
                    if right > best + 1e-9:
                        best, shift = right, trial
        return shift

    calibrated = np.zeros(len(rows), dtype=int)
    for held in calls_signal.SETS:
        test = np.where(sets == held)[0]
        shift = fit_shift(np.where(sets != held)[0])
        calibrated[test] = shifted(test, shift)
        print(f"   shift fitted without {held}: " + ", ".join(f"{k} {s:+.2f}" for k, s in zip(KINDS, shift,
                                                                                                 strict=True)))
    show("calibrated", accuracy(calibrated, y, sets))

    onehot = np.array([[way_kind(r["quote"]) == k for k in KINDS] + [kind_marker(r["quote"]) == k for k in KINDS]
                       for r in rows], dtype=np.float32)
    x = np.hstack([calls_signal.vectors([r["quote"] for r in rows], vectors), scores, onehot])
    for c in (0.3, 1.0, 3.0):
        predicted = np.zeros(len(rows), dtype=int)
        for held in calls_signal.SETS:
            model = LogisticRegression(C=c, max_iter=3000).fit(x[sets != held], y[sets != held])
            predicted[sets == held] = model.predict(x[sets == held])
        show(f"model ({vectors}, C={c})", accuracy(predicted, y, sets))


if __name__ == "__main__":
    main()
