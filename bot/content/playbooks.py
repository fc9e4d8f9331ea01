"""Load and validate the playbooks: one YAML file per kind of resistance, in English and Spanish.

A team can point `COACH_PLAYBOOKS` at its own folder; each file there replaces the shipped one of the
same name, so a team may override a single playbook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Annotated, Any

import yaml
from pydantic import Field, StringConstraints, ValidationError, field_validator

from bot.content.profile import TeamProfile, load_profile
from bot.content.schema import Lines, PlaybookError, Strict, Text, load_file, problems
from bot.core.grounding import ORDINARY_NAMES, claims
from bot.core.language import LANGUAGES
from bot.core.resources import data_dir
from bot.core.taxonomy import LABELS, OBSTACLE_KINDS, TOPICS, Label, ObstacleKind, Topic


def _counted(value: Lines, low: int, high: int, what: str) -> Lines:
    """The lines, if each language has between `low` and `high` of them; else ValueError saying so."""
    for lang in LANGUAGES:
        if not low <= len(getattr(value, lang)) <= high:
            raise ValueError(f"{lang}: give {low} or {high} {what}")
    return value


class _Playbook(Strict):
    def text(self, field: str, lang: str) -> str:
        return getattr(getattr(self, field), lang)

    def lines(self, field: str, lang: str) -> list[str]:
        return list(getattr(getattr(self, field), lang))


class ResistancePlaybook(_Playbook):
    label: Label
    name: Text
    summary: Text
    definition: Text
    cues: Lines
    questions: Lines
    align: Lines
    clarify: Lines
    assure: Lines
    pitfalls: Lines
    talk_tracks: Lines
    # The kind's frame for a talk track; {topic} is the topic's own part, {proof} the reference or its placeholder,
    # {goal} the deal context's goal (or nothing). Optional, so a team's older override file still loads.
    talk_template: Text = Text(en="{goal}{topic} {proof}", es="{goal}{topic} {proof}")
    next_move: Text
    # Which of `questions` (counted from 0) closes a talk track when no topic question fits: after the concerns
    # were answered, a question that checks back ("Is this something more information would settle, or a real
    # constraint…?") rather than one that opens the diagnosis again ("…who inside the company is raising it?").
    closing_question: int = Field(default=0, ge=0, le=2)
    # Word starts that show the buyer already answered the closing question ("non-negotiable" for "…more
    # information, or a real constraint?"): then the next question closes instead. Never ask what they said.
    closing_answered_by: list[Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                                               min_length=2)]] = Field(default_factory=list)
    # ...and the same for the question that would close next ("every vendor told me…" has answered "Has a vendor
    # told you something similar before?"): then the one after it closes.
    next_answered_by: list[Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                                            min_length=2)]] = Field(default_factory=list)

    # The question that closes a talk track which has just stated what answers the buyer (a profile fact, or what we
    # do): it checks back on what was said ("Does knowing that change…?") where the diagnostic one would suppose
    # it ("If it turned out that was not the case…?"). Optional: without it, the closing question above.
    closing_after_answer: Text | None = None

    @field_validator("talk_template")
    @classmethod
    def _known_slots(cls, value: Text) -> Text:
        for lang in LANGUAGES:
            _check_slots(getattr(value, lang), required={"topic"}, allowed={"topic", "proof", "goal"},
                         where=lang)
        return value

    @field_validator("questions")
    @classmethod
    def _two_or_three(cls, value: Lines) -> Lines:
        return _counted(value, 2, 3, "diagnostic questions")

    def closing(self, lang: str, said: str = "", answered: bool = False) -> str:
        """The question that closes a talk track on this kind: `closing_after_answer` when the talk track has
        `answered` the buyer; else the closing one of `questions`, or the next when the buyer's words (`said`)
        already answer it (`closing_answered_by`), or the one after when they answer that too
        (`next_answered_by`)."""
        if answered and self.closing_after_answer is not None:
            return getattr(self.closing_after_answer, lang)
        questions = self.lines("questions", lang)
        index = min(self.closing_question, len(questions) - 1)
        if said_any(self.closing_answered_by, said):
            index = (index + 1) % len(questions)
            if said_any(self.next_answered_by, said):
                index = (index + 1) % len(questions)
        return questions[index]


class ObstaclePlaybook(_Playbook):
    kind: ObstacleKind
    name: Text
    summary: Text
    definition: Text
    cues: Lines
    questions: Lines
    moves: Lines
    pitfalls: Lines
    next_move: Text


def _check_slots(template: str, required: set[str], allowed: set[str], where: str) -> None:
    try:
        slots = {name for _, name, _, _ in Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    if slots - allowed:
        unknown, known = ", ".join(sorted(slots - allowed)), ", ".join(sorted(allowed))
        raise ValueError(f"{where}: unknown slot(s) {unknown}; use {known}")
    if required - slots:
        raise ValueError(f"{where}: must contain {', '.join('{' + s + '}' for s in sorted(required - slots))}")


class TopicAsk(Strict):
    """The "Ask first" question on a topic, for when the kind is unsure: a lead-in naming what the buyer is
    talking about, then what each kind would mean on this topic, in the buyer's terms. The readings of the
    kinds in play are joined into one question ("When you think about the roll-out, is it that …, or that …?"),
    so each reading starts lower-case ("that …" / "que …") and has no closing punctuation."""

    lead: Text
    missing: Text
    incomplete: Text
    incorrect: Text
    skepticism: Text
    major_concern: Text

    @field_validator("missing", "incomplete", "incorrect", "skepticism", "major_concern")
    @classmethod
    def _inside_a_sentence(cls, value: Text) -> Text:
        for lang in LANGUAGES:
            text = getattr(value, lang)
            if not text[0].islower() or text[-1] in ".,;:?!":
                raise ValueError(f"{lang}: a reading sits inside the question: start it lower-case, with no "
                                 "closing punctuation")
        return value

    def reading(self, kind: str, lang: str) -> str:
        return getattr(getattr(self, kind), lang)


class TopicPlaybook(Strict):
    """What an objection's topic adds to the kind's moves: one align, clarify and assure move, the topic's part of
    the talk track, a question back to the buyer, the placeholder shown where the team profile has no fact, and
    the "Ask first" question on this topic (`ask`)."""

    topic: Topic
    name: Text
    # the topic as a phrase inside a sentence ("On the price: ..."); optional for a team's older topic file
    about: Text | None = None
    cues: list[Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=2)]] = Field(
        min_length=3)
    placeholder: Text
    align: Text
    clarify: Text
    assure: Text
    talk: Text
    check: Text
    # Word starts that show the buyer already said what `check` asks ("than", "quoted" for "What are you comparing
    # the price with?"); "<name>" stands for any product or company they name ("we run NetSuite" for "Which
    # systems would it need to connect to?"). Then the closing question is another one: never ask what they said.
    check_answered_by: list[Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=2)]] \
        = Field(default_factory=list)
    # Optional, so a team's topic file written before it still loads (its unsure objections get the kinds' questions).
    ask: TopicAsk | None = None
    # The closing question when the buyer only asks about the topic, holding nothing against it ("is pricing per
    # location?" is not asked "What are you comparing the price with?"); optional: `check` otherwise.
    check_when_asked: Text | None = None

    @field_validator("placeholder")
    @classmethod
    def _bracketed(cls, value: Text) -> Text:
        for lang in LANGUAGES:
            text = getattr(value, lang)
            if not (text.startswith("[") and text.endswith("]")):
                raise ValueError(f"{lang}: write the placeholder in [square brackets] so the seller sees it")
        return value

    @field_validator("talk")
    @classmethod
    def _fact_slot(cls, value: Text) -> Text:
        for lang in LANGUAGES:
            _check_slots(getattr(value, lang), required={"fact"}, allowed={"fact"}, where=lang)
        return value

    def text(self, field: str, lang: str) -> str:
        return getattr(getattr(self, field), lang)

    def about_text(self, lang: str) -> str:
        return self.text("about", lang) if self.about else self.text("name", lang).lower()

    def check_answered(self, said: str) -> bool:
        """Whether the buyer's words already answer this topic's closing question (`check_answered_by`)."""
        if said_any([c for c in self.check_answered_by if c != "<name>"], said):
            return True
        return "<name>" in self.check_answered_by and any(
            not c[0].isdigit() and c.lower() not in ORDINARY_NAMES and "://" not in c for c in claims(said))


def said_any(cues: list[str], said: str) -> bool:
    """Whether `said` has a word starting with any of `cues`."""
    return bool(cues) and re.search(r"(?<!\w)(?:" + "|".join(re.escape(c) for c in cues) + ")", said, re.I) is not None


def _resolve(kind_dir: str, names: tuple[str, ...], override: Path | None) -> dict[str, Path]:
    """Map each expected name to its file, the team's folder winning over the shipped one."""
    shipped = data_dir("playbooks") / kind_dir
    files = {name: shipped / f"{name}.yaml" for name in names}
    if override is not None:
        if not override.is_dir():
            raise PlaybookError(f"{override}: COACH_PLAYBOOKS is not a folder")
        for path in sorted((override / kind_dir).glob("*.y*ml")):
            if path.stem not in names:
                raise PlaybookError(f"{path}: unknown playbook name {path.stem!r}; expected one of {', '.join(names)}")
            files[path.stem] = path
    return files


