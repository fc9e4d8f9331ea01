"""TF-IDF features and linear scores, computed with NumPy from plain arrays.

The classifiers are fitted with scikit-learn's TfidfVectorizer and LogisticRegression; right after fitting
they are turned into these (`Tfidf.fitted`, `Linear.fitted`), so a model just trained and one read back from
disk are the same object and score the same. Only one recipe is supported, the one the coach fits: text
normalised and lower-cased, sublinear term frequency, idf, rows scaled to unit length. tests/test_models.py
checks the features equal scikit-learn's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from bot.core.text import normalise

ANALYZERS = ("word", "char_wb")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


def normalised_lower(text: str) -> str:
    """The preprocessor every vectorizer is fitted with (and the only one `Tfidf` reproduces)."""
    return normalise(text).lower()


def _word_ngrams(text: str, low: int, high: int) -> list[str]:
    tokens = _TOKEN.findall(text)
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


def _char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams inside words padded with a space, as scikit-learn's "char_wb" analyzer makes them
    (a word shorter than n counts once, whole)."""
    grams = []
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) <= n:
                grams.append(padded)
                break
            grams += [padded[i : i + n] for i in range(len(padded) - n + 1)]
    return grams


@dataclass(frozen=True, eq=False)
class Tfidf:
    analyzer: str  # "word" or "char_wb"
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray  # one weight per vocabulary entry; kept as float32, computed in float64

    def __post_init__(self) -> None:
        object.__setattr__(self, "idf", np.asarray(self.idf, dtype=np.float64))
        if self.analyzer not in ANALYZERS:
            raise ValueError(f"unknown analyzer {self.analyzer!r}")
        if len(self.vocabulary) != len(self.idf) or self.idf.ndim != 1:
            raise ValueError("vocabulary and idf weights differ in length")

    @property
    def size(self) -> int:
        return len(self.idf)

    def terms(self, text: str) -> list[str]:
        low, high = self.ngram_range
        grams = _word_ngrams if self.analyzer == "word" else _char_wb_ngrams
        return grams(normalised_lower(text), low, high)

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(feature indices, unit-length weights) of one text."""
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for term, count in Counter(self.terms(text)).items():  # (counted in C: a long text repeats many n-grams)
            index = vocabulary.get(term)
            if index is not None:
                counts[index] = count
        indices = np.fromiter(counts, dtype=np.int64, count=len(counts))
        weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) \
            * self.idf[indices]
        norm = float(np.sqrt(weights @ weights))
        return indices, (weights / norm if norm else weights)

    @classmethod
    def fitted(cls, vectorizer: Any) -> Tfidf:
        """From a fitted TfidfVectorizer of the supported recipe; ValueError for any other."""
        params = vectorizer.get_params()
        if (params["preprocessor"] is not normalised_lower or not params["sublinear_tf"] or params["norm"] != "l2"
                or not params["use_idf"] or params["analyzer"] not in ANALYZERS
                or params["token_pattern"] != _TOKEN.pattern or params["stop_words"] is not None):
            raise ValueError("this vectorizer's recipe cannot be kept as data")
        vocabulary = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
        return cls(params["analyzer"], tuple(params["ngram_range"]), vocabulary,
                   np.asarray(vectorizer.idf_, dtype=np.float32))


def features(vectorizers: Sequence[Tfidf], texts: Sequence[str]) -> Any:
    """The texts' features from each vectorizer side by side: a sparse matrix, one row a text."""
    from scipy.sparse import csr_matrix

    offsets = np.cumsum([0, *(v.size for v in vectorizers)])
    indptr, indices, data = [0], [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
    for text in texts:
        count = 0
        for vectorizer, offset in zip(vectorizers, offsets, strict=False):
            columns, weights = vectorizer.row(text)
            indices.append(columns + offset)
            data.append(weights)
            count += len(columns)
        indptr.append(indptr[-1] + count)
    return csr_matrix((np.concatenate(data), np.concatenate(indices), indptr), shape=(len(texts), int(offsets[-1])))


@dataclass(frozen=True, eq=False)
class Linear:
    """A fitted linear model's scores: one row of coefficients per class (one row for two classes)."""

    coef: np.ndarray  # (classes or 1, features); kept as float32, computed in float64
    intercept: np.ndarray  # (classes or 1,)

    def __post_init__(self) -> None:
        object.__setattr__(self, "coef", np.asarray(self.coef, dtype=np.float64))
        object.__setattr__(self, "intercept", np.asarray(self.intercept, dtype=np.float64))
        if self.coef.ndim != 2 or self.intercept.shape != (self.coef.shape[0],):
            raise ValueError("coefficients and intercepts do not fit together")

    @property
    def width(self) -> int:
        return int(self.coef.shape[1])

    @cached_property
    def _columns(self) -> np.ndarray:
        # (features, classes) laid out in memory as such: a sparse matrix times `coef.T` copies the whole table at
        # every call (4 ms a message for the n-gram models), times this it does not
        return np.ascontiguousarray(self.coef.T)

    def decision(self, x: Any) -> np.ndarray:
        """Scores as scikit-learn's decision_function gives them: (texts, classes), or (texts,) for two."""
        scores = np.asarray(x @ self._columns) + self.intercept
        return scores.ravel() if self.coef.shape[0] == 1 else scores

    @classmethod
    def fitted(cls, regression: Any) -> Linear:
        return cls(np.asarray(regression.coef_, dtype=np.float32), np.asarray(regression.intercept_, dtype=np.float32))
