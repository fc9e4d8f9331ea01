"""Practice: the coach plays a buyer, the seller answers, the coach scores the answer and the buyer replies.

The scenarios are data (bot/content/scenarios.py). A practice is a small state machine stored per seller and
conversation: the buyer's opening objection, up to three seller answers (each scored), the buyer pushing back
when the kind was missed and moving on when it was handled, then a summary. "Try again" restarts the same
scenario. No Slack here: the CLI and the Slack app drive it through `Practice`.

A practice can also start from a moment of a reviewed call (issue #22, "Practise this"): the buyer says the
objection they really said, with the turns before it as context (`call_scenario`). That scenario is no file: it
is kept, as JSON, with the seller's practice session (and blanked with the text after the retention period).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from bot.content.i18n import t
from bot.content.profile_scenarios import PREFIX as TEAM_PREFIX
from bot.content.profile_scenarios import has_own_content, team_scenarios
from bot.content.scenarios import CallScenario, Scenario, load_scenarios, persona_text, scenarios_dir
from bot.content.schema import Text
from bot.content.templates import as_prompt_data, templates
from bot.core.language import LANGUAGES, detect_language
from bot.core.taxonomy import KINDS, LABELS, TOPICS
from bot.core.text import cut_at_word
from bot.models.moves import CHECKS
from bot.services.buyer_turn import next_line, pitfall_in
from bot.services.report import practice_stats
from bot.services.score import Hint, Scorecard, Scorer

MAX_TURNS = 3  # the seller's answers to one objection before the practice ends with its summary
class NoScenario(LookupError):
    """No scenario matches what was asked for."""


# Words that ask for the shipped bank ("generic") or the team's own scenarios ("team") only
GENERIC_WORDS = ("generic", "generico", "genérico", "shipped")
TEAM_WORDS = ("team", "equipo", "ours", "nuestro")


@dataclass(frozen=True)
class Selection:
    """What the seller asked to practise: a kind, a topic, or anything ("random"); `source` "team" or "generic"
    when they asked for the scenarios about their own product or the shipped ones only."""

    kind: str | None = None
    topic: str | None = None
    lang: str = "en"
    source: str | None = None

    @classmethod
    def parse(cls, words: list[str]) -> Selection:
        """From `[kind | topic | random] [team | generic] [en|es]`; raises ValueError naming what was not
        understood."""
        kind = topic = source = None
        lang = "en"
        for word in (w.lower().replace("-", "_") for w in words):
            if word in LANGUAGES:
                lang = word
            elif word in LABELS:
                kind = word
            elif word in TOPICS:
                topic = word
            elif word in GENERIC_WORDS:
                source = "generic"
            elif word in TEAM_WORDS:
                source = "team"
            elif word not in ("random", "any", "cualquiera"):
                raise ValueError(word)
        return cls(kind, topic, lang, source)


@dataclass(frozen=True)
class SessionKey:
    """One seller's practice in one conversation: two sellers in the same thread never share one."""

    team_id: str
    channel: str
    thread_ts: str
    user_id: str


@dataclass
class Opening:
    scenario: Scenario
    lang: str
    persona: str
    objection: str
    turn: int = 1

    @property
    def context(self) -> list[str]:
        """What was said before the objection, when it comes from a call."""
        return list(self.scenario.context) if isinstance(self.scenario, CallScenario) else []


@dataclass
class Summary:
    turns: int
    scores: list[float]
    handled: bool
    checks: dict[str, bool | None]  # passed at least once (None: never applied)
    focus: str | None  # the check missed most often
    fix: str | None = None  # not handled: the one change the last answer needed (a pitfall to take out first)


@dataclass
class Step:
    """What the coach answers to one message of the seller in a practice."""

    hint: Hint | None = None
    card: Scorecard | None = None
    buyer: str | None = None  # the buyer's next line
    turn: int = 1  # the turn the seller answers next (or the last one, when done)
    done: bool = False
    summary: Summary | None = None
    finished_before: bool = False  # the practice was already over: nothing was scored
    notes: list[str] = field(default_factory=list)


