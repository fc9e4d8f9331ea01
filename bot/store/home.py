"""The Home tab and the manager's report: read queries (migration m012_home), each walking an index;
the weekly report's once-a-week claim."""

from __future__ import annotations

from typing import Any

from bot.store.base import Backend, now_iso


class HomeQueries(Backend):
    def open_deals_of(self, team_id: str, owner_id: str) -> list[dict[str, Any]]:
        """A seller's open deals (index deals(team_id, owner_id, status))."""
        return self._rows(
            "SELECT * FROM deals WHERE team_id = ? AND owner_id = ? AND status = 'open' ORDER BY id",
            [team_id, owner_id])

    def recent_coachings_of(self, team_id: str, user_id: str, limit: int) -> list[dict[str, Any]]:
        """A seller's own latest coachings: kind, topic, when, and the latest feedback they gave on each (never
        the text; index coachings(team_id, user_id, id), feedback(coaching_id))."""
        return self._rows(
            "SELECT c.id, c.label, c.topic, c.created_at, c.source, "
            "(SELECT f.kind FROM feedback f WHERE f.coaching_id = c.id AND f.user_id = ? ORDER BY f.id DESC LIMIT 1)"
            " AS feedback FROM coachings c WHERE c.team_id = ? AND c.user_id = ? ORDER BY c.id DESC LIMIT ?",
            [user_id, team_id, user_id, limit])

    def resistance_by_day(self, team_id: str, since: str) -> list[dict[str, Any]]:
        """Coachings per day, kind and topic since `since` (index coachings(team_id, created_at)): counts only."""
        return self._rows(
            "SELECT substr(created_at, 1, 10) AS day, label, topic, count(*) AS n FROM coachings "
            "WHERE team_id = ? AND created_at >= ? GROUP BY substr(created_at, 1, 10), label, topic",
            [team_id, since])

    def open_deal_obstacles(self, team_id: str) -> list[str]:
        """The obstacles (JSON lists) of each open deal's latest summary (index summaries(team_id, deal_id, id))."""
        rows = self._rows(
            "SELECT s.obstacles FROM summaries s JOIN deals d ON d.id = s.deal_id WHERE d.status = 'open' "
            "AND s.id IN (SELECT max(id) FROM summaries WHERE team_id = ? AND deal_id IS NOT NULL GROUP BY deal_id)",
            [team_id])
        return [row["obstacles"] for row in rows]

    def feedback_counts(self, team_id: str, since: str) -> dict[str, int]:
        """Feedback given since `since`, by kind (index feedback(team_id, created_at))."""
        return {row["kind"]: row["n"] for row in self._rows(
            "SELECT kind, count(*) AS n FROM feedback WHERE team_id = ? AND created_at >= ? GROUP BY kind",
            [team_id, since])}

    def home_chart(self, team_id: str, day: str, lang: str) -> str | None:
        """The Slack file id of the chart already uploaded for this workspace, day and language."""
        row = self._first("SELECT file_id FROM home_charts WHERE team_id = ? AND day = ? AND lang = ?",
                          [team_id, day, lang])
        return row["file_id"] if row else None

    def save_home_chart(self, team_id: str, day: str, lang: str, file_id: str) -> None:
        self.execute(
                "INSERT INTO home_charts (team_id, day, lang, file_id, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (team_id, day, lang) DO UPDATE SET file_id = excluded.file_id",
                [team_id, day, lang, file_id, now_iso()])

    def claim_report(self, team_id: str, channel: str, week: str) -> bool:
        """Claim this week's report for a channel; False when another run (or worker) already has."""
        return self.execute(
                "INSERT INTO report_posts (team_id, channel, week, claimed_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (team_id, channel, week) DO NOTHING", [team_id, channel, week, now_iso()]).rowcount == 1

    def teams(self) -> list[str]:
        """Workspaces with coachings or deals (a covering scan of indexes coachings(team_id, …), deals(team_id, …))."""
        return [row["team_id"] for row in self._rows(
            "SELECT team_id FROM coachings WHERE team_id IS NOT NULL UNION SELECT team_id FROM deals ORDER BY 1")]

    def release_report(self, team_id: str, channel: str, week: str) -> None:
        """Give back a week's claim whose post failed, so the next run tries again."""
        self.execute("DELETE FROM report_posts WHERE team_id = ? AND channel = ? AND week = ?",
                            [team_id, channel, week])
