"""Learn from a workspace's corrections: every "Diagnose differently" becomes one of that workspace's examples,
the objection model is retrained on the shipped examples plus them, and the new model is kept for that
workspace only if it scores no worse on the held-out files.

Per workspace, in `<folder of COACH_DB>/teams/<TEAM_ID>/`:
- `examples.jsonl`: the workspace's examples, one {"id", "text", "label", "feedback_id", "at"} a line. A team
  reviews them there: change a label, delete a line (or `coach learn --remove ID_OR_TEXT`); `coach learn` only
  imports corrections newer than the last it imported, so a deleted line stays deleted until someone corrects
  that text again.
- `state.json`: the last correction imported.
- `model.pkl`: the kept model; `Coach` uses it for that workspace's diagnoses (others keep the shipped one).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.classify import (
    BlendModel,
    Example,
    _load,
    _save,
    cached_objection_classifier,
    normalise,
    objection_examples,
    read_examples,
    same_word_vectors,
)
from bot.config import Settings
from bot.evaluate import score
from bot.store import Store, open_store
from bot.taxonomy import LABELS

MAX_DROP = 0.01  # a new model is kept only if no score falls by more than this
EXAMPLES_FILE = "examples.jsonl"
STATE_FILE = "state.json"
MODEL_FILE = "model.pkl"
_TEAM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # Slack team IDs (T0123ABC); also keeps the path inside teams/


class LearnError(ValueError):
    """Bad input for `coach learn`: an unknown team, a bad examples line, nothing to remove."""


def check_team_id(team_id: str) -> str:
    if not _TEAM_ID.fullmatch(team_id or ""):
        raise LearnError(f"{team_id!r} is not a workspace ID (letters, digits, '-' and '_', like T0123ABC)")
    return team_id


def team_dir(settings: Settings, team_id: str) -> Path:
    """Where a workspace's examples and kept model live: beside the database, since they are its data."""
    return settings.db_path.parent / "teams" / check_team_id(team_id)


def team_model_path(settings: Settings, team_id: str | None) -> Path | None:
    """The workspace's kept model file, or None when there is none (or the ID could not be one)."""
    if not team_id or not _TEAM_ID.fullmatch(team_id):
        return None
    path = team_dir(settings, team_id) / MODEL_FILE
    return path if path.is_file() else None


def load_team_model(path: Path) -> BlendModel:
    return same_word_vectors(_load(path, BlendModel))


def default_heldout() -> list[Path]:
    """The held-out files in a source checkout (tests/data); an installed wheel has none."""
    folder = Path(__file__).resolve().parent.parent / "tests" / "data"
    return [p for p in (folder / "heldout_en.jsonl", folder / "heldout_es.jsonl") if p.is_file()]


@dataclass(frozen=True)
class TeamExample:
    id: str
    text: str
    label: str
    feedback_id: int | None = None
    at: str | None = None


def example_id(text: str) -> str:
    return hashlib.sha1(normalise(text).encode()).hexdigest()[:10]


def read_team_examples(path: Path) -> list[TeamExample]:
    """The workspace's examples file (absent: none); raise LearnError naming the line of a bad row."""
    if not path.is_file():
        return []
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, label = row["text"], row["label"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise LearnError(f"{path}:{number}: expected a JSON object with 'text' and 'label' ({exc})") from None
        if label not in LABELS:
            raise LearnError(f"{path}:{number}: unknown label {label!r}; expected one of: {', '.join(LABELS)}")
        if not isinstance(text, str) or not text.strip():
            raise LearnError(f"{path}:{number}: 'text' must be a non-empty string")
        rows.append(TeamExample(example_id(text), text, label, row.get("feedback_id"), row.get("at")))
    return rows


def write_team_examples(path: Path, examples: Sequence[TeamExample]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(asdict(e), ensure_ascii=False) + "\n" for e in examples), encoding="utf-8")
    tmp.replace(path)


