"""The call review, as plain data: each buyer objection in order, with where it came (a timestamp or the email),
its kind and concerns, and how the seller answered it, scored on the practice scorecard with the words that
earned each check and the one change that would help most; then the buyer-side obstacles to change and the next
step, as a deal-room summary gives them.

Offline by default, and whenever the model fails; with a language model configured, the objections and how they
were answered are read chunk by chunk and checked against the transcript (bot/calls/with_llm.py). Offline, the
work is batched so a 60-minute call stays within a few seconds: the objections are diagnosed in one classifier
call and their concerns' topics in one detector call; the models are loaded once, by the coach passed in.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.calls import detector as learned
from bot.calls import with_llm
from bot.calls.answers import SellerAnswer, reply_turns, score_answer
from bot.calls.detector import Finder
from bot.calls.finding import Likely, cue_flags, kind_marker, objections_in, resisting_flags, sentences, way_kind
from bot.calls.formats import Conversation, Turn
from bot.calls.sides import BUYER, OURS, Sides
from bot.content.i18n import t
from bot.core.reading import read
from bot.models.classify import Diagnosis
from bot.services.coach import TOPIC_SURE, Coach
from bot.services.score import Scorer
from bot.services.summarize import Message, Summarizer


@dataclass
class Moment:
    """One buyer objection in the conversation."""

    number: int
    where: str  # "00:12:03", "email 3", or ""
    start: float | None
    email: int | None
    speaker: str
    quote: str
    kind: str
    confidence: float
    asks_first: bool  # the words alone do not settle the kind: the coach would ask first
    in_play: list[str]
    concerns: list[dict[str, Any]]  # {"words", "topic"}: what the buyer raised, each on its topic when sure
    answer: SellerAnswer | None  # None when the seller's side did not speak before the buyer went on


@dataclass
class Obstacle:
    kind: str
    where: str
    evidence: str


@dataclass
class CallReview:
    kind: str  # call or email
    format: str
    language: str
    subject: str | None
    sides: dict[str, Any]
    turns: int
    buyer_turns: int
    duration: float | None  # seconds from the first turn to the last, for a call with times
    moments: list[Moment]
    obstacles: list[Obstacle]
    cost_of_inaction: str
    next_step: str
    next_step_reason: str  # an obstacle, a kind of resistance, or cost_of_inaction
    source: str = "offline"

    def as_json(self) -> dict[str, Any]:
        """The public JSON shape (`coach call --json`)."""
        return asdict(self)


def review_call(coach: Coach, conversation: Conversation, sides: Sides, *, team_id: str | None = None,
                scorer: Scorer | None = None, summarizer: Summarizer | None = None,
                offline: bool = False, detector: Finder | None | bool = True) -> CallReview:
    """Review a conversation whose sides are decided (`sides.decided`). With a language model configured (and
    not `offline`), the objections and how they were answered are read by the model chunk by chunk and checked
    against the transcript (bot/calls/with_llm.py); any chunk whose call fails is read offline. `detector`: the
    learned finder that works beside the cues (bot/calls/detector.py): True for the shipped one, False for the cues
    alone, or another (the leave-one-writer-out bench)."""
    if not sides.decided:
        raise ValueError("every speaker needs a side before the review: ask which speakers are the seller's")
    lang = conversation.language
    turns = list(conversation.turns)
    side = [sides.side(turn.speaker) for turn in turns]
    if detector is True:
        detector = learned.shipped()
    found = candidates(turns, side, detector or None)
    modelled: list[with_llm.ModelObjection] = []
    source = "offline"
    if not offline and coach.llm is not None:
        reading = with_llm.read(coach, conversation, side, team_id)
        modelled = reading.objections
        found = [c for c in found if c.index in reading.offline_turns]
        source = "offline" if len(reading.offline_turns) == len(turns) else "llm+offline" if reading.offline_turns \
            else "llm"
    classifier = coach.classifier_for(team_id)
    # one batch for the whole call: the offline finds, and the model's (whose kind the model may not have named)
    diagnoses = classifier.diagnose_many([c.quote for c in found] + [m.quote for m in modelled])
    offline_found = [(c, _marked(d, c.quote)) for c, d in zip(found, diagnoses[: len(found)], strict=True)
                     if not d.not_objection]
    kept = fold_presses(turns, side, [c for c, _ in offline_found], [d.label for _, d in offline_found])
    moments_found: list[tuple[int, str, Diagnosis, with_llm.ModelObjection | None]] = [
        (offline_found[i][0].index, offline_found[i][0].quote, offline_found[i][1], None) for i in kept]
    for model, diagnosis in zip(modelled, diagnoses[len(found) :], strict=True):
        if model.kind is not None and model.kind != diagnosis.label:
            diagnosis = replace(diagnosis, label=model.kind, confidence=1.0, asks_first=False, in_play=(model.kind,))
        moments_found.append((model.turn, model.quote, diagnosis, model))
    moments_found.sort(key=lambda c: (c[0], turns[c[0]].text.find(c[1])))
    readings = [read(said) for _, said, _, _ in moments_found]
    abouts = [c.about for r in readings for c in r.concerns]
    topics = iter(coach.topic_detector.detect_many(abouts) if abouts else [])
    scorer = scorer or Scorer(coach)
    objection_turns = {index for index, _, _, _ in moments_found}
    moments = []
    for number, ((index, said, diagnosis, model), reading) in enumerate(zip(moments_found, readings, strict=True), 1):
        concerns = []
        for concern in reading.concerns:
            topic = next(topics)
            concerns.append({"words": concern.words, "topic": topic.topic if topic.confidence >= TOPIC_SURE else None})
        turn = turns[index]
        reply = reply_turns(turns, side, index, objection_turns)
        answer = None
        if reply:
            # the model's verdict on the answer counts in full only when the whole answer was in what it read
            last = next(i for i in range(index + 1, len(turns)) if turns[i] is reply[-1])
            answer = score_answer(scorer, reply, said, diagnosis.label, diagnosis.asks_first, lang,
                                  model=model.answer if model else None,
                                  saw_all=model is not None and last <= model.chunk_end)
        moments.append(Moment(
            number=number, where=turn.where(), start=turn.start, email=turn.email, speaker=turn.speaker, quote=said,
            kind=diagnosis.label, confidence=diagnosis.confidence, asks_first=diagnosis.asks_first,
            in_play=list(diagnosis.in_play), concerns=concerns, answer=answer))
    obstacles, cost, next_step, reason = _obstacles(coach, summarizer, turns, side, lang, moments,
                                                    offline or source == "offline", team_id)
    starts = [turn.start for turn in turns if turn.start is not None]
    return CallReview(
        kind=conversation.kind, format=conversation.format, language=lang, subject=conversation.subject,
        sides=sides.as_json(), turns=len(turns), buyer_turns=sum(1 for s in side if s == BUYER),
        duration=round(max(starts) - min(starts), 1) if starts else None, moments=moments, obstacles=obstacles,
        cost_of_inaction=cost, next_step=next_step, next_step_reason=reason, source=source)


# How much a kind marked by the buyer's own words (bot/calls/finding.py KIND_MARKERS) adds to the classifier's
# probability for it: enough to settle a close call, not to overrule a confident one.
MARKER_WEIGHT = 0.3
# The three perceptions differ by exactly what the markers say (no picture, part of it, a wrong one): between
# them, the buyer's words decide. A belief stated with the worry it causes ("I was told you don't support SSO,
# which would be a non-starter") is the belief to correct first: there the incorrect marker decides over a major
# concern too.
PERCEPTIONS = frozenset({"missing", "incomplete", "incorrect"})
DECIDES_OVER = {"missing": PERCEPTIONS, "incomplete": PERCEPTIONS, "incorrect": PERCEPTIONS | {"major_concern"}}


def _marked(diagnosis: Diagnosis, quote: str) -> Diagnosis:
    """The diagnosis with the kind the quote's own words mark weighed in; the way the buyer resists (way_kind), when
    it implies a kind, decides it."""
    way = way_kind(quote)
    marked = way or kind_marker(quote)
    if marked is None or marked not in diagnosis.scores or marked == diagnosis.label:
        return diagnosis
    scores = dict(diagnosis.scores)
    if way or diagnosis.label in DECIDES_OVER.get(marked, ()):
        scores[marked] = max(scores.values()) + MARKER_WEIGHT
    else:
        scores[marked] += MARKER_WEIGHT
    total = sum(scores.values())
    scores = {kind: round(p / total, 4) for kind, p in scores.items()}
    label = max(scores, key=scores.__getitem__)
    if label == diagnosis.label:
        return replace(diagnosis, scores=scores, confidence=scores[label])
    # the words settled what the model could not: the coach need not ask which kind it is
    return replace(diagnosis, label=label, confidence=scores[label], scores=scores,
                   asks_first=diagnosis.brush_off is not None, in_play=(label,))


@dataclass(frozen=True)
class Candidate:
    """A buyer objection as the cues find it, before presses are folded into the objection they press."""

    index: int  # the turn
    quote: str
    first: bool  # the first objection of its turn
    opens_point: bool  # it opens with "Second, …", "Otra cosa: …"


def candidates(turns: list[Turn], side: list[str | None], detector: Finder | None = None) -> list[Candidate]:
    """Every objection the cues, and the learned detector when there is one, find in the buyer's turns, in order.
    The detector reads all the buyer's sentences in one batch."""
    buyer = [index for index, turn in enumerate(turns) if side[index] == BUYER]
    likely: dict[int, Likely] = {}
    cues: dict[int, list[bool]] = {}
    if detector is not None:
        said = [sentences(turns[index].text) for index in buyer]
        cues = {index: cue_flags(parts) for index, parts in zip(buyer, said, strict=True)}
        scores = detector.score(said, [resisting_flags(parts, cues=cues[index])
                                       for index, parts in zip(buyer, said, strict=True)])
        likely = {index: Likely(said, detector.alone) for index, said in zip(buyer, scores, strict=True)}
    return [Candidate(index, objection.quote, number == 0, objection.opens_point)
            for index in buyer
            for number, objection in enumerate(objections_in(turns[index].text, likely=likely.get(index),
                                                             cues=cues.get(index)))]


