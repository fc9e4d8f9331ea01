"""Outcomes of deals won or lost (bot/services/outcomes.py): ids, kinds, topics, times and feedback kinds, never
a coaching's text or a summary's words."""

from __future__ import annotations

from typing import Any

from bot.store.base import Backend


class OutcomeQueries(Backend):
    def closed_deals(self, team_id: str, since: str = "") -> list[dict[str, Any]]:
        """The workspace's deals won or lost since `since` (index deals(team_id, status, closed_at))."""
        return self._rows(
            "SELECT id, status, closed_at, created_at, owner_id FROM deals WHERE team_id = ? "
            "AND status IN ('won', 'lost') AND coalesce(closed_at, '') >= ? ORDER BY id", [team_id, since])

    def closed_deal_coachings(self, team_id: str, since: str = "") -> list[dict[str, Any]]:
        """The coachings of each deal won or lost since `since`, up to the day it closed: asked for the deal
        (`coach ask --deal`) or coached in its channel (or its thread); with how many marked them helpful and
        said they used the talk track."""
        closed = ("d.team_id = :team AND d.status IN ('won', 'lost') AND coalesce(d.closed_at, '') >= :since "
                  "AND substr(c.created_at, 1, 10) <= substr(coalesce(d.closed_at, c.created_at), 1, 10)")
        marks = ("(SELECT count(*) FROM feedback f WHERE f.coaching_id = c.id AND f.kind = 'helpful') AS helpful, "
                 "(SELECT count(*) FROM feedback f WHERE f.coaching_id = c.id AND f.kind = 'used') AS used")
        columns = f"d.id AS deal_id, c.id AS coaching_id, c.label, c.topic, c.created_at, {marks}"
        params = {"team": team_id, "since": since}
        # CROSS JOIN fixes the order. Coachings asked for a deal: the coachings first, each finding its deal by id
        # (walked from the deals, SQLite scanned every coaching per deal once ANALYZE saw deal_id mostly NULL:
        # 400 ms at 10,000 coachings, bench/team_view.py). Coachings in a deal's room: the closed deals first
        # (index deals(team_id, status, closed_at)), then each one's (coachings(team_id, channel, id)).
        asked = self._rows(f"SELECT {columns} FROM coachings c CROSS JOIN deals d WHERE c.deal_id IS NOT NULL "
                           f"AND c.deal_id = d.id AND c.team_id = d.team_id AND {closed}", params)
        in_channel = self._rows(
            f"SELECT {columns} FROM deals d CROSS JOIN coachings c WHERE c.team_id = d.team_id "
            f"AND c.channel = d.channel AND {closed} AND d.channel != '' AND c.deal_id IS NULL "
            f"AND (d.thread_ts = '' OR c.thread_ts = d.thread_ts OR c.message_ts = d.thread_ts)", params)
        return sorted(asked + in_channel, key=lambda r: (r["deal_id"], r["coaching_id"]))

    def closed_deal_obstacles(self, team_id: str, since: str = "") -> list[dict[str, Any]]:
        """The obstacles (JSON lists) of every summary of each deal won or lost since `since`."""
        return self._rows(
            "SELECT s.deal_id, s.obstacles FROM summaries s JOIN deals d ON d.id = s.deal_id "
            "WHERE s.team_id = ? AND d.team_id = ? AND d.status IN ('won', 'lost') "
            "AND coalesce(d.closed_at, '') >= ? ORDER BY s.id", [team_id, team_id, since])
