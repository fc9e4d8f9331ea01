"""The one base and loader for content files: strict pydantic models (unknown fields refused, values frozen), the
two-language text types, and `load_file`, which reads one YAML file as a model and says which file and field is
wrong. The playbooks, the team profile and the practice scenarios are all written in these."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)]


class PlaybookError(ValueError):
    """A playbook file is missing, unreadable or malformed; the message names the file and field."""


class Strict(BaseModel):
    """A content model: a field the model does not know is a mistake (a typo would otherwise be ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    en: Line
    es: Line


class Lines(Strict):
    en: list[Line] = Field(min_length=1)
    es: list[Line] = Field(min_length=1)


def problems(exc: ValidationError, top: str = "(top)") -> str:
    """What pydantic found wrong, field by field: "field 'questions.en': ...; field 'label': ..."."""
    return "; ".join(f"field '{'.'.join(str(p) for p in err['loc']) or top}': {err['msg']}" for err in exc.errors())


Model = TypeVar("Model", bound=BaseModel)


def load_file(path: Path, model: type[Model], error: type[ValueError] = PlaybookError,
              what: str = "playbook") -> Model:
    """One YAML file validated as `model`; a mistake raises `error` naming the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path}: cannot read {what}: {exc}") from exc
    if not isinstance(raw, dict):
        raise error(f"{path}: expected a mapping of fields at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(f"{path}: {problems(exc)}") from None
