"""Summarise a deal-room thread: where the buyer stands, who is who, what resists, and the next move.

Every claim points at a message. Offline, obstacles come from a classifier over the thread's sentences
(trained on `playbooks/examples/obstacles/`), objections from the objection classifier on reported buyer
speech, stakeholders and the buyer's position from cue patterns. Whether the deal stalled comes from the
thread's timeline (how long since the buyer's side last moved) and from stalls said in words. With an LLM,
the thread is cut into chunks that fit the context budget (map); each chunk's JSON reading is checked against
the chunk's messages and merged in code (reduce), so model calls grow linearly with the thread and no call
exceeds the budget. A chunk whose call fails is read offline.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from bot.content.i18n import t
from bot.content.templates import as_prompt_data, templates
from bot.core.language import majority_language
from bot.core.taxonomy import KINDS, LABELS, OBSTACLE_KINDS, OBSTACLE_PRIORITY, OBSTACLES
from bot.core.text import plain
from bot.core.thread_cues import (
    CONTACT,
    COST,
    COST_MISSED,
    COST_SEEN,
    CURRENT,
    DEAL_MECHANICS,
    DESIRED,
    NOT_NAMES,
    OPPOSED,
    QUOTED,
    ROLE_WORD,
    SENTENCES,
    STAKEHOLDER_PATTERNS,
    STALL,
    SUPPORTIVE,
    buyer_words,
    message_units,
    snippet,
)
from bot.llm.answers import ChunkReading
from bot.llm.budget import chunk_lines, room_for_lines
from bot.llm.client import LLMFailure, Prompt
from bot.models.classify import Classifier
from bot.models.deal_room import obstacle_detector, stall_detector
from bot.services.coach import Coach

# A unit (sentence or whole message) shows an obstacle when the detector gives it at least this probability.
OBSTACLE_THRESHOLD = 0.55
OBJECTION_THRESHOLD = 0.55  # the same floor for a reported objection's kind
# Stall sentences are rare among deal-room sentences (about 100 to 1,500 in training), so the detector's
# probabilities run low; at 0.3 it catches stalls the cues miss ("no RFP decision date") and calls no healthy
# annotated thread stalled. The cues need no score.
STALL_THRESHOLD = 0.3
STALL_QUOTE = 120  # the most of a stall sentence quoted as its reason, in characters, so it reads in one line

@dataclass(frozen=True)
class Message:
    user: str
    text: str
    ts: str

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(float(self.ts), UTC)


def parse_messages(data: Any, skip_ts: str | None = None) -> list[Message]:
    """People's messages from a `conversations.replies` answer (or a bare list), oldest first.

    Bots' posts (the coach's own summaries and coaching among them) are left out: they are not deal
    activity and not the buyer's words; so is `skip_ts`, the message that asked for the summary."""
    raw = data.get("messages") if isinstance(data, dict) else data
    if not isinstance(raw, list):
        raise ValueError("expected {\"messages\": [...]} as conversations.replies returns it")
    messages = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or "ts" not in item:
            raise ValueError(f"message {index}: expected an object with at least 'ts' and 'text'")
        if item.get("bot_id") or item.get("subtype") in ("bot_message", "channel_join", "channel_leave", "bot_add"):
            continue
        if skip_ts is not None and str(item["ts"]) == skip_ts:
            continue
        text = item.get("text") or ""
        if text.strip():
            messages.append(Message(str(item.get("user") or ""), text, str(item["ts"])))
    return sorted(messages, key=lambda m: float(m.ts))


@dataclass
class Risk:
    kind: str
    evidence_ts: str
    evidence: str


@dataclass
class FoundObjection:
    text: str
    label: str
    ts: str
    confidence: float
    move: str


@dataclass
class Stakeholder:
    name: str
    role: str
    position: str  # supportive, opposed or unclear
    evidence_ts: str


@dataclass
class Evidence:
    ts: str
    text: str


