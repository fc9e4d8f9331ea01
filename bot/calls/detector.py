"""A learned finder of buyer objections, one sentence at a time: a logistic regression over the sentence's e5 vector
(bot/models/encoder.py) and a few cheap marks of how it is said, trained on the sentences of eight blind writers'
annotated calls and threads (a sentence inside an annotated objection quote is one; every other buyer sentence,
the writers' "not objection" lines among them, is none). It reads the way resistance is put rather than its
words, so it finds what the cue grammar (bot/calls/finding.py) has no cue for: "Mis muchachos conocen la red de
memoria", "We've had three portals in five years".

Kept as plain numbers (bot/models/persist.py, never pickle) in playbooks/models/calls-detector.npz, rebuilt and
measured leave-one-writer-out by `bench/calls_detector.py`; docs/calls.md has the figures and how it is combined
with the cues.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Self

import numpy as np

from bot.models import encoder, persist
from bot.models.persist import Arrays, ModelDataError
from bot.models.word_vectors import shipped as word_vectors

FILE = "calls-detector.npz"
# What the cheap marks are: a question mark; a contrast word; the sentence is the first of its turn; its length.
_CONTRAST = re.compile(r"\b(?:but|though|although|however|pero|aunque|sin embargo)\b", re.I)
MARKS = ("question", "contrast", "first", "words")


def marks(sentence: str, first: bool) -> list[float]:
    """The cheap marks of one sentence (MARKS), as numbers."""
    return [float("?" in sentence), float(bool(_CONTRAST.search(sentence))), float(first),
            min(len(sentence.split()), 40) / 40]


def embed(sentences: Sequence[str], vectors: str) -> np.ndarray:
    """The sentences' vectors: "e5", the transformer's (about 20 ms a sentence), or "words", the static word
    vectors distilled from it (bot/models/word_vectors.py, about 0.1 ms)."""
    if vectors == "words":
        return word_vectors().embed(list(sentences))
    return encoder.queries(list(sentences))


def features(sentences: Sequence[str], firsts: Sequence[bool], vectors: np.ndarray | str = "e5") -> np.ndarray:
    """One row a sentence, the sentences of each turn in order (`firsts` marks where a turn starts): its e5 query
    vector, the vector of the sentence before it in the turn (zeros for the first), then its marks. `vectors`: which
    vectors (`embed`), or the vectors themselves when already encoded."""
    if isinstance(vectors, str):
        vectors = embed(sentences, vectors)
    vectors = np.asarray(vectors, dtype=np.float32).reshape(len(sentences), -1)
    before = np.zeros_like(vectors)
    later = np.flatnonzero(~np.asarray(firsts, dtype=bool))
    later = later[later > 0]
    before[later] = vectors[later - 1]
    extra = np.asarray([marks(s, f) for s, f in zip(sentences, firsts, strict=True)], dtype=np.float32)
    return np.hstack([vectors, before, extra.reshape(len(sentences), len(MARKS))])


@dataclass(frozen=True, eq=False)
class Detector:
    """Weights over `features`; the probability from which a sentence resists with no cue (`alone`), and the one a
    sentence the cues flag must reach too (`floor`, 0 for none)."""

    MODEL_KIND = "calls-objection-detector"
    coef: np.ndarray  # (features,)
    intercept: float
    alone: float  # a sentence this likely to resist is an objection even with no cue (bot/calls/finding.py)
    floor: float = 0.0  # a sentence the cues flag, less likely than this, is none
    vectors: str = "e5"  # which sentence vectors it weighs (`embed`)

    def __post_init__(self) -> None:
        object.__setattr__(self, "coef", np.asarray(self.coef, dtype=np.float64).ravel())
        if not (0.0 < self.alone <= 1.01 and 0.0 <= self.floor <= 1.01):
            raise ModelDataError("the detector's thresholds must be probabilities")

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        if rows.shape[1:] != self.coef.shape:
            raise ValueError(f"{rows.shape[1:]} features, the detector weighs {self.coef.shape}")
        return 1.0 / (1.0 + np.exp(-(np.asarray(rows, dtype=np.float64) @ self.coef + self.intercept)))

    def score(self, turns: Sequence[Sequence[str]]) -> list[list[float]]:
        """How likely each sentence of each turn resists, from 0 to 1; all the turns' sentences encoded at once."""
        flat = [sentence for turn in turns for sentence in turn]
        if not flat:
            return [[] for _ in turns]
        firsts = [number == 0 for turn in turns for number in range(len(turn))]
        likely = iter(self.probabilities(features(flat, firsts, self.vectors)).tolist())
        return [[next(likely) for _ in turn] for turn in turns]

    def to_data(self, arrays: Arrays) -> dict[str, Any]:
        return {"coef": arrays.put("coef", self.coef.astype(np.float32)), "intercept": float(self.intercept),
                "alone": float(self.alone), "floor": float(self.floor), "marks": list(MARKS), "vectors": self.vectors,
                "encoder": encoder.NAME if self.vectors == "e5" else word_vectors().digest}

    @classmethod
    def from_data(cls, data: dict[str, Any], arrays: Arrays) -> Self:
        vectors = data.get("vectors")
        if vectors not in ("e5", "words") or data.get("marks") != list(MARKS) \
                or data.get("encoder") != (encoder.NAME if vectors == "e5" else word_vectors().digest):
            raise ModelDataError("the detector was trained on other features")
        coef = arrays.get(data["coef"], "f")
        dimensions = 384 if vectors == "e5" else word_vectors().dimensions
        if coef.shape != (2 * dimensions + len(MARKS),):
            raise ModelDataError(f"{coef.shape} weights, but the features number {2 * dimensions + len(MARKS)}")
        return cls(coef, float(data["intercept"]), float(data["alone"]), float(data["floor"]), str(vectors))


@cache
def shipped() -> Detector | None:
    """The detector shipped with the package, or None when it is absent or not one this version reads."""
    try:
        return persist.load(persist.shipped_dir() / FILE, Detector)
    except (OSError, ValueError):
        return None