# Words that would give the kind away, or break character; an LLM buyer line holding one is not used.
_GIVEAWAY = re.compile(
    r"\b(" + "|".join([re.escape(k.title) for k in KINDS] + [re.escape(k.label) for k in KINDS if "_" in k.label]
                      + ["skeptic\\w*", "perception", "percepci[óo]n", "esc[ée]ptic\\w*", "major concern",
                         "preocupaci[óo]n mayor", "gran inquietud", "objection kind", "tipo de objeci[óo]n",
                         "scorecard", "align\\w*", "clarif\\w*", "assur\\w*", "alinea\\w*", "as an ai",
                         "como (una )?ia", "role-?play", "juego de rol"]) + r")\b",
    re.I,
)


class Practice:
    """Practice sessions over a coach (playbooks, store, model) and a scorer."""

    def __init__(self, coach: Any, scorer: Scorer | None = None, scenarios: dict[str, Scenario] | None = None):
        self.coach = coach
        self.scorer = scorer or Scorer(coach)
        self._scenarios = scenarios

    @cached_property
    def scenarios(self) -> dict[str, Scenario]:
        """The shipped (or the team's own folder's) scenarios, and those built from the team profile."""
        if self._scenarios:
            return self._scenarios
        shipped = load_scenarios(scenarios_dir(self.coach.settings.playbooks_dir))
        return {**shipped, **team_scenarios(self.coach.playbooks.profile)}

    @property
    def offering(self) -> str | None:
        """What the buyer is evaluating: the team's company by name, once its profile is filled in."""
        profile = self.coach.playbooks.profile
        return profile.company.name if has_own_content(profile) else None

    @property
    def store(self) -> Any:
        return self.coach.store

    def choose(self, selection: Selection, rng: random.Random | None = None) -> Scenario:
        matching = [s for s in self.scenarios.values()
                    if (selection.kind is None or s.kind == selection.kind)
                    and (selection.topic is None or s.topic == selection.topic)
                    and (selection.source is None or s.id.startswith(TEAM_PREFIX) == (selection.source == "team"))]
        if not matching:
            raise NoScenario(f"no practice scenario for {selection.kind or 'any kind'} / "
                             f"{selection.topic or 'any topic'}")
        # The team's own scenarios first: sellers asked to practise the objections their buyers raise about their
        # own product, not another company's (issue #24). The shipped bank answers what the profile gives nothing
        # for (a kind or topic it has no scenario on), the whole of it while the profile is the shipped
        # placeholder, and on request (`generic`).
        own = [s for s in matching if s.id.startswith(TEAM_PREFIX)]
        return (rng or random).choice(sorted(own or matching, key=lambda s: s.id))

    def opening(self, scenario: Scenario, lang: str, offering: str | None = None) -> Opening:
        offering = offering or self.offering
        return Opening(scenario, lang, persona_text(scenario, lang, offering), scenario.objection.en
                       if lang == "en" else scenario.objection.es)

    def start(self, key: SessionKey, scenario: Scenario, lang: str, offering: str | None = None) -> Opening:
        """Open (or restart) the seller's practice of this scenario in this conversation."""
        opening = self.opening(scenario, lang, offering)
        kept = scenario.model_dump_json() if isinstance(scenario, CallScenario) else ""
        self.store.save_practice_session(key.team_id, key.channel, key.thread_ts, key.user_id,
                                         scenario_id=scenario.id, lang=lang, turn=1, state="awaiting",
                                         buyer_text=opening.objection, scenario=kept)
        return opening

    def scenario_of(self, row: dict[str, Any]) -> Scenario | None:
        """A session's scenario: a file's, or the call moment kept with it; None when neither is there any more
        (a file's scenario renamed, a call's text past its retention)."""
        if row.get("scenario"):
            try:
                return CallScenario.model_validate_json(row["scenario"])
            except ValueError:
                return None
        return self.scenarios.get(row["scenario_id"])

    def restart(self, key: SessionKey, offering: str | None = None) -> Opening | None:
        """"Try again": the same scenario from its first line; None when this seller has no practice here."""
        row = self.store.practice_session(key.team_id, key.channel, key.thread_ts, key.user_id)
        scenario = self.scenario_of(row) if row is not None else None
        if row is None or scenario is None:
            return None
        return self.start(key, scenario, row["lang"], offering)

    def session(self, key: SessionKey) -> dict[str, Any] | None:
        return self.store.practice_session(key.team_id, key.channel, key.thread_ts, key.user_id)

    def answer(self, key: SessionKey, text: str, *, offline: bool = False) -> Step | None:
        """Score the seller's answer and give the buyer's next line; None when there is no practice here."""
        row = self.session(key)
        scenario = self.scenario_of(row) if row is not None else None
        if row is None or scenario is None:
            return None
        lang, turn = row["lang"], row["turn"]
        if row["state"] == "done":
            return Step(turn=turn, done=True, finished_before=True)
        persona = scenario.persona
        wants = None if persona is None else persona.wants.en if lang == "en" else persona.wants.es
        result = self.scorer.assess(row["buyer_text"], text, scenario.kind, ambiguous=scenario.ambiguous, lang=lang,
                                    wants=wants, offline=offline, team_id=key.team_id, topic=scenario.topic)
        if isinstance(result, Hint):
            return Step(hint=result, turn=turn)
        card = result
        self.store.log_practice_answer(
            team_id=key.team_id, user_id=key.user_id, channel=key.channel, thread_ts=key.thread_ts,
            scenario_id=scenario.id, kind=scenario.kind, topic=scenario.topic, lang=lang, turn=turn,
            checks=json.dumps(card.checks), score=card.score, source=card.source, reply=text)
        # an answer with a pitfall (pressure, a guarantee, a price cut for a yes, arguing) has not handled it,
        # however well it aligned and clarified: the buyer reacts to it and the practice goes on
        pitfall = pitfall_in(card, text)
        handled = card.handled and pitfall is None
        done = handled or turn >= MAX_TURNS
        objection = scenario.objection.en if lang == "en" else scenario.objection.es
        said = (objection, row["buyer_text"], persona_text(scenario, lang))  # the buyer's own words
        # a scenario file's own lines were written for one imagined answer; the catalogue's (a call's moment, the
        # team's scenarios, the closing and "once more" lines) presume nothing
        from_file = not (isinstance(scenario, CallScenario) or scenario.id.startswith(TEAM_PREFIX))
        authored = from_file and (handled or (turn == 1 and turn < MAX_TURNS))  # moving_on or push_back
        offline_line = next_line(scripted=self._scripted(scenario, lang, turn, handled), authored=authored,
                                 generic=self._generic(lang, turn, handled, objection), reply=text,
                                 card=card, handled=handled, lang=lang, buyer_said=said)
        buyer = self._buyer_line(scenario, lang, row["buyer_text"], text, handled, offline_line, offline,
                                 key.team_id, pitfall)
        self.store.save_practice_session(key.team_id, key.channel, key.thread_ts, key.user_id,
                                         scenario_id=scenario.id, lang=lang, turn=turn if done else turn + 1,
                                         state="done" if done else "awaiting", buyer_text=buyer)
        summary = self.summary(key) if done else None
        if summary is not None and not summary.handled:
            summary.fix = card.improve  # what to change: the pitfall to take out first, else the missing move
        if done:  # a practice finished: what a manager assigned of this kind (or of any) is done
            self.store.complete_assignments(key.team_id, key.user_id, scenario.kind)
        return Step(card=card, buyer=buyer, turn=turn if done else turn + 1, done=done, summary=summary)

    @staticmethod
    def _scripted(scenario: Scenario, lang: str, turn: int, handled: bool) -> str:
        def pick(text: Text) -> str:
            return text.en if lang == "en" else text.es

        if handled:
            return pick(scenario.moving_on)
        if turn >= MAX_TURNS:
            return t("practice.closing", lang)
        if turn == 1:
            return pick(scenario.push_back)
        return t("practice.again", lang, objection=pick(scenario.objection))

    @staticmethod
    def _generic(lang: str, turn: int, handled: bool, objection: str) -> str:
        """The buyer's line that presumes nothing the seller said: used when the scripted one does not fit."""
        if handled:
            return t("practice.buyer.moving_on", lang)
        if turn >= MAX_TURNS:
            return t("practice.closing", lang)
        return t("practice.buyer.missed", lang, objection=objection)

    def _buyer_line(self, scenario: Scenario, lang: str, objection: str, reply: str, handled: bool, scripted: str,
                    offline: bool, team_id: str | None = None, pitfall: str | None = None) -> str:
        """The buyer's next line: from the model when one is configured (in character, never naming the kind,
        in the buyer's language, reacting to the `pitfall` the reply holds, if any), else, or when its line is
        unusable, `scripted`: the offline line, which answers only what the seller said."""
        llm = None if offline else self.coach.llm
        if llm is None:
            return scripted
        from bot.llm.client import LLMFailure, Prompt

        jinja = templates()
        prompt = Prompt(
            system=jinja.get_template("practice_buyer_system.j2").render().strip(),
            user=jinja.get_template("practice_buyer_user.j2").render(
                language=lang, handled=handled, scripted=scripted, persona=persona_text(scenario, lang),
                pitfall=pitfall,
                objection=as_prompt_data(objection), reply=as_prompt_data(reply)).strip(),
            team_id=team_id)
        try:
            answer, _cached = llm.buyer_turn(prompt)
        except LLMFailure:
            return scripted
        line = answer.line.strip()
        detected = detect_language(line)
        if _GIVEAWAY.search(line) or (detected in LANGUAGES and detected != lang):
            return scripted
        return line

    def summary(self, key: SessionKey) -> Summary:
        """How the practice went, from its scored answers since it last started."""
        rows = self.store.practice_answers_in(key.team_id, key.channel, key.thread_ts, key.user_id)
        # answers since the latest turn-1 answer: a "Try again" starts a new attempt
        start = max((i for i, r in enumerate(rows) if r["turn"] == 1), default=0)
        rows = rows[start:]
        checks: dict[str, bool | None] = {c: None for c in CHECKS}
        missed: dict[str, int] = {c: 0 for c in CHECKS}
        for r in rows:
            for name, value in json.loads(r["checks"]).items():
                if value is None:
                    continue
                checks[name] = bool(checks[name]) or value
                missed[name] += 0 if value else 1
        worst = max(CHECKS, key=lambda c: missed[c])
        last = json.loads(rows[-1]["checks"]) if rows else {}
        # handled: the last answer aligned and clarified, with no pitfall (pressure never ends "You handled it")
        handled = bool(rows) and all(last[c] for c in ("align", "clarify")) and last.get("no_pitfalls") is not False
        return Summary(turns=len(rows), scores=[r["score"] for r in rows], handled=handled, checks=checks,
                       focus=worst if missed[worst] else None)

    def stats(self, team_id: str, user_id: str) -> dict[str, Any]:
        return practice_stats(self.store, team_id, user_id)



