"""Measure the offline classifier on a labelled file: accuracy, macro-F1, per-label scores, confusion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.classify import read_examples
from bot.config import Settings
from bot.taxonomy import LABELS

_BATCH = 64


def evaluate(path: Path, settings: Settings, progress: bool = True) -> dict[str, Any]:
    from tqdm import tqdm

    from bot.coach import Coach

    examples = read_examples(path)
    if not examples:
        raise ValueError(f"{path}: no examples")
    classifier = Coach(settings).classifier
    diagnoses = []
    with tqdm(total=len(examples), desc="classifying", unit="obj", disable=not progress or None) as bar:
        for start in range(0, len(examples), _BATCH):
            batch = examples[start : start + _BATCH]
            diagnoses += classifier.diagnose_many([e.text for e in batch])
            bar.update(len(batch))
    report = score([e.label for e in examples], [d.label for d in diagnoses])
    report["items"] = [
        {"text": e.text, "label": e.label, "predicted": d.label, "confidence": d.confidence,
         "asks_first": d.asks_first}
        for e, d in zip(examples, diagnoses, strict=True)
    ]
    return report


def score(truth: list[str], predicted: list[str]) -> dict[str, Any]:
    confusion = {t: {p: 0 for p in LABELS} for t in LABELS}
    for t, p in zip(truth, predicted, strict=True):
        confusion[t][p] += 1
    per_label = {}
    for label in LABELS:
        tp = confusion[label][label]
        predicted_n = sum(confusion[t][label] for t in LABELS)
        support = sum(confusion[label].values())
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    present = [label for label in LABELS if per_label[label]["support"]]
    return {
        "n": len(truth),
        "accuracy": round(sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth), 4),
        "macro_f1": round(sum(per_label[label]["f1"] for label in present) / len(present), 4),
        "per_label": per_label,
        "confusion": confusion,
    }


def format_report(report: dict[str, Any]) -> str:
    lines = [f"n={report['n']}  accuracy={report['accuracy']:.3f}  macro-F1={report['macro_f1']:.3f}", ""]
    lines.append(f"{'label':<15}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}")
    for label, row in report["per_label"].items():
        lines.append(
            f"{label:<15}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}{row['support']:>9}"
        )
    lines += ["", "confusion (rows: true, columns: predicted)"]
    short = [label[:8] for label in LABELS]
    lines.append(" " * 15 + "".join(f"{s:>10}" for s in short))
    for label in LABELS:
        lines.append(f"{label:<15}" + "".join(f"{report['confusion'][label][p]:>10}" for p in LABELS))
    return "\n".join(lines)
