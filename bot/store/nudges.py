"""Nudges: the stalled-deal candidates, and the once-a-week claim on each owner's nudge."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.store.base import Backend, stamp


class NudgeRecords(Backend):
    def stall_candidates(self, now: datetime, stall_days: int, follow_up_days: int,
                         team_id: str | None = None) -> Iterator[tuple[dict[str, Any], tuple[str, str]]]:
        """(deal, (reason code, detail)) for each reason an open, unsnoozed deal has to be nudged about."""
        params = self.stall_params(now, stall_days, follow_up_days, team_id)
        for code, sql in self.stall_queries().items():
            for row in self._rows(sql, params):
                detail = row.pop("detail")
                yield row, (code, detail)

    @staticmethod
    def stall_params(now: datetime, stall_days: int, follow_up_days: int, team_id: str | None) -> dict[str, Any]:
        return {
            "now": stamp(now),
            "cutoff": stamp(now - timedelta(days=stall_days)),
            "today": now.astimezone(UTC).date().isoformat(),
            "follow": stamp(now - timedelta(days=follow_up_days)),
            "team": team_id,
        }

    @staticmethod
    def stall_queries() -> dict[str, str]:
        """One query per reason a deal may have stalled; each walks an index (bench/nudges.py shows the plans)."""
        live = ("d.status = 'open' AND coalesce(d.snoozed_until, '') <= :now "
                "AND (:team IS NULL OR d.team_id = :team)")
        return {
            "silent": f"SELECT d.*, '' AS detail FROM deals d WHERE {live} AND d.last_activity_at < :cutoff",
            "close_date_passed": f"SELECT d.*, '' AS detail FROM deals d WHERE {live} AND d.close_date < :today "
                                 "AND d.close_date != '' AND (d.stage_changed_at IS NULL "
                                 "OR substr(d.stage_changed_at, 1, 10) <= d.close_date)",
            # the latest summary of each deal, when it flagged obstacles
            "obstacle": f"SELECT d.*, s.obstacles AS detail FROM summaries s JOIN deals d ON d.id = s.deal_id "
                        f"WHERE s.id IN (SELECT max(id) FROM summaries WHERE deal_id IS NOT NULL GROUP BY deal_id) "
                        f"AND s.obstacles != '[]' AND {live}",
            # the latest coaching in each deal's channel, when nothing was posted in the deal after it
            "objection_open": f"SELECT d.*, c.label || '|' || c.created_at AS detail FROM coachings c JOIN deals d "
                              f"ON d.team_id = c.team_id AND d.channel = c.channel AND d.thread_ts = '' "
                              f"WHERE c.id IN (SELECT max(id) FROM coachings GROUP BY team_id, channel) "
                              f"AND c.created_at > d.last_activity_at AND c.created_at < :follow AND {live}",
        }

    def claim_nudge(self, team_id: str, owner_id: str, week: str, now: datetime, lease: timedelta) -> str:
        """Claim the right to send this owner's nudge for this week.

        'new': first claim, send it. 'reclaimed': an earlier attempt failed or died mid-send (its lease ran
        out); look for its message before sending. 'already_sent' / 'busy' (another run holds a live claim):
        send nothing. Each step is a single conditional write, so two processes never both win.
        """
        key = [team_id, owner_id, week]
        if self.execute("INSERT INTO nudges (team_id, owner_id, week, status, claimed_at, attempts) "
                        "VALUES (?, ?, ?, 'sending', ?, 1) ON CONFLICT DO NOTHING", [*key, stamp(now)]).rowcount:
            return "new"
        if self.execute(
                "UPDATE nudges SET status = 'sending', claimed_at = ?, attempts = attempts + 1 "
                "WHERE team_id = ? AND owner_id = ? AND week = ? "
                "AND (status = 'failed' OR (status = 'sending' AND claimed_at < ?))",
                [stamp(now), *key, stamp(now - lease)]).rowcount:
            return "reclaimed"
        row = self._first("SELECT status FROM nudges WHERE team_id = ? AND owner_id = ? AND week = ?", key)
        return "already_sent" if row and row["status"] == "sent" else "busy"

    def nudge_sent(self, team_id: str, owner_id: str, week: str, channel: str, ts: str, deal_ids: list[int],
                   now: datetime) -> None:
        self._update("nudges", {"team_id": team_id, "owner_id": owner_id, "week": week}, {
            "status": "sent", "channel": channel, "ts": ts, "sent_at": stamp(now), "deal_ids": json.dumps(deal_ids),
            "error": None})

    def nudge_failed(self, team_id: str, owner_id: str, week: str, error: str) -> None:
        self._update("nudges", {"team_id": team_id, "owner_id": owner_id, "week": week},
                     {"status": "failed", "error": error})

    def nudges(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM nudges ORDER BY claimed_at, team_id, owner_id, week")