def summary_outcome(summary: Summary, lang: str) -> str:
    """"You handled it.", or "Not handled yet." with the change the last answer needed: never "You handled it"
    after an answer with a pitfall."""
    if summary.handled:
        return t("practice.handled", lang)
    return t("practice.not_handled_fix", lang, fix=summary.fix) if summary.fix else t("practice.not_handled", lang)


# --- practising a moment of a reviewed call (issue #22) -----------------------------------------------------------

CONTEXT_TURNS = 3  # the turns before the objection shown with it: enough to recall where the call was
CONTEXT_CHARS = 300  # of each such turn


def moment_context(turns: Sequence[Any], speaker: str, where: str, quote: str, after: int = 0) -> tuple[list[str], int]:
    """The turns just before a buyer's objection, as "Name: what they said" (oldest first), and the index of the
    objection's turn (-1 when it cannot be found: then no context). `turns` are a Conversation's; `after` is
    where to start looking, so a call's moments, taken in order, each find their own turn."""
    core = quote.strip("…").strip()[:60]
    index = next((i for i in range(after, len(turns)) if turns[i].speaker == speaker
                  and turns[i].where() == where and core in turns[i].text), -1)
    if index < 0:
        return [], -1
    before = turns[max(0, index - CONTEXT_TURNS) : index]
    return [f"{turn.speaker}: {cut_at_word(turn.text, CONTEXT_CHARS)}" for turn in before], index


def call_scenario(ref: str, number: int, *, quote: str, kind: str, ambiguous: bool, topic: str | None,
                  speaker: str, where: str = "", context: Sequence[str] = ()) -> CallScenario:
    """A practice of a call's moment: the buyer (`speaker`) says `quote` again. `ref` names the call (a review's
    id, or "cli"); the scripted lines when the seller misses or handles it are the catalogue's, in both
    languages (the practice speaks the call's)."""
    def both(key: str, **fields: Any) -> Text:
        return Text(en=t(key, "en", **fields), es=t(key, "es", **fields))

    return CallScenario(
        id=f"call-{ref}-{number}"[:60].lower(), kind=kind, topic=topic if topic in TOPICS else None,
        ambiguous=ambiguous, speaker=speaker, where=where, context=list(context),
        objection=Text(en=quote, es=quote), push_back=both("practice.call.push_back"),
        moving_on=both("practice.call.moving_on"))
