"""Offline diagnosis: logistic regression over word and character n-grams, calibrated by temperature.

Trained from the example objections in `playbooks/examples/objections/` the first time it is needed, then cached
in the cache folder under a hash of those examples, so editing the examples retrains it. Measured against
multilingual sentence embeddings (USE v3) on held-out objections by another author, the n-grams won clearly
(macro-F1 0.92 / 0.91 English / Spanish, against 0.79 / 0.78); the README has the comparison.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.taxonomy import LABELS
from bot.text import plain

# Bump when the features or the training recipe change, so cached models are rebuilt.
RECIPE = "tfidf-word12-char25+logreg-C8+temperature/v2"
_C = 8.0


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass(frozen=True)
class Diagnosis:
    label: str
    confidence: float
    scores: dict[str, float]

    def runner_up(self) -> str:
        return sorted(self.scores, key=self.scores.__getitem__, reverse=True)[1]


def normalise(text: str) -> str:
    """What the model sees: Slack mentions and links reduced to plain words, spaces collapsed."""
    return " ".join(plain(text).split())


def read_examples(path: Path, labels: Sequence[str] = LABELS, field: str = "label") -> list[Example]:
    """Read a JSONL file of {"text", <field>}; raise ValueError naming the line of a bad row."""
    examples = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text, label = row["text"], row[field]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: expected a JSON object with 'text' and '{field}' ({exc})") from None
            if label not in labels:
                raise ValueError(f"{path}:{number}: unknown {field} {label!r}; expected one of: {', '.join(labels)}")
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{path}:{number}: 'text' must be a non-empty string")
            examples.append(Example(text, label))
    return examples


def read_example_dir(folder: Path, labels: Sequence[str] = LABELS, field: str = "label") -> list[Example]:
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"{folder}: no *.jsonl example files to train the classifier on")
    return [example for path in files for example in read_examples(path, labels, field)]


def _softmax(logits: np.ndarray) -> np.ndarray:
    if logits.ndim == 1:  # two labels: scikit-learn gives one score, the log-odds of the second label
        logits = np.column_stack([np.zeros_like(logits), logits])
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of held-out-fold logits."""
    best_t, best_nll = 1.0, float("inf")
    for t in np.exp(np.linspace(np.log(0.2), np.log(5.0), 121)):
        p = _softmax(logits / t)[np.arange(len(y)), y]
        nll = -np.log(np.clip(p, 1e-12, None)).mean()
        if nll < best_nll:
            best_t, best_nll = float(t), float(nll)
    return best_t


def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), preprocessor=_lower_normalised),
        # character n-grams inside words carry typos, accents and inflections (cobran / cobramos)
        TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5), preprocessor=_lower_normalised),
    )
    return make_pipeline(features, LogisticRegression(C=_C, max_iter=3000))


def _lower_normalised(text: str) -> str:
    return normalise(text).lower()


@dataclass(frozen=True)
class Model:
    pipeline: Any  # a fitted scikit-learn Pipeline
    temperature: float
    labels: tuple[str, ...]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        # The same as pipeline.decision_function, minus FeatureUnion's joblib dispatch, which costs twice the
        # rest of the prediction and holds the GIL that Slack acks are waiting for.
        from scipy.sparse import hstack

        union, regression = self.pipeline.steps[0][1], self.pipeline.steps[-1][1]
        features = hstack([vectorizer.transform(list(texts)) for _, vectorizer in union.transformer_list]).tocsr()
        return _softmax(regression.decision_function(features) / self.temperature)


def train(examples: Sequence[Example], labels: Sequence[str] = LABELS) -> Model:
    """Fit the model and calibrate it by temperature on 5-fold out-of-fold scores."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    texts = [e.text for e in examples]
    y = np.array([list(labels).index(e.label) for e in examples])
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    oof = cross_val_predict(_pipeline(), texts, y, cv=folds, method="decision_function")
    pipeline = _pipeline().fit(texts, y)
    return Model(pipeline, fit_temperature(oof, y), tuple(labels))


def examples_fingerprint(examples: Iterable[Example], labels: Sequence[str] = LABELS) -> str:
    digest = hashlib.sha256(f"{RECIPE}|{','.join(labels)}".encode())
    for example in examples:
        digest.update(f"{example.label}\t{example.text}\n".encode())
    return digest.hexdigest()[:20]


class Classifier:
    def __init__(self, model: Model):
        self.model = model

    def diagnose(self, text: str) -> Diagnosis:
        return self.diagnose_many([text])[0]

    def diagnose_many(self, texts: Sequence[str]) -> list[Diagnosis]:
        if not texts:
            return []
        results = []
        for row in self.model.probabilities(texts):
            best = int(row.argmax())
            labels = self.model.labels
            scores = {label: round(float(p), 4) for label, p in zip(labels, row, strict=True)}
            results.append(Diagnosis(labels[best], round(float(row[best]), 4), scores))
        return results


def _save(model: Model, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # write then rename, so a concurrent reader never sees half a file
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _load(path: Path) -> Model:
    with path.open("rb") as handle:
        model = pickle.load(handle)  # our own cache file, written by _save
    if not isinstance(model, Model):
        raise ValueError(f"{path} does not hold a model")
    return model


def load_classifier(
    examples_dir: Path, cache_dir: Path, labels: Sequence[str] = LABELS, field: str = "label"
) -> Classifier:
    """The classifier for these examples: from the cache, or trained now and cached."""
    return cached_classifier(read_example_dir(examples_dir, labels, field), cache_dir, labels)


def cached_classifier(examples: Sequence[Example], cache_dir: Path, labels: Sequence[str] = LABELS) -> Classifier:
    """The classifier for examples gathered in code (from several sources): cached like `load_classifier`."""
    path = cache_dir / f"classifier-{examples_fingerprint(examples, labels)}.pkl"
    try:
        model = _load(path)
    except (OSError, EOFError, ValueError, pickle.UnpicklingError, AttributeError, ImportError):
        model = train(examples, labels)
        _save(model, path)
    return Classifier(model)
