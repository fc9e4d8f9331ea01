"""The agent view: the conversation a seller is looking at, the stop button, and what a stop leaves."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.store.base import Backend, now_iso, stamp


class AgentViewRecords(Backend):
    def set_seller_view(self, team_id: str, user_id: str, channel: str | None, thread_ts: str | None = None) -> None:
        """The conversation the seller is looking at now (None: something that is no conversation)."""
        self._upsert("seller_views", {"team_id": team_id, "user_id": user_id, "channel": channel or "",
                                      "thread_ts": thread_ts or "", "seen_at": now_iso()}, pk=("team_id", "user_id"))

    def seller_view(self, team_id: str, user_id: str, since: datetime) -> dict[str, Any] | None:
        """The conversation the seller was last seen looking at, if that was after `since` and a conversation."""
        return self._first("SELECT * FROM seller_views WHERE team_id = ? AND user_id = ? AND seen_at > ? "
                           "AND channel != ''", [team_id, user_id, stamp(since)])

    def stop_session(self, team_id: str, channel: str, thread_ts: str) -> None:
        """The seller pressed stop on the coaching in this thread (when, to the microsecond: a coaching that
        started a moment later is not stopped by it)."""
        self._upsert("session_stops", {"team_id": team_id, "channel": channel, "thread_ts": thread_ts,
                                       "stopped_at": datetime.now(UTC).isoformat()},
                     pk=("team_id", "channel", "thread_ts"))

    def session_stopped(self, team_id: str, channel: str, thread_ts: str, since: str) -> bool:
        """Whether stop was pressed in this thread at or after `since` (`datetime.isoformat()` of a coaching's
        start, to the microsecond)."""
        return self._first("SELECT 1 AS yes FROM session_stops WHERE team_id = ? AND channel = ? AND thread_ts = ? "
                           "AND stopped_at >= ?", [team_id, channel, thread_ts, since]) is not None

    def set_on_stop(self, team_id: str, user_id: str, choice: str) -> None:
        """What a stopped coaching leaves: "offline" (the playbook answer) or "nothing"."""
        self._upsert("seller_settings", {"team_id": team_id, "user_id": user_id, "on_stop": choice,
                                         "updated_at": now_iso()}, pk=("team_id", "user_id"))

    def on_stop(self, team_id: str, user_id: str) -> str:
        row = self._first("SELECT on_stop FROM seller_settings WHERE team_id = ? AND user_id = ?", [team_id, user_id])
        return (row or {}).get("on_stop") or "offline"
