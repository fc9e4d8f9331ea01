"""Learn from a workspace's corrections: every "Diagnose differently" becomes one of that workspace's examples,
the objection model is retrained on the shipped examples plus them, and the new model is kept for that
workspace only if it scores no worse on the held-out files.

Per workspace, in the database (bot/store/base.py), so every replica on it sees the same:
- its examples ({"id", "text", "label", "feedback_id", "at"}): a team reviews them with `coach learn --list`,
  changes a label with `--relabel ID_OR_TEXT KIND`, deletes one with `--remove ID_OR_TEXT`; `coach learn` only
  imports corrections newer than the last it imported, so a deleted example stays deleted until someone
  corrects that text again;
- the last correction imported;
- the kept model, as data (bot/models/persist.py: arrays and JSON, never pickle); `Coach` uses it for that
  workspace's diagnoses (others keep the shipped one) and notices a new one by its version.
Examples kept by an older coach in `<folder of COACH_DB>/teams/<TEAM_ID>/` are moved into the database by the
next `coach learn` for that workspace.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from bot.core.config import Settings
from bot.core.taxonomy import LABELS, check_label
from bot.models.classify import BlendModel, normalise, train_objections, training_key
from bot.models.examples import Example, objection_examples, read_examples
from bot.models.metrics import score
from bot.models.team_models import dump_team_model, load_team_model
from bot.services.coach import Coach
from bot.store import Store, open_store

MAX_DROP = 0.01  # a new model is kept only if no score falls by more than this
# where an older coach kept a workspace's examples and state, beside the SQLite file (moved by `coach learn`)
EXAMPLES_FILE = "examples.jsonl"
STATE_FILE = "state.json"
_TEAM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # Slack team IDs (T0123ABC); also keeps the path inside teams/


class LearnError(ValueError):
    """Bad input for `coach learn`: an unknown team, a bad examples line, nothing to remove."""


def check_team_id(team_id: str) -> str:
    if not _TEAM_ID.fullmatch(team_id or ""):
        raise LearnError(f"{team_id!r} is not a workspace ID (letters, digits, '-' and '_', like T0123ABC)")
    return team_id


def legacy_team_dir(settings: Settings, team_id: str) -> Path:
    """Where an older coach kept a workspace's examples and model: beside the SQLite file."""
    return settings.db_path.parent / "teams" / check_team_id(team_id)


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
        try:
            check_label(label)
        except ValueError as exc:
            raise LearnError(f"{path}:{number}: {exc}") from None
        if not isinstance(text, str) or not text.strip():
            raise LearnError(f"{path}:{number}: 'text' must be a non-empty string")
        rows.append(TeamExample(example_id(text), text, label, row.get("feedback_id"), row.get("at")))
    return rows


def team_examples(store: Store, team_id: str) -> list[TeamExample]:
    """The workspace's examples, in the order they were first added."""
    return [TeamExample(r["id"], r["text"], r["label"], r["feedback_id"], r["at"])
            for r in store.team_examples(team_id)]


def read_legacy_folder(settings: Settings, team_id: str) -> tuple[list[TeamExample], int] | None:
    """The examples and last imported correction an older coach kept in `teams/<TEAM_ID>/` beside the SQLite
    file; None when there is no such folder."""
    folder = legacy_team_dir(settings, team_id)
    if not folder.is_dir():
        return None
    try:
        imported = int(json.loads((folder / STATE_FILE).read_text(encoding="utf-8")).get("feedback_id", 0))
    except (OSError, ValueError, AttributeError, TypeError):
        imported = 0
    return read_team_examples(folder / EXAMPLES_FILE), imported


def move_legacy_folder(settings: Settings, store: Store, team_id: str) -> int:
    """Move an older coach's examples (`read_legacy_folder`) into the database, then delete the folder (its model
    is retrained from the examples). Where the database already has an example of the same text, the database's
    wins; the folder's others are added, so nothing is lost. How many examples were moved."""
    legacy = read_legacy_folder(settings, team_id)
    if legacy is None:
        return 0
    examples, imported = legacy
    in_database = team_examples(store, team_id)
    merged, _, _ = merge(examples, in_database)
    store.save_team_examples(team_id, [asdict(e) for e in merged], imported=max(imported, store.learned_up_to(team_id)))
    forget_legacy_folder(settings, team_id)
    return len(merged) - len(in_database)


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


def _find(store: Store, team_id: str, targets: Sequence[str]) -> list[TeamExample]:
    wanted = {t.strip() for t in targets}
    found = [e for e in team_examples(store, team_id) if e.id in wanted or e.text.strip() in wanted]
    if not found:
        raise LearnError(f"workspace {team_id} has no example with id or text {', '.join(map(repr, targets))}")
    return found


