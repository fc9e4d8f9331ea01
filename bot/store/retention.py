"""Retention: what is kept, for how long, and deleting one workspace."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.store.base import Backend, stamp


class Retention(Backend):
    def prune(self, now: datetime, retention_days: int, text_retention_days: int,
              dry_run: bool = False) -> dict[str, int]:
        """Delete what is past its retention (or, with `dry_run`, count it); returns the rows per step.

        Deliveries seen: a day (Slack retries within minutes). Text the seller pasted or shared (coachings,
        thread turns, a thread's deal context, a call's text and quotes, a practice of a call's moment) is
        blanked after `text_retention_days`, the rows themselves deleted after `retention_days`. The model cache
        holds answers about that text, so it goes after the text period.
        Deals that ended (won, lost, untracked) go once quiet for `retention_days`; open ones stay. A workspace
        that uninstalled the app more than `retention_days` ago goes whole (`uninstalled_workspaces` counts them).
        `coach serve`'s daily job and `coach prune` (cron) both run this, so neither forgets a step.
        """
        params = {"old": stamp(now - timedelta(days=retention_days)),
                  "old_text": stamp(now - timedelta(days=min(text_retention_days, retention_days))),
                  "day": stamp(now - timedelta(days=1))}
        # deals won, lost or untracked, with nothing happening for the whole retention period
        ended = "status != 'open' AND last_activity_at < :old AND coalesce(closed_at, '') < :old"
        steps: list[tuple[str, str, str | None, str]] = [
            # (step, table, SET clause for a blanking step or None to delete, WHERE)
            ("events_seen", "events_seen", None, "seen_at < :day"),
            ("open_streams", "open_streams", None, "started_at < :day"),  # Slack ended those streams long ago
            ("session_stops", "session_stops", None, "stopped_at < :day"),  # read only while a coaching runs
            ("seller_views", "seller_views", None, "seen_at < :old"),
            ("oauth_states", "oauth_states", None, "created_at < :day"),
            ("llm_cache", "llm_cache", None, "created_at < :old_text"),
            ("llm_calls", "llm_calls", None, "created_at < :old"),
            ("feedback", "feedback", None, "coaching_id IN (SELECT id FROM coachings WHERE created_at < :old)"),
            ("coachings", "coachings", None, "created_at < :old"),
            ("coachings_text", "coachings", "text = '', context = ''",
             "created_at < :old_text AND (coalesce(text, '') != '' OR coalesce(context, '') != '')"),
            ("thread_turns", "thread_turns", None, "created_at < :old"),
            ("thread_turns_text", "thread_turns", "text = ''", "created_at < :old_text AND coalesce(text, '') != ''"),
            ("threads", "threads", None,
             "created_at < :old AND NOT EXISTS (SELECT 1 FROM thread_turns t WHERE t.team_id = threads.team_id "
             "AND t.channel = threads.channel AND t.thread_ts = threads.thread_ts)"),
            ("threads_context", "threads", "context = ''", "created_at < :old_text AND coalesce(context, '') != ''"),
            ("practice_answers", "practice_answers", None, "created_at < :old"),
            ("practice_answers_text", "practice_answers", "reply = ''",
             "created_at < :old_text AND coalesce(reply, '') != ''"),
            ("practice_sessions", "practice_sessions", None, "updated_at < :old"),
            # a practice of a call's moment holds the buyer's real words: they go with the text
            ("practice_sessions_text", "practice_sessions", "scenario = '', buyer_text = ''",
             "updated_at < :old_text AND coalesce(scenario, '') != ''"),
            ("call_answers", "call_answers", None, "created_at < :old"),
            ("call_reviews", "call_reviews", None, "created_at < :old"),
            ("call_reviews_text", "call_reviews", "text = '', speakers = '', moments = ''",
             "created_at < :old_text AND (coalesce(text, '') != '' OR coalesce(speakers, '') != '' "
             "OR coalesce(moments, '') != '')"),
            ("nudges", "nudges", None, "claimed_at < :old"),
            ("user_timezones", "user_timezones", None, "fetched_at < :old"),
            ("home_charts", "home_charts", None, "created_at < :day"),  # a chart is reused for its day only
            ("report_posts", "report_posts", None, "claimed_at < :old"),
            # old summaries, except each open deal's latest (a stalled-deal reason reads it)
            ("summaries", "summaries", None,
             f"created_at < :old AND (deal_id IS NULL OR deal_id IN (SELECT id FROM deals WHERE {ended}) "
             "OR id NOT IN (SELECT max(id) FROM summaries WHERE deal_id IS NOT NULL GROUP BY deal_id))"),
            ("deal_people", "deal_people", None, f"deal_id IN (SELECT id FROM deals WHERE {ended})"),
            ("deals", "deals", None, ended),
            ("deal_imports", "deal_imports", None, "imported_at < :old"),
            ("practice_assignments", "practice_assignments", None, "created_at < :old"),
        ]
        counts = self._run_steps(steps, params, dry_run)
        counts["uninstalled_workspaces"] = len(self.forget_uninstalled(now, retention_days, dry_run))
        return counts

    def forget_team(self, team_id: str, dry_run: bool = False) -> dict[str, int]:
        """Delete every row of one workspace: its coachings, deals, installs, answer cache, learned examples and
        model. Cached model answers without a workspace (the CLI's, and those cached before the cache was kept per
        workspace, which may be about this workspace's text) go too."""
        team = "team_id = :team"
        steps: list[tuple[str, str, str | None, str]] = [
            (table, table, None, where) for table, where in [
                ("feedback", team), ("coachings", team), ("thread_turns", team), ("threads", team),
                ("events_seen", team), ("open_streams", team),
                ("deal_people", "deal_id IN (SELECT id FROM deals WHERE team_id = :team)"),
                ("summaries", team), ("deals", team), ("nudges", team), ("nudge_optouts", team),
                ("user_timezones", team),
                # an org-wide install is kept with no team, under its enterprise: the key its data has
                ("installations", f"({team} OR (team_id = '' AND enterprise_id = :team))"), ("uninstalls", team),
                ("practice_sessions", team), ("practice_answers", team), ("call_answers", team),
                ("call_reviews", team), ("home_charts", team),
                ("report_posts", team), ("greetings", team), ("llm_cache", f"({team} OR team_id IS NULL)"),
                ("team_examples", team), ("team_learning", team), ("team_models", team),
                ("seller_views", team), ("session_stops", team), ("seller_settings", team),
                ("deal_imports", team), ("practice_assignments", team)]]
        return self._run_steps(steps, {"team": team_id}, dry_run)

    def _run_steps(self, steps: list[tuple[str, str, str | None, str]], params: dict[str, Any],
                   dry_run: bool) -> dict[str, int]:
        """Run the steps in one write transaction: all or nothing. A dry run does the same work and rolls it
        back, so its counts are exactly what a real run would do."""
        counts: dict[str, int] = {}
        with self.transaction(rollback=dry_run) as tx:
            for name, table, assignments, where in steps:
                sql = (f"DELETE FROM {table} WHERE {where}" if assignments is None
                       else f"UPDATE {table} SET {assignments} WHERE {where}")
                counts[name] = tx.execute(sql, params).rowcount
        return counts

    def forget_uninstalled(self, now: datetime, retention_days: int, dry_run: bool = False) -> list[str]:
        """Forget every workspace uninstalled more than `retention_days` ago (and not installed again); with
        `dry_run`, only say which. Part of `prune`."""
        old = stamp(now - timedelta(days=retention_days))
        teams = [r["team_id"] for r in self._rows("SELECT team_id FROM uninstalls WHERE uninstalled_at < ?", [old])]
        for team in teams:
            self.forget_team(team, dry_run=dry_run)
        return teams
