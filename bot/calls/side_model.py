"""A learned reading of which side a speaker is on, from how they speak: a logistic regression over each turn's
word and word-pair TF-IDF (bot/models/linear.py), trained on the turns of the writers' annotated calls and threads
(the seller's team against the buyer's). It hears what the cue grammar of bot/calls/sides.py has no pattern for:
"Okay, what's the actual number?", "I sign the checks", "Ni duermo ni como, ingeniero".

A speaker's evidence is the sum of their turns' log-odds over the square root of their number of turns, so a
talkative speaker weighs more than one who said "Hi.", but not in proportion; it is capped (CAP) so that it tips
a speaker the cues leave open without outweighing an email domain or the company's name.

Kept as plain numbers (bot/models/persist.py, never pickle) in playbooks/models/calls-sides.npz, rebuilt and
measured leave-one-writer-out by `bench/calls_sides.py`; docs/calls.md has the figures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Self

from bot.calls.formats import Conversation
from bot.models import persist
from bot.models.linear import Linear, Tfidf, features
from bot.models.persist import Arrays, ModelDataError

FILE = "calls-sides.npz"
# The most points a speaker's words bring either way (sides.py: a settled domain or company counts 100, a cue 1,
# and a side is taken at a margin of 2). Chosen leave-one-writer-out over 18 writers (bench/calls_sides.py folds):
# 0.989 of turns right at 3, against 0.981 at 2 with half the weight.
CAP = 3.0


@dataclass(frozen=True, eq=False)
class SideModel:
    """TF-IDF terms and the weights that make a turn the seller's team's (positive) or the buyer's (negative)."""

    MODEL_KIND = "calls-side-model"
    tfidf: Tfidf
    linear: Linear

    def __post_init__(self) -> None:
        if self.linear.width != self.tfidf.size or self.linear.coef.shape[0] != 1:
            raise ModelDataError("the side model's weights do not fit its terms")

    def turn_scores(self, texts: Sequence[str]) -> list[float]:
        """Each turn's log-odds of being said by the seller's team."""
        if not texts:
            return []
        return [float(x) for x in self.linear.decision(features([self.tfidf], texts))]

    def points(self, conversation: Conversation) -> dict[str, float]:
        """Each speaker's points toward our side (negative: the buyer's), within ±CAP."""
        said: dict[str, list[str]] = defaultdict(list)
        for turn in conversation.turns:
            said[turn.speaker].append(turn.text)
        out = {}
        for speaker, texts in said.items():
            total = sum(self.turn_scores(texts)) / math.sqrt(len(texts))
            out[speaker] = max(-CAP, min(CAP, total))
        return out

    def to_data(self, arrays: Arrays) -> dict[str, Any]:
        return {"tfidf": persist.tfidf_data(self.tfidf, arrays, "tfidf"),
                "linear": persist.linear_data(self.linear, arrays, "linear")}

    @classmethod
    def from_data(cls, data: dict[str, Any], arrays: Arrays) -> Self:
        tfidf = persist.tfidf_from(data["tfidf"], arrays)
        return cls(tfidf, persist.linear_from(data["linear"], arrays, tfidf.size))

    @classmethod
    def fit(cls, texts: Sequence[str], ours: Sequence[bool], c: float = 1.0) -> SideModel:
        """Trained on turns, each marked as said by the seller's team (True) or the buyer's (False)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        from bot.models.linear import normalised_lower

        vectorizer = TfidfVectorizer(preprocessor=normalised_lower, sublinear_tf=True, ngram_range=(1, 2), min_df=2)
        matrix = vectorizer.fit_transform(list(texts))
        regression = LogisticRegression(C=c, max_iter=2000).fit(matrix, [int(o) for o in ours])
        return cls(Tfidf.fitted(vectorizer), Linear.fitted(regression))


@cache
def shipped() -> SideModel | None:
    """The side model shipped with the package, or None (the cues alone) when it is absent or not one this version
    reads: said once in the log, since more speakers are then left for the seller to name."""
    return persist.shipped_or_none(FILE, SideModel, "speakers' sides are read from the cues alone",
                                   "python bench/calls_sides.py train")