@dataclass
class Summary:
    language: str
    message_count: int
    current_state: Evidence | None
    desired_state: Evidence | None
    cost_of_inaction: str  # understood, not_understood, mentioned or unknown
    cost_evidence: Evidence | None
    stakeholders: list[Stakeholder]
    objections: list[FoundObjection]
    risks: list[Risk]
    stalled: bool
    stalled_reason: str | None
    next_step: str
    next_step_reason: str
    source: str = "offline"  # offline, llm, or llm+offline when some chunks fell back

    def as_json(self, text: str) -> dict[str, Any]:
        """The public JSON shape (`coach summarize --json`); `text` is the summary as rendered (mrkdwn)."""
        return {
            "risks": [asdict(r) for r in self.risks],
            "objections": [{"text": o.text, "label": o.label, "ts": o.ts} for o in self.objections],
            "stakeholders": [asdict(s) for s in self.stakeholders],
            "stalled": self.stalled,
            "next_step": self.next_step,
            "text": text,
            "source": self.source,
        }


class Summarizer:
    def __init__(self, coach: Coach, stall_days: int = 14):
        self.coach = coach
        self.stall_days = stall_days

    @cached_property
    def stall_detector(self) -> Classifier:
        return stall_detector(self.coach.playbooks.obstacle_examples_dir, self.coach.settings.cache_dir)

    @cached_property
    def obstacle_detector(self) -> Classifier:
        return obstacle_detector(self.coach.playbooks.obstacle_examples_dir, self.coach.settings.cache_dir)

    def summarize(self, messages: list[Message], now: datetime | None = None, offline: bool = False,
                  team_id: str | None = None) -> Summary:
        """Summarise a thread, oldest message first. `now` decides staleness (default: the last message);
        `team_id` is the workspace (the model's answers are cached per workspace)."""
        if not messages:
            raise ValueError("the thread has no messages")
        language = majority_language(plain(m.text) for m in messages)
        stakeholders = _stakeholders(messages)
        if offline or self.coach.llm is None:
            risks, objections, source = *self._read_offline(messages, language), "offline"
        else:
            risks, objections, stakeholders, source = self._read_with_llm(messages, language, stakeholders,
                                                                          team_id)
        current = _first_match(messages, CURRENT)
        desired = _first_match(messages, DESIRED, unless=DEAL_MECHANICS)
        cost_state, cost_evidence = _cost_of_inaction(messages)
        stalled, stalled_reason = self._stalled(messages, now, language)
        next_step, reason = self._next_step(risks, objections, cost_state, stalled, language)
        return Summary(
            language=language,
            message_count=len(messages),
            current_state=current,
            desired_state=desired,
            cost_of_inaction=cost_state,
            cost_evidence=cost_evidence,
            stakeholders=stakeholders,
            objections=objections,
            risks=risks,
            stalled=stalled,
            stalled_reason=stalled_reason,
            next_step=next_step,
            next_step_reason=reason,
            source=source,
        )

    def _read_offline(self, messages: list[Message], language: str) -> tuple[list[Risk], list[FoundObjection]]:
        risks, quiet = self._risks(messages)
        return risks, self._objections([m for m in messages if m.ts in quiet], language)

    def chunk_prompts(self, messages: list[Message], team_id: str | None = None
                      ) -> list[tuple[list[Message], Prompt]]:
        """The thread cut into prompts that each fit the context budget (system + chunk + room to answer)."""
        system = templates().get_template("summarize_system.j2").render(obstacles=OBSTACLES, kinds=KINDS)
        template = templates().get_template("summarize_chunk.j2")
        room = room_for_lines(self.coach.settings.llm_context_tokens, system, margin=50)
        chunks = chunk_lines(((m, f"[{m.ts}] {m.user}: {as_prompt_data(' '.join(plain(m.text).split()))}")
                              for m in messages), room)
        return [
            ([m for m, _ in chunk],
             Prompt(system.strip(), template.render(part=i + 1, parts=len(chunks), lines=[ln for _, ln in chunk]),
                    team_id=team_id))
            for i, chunk in enumerate(chunks)
        ]

    def _read_with_llm(self, messages: list[Message], language: str, stakeholders: list[Stakeholder],
                       team_id: str | None = None) -> tuple[list[Risk], list[FoundObjection], list[Stakeholder], str]:
        assert self.coach.llm is not None
        risks: list[Risk] = []
        objections: list[FoundObjection] = []
        people = {s.name: s for s in stakeholders}
        fell_back = 0
        chunks = self.chunk_prompts(messages, team_id)
        for chunk, prompt in chunks:
            try:
                reading, _ = self.coach.llm.structured(prompt, ChunkReading, "thread_reading")
            except LLMFailure:
                fell_back += 1
                chunk_risks, chunk_objections = self._read_offline(chunk, language)
                risks += chunk_risks
                objections += chunk_objections
                continue
            by_ts = {m.ts: m for m in chunk}
            # keep only claims about this chunk's own messages, quoted from the messages themselves
            for r in reading.risks:
                if r.kind in OBSTACLE_KINDS and r.evidence_ts in by_ts:
                    risks.append(Risk(r.kind, r.evidence_ts, snippet(by_ts[r.evidence_ts].text)))
            for o in reading.objections:
                if o.label in LABELS and o.ts in by_ts:
                    move = self.coach.playbooks[o.label].text("next_move", language)
                    objections.append(FoundObjection(snippet(by_ts[o.ts].text), o.label, o.ts, 1.0, move))
            for s in reading.stakeholders:
                name = s.name.split()
                if s.evidence_ts in by_ts and name and name[0] in by_ts[s.evidence_ts].text:
                    position = s.position if s.position in ("supportive", "opposed", "unclear") else "unclear"
                    people[s.name] = Stakeholder(s.name, s.role, position, s.evidence_ts)
        unique = {(r.kind, r.evidence_ts): r for r in risks}
        source = "offline" if fell_back == len(chunks) else "llm+offline" if fell_back else "llm"
        return list(unique.values()), objections, list(people.values()), source

    def _risks(self, messages: list[Message]) -> tuple[list[Risk], set[str]]:
        """Obstacles per message, with the sentence that shows each; and the messages that show none."""
        units: list[tuple[int, str]] = [(i, u) for i, m in enumerate(messages) for u in message_units(m.text)]
        diagnoses = self.obstacle_detector.diagnose_many([u for _, u in units])
        best: dict[tuple[int, str], tuple[float, str]] = {}
        for (index, unit), diagnosis in zip(units, diagnoses, strict=True):
            for kind in OBSTACLE_KINDS:
                p = diagnosis.scores[kind]
                if p >= OBSTACLE_THRESHOLD and p > best.get((index, kind), (0.0, ""))[0]:
                    best[(index, kind)] = (p, unit)
        risks = [Risk(kind, messages[i].ts, snippet(unit)) for (i, kind), (_, unit) in sorted(best.items())]
        flagged = {i for i, _ in best}
        quiet = {m.ts for i, m in enumerate(messages) if i not in flagged}
        return risks, quiet

    def _objections(self, messages: list[Message], language: str) -> list[FoundObjection]:
        """Buyer objections among messages that quote or report what the buyer said."""
        reported = [(m, said) for m in messages if (said := buyer_words(m.text))]
        diagnoses = self.coach.classifier.diagnose_many([said for _, said in reported])
        found = []
        for (message, _), diagnosis in zip(reported, diagnoses, strict=True):
            if diagnosis.confidence >= OBJECTION_THRESHOLD:
                move = self.coach.playbooks[diagnosis.label].text("next_move", language)
                found.append(FoundObjection(snippet(message.text), diagnosis.label, message.ts,
                                            diagnosis.confidence, move))
        return found

    def _stalled(self, messages: list[Message], now: datetime | None, language: str) -> tuple[bool, str | None]:
        """Stalled by the thread's own timeline or by what it says, measured at `now` (default: the last
        message). A stall said in words counts until the buyer's side moves again."""
        last = messages[-1]
        if now is not None and now - last.time > timedelta(days=self.stall_days):
            days = (now - last.time).days
            return True, t("summary.stall.no_activity", language, days=days)
        # back from the end to the buyer side's last move: the latest stall said since then, if any
        said: tuple[Message, str] | None = None
        replied = messages[0]
        for message in reversed(messages):
            statement = self._stall_statement(message)
            if statement:
                said = said or (message, statement)
            elif CONTACT.search(plain(message.text)) or buyer_words(message.text):
                replied = message
                break
        quiet = ((now or last.time) - replied.time).days
        reasons = []
        if quiet >= self.stall_days and replied is not last:
            reasons.append(t("summary.stall.no_reply", language, days=quiet))
        if said:
            message, statement = said
            day = f"{message.time:%Y-%m-%d}"
            reasons.append(t("summary.stall.said", language, statement=statement, day=day))
        return bool(reasons), "; ".join(reasons) or None

    def _stall_statement(self, message: Message) -> str | None:
        """The sentence of a message that says the deal is stuck (a cue, or the detector sure of it), if any."""
        units = message_units(message.text)[1:] or message_units(message.text)
        for unit, diagnosis in zip(units, self.stall_detector.diagnose_many(units), strict=True):
            if STALL.search(unit) or diagnosis.scores["stalled"] >= STALL_THRESHOLD:
                return snippet(unit) if len(unit) <= STALL_QUOTE else unit[: STALL_QUOTE - 1] + "…"
        return None

    def _next_step(self, risks: list[Risk], objections: list[FoundObjection], cost_state: str, stalled: bool,
                   language: str) -> tuple[str, str]:
        playbooks = self.coach.playbooks
        kinds = {r.kind for r in risks}
        for kind in OBSTACLE_PRIORITY:
            if kind in kinds:
                return playbooks.obstacles[kind].text("next_move", language), kind
        if cost_state in ("not_understood", "unknown") and (stalled or not objections):
            # nothing resists openly, yet nothing moves: the status quo looks free to them
            return playbooks.obstacles["misalignment"].text("next_move", language), "cost_of_inaction"
        if objections:
            latest = objections[-1]
            return latest.move, latest.label
        if stalled:  # silence, as in the weekly nudge: show what waiting costs them
            return playbooks.obstacles["uncertainty"].text("next_move", language), "stalled"
        return playbooks.obstacles["misalignment"].text("next_move", language), "cost_of_inaction"