@dataclass(frozen=True)
class Playbooks:
    resistance: dict[str, ResistancePlaybook]
    obstacles: dict[str, ObstaclePlaybook]
    examples_dir: Path  # labelled objections, for the objection classifier
    obstacle_examples_dir: Path  # labelled deal-room messages, for the obstacle detector
    topics: dict[str, TopicPlaybook]
    topic_examples_dir: Path  # topic-labelled objections, for the topic detector
    profile: TeamProfile  # the team's facts, references and competitors (team.yaml)
    profile_path: Path

    def __getitem__(self, label: str) -> ResistancePlaybook:
        return self.resistance[label]

    def topic_cues(self) -> dict[str, list[str]]:
        """Each topic's cue words (what the topic detector adds to its model's reading)."""
        return {topic: pb.cues for topic, pb in self.topics.items()}


def load_playbooks(override: Path | None = None) -> Playbooks:
    """Load and validate all playbooks (shipped, with a team's folder taking precedence per file)."""
    resistance = _load_all("resistance", LABELS, override, ResistancePlaybook, "label")
    obstacles = _load_all("obstacles", OBSTACLE_KINDS, override, ObstaclePlaybook, "kind")
    topics = _load_all("topics", TOPICS, override, TopicPlaybook, "topic")
    loaded = load_profile(override)
    return Playbooks(resistance=resistance, obstacles=obstacles, examples_dir=_examples("objections", override),
                     obstacle_examples_dir=_examples("obstacles", override), topics=topics,
                     topic_examples_dir=_examples("topics", override), profile=loaded.profile,
                     profile_path=loaded.path)