def fold_presses(turns: list[Turn], side: list[str | None], found: list[Candidate],
                 kinds: list[str | None]) -> list[int]:
    """The positions in `found` that are objections of their own; the others stay on the one before.

    On a call, the buyer's turn right after the seller's reply to an objection is often still on it: pressing the
    point ("That's not really an answer", "I can't take a best case to our CFO", "Se trata de que no sé cuánto voy
    a pagar"), saying the answer lost them ("I don't know what half of that means"), or answering the question the
    seller asked about it ("It was an app, and nobody opened it"). Those are the same moment, whose answer is the
    reply before. A buyer who hears the price and then finds it too high raises a new one: a different kind,
    nothing of the first point's words, no question asked. A second buyer agreeing right after ("Yeah, I don't
    have an hour free in May either") is on it too. A turn that opens another point ("Second, …") is new. In an
    email thread each message is written on purpose: every objection in it counts."""
    kept: list[int] = []
    on_it: set[int] = set()  # the turns that raised or stayed on the latest objection
    for position, candidate in enumerate(found):
        turn = turns[candidate.index]
        if candidate.first and not candidate.opens_point and turn.email is None and on_it and kept:
            latest = found[kept[-1]]
            how = _presses(turns, side, on_it, candidate.index)
            if how == "chimes_in" or (how == "after_reply" and (
                    turn.speaker == turns[latest.index].speaker and _same_kind(kinds[position], kinds[kept[-1]])
                    or _SAME_POINT.search(candidate.quote) or _asked(turns[candidate.index - 1].text)
                    or len(_stems(candidate.quote) & _stems(latest.quote)) >= 2)):
                on_it.add(candidate.index)
                continue
        kept.append(position)
        on_it = {candidate.index}
    return kept


