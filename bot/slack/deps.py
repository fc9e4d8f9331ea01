"""What every listener shares (the coaching core, the store, who can read which conversation), and the Bolt
middleware that hands it to them.

Bolt passes a listener each argument it names (`ack`, `body`, `client`, ...) and, besides, every key a
middleware put in the request's `context`. `provide_deps` puts this app's Deps there as `deps`, so a listener is
a plain top-level function that names `deps` like any other argument, and a test calls it with a fake one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import BoltContext

from bot.services.coach import Coach
from bot.services.summarize import Summarizer
from bot.slack.audience import Audience
from bot.store import Store

CONTEXT_KEY = "deps"


@dataclass
class Deps:
    """What the listeners share: the coaching core, the store, and who can read which conversation."""

    coach: Coach
    store: Store
    summarizer: Summarizer
    audience: Audience = field(default_factory=Audience)

    def __deepcopy__(self, memo: dict[int, Any]) -> Deps:
        # Bolt deep-copies a request's context for each lazy listener. These are the process' shared services
        # (database pool, loaded models, caches), not per-request data: every copy is this same object.
        return self

    def __copy__(self) -> Deps:
        return self


def provide_deps(deps: Deps) -> Callable[..., None]:
    """The global middleware that makes `deps` an argument of every listener (see the module's docstring)."""

    def provide_deps(context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002  # Bolt's name for it
        context[CONTEXT_KEY] = deps
        next()

    return provide_deps
