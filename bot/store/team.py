"""The manager's team view (bot/services/team_view.py): per-seller aggregates, one grouped query per table (counts,
kinds, check results and ids, never a coaching's text or a practice reply), and practice assignments."""

from __future__ import annotations

from typing import Any

from bot.store.base import Backend, now_iso


class TeamQueries(Backend):
    def coachings_per_seller(self, team_id: str, since: str, split: str) -> list[dict[str, Any]]:
        """Per seller, coachings asked from `since` to `split` (`earlier`) and from `split` on (`recent`); index
        coachings(team_id, created_at)."""
        return self._rows(
            "SELECT user_id, sum(CASE WHEN created_at >= :split THEN 1 ELSE 0 END) AS recent, "
            "sum(CASE WHEN created_at < :split THEN 1 ELSE 0 END) AS earlier FROM coachings "
            "WHERE team_id = :team AND created_at >= :since AND user_id IS NOT NULL GROUP BY user_id",
            {"team": team_id, "since": since, "split": split})

    def practice_per_seller(self, team_id: str, since: str, split: str) -> list[dict[str, Any]]:
        """Per seller, answers grouped by their checks (the JSON text: a few distinct values) and by half of the
        period (`late`: 1 from `split` on); index practice_answers(team_id, user_id, created_at)."""
        return self._rows(
            "SELECT user_id, checks, CASE WHEN created_at >= :split THEN 1 ELSE 0 END AS late, count(*) AS n "
            "FROM practice_answers WHERE team_id = :team AND created_at >= :since "
            "GROUP BY user_id, checks, CASE WHEN created_at >= :split THEN 1 ELSE 0 END",
            {"team": team_id, "since": since, "split": split})

    def deals_per_owner(self, team_id: str, since: str, split: str) -> list[dict[str, Any]]:
        """Per owner and status: open deals, and deals closed since `since` (`late`: closed from `split` on);
        index deals(team_id, owner_id, status)."""
        return self._rows(
            "SELECT owner_id, status, CASE WHEN coalesce(closed_at, '') >= :split THEN 1 ELSE 0 END AS late, "
            "count(*) AS n FROM deals WHERE team_id = :team AND (status = 'open' OR (status IN ('won', 'lost') "
            "AND coalesce(closed_at, '') >= :since)) "
            "GROUP BY owner_id, status, CASE WHEN coalesce(closed_at, '') >= :split THEN 1 ELSE 0 END",
            {"team": team_id, "since": since, "split": split})

    def closed_deal_kinds(self, team_id: str, since: str) -> list[dict[str, Any]]:
        """Per owner, kind and outcome: how many deals closed since `since` met that kind (coachings asked for
        the deal or in its channel or thread, up to its close)."""
        closed = ("d.team_id = :team AND d.status IN ('won', 'lost') AND coalesce(d.closed_at, '') >= :since "
                  "AND c.team_id = d.team_id "
                  "AND substr(c.created_at, 1, 10) <= substr(coalesce(d.closed_at, c.created_at), 1, 10)")
        # two walks, as in closed_deal_coachings: the coachings asked for a deal (one pass over coachings, each
        # finding its deal by id: with most deal_id NULL, SQLite's statistics make a walk from the deals scan
        # every coaching per deal), then the closed deals' rooms (index coachings(team_id, channel, id));
        # UNION keeps each deal and kind once
        return self._rows(
            "SELECT owner_id, status, label, count(*) AS n FROM ("
            f"SELECT d.id, d.owner_id, d.status, c.label FROM coachings c CROSS JOIN deals d "
            f"WHERE c.deal_id IS NOT NULL AND c.deal_id = d.id AND {closed} UNION "
            f"SELECT d.id, d.owner_id, d.status, c.label FROM deals d CROSS JOIN coachings c "
            f"WHERE c.channel = d.channel AND {closed} AND d.channel != '' AND c.deal_id IS NULL "
            "AND (d.thread_ts = '' OR c.thread_ts = d.thread_ts OR c.message_ts = d.thread_ts)) met "
            "GROUP BY owner_id, status, label", {"team": team_id, "since": since})

    # --- practice assignments (migration m020) ---

    def assign_practice(self, team_id: str, user_id: str, assigned_by: str, check_name: str | None = None,
                        kind: str | None = None) -> int | None:
        """Ask a seller to practise a check and/or a kind; None when the same one is already open for them."""
        open_same = self._first(
            "SELECT id FROM practice_assignments WHERE team_id = ? AND user_id = ? AND done_at IS NULL "
            "AND coalesce(check_name, '') = ? AND coalesce(kind, '') = ?",
            [team_id, user_id, check_name or "", kind or ""])
        if open_same is not None:
            return None
        return int(self._insert("practice_assignments", {
            "team_id": team_id, "user_id": user_id, "check_name": check_name, "kind": kind,
            "assigned_by": assigned_by, "created_at": now_iso()}))

    def open_assignments(self, team_id: str, user_id: str | None = None) -> list[dict[str, Any]]:
        """Assignments not yet done (a seller's, or with no user the workspace's), oldest first."""
        who, params = ("", [team_id]) if user_id is None else (" AND user_id = ?", [team_id, user_id])
        return self._rows(f"SELECT * FROM practice_assignments WHERE team_id = ?{who} AND done_at IS NULL "
                          "ORDER BY id", params)

    def assignment(self, team_id: str, assignment_id: int) -> dict[str, Any] | None:
        return self._first("SELECT * FROM practice_assignments WHERE team_id = ? AND id = ?", [team_id, assignment_id])

    def complete_assignments(self, team_id: str, user_id: str, kind: str) -> int:
        """A seller finished a practice of `kind`: their open assignments of that kind (or of no kind) are done."""
        return self.execute(
            "UPDATE practice_assignments SET done_at = ? WHERE team_id = ? AND user_id = ? AND done_at IS NULL "
            "AND (kind IS NULL OR kind = '' OR kind = ?)", [now_iso(), team_id, user_id, kind]).rowcount
