"""Deals: tracked channels or threads, their activity and their summaries (always per workspace)."""

from __future__ import annotations

import json
from typing import Any

from bot.store.base import Backend, now_iso


class DealRecords(Backend):
    def track_deal(self, team_id: str, channel: str, thread_ts: str, name: str, owner_id: str) -> dict[str, Any]:
        """Register (or re-open and rename) a deal; registering counts as its first activity.

        One conditional write, so two `/objection track` at once in one channel both get the one deal."""
        now = now_iso()
        (row,) = self._rows(
            "INSERT INTO deals (team_id, channel, thread_ts, name, owner_id, status, created_at, "
            "last_activity_at, message_count) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, 0) "
            "ON CONFLICT (team_id, channel, thread_ts) DO UPDATE SET name = excluded.name, "
            "owner_id = excluded.owner_id, status = 'open', last_activity_at = excluded.last_activity_at "
            "RETURNING *",
            [team_id, channel, thread_ts, name, owner_id, now, now],
        )
        return row

    def deal(self, team_id: str, channel: str, thread_ts: str = "") -> dict[str, Any] | None:
        return self._first("SELECT * FROM deals WHERE team_id = ? AND channel = ? AND thread_ts = ?",
                           [team_id, channel, thread_ts])

    def deal_for_message(self, team_id: str, channel: str, thread_ts: str | None) -> dict[str, Any] | None:
        """The open deal a message belongs to: its thread if that is tracked, else its channel."""
        return self._first(
            "SELECT * FROM deals WHERE team_id = ? AND channel = ? AND status = 'open' AND thread_ts IN (?, '') "
            "ORDER BY thread_ts DESC LIMIT 1", [team_id, channel, thread_ts or ""])

    def untrack_deal(self, team_id: str, channel: str, thread_ts: str = "") -> bool:
        return self.execute(
            "UPDATE deals SET status = 'untracked' WHERE team_id = ? AND channel = ? AND thread_ts = ? "
            "AND status != 'untracked'", [team_id, channel, thread_ts]).rowcount == 1

    def deals(self, team_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM deals WHERE team_id = ? ORDER BY id", [team_id])

    def record_activity(self, deal_id: int, user_id: str, ts: str) -> None:
        """A message in a tracked deal: when and who, never what."""
        with self.transaction() as tx:
            tx.execute("UPDATE deals SET last_activity_at = ?, message_count = message_count + 1 WHERE id = ?",
                       [now_iso(), deal_id])
            tx.execute(
                "INSERT INTO deal_people (deal_id, user_id, messages, last_ts) VALUES (?, ?, 1, ?) "
                # events arrive out of order (retries, parallel workers): keep the latest ts, not the last one seen
                "ON CONFLICT (deal_id, user_id) DO UPDATE SET messages = deal_people.messages + 1, last_ts = CASE "
                "WHEN CAST(excluded.last_ts AS NUMERIC) > CAST(deal_people.last_ts AS NUMERIC) "
                "THEN excluded.last_ts ELSE deal_people.last_ts END",
                [deal_id, user_id, ts],
            )

    def save_summary(self, team_id: str, channel: str, thread_ts: str, deal_id: int | None, obstacles: list[str],
                     objections: list[str], stalled: bool, next_step: str) -> None:
        self._insert("summaries", {
            "team_id": team_id, "channel": channel, "thread_ts": thread_ts, "deal_id": deal_id,
            "created_at": now_iso(), "obstacles": json.dumps(obstacles), "objections": json.dumps(objections),
            "stalled": int(stalled), "next_step": next_step})

    def summaries(self, team_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM summaries WHERE team_id = ? ORDER BY id", [team_id])

    def update_deal(self, deal_id: int, **values: Any) -> None:
        self._update("deals", {"id": deal_id}, values)

    def deal_by_id(self, deal_id: int) -> dict[str, Any] | None:
        return self._first("SELECT * FROM deals WHERE id = ?", [deal_id])
