"""What several commands share."""

from __future__ import annotations

import sys
from typing import Any


def parse_now(raw: str | None) -> Any:
    """--now as an aware datetime (a time without a zone is UTC); None if absent; False (reported) if bad."""
    from datetime import UTC, datetime

    if not raw:
        return None
    try:
        now = datetime.fromisoformat(raw)
    except ValueError:
        print(f"error: --now must be ISO 8601 (e.g. 2026-11-23T09:00:00+01:00), got {raw!r}", file=sys.stderr)
        return False
    return now if now.tzinfo else now.replace(tzinfo=UTC)
