"""Practice: sessions per seller and conversation, and every scored answer (always per workspace)."""

from __future__ import annotations

from typing import Any

from bot.store.base import Backend, now_iso


class PracticeRecords(Backend):
    def save_practice_session(self, team_id: str, channel: str, thread_ts: str, user_id: str, **values: Any) -> None:
        now = now_iso()
        key = {"team_id": team_id, "channel": channel, "thread_ts": thread_ts, "user_id": user_id}
        existing = self.practice_session(team_id, channel, thread_ts, user_id)
        row = {**key, **values, "updated_at": now, "created_at": existing["created_at"] if existing else now}
        self._upsert("practice_sessions", row, pk=("team_id", "channel", "thread_ts", "user_id"))

    def practice_session(self, team_id: str, channel: str, thread_ts: str, user_id: str) -> dict[str, Any] | None:
        return self._first("SELECT * FROM practice_sessions WHERE team_id = ? AND channel = ? AND thread_ts = ? "
                           "AND user_id = ?", [team_id, channel, thread_ts, user_id])

    def is_practice_thread(self, team_id: str, channel: str, thread_ts: str) -> bool:
        """Whether any seller practises in this thread (its messages are answers to a buyer, not objections)."""
        return self._first("SELECT 1 AS found FROM practice_sessions WHERE team_id = ? AND channel = ? "
                           "AND thread_ts = ? LIMIT 1", [team_id, channel, thread_ts]) is not None

    def log_practice_answer(self, **row: Any) -> int:
        row.setdefault("created_at", now_iso())
        return self._insert("practice_answers", row)

    def practice_answers_in(self, team_id: str, channel: str, thread_ts: str, user_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM practice_answers WHERE team_id = ? AND channel = ? AND thread_ts = ? "
                          "AND user_id = ? ORDER BY id", [team_id, channel, thread_ts, user_id])

    def practice_answers_of(self, team_id: str, user_id: str | None) -> list[dict[str, Any]]:
        """A seller's scored answers (with no user, the team's), oldest first: kind, checks (JSON), score, when."""
        who, params = ("", [team_id]) if user_id is None else (" AND user_id = ?", [team_id, user_id])
        return self._rows(f"SELECT kind, checks, score, created_at FROM practice_answers WHERE team_id = ?{who} "
                          "ORDER BY id", params)