def _same_kind(a: str | None, b: str | None) -> bool:
    """Whether two kinds are one point pressed: the same kind, or missing then incomplete (after the seller's
    answer, a buyer who had no picture has part of one: "I don't understand what we'd pay" then "And nothing per
    user on top of that?"). A belief or a worry after the answer is a new point."""
    return a == b or {a, b} == {"missing", "incomplete"}


def find_objections(turns: list[Turn], side: list[str | None],
                    kinds: list[str | None] | None = None) -> list[tuple[int, str]]:
    """(turn index, quote) for each buyer objection, in order (`fold_presses`); `kinds`, one per candidate, tell
    a press from a new objection (without them, the same buyer right after the reply presses)."""
    found = candidates(turns, side)
    kept = fold_presses(turns, side, found, kinds if kinds is not None else [None] * len(found))
    return [(found[i].index, found[i].quote) for i in kept]


# How close to the objection another buyer's "yes, and…" still joins it: the reply and one more buyer turn.
CHIME_TURNS = 3
_CHIMES_IN = re.compile(r"^(?:yes|yeah|yep|right|exactly|agreed|same|true|s[ií]|exacto|claro|eso|tal cual|"
                        r"efectivamente)\b", re.I)
# Saying it is the point already made, or that the answer lost them: "That's not an answer", "I mean", "I don't
# know what half of that means", "Se trata de…", "Ya, pero a mí…".
_SAME_POINT = re.compile(
    r"\b(?:not (?:really )?an answer|(?:didn'?t|did not|doesn'?t|does not) answer|i mean\b|i'?m (?:telling|saying)|"
    r"that'?s not (?:the|my) (?:point|question)|still\b|again\b|what (?:half of )?(?:that|this) means|you lost me|"
    r"what do you mean|se trata de|no se trata|no es (?:eso|lo que)|pero a m[ií]|ya,? pero|sigo sin|"
    r"lo que (?:digo|quiero decir)|no me (?:has|ha) (?:respondido|contestado)|qu[eé] quiere(?:s)? decir|"
    r"no te (?:sigo|entiendo))", re.I)
