"""What every listener shares: the coaching core, the store, who can read which conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.coach import Coach
from bot.slack.audience import Audience
from bot.store import Store
from bot.summarize import Summarizer


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

