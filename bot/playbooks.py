"""Load and validate the playbooks: one YAML file per kind of resistance, in English and Spanish.

A team can point `COACH_PLAYBOOKS` at its own folder; each file there replaces the shipped one of the
same name, so a team may override a single playbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from bot.resources import data_dir
from bot.taxonomy import LABELS, OBSTACLE_KINDS

LANGUAGES = ("en", "es")
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)]


class PlaybookError(ValueError):
    """A playbook file is missing, unreadable or malformed; the message names the file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    en: Line
    es: Line


class Lines(_Strict):
    en: list[Line] = Field(min_length=1)
    es: list[Line] = Field(min_length=1)


class _Playbook(_Strict):
    def text(self, field: str, lang: str) -> str:
        return getattr(getattr(self, field), lang)

    def lines(self, field: str, lang: str) -> list[str]:
        return list(getattr(getattr(self, field), lang))


class ResistancePlaybook(_Playbook):
    label: str
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
    next_move: Text

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str) -> str:
        if value not in LABELS:
            raise ValueError(f"must be one of {', '.join(LABELS)}")
        return value

    @field_validator("questions")
    @classmethod
    def _two_or_three(cls, value: Lines) -> Lines:
        for lang in LANGUAGES:
            if not 2 <= len(getattr(value, lang)) <= 3:
                raise ValueError(f"{lang}: give 2 or 3 diagnostic questions")
        return value


class ObstaclePlaybook(_Playbook):
    kind: str
    name: Text
    summary: Text
    definition: Text
    cues: Lines
    questions: Lines
    moves: Lines
    pitfalls: Lines
    next_move: Text

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in OBSTACLE_KINDS:
            raise ValueError(f"must be one of {', '.join(OBSTACLE_KINDS)}")
        return value


def _load_file(path: Path, model: type[_Strict]) -> _Strict:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlaybookError(f"{path}: cannot read playbook: {exc}") from exc
    if not isinstance(raw, dict):
        raise PlaybookError(f"{path}: expected a mapping of fields at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"field '{'.'.join(str(p) for p in err['loc']) or '(top)'}': {err['msg']}" for err in exc.errors()
        )
        raise PlaybookError(f"{path}: {problems}") from None


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

    def __getitem__(self, label: str) -> ResistancePlaybook:
        return self.resistance[label]


def load_playbooks(override: Path | None = None) -> Playbooks:
    """Load and validate all playbooks (shipped, with a team's folder taking precedence per file)."""
    resistance = _load_all("resistance", LABELS, override, ResistancePlaybook, "label")
    obstacles = _load_all("obstacles", OBSTACLE_KINDS, override, ObstaclePlaybook, "kind")
    return Playbooks(resistance=resistance, obstacles=obstacles, examples_dir=_examples("objections", override),
                     obstacle_examples_dir=_examples("obstacles", override))


def _examples(kind: str, override: Path | None) -> Path:
    """A team's examples/<kind>/ folder when it has one, else the shipped one."""
    if override is not None and (override / "examples" / kind).is_dir():
        return override / "examples" / kind
    return data_dir("playbooks") / "examples" / kind


def _load_all(kind_dir: str, names: tuple[str, ...], override: Path | None, model: type[_Strict],
              key: str) -> dict[str, Any]:
    loaded = {}
    for name, path in _resolve(kind_dir, names, override).items():
        if not path.is_file():
            raise PlaybookError(f"{path}: playbook file is missing")
        playbook = _load_file(path, model)
        if getattr(playbook, key) != name:
            raise PlaybookError(f"{path}: field '{key}' is {getattr(playbook, key)!r} but the file is named {name!r}")
        loaded[name] = playbook
    return loaded


class BrushOff(_Strict):
    """A line that ends the conversation without saying why: the kinds it usually hides and questions that tell."""

    name: Text
    kinds: list[str]
    questions: Lines

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        unknown = [kind for kind in value if kind not in LABELS]
        if unknown:
            raise ValueError(f"unknown kind(s) {', '.join(unknown)}; expected some of {', '.join(LABELS)}")
        return value

    @field_validator("questions")
    @classmethod
    def _one_or_two(cls, value: Lines) -> Lines:
        for lang in LANGUAGES:
            if not 1 <= len(getattr(value, lang)) <= 2:
                raise ValueError(f"{lang}: give 1 or 2 questions")
        return value

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
            problems = "; ".join(f"field '{'.'.join(str(p) for p in e['loc'])}': {e['msg']}" for e in exc.errors())
            raise PlaybookError(f"{path}: {name}: {problems}") from None
    return loaded
