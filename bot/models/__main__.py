"""Rebuild the shipped models from the shipped examples: `python -m bot.models build`.

Each model is saved under a name carrying the digest of its examples and training recipe, in
playbooks/models/ (what `bot.models.persist.trained` looks in first). Run it after editing the examples or a
recipe; tests/test_models.py fails until then. A team's own examples (COACH_PLAYBOOKS) are trained at first use.
"""

from __future__ import annotations

import sys
from dataclasses import replace


def build() -> list[str]:
    """Train every shipped model into the shipped folder (old files removed); the file names written."""
    from bot.core.config import load_settings
    from bot.models import persist, progress
    from bot.services.coach import Coach
    from bot.services.score import Scorer
    from bot.services.summarize import Summarizer

    progress.show_on_terminal()
    folder = persist.shipped_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.npz"):
        old.unlink()
    coach = Coach(replace(load_settings(), cache_dir=folder, playbooks_dir=None))
    summarizer = Summarizer(coach)
    for load in (lambda: coach.classifier, lambda: coach.topic_detector, lambda: summarizer.obstacle_detector,
                 lambda: summarizer.stall_detector, lambda: Scorer(coach).model):
        load()
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
