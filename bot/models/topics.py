"""What an objection is about (price, timing, an incumbent vendor, ...): the sixteen topics and their detector.

The kind of resistance says how the buyer sees something; the topic says what that something is. The detector
combines two readings of our own data: the objection classifier's recipe (word and character n-grams, logistic
regression, temperature) trained on `playbooks/examples/topics/*.jsonl`, and the word starts listed as `cues`
in each `playbooks/topics/<topic>.yaml`. With about 40 examples a topic the n-grams alone scored 0.61 in 5-fold
cross-validation; adding the cues took it to 0.91, so a team can steer a topic by editing its cue list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.core.taxonomy import TOPICS
from bot.models import persist
from bot.models.classify import Classifier, Model, NgramModel, examples_fingerprint
from bot.models.examples import read_example_dir

# Each cue hit (at most two per topic) adds this to the topic's log-probability; chosen by cross-validation
# on the training examples (1.5: 0.81, 2: 0.85, 3: 0.91).
CUE_WEIGHT = 3.0
_MAX_HITS = 2
# The objection classifier calibrates its temperature on 5-fold out-of-fold scores, which for sixteen topics
# costs six fits (over a minute on a busy 2-core machine). The topics' temperature measured that way was 0.44;
# it is fixed here so the detector trains with a single fit.
TEMPERATURE = 0.45


def cue_pattern(cues: Sequence[str]) -> re.Pattern[str]:
    """One pattern matching any cue at the start of a word (longest first, so phrases win over their words)."""
    ordered = sorted({c.lower() for c in cues}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(c) for c in ordered) + ")", re.I)


# "Me cuesta creer…" is "I find it hard to believe…": "costar" before an infinitive is about effort, not money, and
# the price model and cues would read it as price.
_HARD_TO = re.compile(r"\b(me|te|le|nos|os|les) cuestan? (?=\w+(?:ar|er|ir)\b)", re.I)


# "Does it support SSO?", "¿Soporta SAML?": support as a verb is what the product handles, not help after the sale.
# ("do you support us at night?" stays: help for people is support)
_SUPPORTS = re.compile(r"\b((?:does|do|can|will|would|did)\s+(?:it|you|they|the\s+\w+|your\s+\w+)\s+)support\b"
                       r"(?!\s+(?:us|me|our|my|them|nosotros)\b)|¿\s*soportan?\b(?!\s+(?:a|al)\b)", re.I)


def _plain(text: str) -> str:
    return _SUPPORTS.sub(lambda m: f"{m.group(1)}handle" if m.group(1) else "¿maneja",
                         _HARD_TO.sub(r"\1 es difícil ", text))


@dataclass(frozen=True)
class TopicReading:
    topic: str
    confidence: float


class TopicDetector:
    def __init__(self, classifier: Classifier, cues: Mapping[str, Sequence[str]]):
        self.classifier = classifier
        self.topics = classifier.model.labels
        self._cues = [cue_pattern(cues[topic]) if cues.get(topic) else None for topic in self.topics]

    def _cue_hits(self, text: str) -> list[int]:
        return [min(len(p.findall(text)), _MAX_HITS) if p else 0 for p in self._cues]

    def detect_many(self, texts: Sequence[str]) -> list[TopicReading]:
        if not texts:
            return []
        texts = [_plain(text) for text in texts]
        probabilities = self.classifier.model.probabilities(texts)
        hits = np.array([self._cue_hits(text) for text in texts], dtype=float)
        scores = np.log(np.clip(probabilities, 1e-12, None)) + CUE_WEIGHT * hits
        readings = []
        for row in scores:
            best = int(row.argmax())
            weights = np.exp(row - row.max())
            readings.append(TopicReading(self.topics[best], round(float(weights[best] / weights.sum()), 4)))
        return readings

    def detect(self, text: str) -> TopicReading:
        return self.detect_many([text])[0]


def load_topic_detector(examples_dir: Path, cache_dir: Path, cues: Mapping[str, Sequence[str]]) -> TopicDetector:
    """The topic detector for these examples and cues: the n-gram model from the cache, or trained now and cached."""
    examples = read_example_dir(examples_dir, TOPICS, "topic")
    y = np.array([TOPICS.index(e.label) for e in examples])
    model = persist.trained(f"topics-{examples_fingerprint(examples, TOPICS)}-t{TEMPERATURE}.npz", Model, cache_dir,
                            lambda: Model(NgramModel.fit([e.text for e in examples], y), TEMPERATURE, TOPICS),
                            f"topic model on {len(examples)} examples")
    return TopicDetector(Classifier(model), cues)