_STEM_WORD = re.compile(r"\w+")
_COMMON = frozenset("""that this with have about they them their there would could what your just been were
really going think want need like also because which when where these those from into some than then very
much more most even only other ours pero como para esto esta este todo todos tiene tienen hace porque donde
algo nada muy bien ahora cuando sobre""".split())


def _stems(text: str) -> set[str]:
    """Content words cut to five letters: what two sentences on one point share."""
    return {w[:5] for w in _STEM_WORD.findall(text.lower()) if len(w) > 3 and w not in _COMMON}


def _asked(text: str) -> bool:
    """Whether a seller's turn ends on a question to the buyer."""
    return "?" in " ".join(sentences(text)[-2:])


def _presses(turns: list[Turn], side: list[str | None], on_it: set[int], index: int) -> str | None:
    """How buyer turn `index` may stay on the latest objection: "after_reply" (right after the seller's reply to
    it), "chimes_in" (another buyer agreeing right after a buyer's turn, within CHIME_TURNS of it), or None."""
    last = max(on_it)
    between = side[last + 1 : index]
    if between and all(s == OURS for s in between):
        return "after_reply"
    if index - last <= CHIME_TURNS and side[index - 1] == BUYER and turns[index - 1].speaker != turns[index].speaker \
            and _CHIMES_IN.match(turns[index].text):
        return "chimes_in"
    return None


