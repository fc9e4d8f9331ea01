"""The kind labels of our writers' concern sets as training examples for the objection classifier.

Our concern-annotated sets (tests/data/concerns/<set>/objections.jsonl: nine writers who never saw the code, each
message labelled with its kind, sure or not) are closer to what sellers paste than our own examples are: long
emails, call notes, several concerns, an accepted point first. Their sure items are added to the classifier's
examples (playbooks/examples/objections/concern_sets.jsonl); the unsure ones are not (their writers could not
settle the kind either).

  write   rewrites playbooks/examples/objections/concern_sets.jsonl from the sets below
  folds   leave-one-set-out: trains with the sure items of eight sets, measures the ninth (kind macro-F1 on its
          sure items, accuracy where the coach did not ask first), all nine ways, against the model without them.
          Once written, a set's kind figure in bench/relevance.py is in-sample; these folds are the honest ones.

Run: .venv/bin/python bench/concern_kinds.py write | folds [SET ...]
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.config import Settings  # noqa: E402
from bot.core.guidance import Objection  # noqa: E402
from bot.models import encoder  # noqa: E402
from bot.models.metrics import score  # noqa: E402
from bot.services.coach import Coach  # noqa: E402

SETS_DIR = ROOT / "tests" / "data" / "concerns"
SETS = ("dev-a", "dev-b", "dev-e", "dev-f", "dev-g", "dev-h", "heldout-c", "heldout-d", "heldout-e", "heldout-f",
        "heldout-g")
OUT = ROOT / "playbooks" / "examples" / "objections" / "concern_sets.jsonl"


def rows(name: str) -> list[dict]:
    lines = (SETS_DIR / name / "objections.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def examples(sets: Sequence[str]) -> list[dict[str, str]]:
    """The sure items of `sets` as example rows: the buyer's words as the coach reads them (the seller's note
    taken off), the writer's kind, and the set as the voice."""
    return [{"text": Objection.parse(row["text"]).text, "label": row["kind"], "voice": f"concern-set:{name}"}
            for name in sets for row in rows(name) if row["sure"]]


def write() -> None:
    found = examples(SETS)
    OUT.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in found), encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(found)} examples from {len(SETS)} sets")


def _cached_queries(folder: Path) -> None:
    """Each fold trains on nearly the same texts: keep each text's vector once for all folds (plain arrays)."""
    path = folder / "queries.npz"
    known: dict[str, np.ndarray] = {}

    def stored(texts: Sequence[str], cache_dir: Path | None, as_queries: bool = False) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        for start in range(0, len(missing), 64):
            known.update(zip(missing[start:start + 64], encoder._encoded_queries(missing[start:start + 64]),
                             strict=True))
        np.savez(path, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
        return np.stack([known[t] for t in texts])

    encoder.stored = stored  # type: ignore[assignment]


def measure(coach: Coach, name: str) -> tuple[float, float]:
    truth, said, answered = [], [], []
    for row in rows(name):
        diagnosis = coach.classifier.diagnose(Objection.parse(row["text"]).text)
        if row["sure"]:
            truth.append(row["kind"])
            said.append(diagnosis.label)
        if not diagnosis.asks_first and not diagnosis.not_objection:
            answered.append(diagnosis.label == row["kind"])
    return score(truth, said)["macro_f1"], sum(answered) / max(1, len(answered))


def folds(targets: Sequence[str]) -> None:
    work = Path(tempfile.mkdtemp())
    _cached_queries(work)
    results: dict[str, list[tuple[float, float]]] = {}
    for name in targets:
        results[name] = []
        for added in (False, True):
            books = work / f"playbooks-{name}-{added}"
            shutil.copytree(ROOT / "playbooks" / "examples", books / "examples")
            kept = [e for e in examples(SETS) if e["voice"] != f"concern-set:{name}"] if added else []
            (books / "examples" / "objections" / OUT.name).write_text(
                "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in kept), encoding="utf-8")
            coach = Coach(Settings(playbooks_dir=books, cache_dir=work / "cache", db_path=work / "coach.db"))
            results[name].append(measure(coach, name))
        (f1_without, acc_without), (f1_with, acc_with) = results[name]
        print(f"{name:10} macro-F1 {f1_without:.3f} -> {f1_with:.3f}   accuracy when not asking "
              f"{acc_without:.3f} -> {acc_with:.3f}", flush=True)
    means = [statistics.mean(r[i][j] for r in results.values()) for i in (0, 1) for j in (0, 1)]
    print(f"{'mean':10} macro-F1 {means[0]:.3f} -> {means[2]:.3f}   accuracy when not asking "
          f"{means[1]:.3f} -> {means[3]:.3f}")
    shutil.rmtree(work)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("write", "folds"):
        sys.exit(__doc__)
    write() if sys.argv[1] == "write" else folds(sys.argv[2:] or SETS)
