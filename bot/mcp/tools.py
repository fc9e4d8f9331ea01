"""What each MCP tool does, in terms of the coaching services the CLI and Slack already use: each method takes
the caller (its workspace, fixed by the bearer token or by `coach mcp --team`, never by an argument) and returns
the public JSON shape the CLI prints. No MCP here; server.py registers these methods as tools.

Every call runs under the caller's workspace: its own learned model (`classifier_for`), its coaching log rows
(which `coach report` and the Home tab's team view count), its practice sessions, its model-answer cache. A
coaching id or a practice session of another workspace reads as one that does not exist.

What the caller passes (the buyer's words, a thread, a transcript, a question) is data: it goes through the same
functions as a Slack message, which fence it in the prompts and never take it as an instruction.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from bot.core.config import Settings
from bot.core.guidance import EmptyObjection, NotAnObjection, Objection, OptedOut
from bot.core.language import detect_language
from bot.core.taxonomy import check_label
from bot.services.coach import TOPIC_SURE, Coach
from bot.services.practice import MAX_TURNS, NoScenario, Practice, Selection, SessionKey
from bot.services.score import Hint, Scorer
from bot.services.summarize import Summarizer, parse_messages

SURFACE = "mcp"  # the coaching log's `surface` for what arrives over MCP
LOCAL_TEAM = "mcp"  # practice sessions of `coach mcp` over stdio without a workspace (the CLI's are "cli")
PRACTICE_CHANNEL = "mcp"  # a practice session's "conversation": the MCP surface; its thread is the session id


class Refused(ValueError):
    """The call cannot be answered as asked; the message says why and what to send instead (shown to the
    calling assistant as the tool's error)."""


OPTED_OUT = ("the buyer asked not to be contacted again: there is nothing to coach. Honour it: confirm once that "
             "they are off the list, mark them do-not-contact, and send nothing more")
NOT_AN_OBJECTION = ("that does not read as something a buyer said (a greeting, thanks, a request, a test): pass "
                    "the buyer's own words, e.g. \"We don't have budget for this until spring\"")


@dataclass(frozen=True)
class Caller:
    """Who is calling: the workspace every read and write is scoped to (None: `coach mcp` over stdio without
    one, logged as the CLI's coachings are), and a name for the log (the token's, or "mcp-local")."""

    team_id: str | None
    name: str


class CoachTools:
    """One coach (playbooks, models, store) serving every caller; each call names its caller."""

    def __init__(self, settings: Settings, coach: Coach | None = None):
        self.settings = settings
        self.coach = coach or Coach(settings)

    @cached_property
    def summarizer(self) -> Summarizer:
        return Summarizer(self.coach, self.settings.stall_days)

    @cached_property
    def scorer(self) -> Scorer:
        return Scorer(self.coach)

    @cached_property
    def practice(self) -> Practice:
        return Practice(self.coach, self.scorer)

    # --- diagnose and coach ------------------------------------------------------------------------------------

    def diagnose(self, caller: Caller, text: str) -> dict[str, Any]:
        """The kind of resistance, as `coach ask` diagnoses it (the workspace's own model if it has one), and
        what to ask first when the words do not settle it. Not logged: nothing was coached."""
        try:
            objection = Objection.parse(text)  # cleaned and cut as a coaching takes it
        except EmptyObjection:
            raise Refused("give the buyer's words as text") from None
        diagnosis = self.coach.diagnose(objection.text, caller.team_id)  # the workspace's own model, if any
        if diagnosis.not_objection:
            raise Refused(NOT_AN_OBJECTION)
        detected = detect_language(objection.text)
        lang = detected if detected in ("en", "es") else "en"
        reading = self.coach.detect_topic(objection.text)
        return {"label": diagnosis.label, "confidence": diagnosis.confidence, "language": lang,
                "topic": reading.topic if reading.confidence >= TOPIC_SURE else None,
                "asks_first": diagnosis.asks_first, "in_play": list(diagnosis.in_play),
                "question": self.coach.diagnostic_question(diagnosis, lang, reading)}

    def coach_objection(self, caller: Caller, text: str, context: str | None = None, kind: str | None = None,
                        offline: bool = False) -> dict[str, Any]:
        """`coach ask --json`, logged as a coaching of the caller's workspace (surface "mcp")."""
        if kind is not None:
            check_label(kind)
        try:
            guidance = self.coach.coach(text, context, label=kind, surface=SURFACE, team_id=caller.team_id,
                                        user_id=caller.name, offline=offline)
        except OptedOut:
            raise Refused(OPTED_OUT) from None
        except NotAnObjection:
            raise Refused(NOT_AN_OBJECTION) from None
        except EmptyObjection:
            raise Refused("give the buyer's words as text") from None
        return {**guidance.as_json(), "coaching_id": guidance.coaching_id}

    def follow_up(self, caller: Caller, coaching_id: int, question: str) -> dict[str, Any]:
        """The seller's question about an earlier coaching, answered as in its Slack thread: from the playbooks,
        with that coaching's objection, deal context and topic."""
        row = self.coach.store.coaching(coaching_id)
        if row is None or row["team_id"] != caller.team_id:  # another workspace's reads as missing
            raise Refused(f"there is no coaching {coaching_id} here: pass the coaching_id coach_objection returned")
        try:
            answer = self.coach.answer(question, row["label"], row["text"] or None, row["context"], row["topic"])
        except EmptyObjection:
            raise Refused("give the seller's question as text") from None
        return {"coaching_id": coaching_id, "label": answer.label, "language": answer.language,
                "heading": answer.heading, "lines": list(answer.lines), "source": answer.source,
                "topic": answer.topic}

    # --- deal rooms and calls ----------------------------------------------------------------------------------

    def summarize(self, caller: Caller, messages: list[dict[str, Any]], now: datetime | None = None,
                  offline: bool = False) -> dict[str, Any]:
        """`coach summarize --json` of a thread given as messages ({user, text, ts}, as conversations.replies
        gives them); bots' posts are left out, as in Slack."""
        from bot.services.summary_text import summary_text

        try:
            parsed = parse_messages({"messages": messages})
        except ValueError as exc:
            raise Refused(str(exc)) from None
        if not parsed:
            raise Refused("the thread has no messages written by people")
        if now is not None and now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        summary = self.summarizer.summarize(parsed, now, offline=offline, team_id=caller.team_id)
        coach = self.coach
        text = summary_text(summary, coach.obstacle_names(summary.language), coach.kind_names(summary.language),
                            esc=lambda said: said)
        return summary.as_json(text)

    def review_call(self, caller: Caller, transcript: str, ours: list[str] | None = None) -> dict[str, Any]:
        """`coach call --json` of a transcript or email thread pasted as text; `ours` names the seller's side
        when the coach cannot tell it."""
        from bot.calls.formats import CallError, read_call_text
        from bot.calls.review import review_call
        from bot.calls.sides import assign_sides, parse_names

        try:
            conversation = read_call_text(transcript)
        except CallError as exc:
            raise Refused(str(exc)) from None
        company = self.coach.playbooks.profile.company
        given = parse_names(ours)
        sides = assign_sides(conversation, company=company.name, domains=company.domains, ours=given)
        speakers = ", ".join(conversation.speakers)
        if sides.unknown_names:
            raise Refused(f"ours names no speaker in the transcript: {', '.join(sides.unknown_names)} (speakers: "
                          f"{speakers})")
        if not sides.decided:
            unsure = ", ".join(sides.undecided or conversation.speakers)
            raise Refused(f"cannot tell which speakers are on the seller's side ({unsure}): pass ours with the "
                          f"seller's side's speakers, not all of them (speakers: {speakers})")
        return review_call(self.coach, conversation, sides, team_id=caller.team_id).as_json()

    # --- scoring and practice ----------------------------------------------------------------------------------

    def score(self, caller: Caller, objection: str, reply: str, kind: str | None = None,
              offline: bool = False) -> dict[str, Any]:
        """`coach score --json`: the scorecard, or a hint when the reply cannot be scored."""
        if not objection.strip() or not reply.strip():
            raise Refused("give the buyer's objection and the seller's reply, each as text")
        ambiguous = None
        if kind is None:  # diagnosed with the workspace's own model, as its coachings are
            diagnosis = self.coach.diagnose(objection, caller.team_id)
            kind, ambiguous = diagnosis.label, diagnosis.asks_first
        check_label(kind)
        result = self.scorer.assess(objection, reply, kind, ambiguous=ambiguous, offline=offline,
                                    team_id=caller.team_id)
        if isinstance(result, Hint):
            return {"kind": kind, "hint": result.text, "reason": result.reason}
        return result.as_json()

    def _session(self, caller: Caller, session_id: str) -> SessionKey:
        return SessionKey(caller.team_id or LOCAL_TEAM, PRACTICE_CHANNEL, session_id, caller.name)

    def start_practice(self, caller: Caller, kind: str | None = None, topic: str | None = None,
                       language: str = "en") -> dict[str, Any]:
        """A practice: the coach plays a buyer; the seller answers with practice_reply."""
        try:
            scenario = self.practice.choose(Selection(kind, topic, language))
        except NoScenario as exc:
            raise Refused(str(exc)) from None
        session_id = secrets.token_urlsafe(12)
        opening = self.practice.start(self._session(caller, session_id), scenario, language)
        return {"session_id": session_id, "language": opening.lang, "persona": opening.persona,
                "objection": opening.objection, "turn": opening.turn, "max_turns": MAX_TURNS}

    def practice_reply(self, caller: Caller, session_id: str, reply: str, offline: bool = False) -> dict[str, Any]:
        """The seller's answer in a practice: scored, and the buyer's next line (logged as the workspace's
        practice answers, which the team report counts)."""
        step = self.practice.answer(self._session(caller, session_id), reply, offline=offline)
        if step is None:  # never started, or another caller's or workspace's: the same answer
            raise Refused(f"there is no practice session {session_id!r} here: start one with start_practice")
        return {"session_id": session_id,
                "scorecard": step.card.as_json() if step.card else None,
                "hint": {"reason": step.hint.reason, "text": step.hint.text} if step.hint else None,
                "buyer": step.buyer, "turn": step.turn, "done": step.done, "finished_before": step.finished_before,
                "summary": asdict(step.summary) if step.summary else None}

    # --- resources ---------------------------------------------------------------------------------------------

    def profile(self) -> dict[str, Any]:
        """The team profile (team.yaml), as `coach profile --json` prints it, without the file's path."""
        profile = self.coach.playbooks.profile
        return {**profile.model_dump(), "topics_without_facts": profile.topics_without_facts()}

    def playbook_index(self) -> dict[str, Any]:
        books = self.coach.playbooks
        return {group: [{"name": name, "title": pb.text("name", "en"), "uri": f"coach://playbooks/{group}/{name}"}
                        for name, pb in playbooks.items()]
                for group, playbooks in (("resistance", books.resistance), ("topics", books.topics),
                                         ("obstacles", books.obstacles))}

    def playbook(self, group: str, name: str) -> dict[str, Any]:
        books = self.coach.playbooks
        found = {"resistance": books.resistance, "topics": books.topics, "obstacles": books.obstacles}.get(group, {})
        if name not in found:
            raise Refused(f"no playbook {group}/{name}: read coach://playbooks for the list")
        return found[name].model_dump()
