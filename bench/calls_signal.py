"""A learned second signal for "is this buyer sentence an objection?", measured leave-one-writer-out (issue #22).

Training data: the six blind writers' annotated sets in tests/data/ (calls-dev, calls-dev2, calls-heldout,
calls-heldout-2, calls-heldout-3, calls-heldout-4). Every sentence of a buyer's turn (the writer's `speakers`) is
one example: positive when it lies inside an annotated objection quote, negative otherwise (the writers'
`not_objections` included). Features: the sentence's vector (`--vectors words`: the static e5 word vectors of
bot/models/word_vectors.py, 0.1 ms a sentence; `--vectors e5`: the transformer itself, about 50 ms a sentence,
cached in /tmp) and a few cheap ones: the cue grammar's own verdict, a question, the length, the position in the
turn.

For each writer, a logistic regression is fitted on the other five and the sixth is scored; printed per fold:
ROC AUC, and, at each threshold, the sentence-level recall and precision of the rules alone, of rules OR model
(the union) and of rules AND model (a gate). Prints figures; not a test.

Then a gate: a model fitted on all sentences (vector only) scores the sentences the rules flag, and how many right
and wrong ones it would drop at each threshold. With `--moments`, the residual model's union is measured as the
review counts it (bench/calls_accuracy.py, objections found, on the held-out set of each fold; about 3 minutes).

  .venv/bin/python bench/calls_signal.py [--vectors words|e5] [--moments]
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from calls_accuracy import annotated, overlap, span  # noqa: E402

from bot.calls.finding import resisting_flags, sentences  # noqa: E402

SETS = ("calls-dev", "calls-dev2", "calls-heldout", "calls-heldout-2", "calls-heldout-3", "calls-heldout-4")


def examples(folder: Path) -> list[dict[str, Any]]:
    """Every buyer sentence of a set's readable files, with its label and the rules' verdict."""
    rows = []
    for truth, conversation in annotated(folder):
        quotes = {}
        for o in truth["objections"]:
            texts = [t.text if t.speaker == o["speaker"] else "" for t in conversation.turns]
            at = span(texts, o["quote"])
            if at:
                quotes.setdefault(at[0], []).append(at)
        for number, turn in enumerate(conversation.turns):
            if truth["speakers"].get(turn.speaker) != "buyer":
                continue
            parts = sentences(turn.text)
            flags = resisting_flags(parts)
            texts = [turn.text if n == number else "" for n in range(len(conversation.turns))]
            for index, (sentence, flag) in enumerate(zip(parts, flags, strict=True)):
                at = span(texts, sentence)
                label = any(overlap(at, q) or (at and q[1] <= at[1] and at[2] <= q[2]) for q in quotes.get(number, []))
                rows.append({"set": folder.name, "file": truth["file"], "turn": number, "index": index,
                             "sentence": sentence, "label": bool(label), "rule": bool(flag),
                             "question": sentence.rstrip().endswith("?") or sentence.startswith("¿"),
                             "words": len(sentence.split()), "position": index / max(1, len(parts) - 1),
                             "sentences": len(parts)})
    return rows


def vectors(texts: list[str], kind: str) -> np.ndarray:
    if kind == "words":
        from bot.models.word_vectors import shipped

        return shipped().embed(texts)
    from bot.models import encoder

    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    cache = Path(f"/tmp/calls_signal_e5_{key}.npy")
    if cache.exists():
        return np.load(cache, allow_pickle=False)
    out = np.concatenate([encoder.queries(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    np.save(cache, out, allow_pickle=False)
    return out


def cheap(rows: list[dict[str, Any]]) -> np.ndarray:
    """The cheap features: the rules' verdict, a question, the length (log), the position in the turn, one
    sentence alone."""
    return np.array([[r["rule"], r["question"], np.log1p(r["words"]), r["position"], r["sentences"] == 1]
                     for r in rows], dtype=np.float32)


def fit(x: np.ndarray, y: np.ndarray, c: float = 1.0) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(x, y)


def main() -> None:
    kind = sys.argv[sys.argv.index("--vectors") + 1] if "--vectors" in sys.argv else "words"
    rows = [r for name in SETS for r in examples(ROOT / "tests" / "data" / name)]
    x = np.hstack([vectors([r["sentence"] for r in rows], kind), cheap(rows)])
    y = np.array([r["label"] for r in rows])
    rule = np.array([r["rule"] for r in rows])
    sets = np.array([r["set"] for r in rows])
    from sklearn.metrics import roc_auc_score

    print(f"{len(rows)} buyer sentences, {y.sum()} in objections; vectors: {kind}")
    thresholds = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
    union: dict[float, list[tuple[float, float]]] = {t: [] for t in thresholds}
    for held in SETS:
        train, test = sets != held, sets == held
        model = fit(x[train], y[train])
        p = model.predict_proba(x[test])[:, 1]
        yt, rt = y[test], rule[test]

        def pr(pred: np.ndarray, yt: np.ndarray = yt) -> tuple[float, float]:
            return (float((pred & yt).sum() / max(1, pred.sum())), float((pred & yt).sum() / max(1, yt.sum())))

        line = [f"{held:16} AUC {roc_auc_score(yt, p):.2f}  rules P/R {pr(rt)[0]:.2f}/{pr(rt)[1]:.2f}"]
        for t in thresholds:
            u = pr(rt | (p >= t))
            union[t].append(u)
            line.append(f"OR{t}: {u[0]:.2f}/{u[1]:.2f}")
        g = pr(rt & (p >= 0.5))
        line.append(f"AND0.5: {g[0]:.2f}/{g[1]:.2f}")
        print("  ".join(line))
    for t in thresholds:
        mean = np.mean(union[t], axis=0)
        print(f"union at {t}: six-fold mean sentence P/R {mean[0]:.2f}/{mean[1]:.2f}")
    # The union only matters where the rules say no: a model fitted on those sentences alone (no rule feature), and
    # how many right and wrong sentences it would add per fold.
    print("residual model (fitted on the sentences the rules do not flag): added right / wrong per fold")
    residual_thresholds = (0.5, 0.7, 0.8, 0.9, 0.95)
    added = {t: [0, 0] for t in residual_thresholds}
    for held in SETS:
        train, test = (sets != held) & ~rule, (sets == held) & ~rule
        model = fit(x[train][:, :-5], y[train], c=float(sys.argv[sys.argv.index("--c") + 1]) if "--c" in sys.argv
                    else 1.0)
        p = model.predict_proba(x[test][:, :-5])[:, 1]
        yt = y[test]
        line = [f"{held:16} AUC {roc_auc_score(yt, p):.2f} missed {yt.sum():3d}"]
        for t in residual_thresholds:
            right, wrong = int(((p >= t) & yt).sum()), int(((p >= t) & ~yt).sum())
            added[t][0] += right
            added[t][1] += wrong
            line.append(f"{t}: +{right}/-{wrong}")
        print("  ".join(line))
    print("  all folds: " + "  ".join(f"{t}: +{a}/-{b}" for t, (a, b) in added.items()))
    vec = x[:, :-5]
    print("gate (a model on all sentences, vector only, scoring what the rules flag): drops wrong / right")
    gates = (0.2, 0.3, 0.5)
    dropped = {t: [0, 0] for t in gates}
    for held in SETS:
        model = fit(vec[sets != held], y[sets != held])
        test = (sets == held) & rule
        p, yt = model.predict_proba(vec[test])[:, 1], y[test]
        line = [f"{held:16} AUC {roc_auc_score(yt, p):.2f} flagged {test.sum():3d}"]
        for t in gates:
            wrong, right = int(((p < t) & ~yt).sum()), int(((p < t) & yt).sum())
            dropped[t][0] += wrong
            dropped[t][1] += right
            line.append(f"<{t}: -{wrong} wrong/-{right} right")
        print("  ".join(line))
    print("  all folds: " + "  ".join(f"<{t}: -{a} wrong/-{b} right" for t, (a, b) in dropped.items()))
    if "--moments" in sys.argv:
        moments(rows, vec, y, rule, sets)


def moments(rows: list[dict[str, Any]], vec: np.ndarray, y: np.ndarray, rule: np.ndarray, sets: np.ndarray) -> None:
    """The residual model's union as the review counts it: each fold's model flags, beside the rules, the buyer
    sentences it scores at or over the threshold, and the held-out set is measured by bench/calls_accuracy.py."""
    import contextlib
    import io

    import calls_accuracy

    import bot.calls.finding as finding

    known = {r["sentence"]: vec[i] for i, r in enumerate(rows)}
    rules = finding.resisting_flags
    for held in SETS:
        train = (sets != held) & ~rule
        model = fit(vec[train], y[train])
        for threshold in (0.6, 0.7, 0.8):
            def flags(parts: list[str], threshold: float = threshold, model: Any = model) -> list[bool]:
                out = rules(parts)
                at = [i for i, p in enumerate(parts) if not out[i] and p in known
                      and len(p.split()) >= finding.MIN_WORDS]
                if at:
                    for i, q in zip(at, model.predict_proba(np.stack([known[parts[i]] for i in at]))[:, 1],
                                    strict=True):
                        out[i] = out[i] or bool(q >= threshold)
                return out

            finding.resisting_flags = flags  # type: ignore[assignment]
            sys.argv = ["calls_accuracy.py", str(ROOT / "tests" / "data" / held)]
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                calls_accuracy.main()
            text = printed.getvalue()
            figures = json.loads(text[text.rindex("\n{") :])
            print(f"{held:16} union at {threshold}: P {figures['found_precision']}  R {figures['found_recall']}  "
                  f"kind {figures['kind']}", flush=True)
        finding.resisting_flags = rules  # type: ignore[assignment]


if __name__ == "__main__":
    main()
