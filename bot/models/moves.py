"""The practice scorer's model of reply moves: a seller's reply cut into sentences and clauses (`sentences`), each
scored for align / asks / clarify / assure and for a pitfall; a check passes when some sentence shows the move,
and that sentence is its evidence. Trained from the labelled replies in `playbooks/practice/replies/` (their
evidence marks which sentence earned a check) and cached under a hash of them, like the objection classifier.
bot/services/score.py turns its verdicts into the seller's scorecard.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from bot.content.schema import problems
from bot.core.resources import data_dir
from bot.core.taxonomy import LABELS, Label
from bot.models import persist
from bot.models.linear import Linear, Tfidf, features, normalised_lower
from bot.models.persist import Arrays, ModelDataError

CHECKS = ("align", "asks", "clarify", "assure", "no_pitfalls")
MOVES = ("align", "asks", "clarify", "assure")
# A missing perception needs the picture, not proof: assure is not scored for it. The labelled replies can
# say otherwise per kind (a kind whose replies mostly leave assure null needs no proof); see train_moves.
PROOF_KINDS = frozenset(LABELS) - {"missing"}
# Bump when the features or the training recipe change, so cached models are rebuilt.
RECIPE = "practice-moves/sentences-tfidf-word12-char25+overlap4+logreg/v2"
_C = 4.0


class RepliesError(ValueError):
    """A labelled-replies file is unreadable or malformed; the message names the file, line and field."""


class LabelledReply(BaseModel):
    """One labelled seller reply: which checks it passes, and the words that earned each."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    objection: str
    kind: Label
    ambiguous: bool
    lang: Literal["en", "es"]
    reply: str
    checks: dict[str, bool | None]
    evidence: dict[str, str] = {}

    @model_validator(mode="after")
    def _consistent(self) -> LabelledReply:
        if set(self.checks) != set(CHECKS):
            raise ValueError(f"checks must have exactly {', '.join(CHECKS)}")
        for name in ("align", "clarify", "no_pitfalls"):
            if self.checks[name] is None:
                raise ValueError(f"checks.{name} must be true or false")
        for name, quote in self.evidence.items():
            if name not in CHECKS:
                raise ValueError(f"evidence.{name}: unknown check")
            if quote not in self.reply:
                raise ValueError(f"evidence.{name}: the quoted words are not in the reply")
        return self


def read_replies(path: Path) -> list[LabelledReply]:
    replies = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                replies.append(LabelledReply.model_validate_json(line))
            except ValidationError as exc:
                raise RepliesError(f"{path}:{number}: {problems(exc, top='(line)')}") from None
    return replies


def read_reply_dir(folder: Path) -> list[LabelledReply]:
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"{folder}: no *.jsonl labelled replies to train the practice scorer on")
    return [reply for path in files for reply in read_replies(path)]


def replies_dir(playbooks_dir: Path | None) -> Path:
    """A team's practice/replies/ folder when it has one, else the shipped one."""
    if playbooks_dir is not None and (playbooks_dir / "practice" / "replies").is_dir():
        return playbooks_dir / "practice" / "replies"
    return data_dir("playbooks") / "practice" / "replies"


# --- sentences -----------------------------------------------------------------------------------------------

# After end punctuation, at line breaks, after ; or :, around dashes, and before ¿ ¡ (a Spanish question or
# exclamation is its own clause).
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\n+|(?<=[;:])\s+|\s+[—–]\s+|\s+-\s+|\s+(?=[¿¡])")
_WORDS = re.compile(r"\w", re.U)
_TOKEN = re.compile(r"\w+", re.U)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def sentences(text: str) -> list[Span]:
    """The reply's sentences and clauses, each an exact slice of it (so it can be quoted as evidence)."""
    spans, start = [], 0
    for match in [*_BOUNDARY.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[start:end]
        stripped = piece.strip()
        if _WORDS.search(stripped):
            offset = start + piece.index(stripped)
            spans.append(Span(offset, offset + len(stripped), stripped))
        if match:
            start = match.end()
    return spans


# --- the model ------------------------------------------------------------------------------------------------

def _vectorizers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return (TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), preprocessor=normalised_lower, min_df=1),
            TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5), preprocessor=normalised_lower))


