"""The labelled examples the classifiers learn from: JSONL files of {"text", <label>} in `playbooks/examples/`,
read with the line of any bad row named; and, for the objection model, the brush-offs (`unsure/`) and the messages
that are no objection (`not_objections/`) beside the labelled objections."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.taxonomy import LABELS

NOT_AN_OBJECTION = "none"  # the class of messages that are no objection: greetings, thanks, gibberish, requests
BRUSH_OFF = "brush_off:"  # prefix of the classes of brush-offs, e.g. "brush_off:think_it_over"


@dataclass(frozen=True)
class Example:
    text: str
    label: str


def _jsonl(path: Path, *fields: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) for each non-blank line of a JSONL file whose object has a non-empty "text" and these
    fields; raise ValueError naming the line of a bad row."""
    names = ["'text'", *(f"'{f}'" for f in fields)]
    wanted = " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text, *_ = [row[name] for name in ("text", *fields)]  # a missing field is a KeyError
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: expected a JSON object with {wanted} ({exc})") from None
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{path}:{number}: 'text' must be a non-empty string")
            yield number, row


def read_examples(path: Path, labels: Sequence[str] = LABELS, field: str = "label") -> list[Example]:
    """Read a JSONL file of {"text", <field>}; raise ValueError naming the line of a bad row."""
    examples = []
    for number, row in _jsonl(path, field):
        if row[field] not in labels:
            raise ValueError(f"{path}:{number}: unknown {field} {row[field]!r}; expected one of: {', '.join(labels)}")
        examples.append(Example(row["text"], row[field]))
    return examples


def read_example_dir(folder: Path, labels: Sequence[str] = LABELS, field: str = "label") -> list[Example]:
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"{folder}: no *.jsonl example files to train the classifier on")
    return [example for path in files for example in read_examples(path, labels, field)]


@dataclass(frozen=True)
class Unsure:
    """A line that cannot be settled from its words: which brush-off it is and the kinds it may hide."""

    text: str
    brush_off: str
    plausible: tuple[str, ...]


def read_unsure(path: Path, brush_offs: Sequence[str] | None = None) -> list[Unsure]:
    """Read a JSONL file of {"text", "brush_off", "plausible"}; raise ValueError naming the line of a bad row."""
    rows = []
    for number, row in _jsonl(path, "brush_off", "plausible"):
        brush_off, plausible = row["brush_off"], row["plausible"]
        if brush_offs is not None and brush_off not in brush_offs:
            raise ValueError(f"{path}:{number}: unknown brush_off {brush_off!r}; expected one of: "
                             f"{', '.join(brush_offs)}")
        if not isinstance(plausible, list) or not plausible or any(kind not in LABELS for kind in plausible):
            raise ValueError(f"{path}:{number}: 'plausible' must list kinds among: {', '.join(LABELS)}")
        rows.append(Unsure(row["text"], brush_off, tuple(plausible)))
    return rows


def read_texts(path: Path) -> list[str]:
    """Read a JSONL file of {"text"}; raise ValueError naming the line of a bad row."""
    return [row["text"] for _, row in _jsonl(path)]


def objection_examples(examples_dir: Path, brush_offs: Sequence[str] | None = None) -> list[Example]:
    """Training rows for the objection model: the labelled objections in `examples_dir`, plus the brush-offs in
    its sibling `unsure/` and the messages in `not_objections/`, when those folders exist."""
    examples = read_example_dir(examples_dir)
    for path in sorted((examples_dir.parent / "unsure").glob("*.jsonl")):
        examples += [Example(u.text, BRUSH_OFF + u.brush_off) for u in read_unsure(path, brush_offs)]
    for path in sorted((examples_dir.parent / "not_objections").glob("*.jsonl")):
        examples += [Example(text, NOT_AN_OBJECTION) for text in read_texts(path)]
    return examples
