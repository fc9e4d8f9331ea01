"""The learned side model (bot/calls/side_model.py): measure it leave-one-writer-out, or rebuild it from the
writers' sets (SETS). Prints figures; not a test.

  .venv/bin/python bench/calls_sides.py folds   each writer held out in turn: the model trained on the others,
                                                the speakers' sides decided with it and without it (sides.py's
                                                cues alone), the share of turns right and on the wrong side
  .venv/bin/python bench/calls_sides.py train   fit on all the sets and write playbooks/models/calls-sides.npz

A turn is labelled by its speaker's side in the writer's annotation; speakers the writer left out are not used.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from calls_accuracy import annotated, vendor_of  # noqa: E402

from bot.calls import side_model, sides  # noqa: E402
from bot.models import persist  # noqa: E402

DATA = ROOT / "tests" / "data"
# Eighteen writers' sets, all training data for this model; calls-heldout-17 and later are measured, not trained on.
SETS = ("calls-dev", "calls-dev2", "calls-heldout", *(f"calls-heldout-{n}" for n in range(2, 17)))


def writer(name: str) -> list[tuple[dict[str, Any], Any, dict[str, Any]]]:
    """A writer's annotated files: (annotation, conversation, the vendor's company and domains)."""
    folder = DATA / name
    vendors = json.loads((folder / "vendor.json").read_text(encoding="utf-8"))
    return [(truth, conversation, vendor_of(vendors, truth["file"])) for truth, conversation in annotated(folder)]


def turns(files: list[tuple[dict[str, Any], Any, dict[str, Any]]]) -> tuple[list[str], list[bool]]:
    texts, ours = [], []
    for truth, conversation, _ in files:
        for turn in conversation.turns:
            side = truth["speakers"].get(turn.speaker)
            if side in (sides.OURS, sides.BUYER):
                texts.append(turn.text)
                ours.append(side == sides.OURS)
    return texts, ours


def fit(files: list[tuple[dict[str, Any], Any, dict[str, Any]]]) -> side_model.SideModel:
    return side_model.SideModel.fit(*turns(files))


def score(files: list[tuple[dict[str, Any], Any, dict[str, Any]]]) -> tuple[int, int, int]:
    """(turns right, turns on the wrong side, turns) with the model side_model.shipped() returns."""
    right = wrong = total = 0
    for truth, conversation, vendor in files:
        found = sides.assign_sides(conversation, company=vendor["company"], domains=vendor["domains"])
        for turn in conversation.turns:
            want = truth["speakers"].get(turn.speaker)
            if want not in (sides.OURS, sides.BUYER):
                continue
            got = found.side(turn.speaker)
            total += 1
            right += got == want
            wrong += got not in (None, want)
    return right, wrong, total


def folds() -> None:
    data = {name: writer(name) for name in SETS}
    sums = {"cues": [0, 0, 0], "model": [0, 0, 0]}
    print(f"{'held out':<18} {'cues: right  wrong':>20} {'with model: right  wrong':>26}")
    for held in SETS:
        model = fit([f for name in SETS if name != held for f in data[name]])
        row = []
        for label, shipped in (("cues", None), ("model", model)):
            original = side_model.shipped
            side_model.shipped = lambda shipped=shipped: shipped  # type: ignore[assignment]
            try:
                right, wrong, total = score(data[held])
            finally:
                side_model.shipped = original  # type: ignore[assignment]
            sums[label] = [a + b for a, b in zip(sums[label], (right, wrong, total), strict=True)]
            row.append(f"{right / total:.3f} {wrong:>6}")
        print(f"{held:<18} {row[0]:>20} {row[1]:>26}")
    for label, (right, wrong, total) in sums.items():
        print(f"pooled {label}: right {right / total:.4f} ({right}/{total}), wrong side {wrong / total:.4f} ({wrong})")


def train() -> Path:
    model = fit([f for name in SETS for f in writer(name)])
    path = persist.shipped_dir() / side_model.FILE
    persist.save(model, path)
    path.chmod(0o644)
    print(f"{path}: {model.tfidf.size} terms")
    return path


def main() -> None:
    args = sys.argv[1:]
    if args == ["folds"]:
        folds()
    elif args == ["train"]:
        train()
    else:
        print(__doc__)
        raise SystemExit(2)


if __name__ == "__main__":
    main()
