"""The kind of resistance on the concern sets' messages, against two readings: the writer's own label, and an
independent reader's, given by the rules of the dev set's labelling (`../shared/data/LABELLING.md`: "not a
priority this year", a named current vendor, no budget are major_concern; a bare "we're fine" is missing).
The writers of heldout-r to -y were briefed "not a priority" as missing, so their labels and the dev set's
disagree on exactly the objections a sales manager meets most; the reader, who saw only the texts and those
rules, tells how the classifier does by the dev set's convention. Prints figures; not a test.

  .venv/bin/python bench/kind_readers.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.config import load_settings  # noqa: E402
from bot.core.guidance import NotAnObjection  # noqa: E402
from bot.models.metrics import score  # noqa: E402
from bot.services.coach import Coach  # noqa: E402

SETS = ROOT / "tests" / "data" / "concerns"
READER = SETS / "reader-kinds.jsonl"  # {"id": "<set letter>-<message id>", "label", "sure"}


def main() -> None:
    reader = {r["id"]: r for r in map(json.loads, READER.read_text(encoding="utf-8").splitlines()) if r}
    letters = sorted({key.split("-", 1)[0] for key in reader})
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["COACH_PLAYBOOKS"] = tmp  # the shipped, empty profile: the kind does not depend on it
        os.environ["COACH_DB"] = str(Path(tmp) / "coach.db")
        coach = Coach(load_settings())
        rows = []  # (set letter, writer's label or None if unsure, reader's label or None, said, asked first)
        for letter in letters:
            path = SETS / f"heldout-{letter}" / "objections.jsonl"
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                message = json.loads(line)
                theirs = reader[f"{letter}-{message['id']}"]
                try:
                    guidance = coach.coach(message["text"], offline=True)
                    said, asked = guidance.label, guidance.question is not None
                except NotAnObjection:
                    said, asked = "not_an_objection", False
                rows.append((letter, message["kind"] if message.get("sure") else None,
                             theirs["label"] if theirs["sure"] else None, said, asked))

    def f1(index: int, letter: str | None = None) -> str:
        pairs = [(r[index], r[3]) for r in rows if r[index] and (letter is None or r[0] == letter)]
        return f"{score([t for t, _ in pairs], [s for _, s in pairs])['macro_f1']:.3f} ({len(pairs)})"

    print(f"sets {', '.join(f'heldout-{x}' for x in letters)}: kind macro-F1 on the sure messages")
    print(f"  against the writers' labels:            {f1(1)}")
    print(f"  against the reader's (LABELLING rules): {f1(2)}")
    agreed = [r for r in rows if r[1] and r[1] == r[2]]
    both = sum(1 for r in rows if r[1] and r[2])
    print(f"  writer and reader agree on {len(agreed)} of the {both} both are sure of")
    answered = [r[2] == r[3] for r in rows if r[2] and not r[4]]
    print(f"  right when not asking first, by the reader: {sum(answered) / len(answered):.3f} ({len(answered)})")
    for letter in letters:
        print(f"  heldout-{letter}: writer {f1(1, letter)}, reader {f1(2, letter)}")


if __name__ == "__main__":
    main()