@dataclass(frozen=True, eq=False)
class MoveModel:
    MODEL_KIND = "practice-moves"

    vectorizers: tuple[Tfidf, ...]
    regressions: dict[str, Linear]  # check -> its sentence model ("pitfall" for the pitfall model)
    thresholds: dict[str, float]
    proof_kinds: frozenset[str] = PROOF_KINDS  # kinds whose answers are scored on assure

    def probabilities(self, texts: Sequence[str], objection: str) -> dict[str, np.ndarray]:
        x = _with_overlap(features(self.vectorizers, texts), texts, [objection] * len(texts))
        return {name: _positive(reg, x) for name, reg in self.regressions.items()}

    def to_data(self, arrays: Arrays) -> dict[str, Any]:
        return {"vectorizers": [persist.tfidf_data(v, arrays, f"v{i}") for i, v in enumerate(self.vectorizers)],
                "regressions": {name: persist.linear_data(reg, arrays, name) for name, reg in self.regressions.items()},
                "thresholds": self.thresholds, "proof_kinds": sorted(self.proof_kinds)}

    @classmethod
    def from_data(cls, data: dict[str, Any], arrays: Arrays) -> Self:
        vectorizers = tuple(persist.tfidf_from(v, arrays) for v in data["vectorizers"])
        width = sum(v.size for v in vectorizers) + len(_OVERLAP_FEATURES)
        regressions = {str(name): persist.linear_from(reg, arrays, width) for name, reg in data["regressions"].items()}
        if not set(regressions) <= set(_TARGETS) or set(data["thresholds"]) != set(regressions):
            raise ModelDataError("the move model's checks are not the scorecard's")
        if not set(data["proof_kinds"]) <= set(LABELS):
            raise ModelDataError("the move model's proof kinds are not kinds of resistance")
        return cls(vectorizers, regressions, {str(k): float(v) for k, v in data["thresholds"].items()},
                   frozenset(data["proof_kinds"]))


_STOP = frozenset(
    "that this with what your have about they them their there would could should will just into from also when "
    "then than been were very really much more most some only want need what which como para pero esto esta este "
    "usted ustedes tiene tienen hace sobre todo todos cuando porque donde algo nada muy bien ahora".split())


def _stems(text: str) -> set[str]:
    """Content words cut to five letters, so "shifts" meets "shift" and "furgonetas" meets "furgoneta"."""
    return {w[:5] for w in _TOKEN.findall(text.lower()) if (len(w) > 3 and w not in _STOP) or w.isdigit()}


# Going back to what the buyer said or confirmed before ("you mentioned", "since you told me", "como me comentó"):
# the align move of the method, whatever the topic.
_TIES_BACK = re.compile(
    r"\byou(?:'ve| have)? (said|told|mentioned|described|shared|explained|wrote|flagged|raised)\b|"
    r"\b(since|given|as|because) (that )?you(?:'re|'ve| are| have)?\b|\byour (goal|priority|target|concern|worry)\b|"
    r"\b(usted|tú|tu|vos)? ?me (dijo|coment[óo]|mencion[óo]|cont[óo]|explic[óo]|dijiste|comentaste|contaste)\b|"
    r"\b(como|ya que|dado que|porque) (usted|ustedes|tú|vos)\b|\bsu (meta|prioridad|objetivo|preocupaci[óo]n)\b",
    re.I)


_OVERLAP_FEATURES = ("shares 1", "shares 2", "shares 3", "ties back")


def _overlap(sentence: str, objection: str) -> list[float]:
    """How much a sentence reuses the buyer's own words, and whether it goes back to what they said before:
    aligning names their situation back (`_OVERLAP_FEATURES`)."""
    shared = len(_stems(sentence) & _stems(objection))
    return [float(shared >= 1), float(shared >= 2), float(shared >= 3), float(bool(_TIES_BACK.search(sentence)))]


def _with_overlap(x: Any, texts: Sequence[str], objections: Sequence[str]) -> Any:
    """The sentences' n-gram features with the overlap features appended."""
    from scipy.sparse import csr_matrix, hstack

    overlap = np.array([_overlap(t, o) for t, o in zip(texts, objections, strict=True)]).reshape(
        len(texts), len(_OVERLAP_FEATURES))
    return hstack([x, csr_matrix(overlap)]).tocsr()


def _positive(regression: Linear, x: Any) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-regression.decision(x)))


_TARGETS = (*MOVES, "pitfall")
_QUESTION = re.compile(r"\?|^\s*¿")


def eligible(target: str, sentence: str) -> bool:
    """Whether a sentence can show the move at all: asking takes a question (every labelled "asks" is one)."""
    return target != "asks" or bool(_QUESTION.search(sentence))