def _read_state(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_state(folder: Path, state: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")


def corrections(store: Store, team_id: str, after: int = 0) -> tuple[list[TeamExample], int, int]:
    """The workspace's "Diagnose differently" corrections newer than feedback id `after`, oldest first; how
    many were skipped because retention had blanked their text; the last feedback id looked at."""
    found, blanked, last = [], 0, after
    for row in store.feedback():
        if row["kind"] != "relabel" or row["team_id"] != team_id or row["id"] <= after or row["label"] not in LABELS:
            continue
        last = max(last, row["id"])
        coaching = store.coaching(row["coaching_id"])
        text = (coaching or {}).get("text") or ""
        if not text.strip():
            blanked += 1
            continue
        found.append(TeamExample(example_id(text), text, row["label"], row["id"], row["created_at"]))
    return found, blanked, last


def merge(existing: Sequence[TeamExample], new: Sequence[TeamExample]) -> tuple[list[TeamExample], int, int]:
    """The examples with the new corrections applied (the latest correction of a text wins), how many were
    added and how many changed label."""
    by_id = {e.id: e for e in existing}
    added = changed = 0
    for correction in new:
        old = by_id.get(correction.id)
        added += old is None
        changed += old is not None and old.label != correction.label
        by_id[correction.id] = correction
    return list(by_id.values()), added, changed


def remove(settings: Settings, team_id: str, targets: Sequence[str]) -> list[TeamExample]:
    """Delete the workspace's examples whose id or exact text is among `targets`; the ones deleted."""
    path = team_dir(settings, team_id) / EXAMPLES_FILE
    examples = read_team_examples(path)
    wanted = {t.strip() for t in targets}
    gone = [e for e in examples if e.id in wanted or e.text.strip() in wanted]
    if not gone:
        raise LearnError(f"workspace {team_id} has no example with id or text {', '.join(map(repr, targets))}")
    write_team_examples(path, [e for e in examples if e not in gone])
    return gone


def forget_team_files(settings: Settings, team_id: str, dry_run: bool = False) -> int:
    """Delete the workspace's examples and kept model (for `coach forget`); how many files there were."""
    if not _TEAM_ID.fullmatch(team_id or ""):
        return 0  # no folder can exist for it
    folder = team_dir(settings, team_id)
    files = [p for p in folder.glob("*") if p.is_file()] if folder.is_dir() else []
    if not dry_run:
        for path in files:
            path.unlink()
        if folder.is_dir():
            folder.rmdir()
    return len(files)


def teams_with_data(store: Store) -> list[str]:
    """The workspaces the database knows (from coachings and feedback)."""
    return sorted({r["team_id"] for r in [*store.feedback(), *store.coachings()] if r.get("team_id")})


def _predict(model: BlendModel, texts: Sequence[str]) -> list[str]:
    """The kind the coach would name for each text (the likeliest of the five)."""
    kinds = [model.labels.index(label) for label in LABELS]
    return [LABELS[int(i)] for i in model.probabilities(texts)[:, kinds].argmax(axis=1)]


def learn(
    settings: Settings,
    team_id: str,
    heldout: Sequence[Path],
    evals: Sequence[Path] = (),
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Import the workspace's new corrections, retrain, score before and after, keep the new model if no score
    drops by more than MAX_DROP (and this is no dry run). Returns the report `coach learn --json` prints."""
    from bot.coach import Coach

    folder = team_dir(settings, team_id)
    examples_path, model_path = folder / EXAMPLES_FILE, folder / MODEL_FILE
    files = [(path, read_examples(path)) for path in [*heldout, *evals]]  # bad files fail before any training
    store = open_store(settings)
    state = _read_state(folder)
    seen = int(state.get("feedback_id", 0))
    new, blanked, last = corrections(store, team_id, seen)
    examples, added, changed = merge(read_team_examples(examples_path), new)
    if last > seen and not dry_run:
        write_team_examples(examples_path, examples)
        state = {**state, "feedback_id": last}
        _write_state(folder, state)
    report: dict[str, Any] = {
        "team_id": team_id, "dry_run": dry_run, "examples_file": str(examples_path), "examples": len(examples),
        "added": added, "relabelled": changed, "skipped_blanked": blanked, "scores": [], "dropped": [],
        "kept": False, "model_file": None,
    }
    if not examples:
        report["message"] = "no corrections to learn from yet"
        if model_path.exists() and not dry_run:
            model_path.unlink()  # every example was removed: the workspace goes back to the shipped model
            report["message"] += "; the workspace's model was removed, it uses the shipped one again"
        return report

    coach = Coach(settings, store)
    kinds = {name: tuple(b.kinds) for name, b in coach.brush_offs.items()}
    shipped = objection_examples(coach.playbooks.examples_dir, list(kinds))
    progress("loading the current model…")
    before = load_team_model(model_path) if model_path.is_file() else coach.classifier.model
    progress(f"training on {len(shipped)} shipped examples and {len(examples)} of workspace {team_id}…")
    training = [*shipped, *(Example(e.text, e.label) for e in examples)]
    after = cached_objection_classifier(training, settings.cache_dir, kinds).model
    fingerprint = hashlib.sha256("".join(f"{e.label}\t{e.text}\n" for e in training).encode()).hexdigest()[:20]
    for path, rows in files:
        progress(f"scoring {path.name} ({len(rows)} objections)…")
        texts, truth = [r.text for r in rows], [r.label for r in rows]
        old, new_score = (score(truth, _predict(m, texts))["macro_f1"] for m in (before, after))
        report["scores"].append({"file": str(path), "n": len(rows), "before": old, "after": new_score,
                                 "change": round(new_score - old, 4)})
        if new_score < old - MAX_DROP:
            report["dropped"].append(str(path))
    if not report["dropped"] and not dry_run:
        if state.get("model") == fingerprint and model_path.is_file():
            report["message"] = "the kept model already has these examples; unchanged"
        else:  # (rewriting the same model would only make every running coach reload it)
            _save(after, model_path)  # written then renamed: a running coach never reads half a file
            _write_state(folder, {**state, "model": fingerprint})
        report["kept"], report["model_file"] = True, str(model_path)
    return report

