"""Who can read a conversation. Deal rooms are often Slack Connect channels shared with the buyer's company:
coaching, summaries and anything with deal context must never be posted where people outside the workspace read.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)
SHARED_TTL = 300.0  # seconds a channel's shared state is trusted; sharing a channel is rare, a call per message is not
UNKNOWN_TTL = 30.0  # an unknown state (API error, missing scope) counts as shared, and is asked again sooner


def outsiders_in(info: dict[str, Any], team_id: str) -> bool:
    """Whether people outside `team_id` can read the conversation `conversations.info` describes.

    Connected or pending Slack Connect channels, and any channel shared with another workspace (an Enterprise
    Grid org-wide channel included: we cannot tell another workspace of the same org from a stranger here)."""
    if info.get("is_ext_shared") or info.get("is_pending_ext_shared"):
        return True
    teams = {*(info.get("shared_team_ids") or []), *(info.get("connected_team_ids") or []),
             *(info.get("pending_connected_team_ids") or [])}
    return bool(teams - {team_id})


class Audience:
    """Remembers each conversation's shared state for a few minutes (in memory, per process)."""

    def __init__(self, ttl: float = SHARED_TTL, unknown_ttl: float = UNKNOWN_TTL):
        self.ttl, self.unknown_ttl = ttl, unknown_ttl
        self._known: dict[tuple[str, str], tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def outsiders_can_read(self, client: WebClient, team_id: str, channel: str) -> bool:
        if channel.startswith("D"):
            return False  # a 1:1 DM with the app: only the person who wrote to it reads it
        key = (team_id, channel)
        now = time.monotonic()
        with self._lock:
            until, shared = self._known.get(key, (0.0, True))
        if until > now:
            return shared
        try:
            info = client.conversations_info(channel=channel).get("channel") or {}
            shared, ttl = outsiders_in(info, team_id), self.ttl
        except SlackApiError as exc:  # not found, missing scope...: unknown, which counts as shared
            log.warning("cannot tell who reads %s (%s); treating it as shared", channel, exc.response.get("error"))
            shared, ttl = True, self.unknown_ttl
        except Exception as exc:  # noqa: BLE001  # a network failure leaves it just as unknown
            log.warning("cannot tell who reads %s (%s); treating it as shared", channel, type(exc).__name__)
            shared, ttl = True, self.unknown_ttl
        with self._lock:
            self._known[key] = (now + ttl, shared)
        return shared
