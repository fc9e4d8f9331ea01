"""Coachings and what sellers said of them (feedback, "Diagnose differently"), and where each
was posted."""

from __future__ import annotations

from typing import Any

from bot.store.base import Backend, now_iso


class CoachingRecords(Backend):
    def log_coaching(self, **row: Any) -> int:
        row.setdefault("created_at", now_iso())
        return self._insert("coachings", row)

    def coachings(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM coachings ORDER BY id")

    def coaching(self, coaching_id: int) -> dict[str, Any] | None:
        return self._first("SELECT * FROM coachings WHERE id = ?", [coaching_id])

    def mark_posted(self, coaching_id: int, channel: str, message_ts: str, thread_ts: str | None = None) -> None:
        self._update("coachings", {"id": coaching_id},
                     {"channel": channel, "message_ts": message_ts, "thread_ts": thread_ts})

    def add_feedback(
        self, coaching_id: int, team_id: str | None, user_id: str | None, kind: str, label: str | None = None
    ) -> None:
        self._insert("feedback", {"coaching_id": coaching_id, "team_id": team_id, "user_id": user_id, "kind": kind,
                                  "label": label, "created_at": now_iso()})

    def feedback(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM feedback ORDER BY id")