def _first_match(messages: list[Message], pattern: re.Pattern[str],
                 unless: re.Pattern[str] | None = None) -> Evidence | None:
    for message in messages:
        units = message_units(message.text)
        for unit in units[1:] or units:  # the sentence that says it, when the message has several
            if unless is not None and unless.search(unit):
                continue
            if pattern.search(unit) and not unit.rstrip().endswith("?"):  # a question states nothing
                return Evidence(message.ts, snippet(unit))
    return None


def _cost_of_inaction(messages: list[Message]) -> tuple[str, Evidence | None]:
    """Whether the buyer sees what staying put costs them: the latest word on it wins, but once understood it
    stays understood unless someone reports they do not see it."""
    state, evidence = "unknown", None
    for message in messages:
        text = plain(message.text)
        units = message_units(message.text)
        if COST_MISSED.search(text):
            said = next((u for u in units[1:] if COST_MISSED.search(u)), text)
            state, evidence = "not_understood", Evidence(message.ts, snippet(said))
        elif COST.search(text):
            said = next((u for u in units[1:] if COST.search(u)), text)
            # the buyer putting the cost in their own (quoted) words has seen it
            seen = bool(COST_SEEN.search(text) or QUOTED.search(said))
            if seen or state != "understood":
                state, evidence = ("understood" if seen else "mentioned"), Evidence(message.ts, snippet(said))
    return state, evidence


def _stakeholders(messages: list[Message]) -> list[Stakeholder]:
    found: dict[str, Stakeholder] = {}
    for message in messages:
        text = plain(message.text)
        for pattern in STAKEHOLDER_PATTERNS:
            for match in pattern.finditer(text):
                name = match.group("name").strip()
                if name.split()[0] in NOT_NAMES:
                    continue
                role = " ".join(match.group("role").split())
                if not ROLE_WORD.search(role):
                    continue
                # "Dana" after "Dana Okafor" is the same person
                name = next((full for full in found if full.split()[0] == name.split()[0]), name)
                known = found.get(name)
                found[name] = Stakeholder(name, known.role if known else role, known.position if known else "unclear",
                                          known.evidence_ts if known else message.ts)
        for name, person in found.items():
            first = name.split()[0]
            if first in text:
                sentence = next((s for s in SENTENCES.split(text) if first in s), text)
                if OPPOSED.search(sentence):
                    found[name] = Stakeholder(name, person.role, "opposed", message.ts)
                elif SUPPORTIVE.search(sentence):
                    found[name] = Stakeholder(name, person.role, "supportive", message.ts)
    return list(found.values())
