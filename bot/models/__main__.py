"""Rebuild the shipped models from the shipped examples: `python -m bot.models build`.

Each model is saved under a name carrying the digest of its examples and training recipe, in
playbooks/models/ (what `bot.models.persist.trained` looks in first). Run it after editing the examples or a
recipe; tests/test_models.py fails until then. A team's own examples (COACH_PLAYBOOKS) are trained at first use.
"""

from __future__ import annotations

import re
import sys

from bot.content.playbooks import hidden_kinds, load_brush_offs, load_playbooks
from bot.models import persist, progress
from bot.models.classify import load_objection_classifier
from bot.models.deal_room import obstacle_detector, stall_detector
from bot.models.moves import load_move_model, replies_dir
from bot.models.topics import load_topic_detector


def build() -> list[str]:
    """Train every shipped model into the shipped folder (their old files removed); the file names written. The same
    calls as the coach makes at first use (bot/services/coach.py, summarize.py, score.py), so the names match."""
    progress.show_on_terminal()
    folder = persist.shipped_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # the models trained here are named by the digest of their examples; one trained elsewhere stays (the call
    # detector, calls-cascade.npz, is fitted on the writers' annotated calls by bench/calls_detector.py train)
    for old in folder.glob("*.npz"):
        if re.search(r"-[0-9a-f]{20}\b", old.name):
            old.unlink()
    playbooks = load_playbooks(None)
    load_objection_classifier(playbooks.examples_dir, folder, hidden_kinds(load_brush_offs(None)))
    load_topic_detector(playbooks.topic_examples_dir, folder, playbooks.topic_cues())
    obstacle_detector(playbooks.obstacle_examples_dir, folder)
    stall_detector(playbooks.obstacle_examples_dir, folder)
    load_move_model(replies_dir(None), folder)
    for vectors in folder.glob("*.npy"):  # the examples' sentence vectors, kept while training: not shipped
        vectors.unlink()
    return sorted(path.name for path in folder.glob("*.npz"))


def main(argv: list[str]) -> int:
    if argv != ["build"]:
        print("usage: python -m bot.models build", file=sys.stderr)
        return 2
    for name in build():
        print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
