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

    def rate_coaching(self, coaching_id: int, team_id: str | None, user_id: str | None, kind: str) -> None:
        """A seller's helpful / not helpful on a coaching: their latest click is what counts. Slack's feedback
        buttons say which was clicked, not whether it was clicked on or off, so each click replaces the seller's
        earlier rating of that coaching (a "Diagnose differently" is kept beside it)."""
        with self.transaction() as tx:
            tx.execute("DELETE FROM feedback WHERE coaching_id = ? AND user_id = ? AND kind IN ('helpful', "
                       "'not_helpful')", [coaching_id, user_id])
            tx.execute("INSERT INTO feedback (coaching_id, team_id, user_id, kind, label, created_at) "
                       "VALUES (?, ?, ?, ?, NULL, ?)", [coaching_id, team_id, user_id, kind, now_iso()])

    def feedback(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM feedback ORDER BY id")

    def latest_coaching_id(self, team_id: str) -> int | None:
        row = self._first("SELECT max(id) AS id FROM coachings WHERE team_id = ?", [team_id])
        return row["id"] if row else None

    def link_coaching(self, coaching_id: int, deal_id: int) -> None:
        """A coaching asked for one deal (`coach ask --deal`); Slack's are linked by the deal's channel."""
        self._update("coachings", {"id": coaching_id}, {"deal_id": deal_id})