def _sentence_rows(replies: Sequence[LabelledReply]) -> tuple[list[str], list[int], dict[str, list[tuple[int, int]]]]:  # noqa: E501
    """Every sentence of every reply, the reply it came from, and per target the (row, 0/1) labels we know:
    a sentence holding a check's evidence is positive; every sentence of a reply failing the check is negative;
    the other sentences of a passing reply are unknown and left out."""
    texts: list[str] = []
    owner: list[int] = []
    labels: dict[str, list[tuple[int, int]]] = {t: [] for t in _TARGETS}
    for index, reply in enumerate(replies):
        spans = sentences(reply.reply)
        rows = list(range(len(texts), len(texts) + len(spans)))
        texts += [s.text for s in spans]
        owner += [index] * len(spans)
        for target in _TARGETS:
            value = (None if reply.checks["no_pitfalls"] is None else not reply.checks["no_pitfalls"]) \
                if target == "pitfall" else reply.checks[target]
            if value is None:
                continue
            if not value:
                labels[target] += [(row, 0) for row in rows]
                continue
            quote = reply.evidence.get("no_pitfalls" if target == "pitfall" else target)
            if not quote:
                continue
            at = reply.reply.find(quote)
            hit = [row for row, s in zip(rows, spans, strict=True) if s.start < at + len(quote) and at < s.end]
            labels[target] += [(row, 1) for row in hit]
    return texts, owner, labels


def _fit(x: Any, rows: list[tuple[int, int]]) -> Linear | None:
    from sklearn.linear_model import LogisticRegression

    y = np.array([label for _, label in rows])
    if len(set(y.tolist())) < 2:
        return None
    return Linear.fitted(LogisticRegression(C=_C, class_weight="balanced", max_iter=3000).fit(
        x[[r for r, _ in rows]], y))


def _reply_truth(reply: LabelledReply, target: str) -> bool | None:
    if target == "pitfall":
        return not reply.checks["no_pitfalls"]
    return reply.checks[target]


def train_moves(replies: Sequence[LabelledReply]) -> MoveModel:
    """Fit one sentence model per move (and pitfalls), and choose each threshold on out-of-fold replies."""
    from scipy.sparse import hstack
    from sklearn.model_selection import KFold

    texts, owner, labels = _sentence_rows(replies)
    vectorizers = _vectorizers()
    x = _with_overlap(hstack([v.fit_transform(list(texts)) for v in vectorizers]).tocsr(), texts,
                      [replies[i].objection for i in owner])
    owner_arr = np.array(owner)
    regressions, thresholds = {}, {}
    folds = list(KFold(n_splits=5, shuffle=True, random_state=0).split(np.arange(len(replies))))
    for target in _TARGETS:
        model = _fit(x, labels[target])
        if model is None:
            continue
        regressions[target] = model
        # out-of-fold best sentence per reply, to choose the reply-level threshold
        best = np.full(len(replies), np.nan)
        for train_idx, test_idx in folds:
            train_set = set(train_idx.tolist())
            fold_model = _fit(x, [(r, y) for r, y in labels[target] if owner[r] in train_set])
            if fold_model is None:
                continue
            for index in test_idx:
                rows = [r for r in np.flatnonzero(owner_arr == index) if eligible(target, texts[r])]
                if len(rows):
                    best[index] = _positive(fold_model, x[rows]).max()
        truth = [(0.0 if np.isnan(best[i]) else best[i], _reply_truth(r, target)) for i, r in enumerate(replies)
                 if _reply_truth(r, target) is not None]
        thresholds[target] = _best_threshold(truth, target)
    return MoveModel(tuple(Tfidf.fitted(v) for v in vectorizers), regressions, thresholds, proof_kinds(replies))


def proof_kinds(replies: Sequence[LabelledReply]) -> frozenset[str]:
    """The kinds the labelled replies score on assure (most of their replies give assure a value); a kind they
    do not cover keeps the default."""
    kinds = set(PROOF_KINDS)
    for kind in LABELS:
        values = [r.checks["assure"] for r in replies if r.kind == kind]
        if values:
            (kinds.add if sum(v is not None for v in values) * 2 > len(values) else kinds.discard)(kind)
    return frozenset(kinds)


def _best_threshold(truth: list[tuple[float, bool | None]], target: str) -> float:
    if not truth:
        return 0.5
    scores = np.array([s for s, _ in truth])
    gold = np.array([bool(label) for _, label in truth])
    best_t, best_value = 0.5, -1.0
    for cut in np.linspace(0.2, 0.8, 61):
        predicted = scores >= cut
        accuracy = float((predicted == gold).mean())
        if accuracy > best_value + 1e-9:
            best_t, best_value = float(cut), accuracy
    return round(best_t, 3)


def replies_fingerprint(replies: Sequence[LabelledReply]) -> str:
    digest = hashlib.sha256(RECIPE.encode())
    for reply in replies:
        digest.update(reply.model_dump_json().encode() + b"\n")
    return digest.hexdigest()[:20]


def load_move_model(folder: Path, cache_dir: Path) -> MoveModel:
    """The move model for these labelled replies: from the cache, or trained now and cached."""
    replies = read_reply_dir(folder)
    return persist.trained(f"practice-moves-{replies_fingerprint(replies)}.npz", MoveModel, cache_dir,
                           lambda: train_moves(replies), f"practice scoring model on {len(replies)} replies")
