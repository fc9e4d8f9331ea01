"""Practice scenarios: a buyer persona and an objection of one kind on one topic, with the buyer's lines when the
seller misses the kind or handles it. Data in `playbooks/practice/scenarios/*.yaml` (English and Spanish), one
file per kind, checked when loaded; a team's COACH_PLAYBOOKS folder may hold its own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints

from bot.content.i18n import t
from bot.content.schema import Strict, Text, load_file
from bot.core.language import ours
from bot.core.resources import data_dir
from bot.core.taxonomy import Label, Topic

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{2,60}$")]


class ScenarioError(ValueError):
    """A scenario file is missing, unreadable or malformed; the message names the file and field."""


class Persona(Strict):
    role: Text
    company: Text
    wants: Text


class Scenario(Strict):
    id: Id
    topic: Topic
    ambiguous: bool
    persona: Persona
    objection: Text
    push_back: Text
    moving_on: Text
    kind: str = ""  # filled from the file


class CallScenario(Scenario):
    """A moment of a real call as a practice: the buyer's own words, the kind the review gave them, and what was
    said just before. Its topic is the one the review was sure of, if any."""

    topic: Topic | None = None  # type: ignore[assignment]
    persona: Persona | None = None  # type: ignore[assignment]  # the buyer is who spoke on the call
    speaker: str
    context: list[str] = []  # "Name: what they said" for the turns before the objection, oldest first
    where: str = ""  # the objection's timestamp or email in the call


class ScenarioFile(Strict):
    kind: Label
    scenarios: list[Scenario] = Field(min_length=1)


def scenarios_dir(playbooks_dir: Path | None) -> Path:
    """A team's practice/scenarios/ folder when it has one, else the shipped one."""
    if playbooks_dir is not None and (playbooks_dir / "practice" / "scenarios").is_dir():
        return playbooks_dir / "practice" / "scenarios"
    return data_dir("playbooks") / "practice" / "scenarios"


def load_scenarios(folder: Path) -> dict[str, Scenario]:
    """All scenarios of the folder's YAML files by id; a mistake raises ScenarioError naming file and field."""
    files = sorted(folder.glob("*.y*ml"))
    if not files:
        raise ScenarioError(f"{folder}: no practice scenario files")
    loaded: dict[str, Scenario] = {}
    for path in files:
        parsed = load_file(path, ScenarioFile, ScenarioError, "scenarios")
        for scenario in parsed.scenarios:
            if scenario.id in loaded:
                raise ScenarioError(f"{path}: field 'id': {scenario.id!r} is used twice")
            loaded[scenario.id] = scenario.model_copy(update={"kind": parsed.kind})
    return loaded


def persona_text(scenario: Scenario, lang: str, offering: str | None = None) -> str:
    """Who the buyer is. `offering` is the team's offering from its profile, when there is one (else the
    persona speaks of "your solution" and no claim about the seller is made)."""
    p, lang = scenario.persona, ours(lang)
    if isinstance(scenario, CallScenario) or p is None:
        return t("practice.call.persona", lang, speaker=getattr(scenario, "speaker", ""),
                 offering=offering or t("practice.your_solution", lang))
    return t("practice.persona", lang, role=getattr(p.role, lang), company=getattr(p.company, lang),
             wants=getattr(p.wants, lang), offering=offering or t("practice.your_solution", lang))
