"""A learned finder of buyer objections, one sentence at a time: a logistic regression over the sentence's e5 vector
(bot/models/encoder.py) and a few cheap marks of how it is said, trained on the sentences of thirteen blind writers'
annotated calls and threads (a sentence inside an annotated objection quote is one; every other buyer sentence,
the writers' "not objection" lines among them, is none). It reads the way resistance is put rather than its
words, so it finds what the cue grammar (bot/calls/finding.py) has no cue for: "Mis muchachos conocen la red de
memoria", "We've had three portals in five years".

Kept as plain numbers (bot/models/persist.py, never pickle) in playbooks/models/calls-cascade.npz, rebuilt and
measured leave-one-writer-out by `bench/calls_detector.py`; docs/calls.md has the figures and how it is combined
with the cues.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, Self

import numpy as np

from bot.models import encoder, persist
from bot.models.persist import Arrays, ModelDataError
from bot.models.word_vectors import shipped as word_vectors

FILE = "calls-cascade.npz"
VECTORS = ("e5", "words")  # the sentence vectors a detector can weigh (`embed`)
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


def _dimensions(vectors: str) -> int:
    return 384 if vectors == "e5" else word_vectors().dimensions


def features(sentences: Sequence[str], firsts: Sequence[bool], vectors: np.ndarray | str = "e5") -> np.ndarray:
    """One row a sentence, the sentences of each turn in order (`firsts` marks where a turn starts): its vector,
    the vector of the sentence before it in the turn (zeros for the first), then its marks. `vectors`: which kind
    (VECTORS), or the vectors themselves when already encoded."""
    if isinstance(vectors, str):
        vectors = embed(sentences, vectors)
    vectors = np.asarray(vectors, dtype=np.float32).reshape(len(sentences), -1)
    previous = np.zeros_like(vectors)
    later = np.flatnonzero(~np.asarray(firsts, dtype=bool))
    later = later[later > 0]
    previous[later] = vectors[later - 1]
    extra = np.asarray([marks(s, f) for s, f in zip(sentences, firsts, strict=True)], dtype=np.float32)
    return np.hstack([vectors, previous, extra.reshape(len(sentences), len(MARKS))])


def _encoder_name(vectors: str) -> str:
    """What names the vectors a detector weighs: the e5 model or the word-vector table."""
    return encoder.NAME if vectors == "e5" else word_vectors().digest


Flags = Sequence[Sequence[bool]]


@dataclass(frozen=True, eq=False)
class Detector:
    """Weights over `features`, and the probability from which a sentence resists with no cue (`alone`)."""

    MODEL_KIND = "calls-objection-detector"
    coef: np.ndarray  # (features,)
    intercept: float
    alone: float  # a sentence this likely to resist is an objection even with no cue (bot/calls/finding.py)
    vectors: str = "e5"  # which sentence vectors it weighs (VECTORS)

    def __post_init__(self) -> None:
        object.__setattr__(self, "coef", np.asarray(self.coef, dtype=np.float64).ravel())
        if not 0.0 < self.alone <= 1.01:
            raise ModelDataError("the detector's threshold must be a probability")
        if self.vectors not in VECTORS:
            raise ModelDataError(f"no sentence vectors called {self.vectors!r}")

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        if rows.shape[1:] != self.coef.shape:
            raise ValueError(f"{rows.shape[1:]} features, the detector weighs {self.coef.shape}")
        return 1.0 / (1.0 + np.exp(-(np.asarray(rows, dtype=np.float64) @ self.coef + self.intercept)))

    def score(self, turns: Sequence[Sequence[str]], flagged: Flags | None = None) -> list[list[float]]:
        """How likely each sentence of each turn resists, from 0 to 1; all the turns' sentences encoded at once.
        (`flagged`, the cues' say, is for the cascade; a single detector scores every sentence.)"""
        flat = [sentence for turn in turns for sentence in turn]
        if not flat:
            return [[] for _ in turns]
        firsts = [number == 0 for turn in turns for number in range(len(turn))]
        likely = iter(self.probabilities(features(flat, firsts, self.vectors)).tolist())
        return [[next(likely) for _ in turn] for turn in turns]

    def score_some(self, turns: Sequence[Sequence[str]], chosen: Sequence[tuple[int, int]]) -> list[float]:
        """How likely each chosen sentence (turn, sentence) resists; only those and the sentences before them are
        encoded."""
        if not chosen:
            return []
        said = [turns[t][n] for t, n in chosen]
        firsts = [n == 0 for _, n in chosen]
        vectors = embed(said, self.vectors)
        later = [number for number, (_, n) in enumerate(chosen) if n]
        before = np.zeros((len(said), _dimensions(self.vectors)), dtype=np.float32)
        if later:  # a sentence chosen too is encoded once: encoder.queries keeps it
            before[later] = embed([turns[chosen[k][0]][chosen[k][1] - 1] for k in later], self.vectors)
        rows = np.hstack([vectors, before, np.asarray([marks(s, f) for s, f in zip(said, firsts, strict=True)],
                                                      dtype=np.float32).reshape(len(said), len(MARKS))])
        return [float(p) for p in self.probabilities(rows)]

    def to_data(self, arrays: Arrays, prefix: str = "") -> dict[str, Any]:
        return {"coef": arrays.put(f"{prefix}coef", self.coef.astype(np.float32)), "intercept": float(self.intercept),
                "alone": float(self.alone), "marks": list(MARKS), "vectors": self.vectors,
                "encoder": _encoder_name(self.vectors)}

    @classmethod
    def from_data(cls, data: dict[str, Any], arrays: Arrays) -> Self:
        vectors = data.get("vectors")
        if vectors not in VECTORS or data.get("marks") != list(MARKS) or data.get("encoder") != _encoder_name(vectors):
            raise ModelDataError("the detector was trained on other features")
        coef = arrays.get(data["coef"], "f")
        number = 2 * _dimensions(vectors) + len(MARKS)
        if coef.shape != (number,):
            raise ModelDataError(f"{coef.shape} weights, but the features number {number}")
        return cls(coef, float(data["intercept"]), float(data["alone"]), str(vectors))


class Scorer(Protocol):
    """What a cascade's stage does: score chosen sentences of a call (a Detector, or a bench's table)."""

    def score_some(self, turns: Sequence[Sequence[str]], chosen: Sequence[tuple[int, int]]) -> list[float]: ...


class Finder(Protocol):
    """What the review asks of a learned finder (a Detector or a Cascade): each buyer sentence's probability to
    resist, given the cues' flags, and the threshold it counts from."""

    @property
    def alone(self) -> float: ...

    def score(self, turns: Sequence[Sequence[str]], flagged: Flags | None = None) -> list[list[float]]: ...


@dataclass(frozen=True, eq=False)
class Cascade:
    """Two detectors in turn, so that a long call is not encoded whole: the word-vector detector (about 0.1 ms a
    sentence) reads every buyer sentence the cues did not flag; only those it finds at least `prefilter` likely are
    read by the e5 detector (about 20 ms a sentence encoded: the sentence and the one before it), the likeliest
    first while the sentences encoded stay within `cap` a call; the e5 detector's probability counts (`alone` as
    in Detector). Every other sentence scores 0: the cues' say alone."""

    MODEL_KIND = "calls-objection-cascade"
    words: Scorer
    e5: Scorer
    prefilter: float
    alone: float
    cap: int = 0  # at most this many sentences a call are encoded by e5 (the chosen and those before them); 0: all

    def __post_init__(self) -> None:
        if not (0.0 <= self.prefilter <= 1.0 and 0.0 < self.alone <= 1.01 and self.cap >= 0):
            raise ModelDataError("the cascade's thresholds must be probabilities, its cap a count")

    def chosen(self, turns: Sequence[Sequence[str]], flagged: Flags | None = None) -> list[tuple[int, int]]:
        """The sentences (turn, sentence) the e5 detector reads: not flagged by the cues, at least `prefilter`
        likely to the word-vector detector, the likeliest while what e5 encodes stays within `cap`; in order."""
        where = [(t, n) for t, turn in enumerate(turns) for n in range(len(turn))
                 if not (flagged is not None and flagged[t][n])]
        likely = self.words.score_some(turns, where)
        kept = sorted(((p, at) for p, at in zip(likely, where, strict=True) if p >= self.prefilter),
                      key=lambda pair: -pair[0])
        if not self.cap:
            return sorted(at for _, at in kept)
        chosen: list[tuple[int, int]] = []
        encoded: set[tuple[int, int]] = set()
        for _, (t, n) in kept:  # the likeliest first, while what e5 must encode stays within the cap
            needs = {(t, n), (t, n - 1)} if n else {(t, n)}
            if len(encoded | needs) > self.cap:
                continue
            encoded |= needs
            chosen.append((t, n))
        return sorted(chosen)

    def score(self, turns: Sequence[Sequence[str]], flagged: Flags | None = None) -> list[list[float]]:
        """Each sentence's probability to resist by the e5 detector when it was chosen, 0 otherwise."""
        out = [[0.0] * len(turn) for turn in turns]
        chosen = self.chosen(turns, flagged)
        for (t, n), p in zip(chosen, self.e5.score_some(turns, chosen), strict=True):
            out[t][n] = p
        return out

    def to_data(self, arrays: Arrays) -> dict[str, Any]:
        if not isinstance(self.words, Detector) or not isinstance(self.e5, Detector):
            raise TypeError("only a cascade of two detectors is saved")
        return {"words": self.words.to_data(arrays, "words_"), "e5": self.e5.to_data(arrays, "e5_"),
                "prefilter": float(self.prefilter), "alone": float(self.alone), "cap": int(self.cap)}

    @classmethod
    def from_data(cls, data: dict[str, Any], arrays: Arrays) -> Self:
        words, e5 = (Detector.from_data(data.get(name) or {}, arrays) for name in ("words", "e5"))
        if words.vectors != "words" or e5.vectors != "e5":
            raise ModelDataError("a cascade reads word vectors first, then e5")
        return cls(words, e5, float(data["prefilter"]), float(data["alone"]), int(data["cap"]))


@cache
def shipped() -> Cascade | None:
    """The cascade shipped with the package, or None (the cues alone) when it is absent or not one this version
    reads: said once in the log, since calls are then reviewed with lower recall."""
    return persist.shipped_or_none(FILE, Cascade, "calls are reviewed with the cues alone (the learned finder)",
                                   "python bench/calls_detector.py train")
