"""Score a seller's answer to a buyer's objection on a yes/no scorecard, each check with the words that earned it.

Offline, a sentence-level model of reply moves: the reply is cut into sentences and clauses, each is scored
for align / asks / clarify / assure, and a check passes when some sentence shows the move; that sentence is
the evidence. It is trained from the labelled replies in `playbooks/practice/replies/` (their evidence marks
which sentence earned a check) and cached under a hash of them, like the objection classifier. Pitfalls are
caught both by explicit patterns (deadlines, expiring offers, guarantees, a price cut to buy a yes, arguing
or blaming, in English and Spanish) and by the model. With a language model, one structured call scores the
reply; a "yes" counts only if its quoted words are in the reply, and any failure scores offline instead.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from bot.content.i18n import t
from bot.content.templates import as_prompt_data, templates
from bot.core.language import answer_language
from bot.core.resources import data_dir
from bot.core.taxonomy import LABELS, Label, check_label
from bot.core.text import MAX_CHARS, clean
from bot.models import persist
from bot.models.linear import Linear, Tfidf, features, normalised_lower
from bot.models.persist import Arrays, ModelDataError

if TYPE_CHECKING:
    from bot.llm.answers import LLMScore
    from bot.services.coach import Coach

CHECKS = ("align", "asks", "clarify", "assure", "no_pitfalls")
MOVES = ("align", "asks", "clarify", "assure")
# A missing perception needs the picture, not proof: assure is not scored for it. The labelled replies can
# say otherwise per kind (a kind whose replies mostly leave assure null needs no proof); see train_moves.
PROOF_KINDS = frozenset(LABELS) - {"missing"}
# Bump when the features or the training recipe change, so cached models are rebuilt.
RECIPE = "practice-moves/sentences-tfidf-word12-char25+overlap4+logreg/v2"
_C = 4.0
# The pitfall model flags a sentence only above this, whatever its tuned threshold: the patterns catch the
# clear cases, and a false alarm on a clean answer teaches the wrong lesson.
PITFALL_FLOOR = 0.6
_CPU_BOUND = threading.Lock()  # pure CPU under the GIL; see bot/services/coach.py


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
                problems = "; ".join(f"field '{'.'.join(str(p) for p in e['loc']) or '(line)'}': {e['msg']}"
                                     for e in exc.errors())
                raise RepliesError(f"{path}:{number}: {problems}") from None
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


# --- pitfalls by pattern -------------------------------------------------------------------------------------

# "I can't guarantee…", "no le voy a prometer…": the honest answer, not the pitfall
_NEGATED = re.compile(r"(can['’]?t|cannot|won['’]?t|don['’]?t|wouldn['’]?t|never|not going to|nobody can|no one can|"
                      r"no (le |te |les |se )?(puedo|podemos|puede|voy a|vamos a|quiero)|nadie puede)\s+(\w+\s+){0,2}$",
                      re.I)
_DAY = (r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|the end of|end of|month[- ]end|"
        r"quarter[- ]end|year[- ]end|q[1-4])")
_DIA = r"(lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|ma[ñn]ana|fin de mes|cierre de mes|fin de a[ñn]o)"
PITFALL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pressure", re.compile(
        r"\b(sign|signed|commit|decide|order|close|yes|answer|decision|signature)\w*\b[^.?!]{0,40}\b(by|before|until|"
        r"today|tonight|this (week|month|quarter))\b[^.?!]{0,12}\b" + _DAY + r"?|"
        r"\b(offer|deal|price|pricing|prices|discount|promotion|promo|rate|slots?|spots?)\b[^.?!]{0,40}\b(ends?|expires?|"
        r"expiring|runs out|goes away|disappears?|changes?|goes up|go up|increases?|only (valid|good|available)|"
        r"until|through|left)\b|"
        r"\bhold (this|the|that) (price|rate|discount|offer)|\b(lose|miss|forfeit) (the|this|our|that) \d+ ?%|"
        r"\b(limited[- ]time|last chance|act (now|fast)|only this (week|month)|before (it'?s|the offer is) gone|"
        r"before (the )?prices? (rise|increase|go up|change)|won'?t last|only \w+ (spots|slots|seats) left)\b|"
        r"\b(firm\w*|decid\w*|cierr\w*|comprom\w*|agend\w*|confirm\w*)\b[^.?!]{0,40}\b(antes del?|hoy|esta semana|"
        r"este mes|a m[áa]s tardar|hasta el)\b|"
        r"\b(oferta|precio|descuento|promo|promoci[óo]n|tarifa|cupos?)\b[^.?!]{0,40}\b(vence|termina|expira|caduca|"
        r"se acaba|sube|cambia|solo (es |vale|para)|s[óo]lo (es |vale|para)|hasta el|quedan)\w*|"
        r"\b(se acaba|termina|vence)\b[^.?!]{0,20}\b" + _DIA + r"|"
        r"\b(el|este) " + _DIA + r" se (acaba|termina|vence)|"
        r"(tiempo limitado|[úu]ltima oportunidad|solo (por )?(hoy|esta semana|este mes)|el precio (sube|va a subir)|"
        r"antes de que (suba|se acabe|termine)|quedan pocos (cupos|lugares))", re.I)),
    ("guarantee", re.compile(
        r"\b(guarantee[sd]?|guaranteeing|i promise|we promise|can promise|promise (you|that)|100 ?%|zero risk|"
        r"no risk at all|risk[- ]free|unhackable|bulletproof|(will|you'?ll) (definitely|certainly|absolutely) "
        r"(see|get|save|hit)|will hit \d+|without (a|any) doubt you|never (fails?|goes down|deal with)|"
        r"can'?t (go wrong|fail)|garantiz\w*|garant[íi]a (total|de resultados)|le prometo|te prometo|les prometo|"
        r"prometemos|puedo prometer|sin (ning[úu]n )?riesgo|riesgo cero|imposible de hackear|infalible|"
        r"seguro que (va|van|vas) a (ver|ahorrar|lograr|conseguir)|sin ninguna duda (va|van)|nunca falla)\b", re.I)),
    ("price_cut", re.compile(
        r"\b(discount|\d+ ?% off|knock\w* [^.?!]{0,20} off|cut (the|our) price|lower (the|our) price|drop the price|"
        r"throw in|for free|free (month|months|licen[cs]es?|seats?))\b[^.?!]{0,50}\b(if|when|as long as|provided|"
        r"so (it|that)|but)\b[^.?!]{0,40}\b(sign|commit|close|say yes|yes|go ahead|move forward|fits)|"
        r"\bif (you|we) (sign|commit|close)\w*\b[^.?!]{0,50}\b(discount|% off|off the price|cheaper|free|"
        r"lower the price|knock)|\bcut the price by \d+|"
        r"\b(descuento|rebaja|gratis|bajar?(le)? el precio|le bajo|te bajo)\b[^.?!]{0,50}\b(si|cuando|siempre que)\b"
        r"[^.?!]{0,30}\b(firm|cierr|comprom|confirm|dice que s[íi])\w*|"
        r"\bsi (firma|firman|firmas|cierra|cierran|se compromete)\w*\b[^.?!]{0,50}\b(descuento|rebaja|gratis|"
        r"m[áa]s barato|bajo el precio|le respeto el precio)", re.I)),
    ("arguing", re.compile(
        r"\b(you'?re (simply |just )?wrong|that'?s (just |simply )?(not true|not correct|wrong|false|nonsense|a myth)|"
        r"you (clearly |obviously )?(don'?t|didn'?t) (understand|get it|listen)|you'?re overthinking|"
        r"you weren'?t (listening|paying attention)|you must be (thinking|confusing)|no offense|"
        r"as i (already )?(said|told you|showed|explained)|i already (told|showed|explained)|with all due respect|"
        r"(it'?s|that'?s) (your|their) (fault|problem)|your (team|people|managers) (failed|messed|didn'?t)|"
        r"if you'?d (read|listened|looked|scrolled|paid)|you'?d know that if|if you had (read|listened|looked)|"
        r"that'?s a (ridiculous|paranoid|pretty paranoid|silly)|(pretty |very )?outdated view|nobody serious|"
        r"(a |that'?s a )?(process|management|people) (problem|issue) on your|on your side, not|"
        r"you'?d (honestly )?be crazy|you'?re going to regret|mistake on your part|you'?re comparing it to the wrong|"
        r"where did you even get that|whoever told you that|didn'?t follow the|not fair to me|"
        r"est[áa] (usted )?equivocad[oa]|est[áa]s equivocad[oa]|eso no es (cierto|verdad|as[íi]|justo)|es falso|"
        r"es un mito|nadie serio|no tiene ni idea|se est[áa] confundiendo|si hubieras? (le[íi]do|escuchado|mirado)|"
        r"no te cierres|no se cierre|tema de organizaci[óo]n de ustedes|lo est[áa] comparando con|"
        r"se va a quedar atr[áa]s|lo que se les dice|si le[ée](is|n|s)? bien el manual|"
        r"no (me )?(entendi[óo]|entiende|escuch[óo]|prest[óo] atenci[óo]n)|"
        r"como ya (le |te )?(dije|mostr[ée]|expliqu[ée])|"
        r"ya (se |te )?lo (dije|mostr[ée]|expliqu[ée])|es (su|tu) culpa|(su|tu) equipo (fall[óo]|no supo)|"
        r"con todo respeto)", re.I)),
)


def pattern_pitfalls(text: str) -> list[tuple[str, str]]:
    """(pitfall, the offending words) for each pitfall pattern found; a negated guarantee is not one."""
    found = []
    for name, pattern in PITFALL_PATTERNS:
        for match in pattern.finditer(text):
            if name == "guarantee" and _NEGATED.search(text[max(0, match.start() - 40) : match.start()]):
                continue  # "I can't guarantee..." is the honest answer, not the pitfall
            found.append((name, match.group(0)))
            break
    return found


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


# --- what the seller gets back --------------------------------------------------------------------------------

@dataclass
class Scorecard:
    kind: str
    language: str
    checks: dict[str, bool | None]
    evidence: dict[str, str]
    score: float
    well: str | None
    improve: str
    model_answer: str
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for v in self.checks.values() if v)

    @property
    def applicable(self) -> int:
        return sum(1 for v in self.checks.values() if v is not None)

    @property
    def handled(self) -> bool:
        """The kind was met: the answer tied back to the buyer and made the picture concrete."""
        return bool(self.checks["align"] and self.checks["clarify"])

    def as_json(self) -> dict[str, Any]:
        """The public shape (`coach score --json`)."""
        return {"kind": self.kind, "checks": dict(self.checks), "evidence": dict(self.evidence),
                "score": self.score, "improve": self.improve, "model_answer": self.model_answer}


@dataclass
class Hint:
    """Not an answer to score (a question to the coach, the buyer's own words, nothing at all): what to do."""

    reason: str  # "empty" | "no_words" | "question" | "objection"
    language: str
    text: str


# A question to the coach rather than an answer to the buyer: "what should I say?", "¿qué le digo?"
_COACH_QUESTION = re.compile(
    r"^\s*[¿¡]?\s*(what (should|do|would|can) i (say|answer|reply|tell|do|write)|how (should|do|would|can) i "
    r"(answer|respond|reply|handle|say|deal with|approach)|what('?s| is) (a|the) (good|best|right) "
    r"(answer|reply|response)|(give me|any|a) (hint|tips?|ideas?|help)\b|hint\b|help me\b|help\W*$|"
    r"i('?m| am) (stuck|not sure what to say)|no idea what to say|"
    r"qu[ée] (le |te )?(digo|respondo|contesto|hago|escribo)|c[óo]mo (le |te )?(respondo|contesto|manejo|digo|"
    r"abordo)|(dame|alguna|una) (pista|ayuda|idea|sugerencia)\b|(pista|ayuda)\W*$|ay[úu]dame|"
    r"no s[ée] qu[ée] (decir|responder))",
    re.I,
)
_SECOND_PERSON = re.compile(r"\b(you|your|yours|usted|ustedes|su|sus|tu|tus|te|le|les|contigo)\b", re.I)
_TOKEN = re.compile(r"\w+", re.U)
_EMOJI_CODE = re.compile(r":[a-z0-9_+'-]+:", re.I)


def _words(text: str) -> set[str]:
    return {w for w in _TOKEN.findall(text.lower()) if len(w) > 2}


def triage(reply: str, objection: str) -> str | None:
    """Why this reply cannot be scored ("empty", "no_words", "question", "objection"), or None to score it."""
    reply = _EMOJI_CODE.sub("", reply)  # Slack sends emoji as :name:
    if not reply.strip():
        return "empty"
    if not _WORDS.search(reply) or not re.search(r"[^\W\d_]", reply):
        return "no_words"  # an emoji, punctuation, a number
    if _COACH_QUESTION.search(reply):
        return "question"
    mine, theirs = _words(reply), _words(objection)
    if mine and theirs and len(mine & theirs) / len(mine | theirs) >= 0.6:
        return "objection"  # the buyer's words pasted back
    return None


def check_applies(check: str, kind: str, ambiguous: bool, needs_proof: frozenset[str] = PROOF_KINDS) -> bool:
    if check == "asks":
        return ambiguous
    if check == "assure":
        return kind in needs_proof
    return True


@dataclass(frozen=True)
class Verdict:
    """The checks and their evidence, before the feedback is written."""

    checks: dict[str, bool | None]
    evidence: dict[str, str]


class Scorer:
    """Scores replies for a coach (its playbooks, settings, store and model); loads the move model on first use."""

    def __init__(self, coach: Coach, folder: Path | None = None):
        self.coach = coach
        self._folder = folder

    @cached_property
    def model(self) -> MoveModel:
        folder = self._folder or replies_dir(self.coach.settings.playbooks_dir)
        return load_move_model(folder, self.coach.settings.cache_dir)

    def hint(self, reason: str, kind: str, lang: str) -> Hint:
        if reason == "question":
            return Hint(reason, lang, t("practice.hint.question", lang,
                                        move=self.coach.playbooks[kind].text("next_move", lang)))
        return Hint(reason, lang, t(f"practice.hint.{reason}", lang))

    def assess(self, objection: str, raw_reply: str, kind: str | None = None, *, ambiguous: bool | None = None,
               lang: str | None = None, wants: str | None = None, offline: bool = False,
               team_id: str | None = None) -> Scorecard | Hint:
        """Score a reply to the objection, or say why it cannot be scored. `kind` and `ambiguous` come from the
        scenario; without them the objection is diagnosed (and counts as ambiguous when the coach would ask first).
        `lang` is the language to answer in (the buyer's); `wants` the buyer's goal, for the feedback; `team_id`
        the workspace (the model's answers are cached per workspace)."""
        reply, truncated = clean(raw_reply)
        lang = lang or answer_language(objection)
        if kind is None or ambiguous is None:
            diagnosis = self.coach.diagnose(objection)
            kind = kind or diagnosis.label
            ambiguous = diagnosis.asks_first if ambiguous is None else ambiguous
        check_label(kind)
        reason = triage(reply, objection)
        if reason is not None:
            return self.hint(reason, kind, lang)
        offline_verdict = self.offline_verdict(reply, kind, ambiguous, objection)
        verdict, source, notes = offline_verdict, "offline", []
        llm = None if offline else self.coach.llm
        if llm is not None:
            from bot.llm.client import LLMFailure

            try:
                prompt = replace(self.prompt(objection, reply, kind, ambiguous, lang), team_id=team_id)
                answer, _cached = llm.score_reply(prompt)
                verdict, source = merge_llm(answer, reply, offline_verdict), "llm"
            except LLMFailure:
                notes.append(t("practice.note.fallback", lang))
        notes.insert(0, t("practice.note.llm", lang, model=llm.model) if source == "llm" and llm
                     else t("practice.note.offline", lang))
        if answer_language(reply) != lang and len(_words(reply)) >= 3:
            notes.append(t("practice.note.language", lang))
        if truncated:
            notes.append(t("practice.note.truncated", lang, limit=MAX_CHARS))
        return self.card(objection, kind, lang, verdict, source, notes, wants)

    def offline_verdict(self, reply: str, kind: str, ambiguous: bool, objection: str = "") -> Verdict:
        spans = sentences(reply)
        with _CPU_BOUND:
            probabilities = self.model.probabilities([s.text for s in spans], objection)
        checks: dict[str, bool | None] = {}
        evidence: dict[str, str] = {}
        found = pattern_pitfalls(reply)
        pitfall_rows = {i for i, span in enumerate(spans) if pattern_pitfalls(span.text)}
        if "pitfall" in probabilities:
            pitfall_rows |= {i for i, p in enumerate(probabilities["pitfall"])
                             if p >= max(PITFALL_FLOOR, self.model.thresholds.get("pitfall", 0.5))}
        for move in MOVES:
            if not check_applies(move, kind, ambiguous, self.model.proof_kinds):
                checks[move] = None
                continue
            p = probabilities.get(move)
            if p is None:
                checks[move] = False
                continue
            # a sentence that over-assures or pressures earns no assure; any other move may still come from it
            # a sentence that pressures or over-assures is no proof; the other checks are scored on their own
            candidates = [i for i, span in enumerate(spans)
                          if eligible(move, span.text) and (move != "assure" or i not in pitfall_rows)]
            best = max(candidates, key=lambda i: p[i], default=None)
            passed = bool(best is not None and p[best] >= self.model.thresholds.get(move, 0.5))
            checks[move] = passed
            if passed and best is not None:
                evidence[move] = spans[best].text
        if found:
            words_found = found[0][1]
            sentence = next((span.text for span in spans if words_found in span.text), words_found)
            checks["no_pitfalls"], evidence["no_pitfalls"] = False, sentence
        elif pitfall_rows:
            row = max(pitfall_rows, key=lambda i: probabilities["pitfall"][i] if "pitfall" in probabilities else 0)
            checks["no_pitfalls"], evidence["no_pitfalls"] = False, spans[row].text
        else:
            checks["no_pitfalls"] = True
        if checks["align"] and any(name == "arguing" for name, _ in found):
            # aligning means acknowledging first; arguing with or blaming the buyer undoes it
            checks["align"] = False
            evidence.pop("align", None)
        return Verdict(checks, evidence)

    def prompt(self, objection: str, reply: str, kind: str, ambiguous: bool, lang: str) -> Any:
        from bot.llm.client import Prompt

        jinja = templates()
        playbook = self.coach.playbooks[kind]
        system = jinja.get_template("practice_score_system.j2").render()
        user = jinja.get_template("practice_score_user.j2").render(
            playbook=playbook, language=lang, ambiguous=ambiguous, needs_proof=kind in self.model.proof_kinds,
            objection=as_prompt_data(objection), reply=as_prompt_data(reply))
        return Prompt(system=system.strip(), user=user.strip())

    def card(self, objection: str, kind: str, lang: str, verdict: Verdict, source: str, notes: list[str],
             wants: str | None = None) -> Scorecard:
        from bot.core.guidance import Objection
        from bot.models.classify import Diagnosis

        checks, evidence = verdict.checks, verdict.evidence
        applicable = [c for c in CHECKS if checks[c] is not None]
        score = round(sum(1 for c in applicable if checks[c]) / len(applicable), 2) if applicable else 0.0
        playbook = self.coach.playbooks[kind]
        well_check = next((c for c in CHECKS if checks[c] and c in evidence), None)
        if well_check is None and checks["no_pitfalls"]:
            well_check = "no_pitfalls"
        well = None
        if well_check:
            quote = evidence.get(well_check)
            done = t(f"practice.passed.{well_check}", lang)
            well = f"{done}: “{quote}”" if quote and well_check != "no_pitfalls" else f"{done}."
        improve = self._improve(checks, evidence, playbook, lang, wants)
        # the coaching's own talk track for this objection: kind and topic, facts only from the team profile
        guidance = self.coach.offline_guidance(Objection.parse(objection), Diagnosis(kind, 1.0, {kind: 1.0}), None)
        model_answer = guidance.talk_track
        return Scorecard(kind=kind, language=lang, checks=checks, evidence=evidence, score=score, well=well,
                         improve=improve, model_answer=model_answer, source=source, notes=notes)

    @staticmethod
    def _improve(checks: dict[str, bool | None], evidence: dict[str, str], playbook: Any, lang: str,
                 wants: str | None) -> str:
        """The one change that would help most: drop a pitfall first, then the first missing move."""
        if checks["no_pitfalls"] is False:
            return t("practice.fix.pitfall", lang, quote=evidence.get("no_pitfalls", ""))
        if checks["align"] is False:
            return t("practice.fix.align", lang, wants=f" ({wants})" if wants else "")
        if checks["asks"] is False:
            return t("practice.fix.asks", lang, question=playbook.lines("questions", lang)[0])
        if checks["clarify"] is False:
            return t("practice.fix.clarify", lang, move=playbook.lines("clarify", lang)[0])
        if checks["assure"] is False:
            return t("practice.fix.assure", lang, move=playbook.lines("assure", lang)[0])
        return t("practice.fix.none", lang)


def _verified(quote: str, reply: str) -> str | None:
    """The quote as it stands in the reply, or None when the model quoted words the seller did not write."""
    quote = quote.strip().strip("\"“”«»'").strip()
    if len(quote) >= 3 and quote in reply:
        return quote
    return None


def merge_llm(answer: LLMScore, reply: str, offline: Verdict) -> Verdict:
    """The model's checks where its quote is verified. A "yes" whose words are not in the reply is not taken:
    that check keeps the offline verdict. Offline pitfall patterns always count."""
    checks, evidence = dict(offline.checks), dict(offline.evidence)
    for move in MOVES:
        if checks[move] is None:
            continue  # applicability is ours, not the model's
        verdict = getattr(answer, move)
        quote = _verified(verdict.quote, reply) if verdict.passed else None
        if verdict.passed and quote:
            checks[move], evidence[move] = True, quote
        elif not verdict.passed:
            checks[move] = False
            evidence.pop(move, None)
    patterns = pattern_pitfalls(reply)
    quote = _verified(answer.pitfall.quote, reply) if answer.pitfall.found else None
    if patterns:
        checks["no_pitfalls"], evidence["no_pitfalls"] = False, patterns[0][1]
    elif quote:
        checks["no_pitfalls"], evidence["no_pitfalls"] = False, quote
    elif not answer.pitfall.found:
        checks["no_pitfalls"] = True
        evidence.pop("no_pitfalls", None)
    return Verdict(checks, evidence)


def scorecard_json(card: Scorecard) -> str:
    return json.dumps(card.as_json(), ensure_ascii=False)
