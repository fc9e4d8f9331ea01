"""How well predictions match the truth: accuracy, macro-F1, per-label precision and recall, confusion."""

from __future__ import annotations

from typing import Any

from bot.core.taxonomy import LABELS


def score(truth: list[str], predicted: list[str], labels: tuple[str, ...] = LABELS) -> dict[str, Any]:
    confusion = {t: {p: 0 for p in labels} for t in labels}
    for t, p in zip(truth, predicted, strict=True):
        confusion[t][p] += 1
    per_label = {}
    for label in labels:
        tp = confusion[label][label]
        predicted_n = sum(confusion[t][label] for t in labels)
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
    present = [label for label in labels if per_label[label]["support"]]
    return {
        "n": len(truth),
        "accuracy": round(sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth), 4),
        "macro_f1": round(sum(per_label[label]["f1"] for label in present) / len(present), 4),
        "per_label": per_label,
        "confusion": confusion,
    }


def format_report(report: dict[str, Any]) -> str:
    lines = [f"n={report['n']}  accuracy={report['accuracy']:.3f}  macro-F1={report['macro_f1']:.3f}", ""]
    labels = list(report["per_label"])
    width = max(15, max(len(label) for label in labels) + 2)
    lines.append(f"{'label':<{width}}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}")
    for label, row in report["per_label"].items():
        lines.append(
            f"{label:<{width}}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}{row['support']:>9}"
        )
    lines += ["", "confusion (rows: true, columns: predicted)"]
    short = [label[:8] for label in labels]
    lines.append(" " * width + "".join(f"{s:>10}" for s in short))
    for label in labels:
        lines.append(f"{label:<{width}}" + "".join(f"{report['confusion'][label][p]:>10}" for p in labels))
    return "\n".join(lines)
