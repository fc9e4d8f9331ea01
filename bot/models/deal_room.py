"""The deal-room detectors: which obstacles a message shows, and whether a sentence says the deal is stuck. Both
are the objection classifier's recipe (bot/models/classify.py) trained on the examples in
`playbooks/examples/obstacles/` (a team's COACH_PLAYBOOKS folder may hold its own)."""

from __future__ import annotations

from pathlib import Path

from bot.core.resources import data_dir
from bot.core.taxonomy import OBSTACLE_KINDS
from bot.core.thread_cues import STALL, message_units
from bot.models.classify import Classifier, cached_classifier, load_classifier
from bot.models.examples import Example, read_example_dir

NONE = "none"  # a message that shows no obstacle
STALL_LABELS = ("moving", "stalled")


def obstacle_detector(examples_dir: Path, cache_dir: Path) -> Classifier:
    """The obstacles a message (or sentence) shows, from the labelled deal-room messages in `examples_dir`."""
    return load_classifier(examples_dir, cache_dir, labels=(NONE, *OBSTACLE_KINDS), field="kind",
                           what="obstacle model")


def stall_detector(examples_dir: Path, cache_dir: Path) -> Classifier:
    """Whether a sentence says the deal is stuck. Trained on the stall examples (`stalls/` in `examples_dir`, else
    the shipped ones) against the sentences of the obstacle examples that show no stall cue: ordinary deal-room
    talk, so that "no", "nada" or "not yet" alone do not read as a stall."""
    team = examples_dir / "stalls"
    shipped = data_dir("playbooks") / "examples" / "obstacles" / "stalls"
    stalls = read_example_dir(team if team.is_dir() else shipped, STALL_LABELS, "stall")
    talk = read_example_dir(examples_dir, (NONE, *OBSTACLE_KINDS), "kind")
    moving = [Example(unit, "moving") for e in talk for unit in (message_units(e.text)[1:] or message_units(e.text))
              if not STALL.search(unit)]
    return cached_classifier([*stalls, *moving], cache_dir, STALL_LABELS, "stall model")