def _obstacles(coach: Coach, summarizer: Summarizer | None, turns: list[Turn], side: list[str | None], lang: str,
               moments: list[Moment], offline: bool, team_id: str | None) -> tuple[list[Obstacle], str, str, str]:
    """The buyer side's obstacles to change and the next step, from the deal-room summariser over the buyer's
    turns (the seller's own words would read as the buyer's obstacles); with the model when the review has one,
    chunked and checked as every summary is."""
    buyer = [(i, turn) for i, turn in enumerate(turns) if side[i] == BUYER]
    # the summariser keys messages by a Slack-like timestamp: the turn's index keeps them in order and unique
    messages = [Message(turn.speaker, turn.text, f"{i + 1}.000000") for i, turn in buyer]
    summarizer = summarizer or Summarizer(coach, coach.settings.stall_days)
    summary = summarizer.summarize(messages, offline=offline, team_id=team_id)
    by_ts = {f"{i + 1}.000000": turn for i, turn in buyer}
    obstacles = [Obstacle(r.kind, by_ts[r.evidence_ts].where() if r.evidence_ts in by_ts else "", r.evidence)
                 for r in summary.risks]
    next_step, reason = summary.next_step, summary.next_step_reason
    if reason in ("cost_of_inaction", "stalled"):
        # No obstacle stands out. An objection the seller left unmet is the nearer step: its kind's next move
        # (the summariser finds objections only where a deal-room message quotes the buyer, never in a call).
        unmet = [m for m in moments if m.answer is None or not m.answer.handled]
        if unmet:
            next_step, reason = coach.playbooks[unmet[-1].kind].text("next_move", lang), unmet[-1].kind
    return obstacles, summary.cost_of_inaction, next_step, reason


# --- as text, for a terminal ------------------------------------------------------------------------------------

def review_lines(review: CallReview, kind_names: dict[str, str], obstacle_names: dict[str, str],
                 topic_names: dict[str, str] | None = None) -> list[str]:
    """The review as lines of plain text in the conversation's language (the CLI prints them)."""
    lang = review.language
    topic_names = topic_names or {}
    lines = [t("call.title_email" if review.kind == "email" else "call.title", lang, turns=review.turns,
               objections=len(review.moments))]
    sides = review.sides
    lines.append(t("call.sides", lang, ours=", ".join(sides["ours"]), buyers=", ".join(sides["buyers"])))
    if not review.moments:
        lines.append("")
        lines.append(t("call.none_found", lang))
    for moment in review.moments:
        lines.append("")
        where = f"[{moment.where}] " if moment.where else ""
        lines.append(f"{moment.number}. {where}{moment.speaker}: “{moment.quote}”")
        kind = kind_names.get(moment.kind, moment.kind)
        sure = t("call.unsure", lang) if moment.asks_first else ""
        lines.append(f"   {t('call.kind', lang)}: {kind}{sure}")
        for concern in moment.concerns:
            topic = f" ({topic_names.get(concern['topic'], concern['topic'])})" if concern["topic"] else ""
            lines.append(f"   {t('call.concern', lang)}: {concern['words']}{topic}")
        answer = moment.answer
        if answer is None:
            lines.append(f"   {t('call.not_answered', lang)}")
            continue
        lines.append(f"   {t('call.answer', lang, who=', '.join(answer.speakers))}: “{answer.text}”")
        if answer.score is None:
            lines.append(f"   {t('call.not_scored', lang)}")
            continue
        passed, applicable = answer.tally()
        lines.append(f"   {t('practice.score', lang)}: {passed}/{applicable} ({answer.score:.0%})")
        for mark, check, words in answer.marks():
            lines.append(f"     {mark} {t(f'practice.check.{check}', lang)}" + (f": “{words}”" if words else ""))
        lines.append(f"   {t('call.improve', lang)}: {answer.improve}")
    lines.append("")
    lines.append(t("call.obstacles", lang))
    if not review.obstacles:
        lines.append(f"  {t('call.no_obstacles', lang)}")
    for obstacle in review.obstacles:
        where = f"[{obstacle.where}] " if obstacle.where else ""
        lines.append(f"  {obstacle_names.get(obstacle.kind, obstacle.kind)}: {where}“{obstacle.evidence}”")
    lines.append("")
    lines.append(f"{t('call.next', lang)}: {review.next_step}")
    lines.append("")
    lines.append(t({"llm": "call.llm_note", "llm+offline": "call.mixed_note"}.get(review.source, "call.offline_note"),
                   lang))
    return lines