def _examples(kind: str, override: Path | None) -> Path:
    """A team's examples/<kind>/ folder when it has one, else the shipped one."""
    if override is not None and (override / "examples" / kind).is_dir():
        return override / "examples" / kind
    return data_dir("playbooks") / "examples" / kind


def heldout_files() -> list[Path]:
    """The shipped held-out objections (`playbooks/heldout/`, English and Spanish, never trained on): what a
    workspace's learned model must score no worse on than the model it replaces (`coach learn`)."""
    return sorted((data_dir("playbooks") / "heldout").glob("*.jsonl"))


def _load_all(kind_dir: str, names: tuple[str, ...], override: Path | None, model: type[Strict],
              key: str) -> dict[str, Any]:
    loaded = {}
    for name, path in _resolve(kind_dir, names, override).items():
        if not path.is_file():
            raise PlaybookError(f"{path}: playbook file is missing")
        playbook = load_file(path, model)
        if getattr(playbook, key) != name:
            raise PlaybookError(f"{path}: field '{key}' is {getattr(playbook, key)!r} but the file is named {name!r}")
        loaded[name] = playbook
    return loaded


class BrushOff(Strict):
    """A line that ends the conversation without saying why: the kinds it usually hides and questions that tell."""

    name: Text
    kinds: list[Label]
    questions: Lines
    topic: Topic | None = None  # what the line is about when it says so ("too expensive": price), named in the question

    @field_validator("questions")
    @classmethod
    def _one_or_two(cls, value: Lines) -> Lines:
        return _counted(value, 1, 2, "questions")

    def text(self, field: str, lang: str) -> str:
        return getattr(getattr(self, field), lang)

    def lines(self, field: str, lang: str) -> list[str]:
        return list(getattr(getattr(self, field), lang))


def load_brush_offs(override: Path | None = None) -> dict[str, BrushOff]:
    """The brush-offs, from the team's brush_offs.yaml when it has one, else the shipped file; validated."""
    path = override / "brush_offs.yaml" if override is not None and (override / "brush_offs.yaml").is_file() else (
        data_dir("playbooks") / "brush_offs.yaml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlaybookError(f"{path}: cannot read brush-offs: {exc}") from exc
    if not isinstance(raw, dict) or not raw:
        raise PlaybookError(f"{path}: expected a mapping of brush-off names to their fields")
    loaded = {}
    for name, fields in raw.items():
        if not isinstance(name, str) or not name.replace("_", "").isalpha() or not name.islower():
            raise PlaybookError(f"{path}: brush-off name {name!r} must be lower-case letters and underscores")
        if not isinstance(fields, dict):
            raise PlaybookError(f"{path}: {name}: expected a mapping of fields")
        try:
            loaded[name] = BrushOff.model_validate(fields)
        except ValidationError as exc:
                raise PlaybookError(f"{path}: {name}: {problems(exc)}") from None
    return loaded


def hidden_kinds(brush_offs: dict[str, BrushOff]) -> dict[str, tuple[str, ...]]:
    """Each brush-off and the kinds it usually hides (what the objection classifier asks about)."""
    return {name: tuple(b.kinds) for name, b in brush_offs.items()}
