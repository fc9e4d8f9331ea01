"""Measure the offline classifier (or the topic detector) on a labelled file, as the coach runs it; the predictions
are scored by bot/models/metrics.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.core.config import Settings
from bot.core.taxonomy import LABELS, TOPICS
from bot.models.examples import read_examples
from bot.models.metrics import score
from bot.services.coach import Coach

_BATCH = 64


def evaluate(path: Path, settings: Settings, progress: bool = True, field: str = "label") -> dict[str, Any]:
    """Measure the kind classifier (`field="label"`) or the topic detector (`field="topic"`) on a labelled file."""
    from tqdm import tqdm

    labels = TOPICS if field == "topic" else LABELS
    examples = read_examples(path, labels, field)
    if not examples:
        raise ValueError(f"{path}: no examples")
    coach = Coach(settings)
    if field == "topic":
        def predict(texts: list[str]) -> list[tuple[str, float, bool]]:
            return [(r.topic, r.confidence, False) for r in coach.topic_detector.detect_many(texts)]
    else:
        def predict(texts: list[str]) -> list[tuple[str, float, bool]]:
            return [(d.label, d.confidence, d.asks_first) for d in coach.classifier.diagnose_many(texts)]
    predicted: list[tuple[str, float, bool]] = []
    with tqdm(total=len(examples), desc="classifying", unit="obj", disable=not progress or None) as bar:
        for start in range(0, len(examples), _BATCH):
            batch = examples[start : start + _BATCH]
            predicted += predict([e.text for e in batch])
            bar.update(len(batch))
    report = score([e.label for e in examples], [p[0] for p in predicted], labels)
    report["items"] = [
        {"text": e.text, "label": e.label, "predicted": label, "confidence": confidence, "asks_first": asks}
        for e, (label, confidence, asks) in zip(examples, predicted, strict=True)
    ]
    return report
