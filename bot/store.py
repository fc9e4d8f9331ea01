"""The SQLite store (through sqlite-utils): the only module that reads or writes rows."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.migrations import migrate


def stamp(moment: datetime) -> str:
    """How times are stored: UTC ISO 8601 to the second, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def now_iso() -> str:
    return stamp(datetime.now(UTC))


class Store:
    """One database file; each thread gets its own connection (sqlite3 connections are per thread)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        migrate(self.db)

    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite_utils.Database(self.path)
            # first, so that even switching a fresh file to WAL waits for another process instead of failing
            db.execute("PRAGMA busy_timeout=5000")
            db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: no corruption on a crash, no fsync on every log row (an fsync per commit was most
            # of our own time per coaching)
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def log_coaching(self, **row: Any) -> int:
        row.setdefault("created_at", now_iso())
        return self.db["coachings"].insert(row).last_pk

    def coachings(self) -> list[dict[str, Any]]:
        return list(self.db["coachings"].rows_where(order_by="id"))

    # --- Slack: where coachings were posted, feedback, threads, deliveries seen ---

    def coaching(self, coaching_id: int) -> dict[str, Any] | None:
        rows = list(self.db["coachings"].rows_where("id = ?", [coaching_id]))
        return rows[0] if rows else None

    def mark_posted(self, coaching_id: int, channel: str, message_ts: str, thread_ts: str | None = None) -> None:
        self.db["coachings"].update(coaching_id, {"channel": channel, "message_ts": message_ts, "thread_ts": thread_ts})

    def add_feedback(
        self, coaching_id: int, team_id: str | None, user_id: str | None, kind: str, label: str | None = None
    ) -> None:
        self.db["feedback"].insert(
            {"coaching_id": coaching_id, "team_id": team_id, "user_id": user_id, "kind": kind, "label": label,
             "created_at": now_iso()}
        )

    def feedback(self) -> list[dict[str, Any]]:
        return list(self.db["feedback"].rows_where(order_by="id"))

    def first_delivery(self, event_id: str, team_id: str | None) -> bool:
        """Record an Events API delivery; False when this event was seen before (a retry or duplicate)."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO events_seen (event_id, team_id, seen_at) VALUES (?, ?, ?)",
            [event_id, team_id, now_iso()],
        )
        self.db.conn.commit()
        return cursor.rowcount == 1

    def claim_greeting(self, team_id: str, user_id: str) -> bool:
        """True the first time only: whoever claims it greets the user (two tabs opening at once greet once)."""
        cursor = self.db.execute("INSERT OR IGNORE INTO greetings (team_id, user_id, greeted_at) VALUES (?, ?, ?)",
                                 [team_id, user_id, now_iso()])
        self.db.conn.commit()
        return cursor.rowcount == 1

    def release_greeting(self, team_id: str, user_id: str) -> None:
        """The greeting could not be posted: the next open tries again."""
        self.db.execute("DELETE FROM greetings WHERE team_id = ? AND user_id = ?", [team_id, user_id])
        self.db.conn.commit()

    def open_thread(self, team_id: str, channel: str, thread_ts: str, label: str | None,
                    context: str | None = None) -> None:
        """Start (or update the diagnosis of) a coaching thread; a context, once given, stays."""
        row = {"team_id": team_id, "channel": channel, "thread_ts": thread_ts, "label": label, "created_at": now_iso()}
        if context is not None:
            row["context"] = context
        self.db["threads"].upsert(row, pk=("team_id", "channel", "thread_ts"))

    def thread(self, team_id: str, channel: str, thread_ts: str) -> dict[str, Any] | None:
        rows = list(
            self.db["threads"].rows_where(
                "team_id = ? AND channel = ? AND thread_ts = ?", [team_id, channel, thread_ts]
            )
        )
        return rows[0] if rows else None

    def add_turn(self, team_id: str, channel: str, thread_ts: str, role: str, text: str, keep: int) -> None:
        """Append a turn to a thread's history, keeping only its `keep` most recent turns."""
        where = "team_id = ? AND channel = ? AND thread_ts = ?"
        key = [team_id, channel, thread_ts]
        with self.db.conn:
            self.db["thread_turns"].insert(
                {"team_id": team_id, "channel": channel, "thread_ts": thread_ts, "role": role, "text": text,
                 "created_at": now_iso()}
            )
            self.db.execute(
                f"DELETE FROM thread_turns WHERE {where} AND id NOT IN "
                f"(SELECT id FROM thread_turns WHERE {where} ORDER BY id DESC LIMIT ?)",
                [*key, *key, keep],
            )

    def turns(self, team_id: str, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        return list(
            self.db["thread_turns"].rows_where(
                "team_id = ? AND channel = ? AND thread_ts = ?", [team_id, channel, thread_ts], order_by="id"
            )
        )

    # --- the model: cache, call log, learned response formats ---

    def llm_cached(self, key: str) -> str | None:
        rows = list(self.db["llm_cache"].rows_where("key = ?", [key]))
        return rows[0]["response"] if rows else None

    def llm_cache_put(self, key: str, response: str) -> None:
        self.db["llm_cache"].upsert({"key": key, "response": response, "created_at": now_iso()}, pk="key")

    def log_llm_call(self, **row: Any) -> None:
        row.setdefault("created_at", now_iso())
        self.db["llm_calls"].insert(row, alter=False)

    def llm_calls(self) -> list[dict[str, Any]]:
        return list(self.db["llm_calls"].rows_where(order_by="id"))

    def llm_format(self, server: str, model: str) -> str | None:
        """The response format learned for this server and model within the last day. Learning expires so
        that one passing 5xx on a capable server costs a day of weaker formats, not forever."""
        fresh = stamp(datetime.now(UTC) - timedelta(days=1))
        rows = list(self.db["llm_formats"].rows_where(
            "server = ? AND model = ? AND learned_at > ?", [server, model, fresh]))
        return rows[0]["format"] if rows else None

    def set_llm_format(self, server: str, model: str, fmt: str) -> None:
        self.db["llm_formats"].upsert(
            {"server": server, "model": model, "format": fmt, "learned_at": now_iso()}, pk=("server", "model")
        )

    def llm_stats(self) -> list[dict[str, Any]]:
        """Per day: model calls, tokens, cache hits and failures."""
        return list(
            self.db.query(
                """
                SELECT substr(created_at, 1, 10) AS day,
                       sum(outcome NOT IN ('cache_hit', 'invalid')) AS calls,
                       coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
                       coalesce(sum(completion_tokens), 0) AS completion_tokens,
                       sum(outcome = 'cache_hit') AS cache_hits,
                       sum(outcome NOT IN ('ok', 'cache_hit')) AS failures
                FROM llm_calls GROUP BY day ORDER BY day
                """
            )
        )

    # --- deals: tracked channels or threads, their activity, and their summaries (always per workspace) ---

    def track_deal(self, team_id: str, channel: str, thread_ts: str, name: str, owner_id: str) -> dict[str, Any]:
        """Register (or re-open and rename) a deal; registering counts as its first activity.

        One conditional write, so two `/objection track` at once in one channel both get the one deal."""
        now = now_iso()
        conn = self.db.conn
        with conn:
            cursor = conn.execute(
                "INSERT INTO deals (team_id, channel, thread_ts, name, owner_id, status, created_at, "
                "last_activity_at, message_count) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, 0) "
                "ON CONFLICT (team_id, channel, thread_ts) DO UPDATE SET name = excluded.name, "
                "owner_id = excluded.owner_id, status = 'open', last_activity_at = excluded.last_activity_at "
                "RETURNING *",
                [team_id, channel, thread_ts, name, owner_id, now, now],
            )
            row = cursor.fetchone()
            columns = [d[0] for d in cursor.description]
        return dict(zip(columns, row, strict=True))

    def deal(self, team_id: str, channel: str, thread_ts: str = "") -> dict[str, Any] | None:
        rows = list(self.db["deals"].rows_where(
            "team_id = ? AND channel = ? AND thread_ts = ?", [team_id, channel, thread_ts]))
        return rows[0] if rows else None

    def deal_for_message(self, team_id: str, channel: str, thread_ts: str | None) -> dict[str, Any] | None:
        """The open deal a message belongs to: its thread if that is tracked, else its channel."""
        rows = list(self.db.query(
            "SELECT * FROM deals WHERE team_id = ? AND channel = ? AND status = 'open' AND thread_ts IN (?, '') "
            "ORDER BY thread_ts DESC LIMIT 1", [team_id, channel, thread_ts or ""]))
        return rows[0] if rows else None

    def untrack_deal(self, team_id: str, channel: str, thread_ts: str = "") -> bool:
        deal = self.deal(team_id, channel, thread_ts)
        if deal is None or deal["status"] == "untracked":
            return False
        self.db["deals"].update(deal["id"], {"status": "untracked"})
        return True

    def deals(self, team_id: str) -> list[dict[str, Any]]:
        return list(self.db["deals"].rows_where("team_id = ?", [team_id], order_by="id"))

    def record_activity(self, deal_id: int, user_id: str, ts: str) -> None:
        """A message in a tracked deal: when and who, never what."""
        with self.db.conn:
            self.db.execute(
                "UPDATE deals SET last_activity_at = ?, message_count = message_count + 1 WHERE id = ?",
                [now_iso(), deal_id],
            )
            self.db.execute(
                "INSERT INTO deal_people (deal_id, user_id, messages, last_ts) VALUES (?, ?, 1, ?) "
                # events arrive out of order (retries, parallel workers): keep the latest ts, not the last one seen
                "ON CONFLICT (deal_id, user_id) DO UPDATE SET messages = messages + 1, last_ts = CASE WHEN "
                "CAST(excluded.last_ts AS REAL) > CAST(last_ts AS REAL) THEN excluded.last_ts ELSE last_ts END",
                [deal_id, user_id, ts],
            )

    def save_summary(self, team_id: str, channel: str, thread_ts: str, deal_id: int | None, obstacles: list[str],
                     objections: list[str], stalled: bool, next_step: str) -> None:
        self.db["summaries"].insert(
            {"team_id": team_id, "channel": channel, "thread_ts": thread_ts, "deal_id": deal_id,
             "created_at": now_iso(), "obstacles": json.dumps(obstacles), "objections": json.dumps(objections),
             "stalled": int(stalled), "next_step": next_step}
        )

    def summaries(self, team_id: str) -> list[dict[str, Any]]:
        return list(self.db["summaries"].rows_where("team_id = ?", [team_id], order_by="id"))

    # --- nudges: stalled-deal candidates, opt-outs, time zones, and the once-a-week claim ---

    def stall_candidates(self, now: datetime, stall_days: int, follow_up_days: int,
                         team_id: str | None = None) -> Iterator[tuple[dict[str, Any], tuple[str, str]]]:
        """(deal, (reason code, detail)) for each reason an open, unsnoozed deal has to be nudged about."""
        params = {
            "now": stamp(now),
            "cutoff": stamp(now - timedelta(days=stall_days)),
            "today": now.astimezone(UTC).date().isoformat(),
            "follow": stamp(now - timedelta(days=follow_up_days)),
            "team": team_id,
        }
        for code, sql in self.stall_queries().items():
            for row in self.db.query(sql, params):
                detail = row.pop("detail")
                yield row, (code, detail)

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

    def opted_out(self, team_id: str, user_id: str) -> bool:
        return bool(list(self.db["nudge_optouts"].rows_where("team_id = ? AND user_id = ?", [team_id, user_id])))

    def set_nudges(self, team_id: str, user_id: str, on: bool) -> None:
        if on:
            self.db.execute("DELETE FROM nudge_optouts WHERE team_id = ? AND user_id = ?", [team_id, user_id])
            self.db.conn.commit()
        else:
            self.db["nudge_optouts"].upsert({"team_id": team_id, "user_id": user_id, "created_at": now_iso()},
                                            pk=("team_id", "user_id"))

    def cached_timezone(self, team_id: str, user_id: str, now: datetime) -> str | None:
        """A time zone fetched within the last week (people move; Slack's answer is cheap but rate-limited)."""
        rows = list(self.db["user_timezones"].rows_where(
            "team_id = ? AND user_id = ? AND fetched_at > ?", [team_id, user_id, stamp(now - timedelta(days=7))]))
        return rows[0]["tz"] if rows else None

    def cache_timezone(self, team_id: str, user_id: str, tz: str, now: datetime) -> None:
        self.db["user_timezones"].upsert({"team_id": team_id, "user_id": user_id, "tz": tz, "fetched_at": stamp(now)},
                                         pk=("team_id", "user_id"))

    def claim_nudge(self, team_id: str, owner_id: str, week: str, now: datetime, lease: timedelta) -> str:
        """Claim the right to send this owner's nudge for this week.

        'new': first claim, send it. 'reclaimed': an earlier attempt failed or died mid-send (its lease ran
        out); look for its message before sending. 'already_sent' / 'busy' (another run holds a live claim):
        send nothing. Each step is a single conditional write, so two processes never both win.
        """
        key = [team_id, owner_id, week]
        with self.db.conn:
            inserted = self.db.execute(
                "INSERT OR IGNORE INTO nudges (team_id, owner_id, week, status, claimed_at, attempts) "
                "VALUES (?, ?, ?, 'sending', ?, 1)", [*key, stamp(now)]).rowcount
        if inserted:
            return "new"
        with self.db.conn:
            taken = self.db.execute(
                "UPDATE nudges SET status = 'sending', claimed_at = ?, attempts = attempts + 1 "
                "WHERE team_id = ? AND owner_id = ? AND week = ? "
                "AND (status = 'failed' OR (status = 'sending' AND claimed_at < ?))",
                [stamp(now), *key, stamp(now - lease)]).rowcount
        if taken:
            return "reclaimed"
        (row,) = self.db["nudges"].rows_where("team_id = ? AND owner_id = ? AND week = ?", key)
        return "already_sent" if row["status"] == "sent" else "busy"

    def nudge_sent(self, team_id: str, owner_id: str, week: str, channel: str, ts: str, deal_ids: list[int],
                   now: datetime) -> None:
        self.db["nudges"].update((team_id, owner_id, week), {
            "status": "sent", "channel": channel, "ts": ts, "sent_at": stamp(now), "deal_ids": json.dumps(deal_ids),
            "error": None})

    def nudge_failed(self, team_id: str, owner_id: str, week: str, error: str) -> None:
        self.db["nudges"].update((team_id, owner_id, week), {"status": "failed", "error": error})

    def nudges(self) -> list[dict[str, Any]]:
        return list(self.db["nudges"].rows_where(order_by="rowid"))

    def update_deal(self, deal_id: int, **values: Any) -> None:
        self.db["deals"].update(deal_id, values)

    def deal_by_id(self, deal_id: int) -> dict[str, Any] | None:
        rows = list(self.db["deals"].rows_where("id = ?", [deal_id]))
        return rows[0] if rows else None

    # --- retention: what is kept, for how long, and deleting one workspace ---

    def prune(self, now: datetime, retention_days: int, text_retention_days: int,
              dry_run: bool = False) -> dict[str, int]:
        """Delete what is past its retention (or, with `dry_run`, count it); returns the rows per step.

        Deliveries seen: a day (Slack retries within minutes). Text the seller pasted (coachings, thread
        turns, a thread's deal context) is blanked after `text_retention_days`, the rows themselves deleted
        after `retention_days`. The model cache holds answers about that text, so it goes after the text period.
        Deals that ended (won, lost, untracked) go once quiet for `retention_days`; open ones stay.
        """
        params = {"old": stamp(now - timedelta(days=retention_days)),
                  "old_text": stamp(now - timedelta(days=min(text_retention_days, retention_days))),
                  "day": stamp(now - timedelta(days=1))}
        # deals won, lost or untracked, with nothing happening for the whole retention period
        ended = "status != 'open' AND last_activity_at < :old AND coalesce(closed_at, '') < :old"
        steps: list[tuple[str, str, str | None, str]] = [
            # (step, table, SET clause for a blanking step or None to delete, WHERE)
            ("events_seen", "events_seen", None, "seen_at < :day"),
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
            ("nudges", "nudges", None, "claimed_at < :old"),
            ("user_timezones", "user_timezones", None, "fetched_at < :old"),
            # old summaries, except each open deal's latest (a stalled-deal reason reads it)
            ("summaries", "summaries", None,
             f"created_at < :old AND (deal_id IS NULL OR deal_id IN (SELECT id FROM deals WHERE {ended}) "
             "OR id NOT IN (SELECT max(id) FROM summaries WHERE deal_id IS NOT NULL GROUP BY deal_id))"),
            ("deal_people", "deal_people", None, f"deal_id IN (SELECT id FROM deals WHERE {ended})"),
            ("deals", "deals", None, ended),
        ]
        return self._run_steps(steps, params, dry_run)

    def forget_team(self, team_id: str, dry_run: bool = False) -> dict[str, int]:
        """Delete every row of one workspace. The model cache is not kept per workspace, so it is emptied too."""
        team = "team_id = :team"
        steps: list[tuple[str, str, str | None, str]] = [
            (table, table, None, where) for table, where in [
                ("feedback", team), ("coachings", team), ("thread_turns", team), ("threads", team),
                ("events_seen", team), ("deal_people", "deal_id IN (SELECT id FROM deals WHERE team_id = :team)"),
                ("summaries", team), ("deals", team), ("nudges", team), ("nudge_optouts", team),
                ("user_timezones", team), ("llm_cache", "1")]]
        return self._run_steps(steps, {"team": team_id}, dry_run)

    def _run_steps(self, steps: list[tuple[str, str, str | None, str]], params: dict[str, Any],
                   dry_run: bool) -> dict[str, int]:
        """Run the steps in one write transaction: all or nothing. A dry run does the same work and rolls it
        back, so its counts are exactly what a real run would do."""
        conn = self.db.conn
        counts: dict[str, int] = {}
        conn.execute("BEGIN IMMEDIATE")
        try:
            for name, table, assignments, where in steps:
                sql = (f"DELETE FROM {table} WHERE {where}" if assignments is None
                       else f"UPDATE {table} SET {assignments} WHERE {where}")
                counts[name] = conn.execute(sql, params).rowcount
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("ROLLBACK" if dry_run else "COMMIT")
        return counts

    # The user's language, from Slack's locale, cached beside their time zone (users.info gives both at once).
    # Kept apart at the end of the class: a small, self-contained addition (migration m008_user_language).
    def cached_language(self, team_id: str, user_id: str, now: datetime) -> str | None:
        """"en" or "es" as fetched within the last week, like the time zone; None when not known."""
        rows = list(self.db["user_timezones"].rows_where(
            "team_id = ? AND user_id = ? AND fetched_at > ? AND language IS NOT NULL",
            [team_id, user_id, stamp(now - timedelta(days=7))]))
        return rows[0]["language"] if rows else None

    def cache_profile(self, team_id: str, user_id: str, tz: str, language: str, now: datetime) -> None:
        self.db["user_timezones"].upsert(
            {"team_id": team_id, "user_id": user_id, "tz": tz, "language": language, "fetched_at": stamp(now)},
            pk=("team_id", "user_id"))