def remove(store: Store, team_id: str, targets: Sequence[str]) -> list[TeamExample]:
    """Delete the workspace's examples whose id or exact text is among `targets`; the ones deleted."""
    gone = _find(store, team_id, targets)
    store.delete_team_examples(team_id, [e.id for e in gone])
    return gone


def relabel(store: Store, team_id: str, target: str, label: str) -> TeamExample:
    """Give the example with this id or exact text another kind; the example as it was."""
    try:
        check_label(label)
    except ValueError as exc:
        raise LearnError(str(exc)) from None
    [example, *_] = _find(store, team_id, [target])
    store.relabel_team_example(team_id, example.id, label)
    return example


def forget_legacy_folder(settings: Settings, team_id: str, dry_run: bool = False) -> int:
    """Delete an older coach's folder of the workspace's examples and model (for `coach forget`); how many files
    there were. What `coach learn` keeps now is in the database, which `Store.forget_team` empties."""
    if not _TEAM_ID.fullmatch(team_id or ""):
        return 0  # no folder can exist for it
    folder = legacy_team_dir(settings, team_id)
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
    store: Store | None = None,
) -> dict[str, Any]:
    """Import the workspace's new corrections, retrain, score before and after, keep the new model if no score
    drops by more than MAX_DROP (and this is no dry run). Returns the report `coach learn --json` prints."""
    if store is not None:
        return _learn(settings, store, team_id, heldout, evals, dry_run, progress)
    with closing(open_store(settings)) as opened:
        return _learn(settings, opened, team_id, heldout, evals, dry_run, progress)


def _learn(settings: Settings, store: Store, team_id: str, heldout: Sequence[Path], evals: Sequence[Path],
           dry_run: bool, progress: Callable[[str], None]) -> dict[str, Any]:
    files = [(path, read_examples(path)) for path in [*heldout, *evals]]  # bad files fail before any training
    if not dry_run:
        move_legacy_folder(settings, store, team_id)
    seen, existing = store.learned_up_to(team_id), team_examples(store, team_id)
    legacy = read_legacy_folder(settings, team_id) if dry_run and not existing else None
    if legacy is not None:  # what the real run would move in first
        existing, seen = legacy[0], max(seen, legacy[1])
    new, blanked, last = corrections(store, team_id, seen)
    examples, added, changed = merge(existing, new)
    if last > seen and not dry_run:
        store.save_team_examples(team_id, [asdict(e) for e in examples], imported=last)
    kept = store.team_model_info(team_id)
    report: dict[str, Any] = {
        "team_id": team_id, "dry_run": dry_run, "examples": len(examples), "added": added, "relabelled": changed,
        "skipped_blanked": blanked, "scores": [], "dropped": [], "kept": False, "model_version": None,
    }
    if not examples:
        report["message"] = "no corrections to learn from yet"
        if kept and not dry_run:
            store.delete_team_model(team_id)  # every example was removed: back to the shipped model
            report["message"] += "; the workspace's model was removed, it uses the shipped one again"
        return report

    coach = Coach(settings, store)
    shipped = objection_examples(coach.playbooks.examples_dir, list(coach.brush_offs))
    progress("loading the current model…")
    stored = store.team_model(team_id)
    shipped_model = cast(BlendModel, coach.classifier.model)  # an ObjectionClassifier's model is a BlendModel
    try:
        before = load_team_model(stored[1]) if stored else shipped_model
    except ValueError:  # unreadable, or trained by another version: compare with the shipped model instead
        before, kept = shipped_model, None
    training = [*shipped, *(Example(e.text, e.label) for e in examples)]
    fingerprint = hashlib.sha256("".join([training_key(), *(f"{e.label}\t{e.text}\n" for e in training)]).encode()
                                 ).hexdigest()[:20]
    if kept and kept["fingerprint"] == fingerprint:
        after = before
    else:
        progress(f"training on {len(shipped)} shipped examples and {len(examples)} of workspace {team_id}…")
        # not through the model cache: a workspace's texts live in the database only, so `forget` removes them
        after = train_objections(training)
    for path, rows in files:
        progress(f"scoring {path.name} ({len(rows)} objections)…")
        texts, truth = [r.text for r in rows], [r.label for r in rows]
        old, new_score = (score(truth, _predict(m, texts))["macro_f1"] for m in (before, after))
        report["scores"].append({"file": str(path), "n": len(rows), "before": old, "after": new_score,
                                 "change": round(new_score - old, 4)})
        if new_score < old - MAX_DROP:
            report["dropped"].append(str(path))
    if not report["dropped"] and not dry_run:
        if kept and kept["fingerprint"] == fingerprint:
            report["message"] = "the kept model already has these examples; unchanged"
            version = kept["version"]
        else:  # (saving the same model again would only make every running coach reload it)
            version = store.save_team_model(team_id, dump_team_model(after), fingerprint)
        report["kept"], report["model_version"] = True, version
    return report
