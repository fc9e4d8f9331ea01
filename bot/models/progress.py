"""What a long model step says while it runs: "training the objection model…", then how long it took.

Logged on the `bot.models` logger: `coach serve` logs it with everything else; the CLI shows it on stderr when
stderr is a terminal and `--quiet` was not given (`show_on_terminal`), so a first run that trains for a while
is never a silent wait, and a pipe or a cron job stays quiet.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("bot.models")


@contextmanager
def step(what: str) -> Iterator[None]:
    """Log `what` before a long step and how long it took after it."""
    start = time.perf_counter()
    log.info("%s…", what)
    yield
    log.info("%s: done in %.1f s", what, time.perf_counter() - start)


def show_on_terminal(quiet: bool = False) -> None:
    """Print the models' progress on stderr, if it is a terminal and the user did not ask for quiet."""
    if quiet or not sys.stderr.isatty() or any(getattr(h, "progress", False) for h in log.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.progress = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(logging.INFO)
