"""Named schema migrations, applied in order the first time a database is opened (the simonw/llm pattern).

Append new migrations at the end; never edit or reorder one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_coachings(db: sqlite_utils.Database) -> None:
    db["coachings"].create(
        {
            "id": int,
            "created_at": str,
            "text": str,
            "context": str,
            "label": str,
            "confidence": float,
            "language": str,
            "source": str,
            "surface": str,
            "team_id": str,
            "user_id": str,
        },
        pk="id",
    )
    db["coachings"].create_index(["created_at"])


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations this database has not seen; return the names applied.

    Safe when several processes open one fresh file at once: everything runs under SQLite's write lock
    (BEGIN IMMEDIATE, so a second process waits on busy_timeout instead of racing), the applied list is read
    inside that lock, and each migration's DDL and its row in _migrations commit together or not at all.
    sqlite-utils (4.x) writes join an open transaction instead of committing on their own.
    """
    conn = db.conn
    if db["_migrations"].exists() and {fn.__name__ for fn in MIGRATIONS} <= {
            name for (name,) in conn.execute("SELECT name FROM _migrations")}:
        return []  # the usual open: nothing to do, so no need to wait for the write lock
    conn.execute("BEGIN IMMEDIATE")
    applied: list[str] = []
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        done = {name for (name,) in conn.execute("SELECT name FROM _migrations")}
        for fn in MIGRATIONS:
            if fn.__name__ in done:
                continue
            # a savepoint per migration: one that fails leaves none of its DDL behind, the earlier ones stay
            with db.atomic():
                fn(db)
                conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                             [fn.__name__, datetime.now(UTC).isoformat()])
            applied.append(fn.__name__)
    except BaseException:
        # keep what fully applied before the failure; the failed one was already rolled back to its savepoint
        if conn.in_transaction:
            conn.execute("COMMIT")
        raise
    conn.execute("COMMIT")
    return applied


@migration
def m002_slack(db: sqlite_utils.Database) -> None:
    # where a coaching was posted, so buttons can find it and re-render it in place
    for column in ("channel", "message_ts", "thread_ts"):
        db["coachings"].add_column(column, str)
    db["coachings"].create_index(["team_id", "channel", "message_ts"])
    db["feedback"].create(
        {"id": int, "coaching_id": int, "team_id": str, "user_id": str, "kind": str, "label": str, "created_at": str},
        pk="id",
        foreign_keys=[("coaching_id", "coachings", "id")],
    )
    # coaching threads the bot started or was mentioned in, with their recent turns
    db["threads"].create(
        {"team_id": str, "channel": str, "thread_ts": str, "label": str, "created_at": str},
        pk=("team_id", "channel", "thread_ts"),
    )
    db["thread_turns"].create(
        {"id": int, "team_id": str, "channel": str, "thread_ts": str, "role": str, "text": str, "created_at": str},
        pk="id",
    )
    db["thread_turns"].create_index(["team_id", "channel", "thread_ts", "id"])
    # Events API deliveries already handled: Slack retries, and we must not answer twice
    db["events_seen"].create({"event_id": str, "team_id": str, "seen_at": str}, pk="event_id")


@migration
def m003_llm(db: sqlite_utils.Database) -> None:
    # answers keyed by model + rendered prompt: the same objection in the same context is never paid twice
    db["llm_cache"].create({"key": str, "response": str, "created_at": str}, pk="key")
    # one row per model call or cache hit: usage, outcome, request id (never the key)
    db["llm_calls"].create(
        {"id": int, "created_at": str, "model": str, "outcome": str, "request_id": str, "prompt_tokens": int,
         "completion_tokens": int, "duration_ms": int},
        pk="id",
    )
    db["llm_calls"].create_index(["created_at"])
    # the response format each server + model accepted, learned once
    db["llm_formats"].create({"server": str, "model": str, "format": str, "learned_at": str}, pk=("server", "model"))


@migration
def m004_deals(db: sqlite_utils.Database) -> None:
    # a deal is a channel (thread_ts '') or one thread, in one workspace; no message text is kept
    db["deals"].create(
        {"id": int, "team_id": str, "channel": str, "thread_ts": str, "name": str, "owner_id": str, "stage": str,
         "close_date": str, "status": str, "created_at": str, "last_activity_at": str, "message_count": int,
         "stage_changed_at": str},
        pk="id",
        not_null={"team_id", "channel", "thread_ts", "status"},
        defaults={"status": "open", "message_count": 0, "thread_ts": ""},
    )
    db["deals"].create_index(["team_id", "channel", "thread_ts"], unique=True)
    db["deal_people"].create(
        {"deal_id": int, "user_id": str, "messages": int, "last_ts": str}, pk=("deal_id", "user_id"),
        foreign_keys=[("deal_id", "deals", "id")],
    )
    db["summaries"].create(
        {"id": int, "team_id": str, "channel": str, "thread_ts": str, "deal_id": int, "created_at": str,
         "obstacles": str, "objections": str, "stalled": int, "next_step": str},
        pk="id",
    )
    db["summaries"].create_index(["team_id", "deal_id", "id"])


@migration
def m005_nudges(db: sqlite_utils.Database) -> None:
    db["deals"].add_column("snoozed_until", str)
    db["deals"].add_column("closed_at", str)
    # the stalled-deal query walks these, not the whole table (bench/nudges.py prints the plan)
    db["deals"].create_index(["status", "last_activity_at"])
    db["deals"].create_index(["status", "close_date"])
    db["summaries"].create_index(["deal_id", "id"])
    db["coachings"].create_index(["team_id", "channel", "id"])
    db["nudge_optouts"].create({"team_id": str, "user_id": str, "created_at": str}, pk=("team_id", "user_id"))
    db["user_timezones"].create({"team_id": str, "user_id": str, "tz": str, "fetched_at": str},
                                pk=("team_id", "user_id"))
    # one row per owner and week: the claim that makes a nudge go out once, whatever crashes or races
    db["nudges"].create(
        {"team_id": str, "owner_id": str, "week": str, "status": str, "claimed_at": str, "sent_at": str,
         "channel": str, "ts": str, "deal_ids": str, "error": str, "attempts": int},
        pk=("team_id", "owner_id", "week"),
        defaults={"attempts": 0},
    )


@migration
def m006_thread_context(db: sqlite_utils.Database) -> None:
    # deal context for a coaching thread opened from a nudge ("Coach me")
    db["threads"].add_column("context", str)


@migration
def m007_retention_indexes(db: sqlite_utils.Database) -> None:
    # the daily prune finds old rows by these instead of scanning the tables
    db["events_seen"].create_index(["seen_at"])
    db["llm_cache"].create_index(["created_at"])
    db["thread_turns"].create_index(["created_at"])
    db["threads"].create_index(["created_at"])
    db["nudges"].create_index(["claimed_at"])
    db["user_timezones"].create_index(["fetched_at"])


@migration
def m008_user_language(db: sqlite_utils.Database) -> None:
    # the language of Slack's users.info locale ("es-ES" → es), cached with the time zone for acks and nudges
    db["user_timezones"].add_column("language", str)


@migration
def m009_locks(db: sqlite_utils.Database) -> None:
    # named leases for jobs that must run on one process at a time (the nudge tick); PostgreSQL uses
    # advisory locks instead, the table exists there too so both schemas stay the same
    db["locks"].create({"name": str, "owner": str, "expires_at": str}, pk="name")


@migration
def m010_installations(db: sqlite_utils.Database) -> None:
    # Slack installs (OAuth, many workspaces): one row per installing user and one per workspace (user_id '')
    # holding the latest install; `data` is slack_sdk's Installation as JSON, tokens included
    db["installations"].create(
        {"enterprise_id": str, "team_id": str, "user_id": str, "installed_at": str, "data": str},
        pk=("enterprise_id", "team_id", "user_id"),
        not_null={"enterprise_id", "team_id", "user_id"},
    )
    # OAuth `state` values handed out by /slack/install, each good once and for a few minutes
    db["oauth_states"].create({"state": str, "created_at": str}, pk="state")
    db["oauth_states"].create_index(["created_at"])
    # workspaces that uninstalled the app (or revoked its token): their data goes after the retention period
    db["uninstalls"].create({"team_id": str, "uninstalled_at": str}, pk="team_id")


@migration
def m011_practice(db: sqlite_utils.Database) -> None:
    # one seller's practice in one conversation (a Slack thread, or a CLI run): two sellers never share one
    db["practice_sessions"].create(
        {"team_id": str, "channel": str, "thread_ts": str, "user_id": str, "scenario_id": str, "lang": str,
         "turn": int, "state": str, "buyer_text": str, "created_at": str, "updated_at": str},
        pk=("team_id", "channel", "thread_ts", "user_id"),
    )
    db["practice_sessions"].create_index(["team_id", "channel", "thread_ts"])
    # every scored answer; `reply` is the seller's text and falls under the coaching-text retention
    db["practice_answers"].create(
        {"id": int, "team_id": str, "user_id": str, "channel": str, "thread_ts": str, "scenario_id": str,
         "kind": str, "topic": str, "lang": str, "turn": int, "checks": str, "score": float, "source": str,
         "reply": str, "created_at": str},
        pk="id",
    )
    db["practice_answers"].create_index(["team_id", "user_id", "created_at"])
    db["practice_answers"].create_index(["team_id", "channel", "thread_ts", "user_id", "id"])


@migration
def m012_home(db: sqlite_utils.Database) -> None:
    # what each coaching was about (bot/models/topics.py), for the manager's view by topic
    db["coachings"].add_column("topic", str)
    # the Home tab reads a seller's recent coachings and a team's last weeks by these, not the whole table
    db["coachings"].create_index(["team_id", "user_id", "id"])
    db["coachings"].create_index(["team_id", "created_at"])
    db["feedback"].create_index(["coaching_id"])
    db["feedback"].create_index(["team_id", "created_at"])
    db["deals"].create_index(["team_id", "owner_id", "status"])
    # the chart uploaded to Slack for a workspace, per day and language: a Home tab opened again reuses it
    db["home_charts"].create({"team_id": str, "day": str, "lang": str, "file_id": str, "created_at": str},
                             pk=("team_id", "day", "lang"))
    db["home_charts"].create_index(["created_at"])
    # one weekly report per channel and ISO week, claimed before posting (several workers run the scheduler)
    db["report_posts"].create({"team_id": str, "channel": str, "week": str, "claimed_at": str},
                              pk=("team_id", "channel", "week"))
    db["report_posts"].create_index(["claimed_at"])


@migration
def m013_greetings(db: sqlite_utils.Database) -> None:
    # the Messages tab greets each seller once, not on every open
    db["greetings"].create({"team_id": str, "user_id": str, "greeted_at": str}, pk=("team_id", "user_id"))


@migration
def m014_team_learning(db: sqlite_utils.Database) -> None:
    # `coach learn` per workspace, in the database so that every replica sees it (it was a folder beside the
    # SQLite file): the workspace's examples in their review order, the last correction imported, the kept model
    db["team_examples"].create(
        {"team_id": str, "id": str, "pos": int, "text": str, "label": str, "feedback_id": int, "at": str},
        pk=("team_id", "id"), not_null={"team_id", "id"},
    )
    db["team_learning"].create({"team_id": str, "feedback_id": int, "updated_at": str}, pk="team_id")
    # the model is opaque bytes here (bot/models/persist.py: arrays and JSON, loaded without pickle; an older
    # coach's pickled rows are refused unread and rebuilt by `coach learn`); `version` changes on every save, so
    # a running coach checks one short column, not the blob
    db["team_models"].create({"team_id": str, "version": str, "fingerprint": str, "saved_at": str,
                              "model": bytes}, pk="team_id")
    # the model's answer cache per workspace: one workspace never reads an answer another's prompt paid for,
    # and forgetting a workspace deletes its answers only
    db["llm_cache"].add_column("team_id", str)
    db["llm_cache"].create_index(["team_id"])


@migration
def m015_thread_topic(db: sqlite_utils.Database) -> None:
    # the topic of a thread's latest objection (a topic name, no text): a seller's question is answered about it
    # even after the objection has left the thread's bounded history
    db["threads"].add_column("topic", str)


@migration
def m016_delivery_work(db: sqlite_utils.Database) -> None:
    # A delivery is claimed by a process (`owner`) and recorded as handled (`done_at`) once its work is over: a
    # retry is skipped while the claim's process lives, and redone if it died first. Rows from before have neither
    # and count as handled.
    db["events_seen"].add_column("owner", str)
    db["events_seen"].add_column("done_at", str)
    # streamed replies (chat.startStream) not yet stopped, with the process writing them: a process that died
    # mid-stream leaves its rows, and the next start stops those streams with a note instead of a half-written draft
    db["open_streams"].create({"channel": str, "ts": str, "team_id": str, "lang": str, "owner": str,
                               "started_at": str}, pk=("channel", "ts"))


@migration
def m017_call_reviews(db: sqlite_utils.Database) -> None:
    # a call or email thread a seller shared in Slack (issue #22). `text` is the file's text, kept only while the
    # seller is asked which speakers are theirs; `moments` the buyer objections (quote, kind, the turns before)
    # for "Practise this"; `speakers` the names the question offered. All three are text of the call, blanked
    # after the text retention period (or sooner: `text` once the review is done).
    db["call_reviews"].create(
        {"id": int, "team_id": str, "user_id": str, "channel": str, "thread_ts": str, "file_id": str,
         "file_name": str, "kind": str, "language": str, "state": str, "text": str, "speakers": str, "moments": str,
         "created_at": str, "reviewed_at": str},
        pk="id",
    )
    db["call_reviews"].create_index(["team_id", "user_id", "id"])
    db["call_reviews"].create_index(["created_at"])
    # the seller's answer to each buyer objection of a reviewed call, scored: no text, for the Home tab and the
    # manager's view (like practice_answers, but real calls)
    db["call_answers"].create(
        {"id": int, "team_id": str, "user_id": str, "review_id": int, "moment": int, "kind": str, "lang": str,
         "checks": str, "score": float, "handled": int, "created_at": str},
        pk="id",
    )
    db["call_answers"].create_index(["team_id", "user_id", "created_at"])
    db["call_answers"].create_index(["team_id", "created_at"])
    # a practice of a call's moment has no scenario file: its scenario (the buyer's real words) is kept here, as
    # JSON, and blanked with the text
    db["practice_sessions"].add_column("scenario", str)


@migration
def m018_agent_view(db: sqlite_utils.Database) -> None:
    # what a seller is looking at in Slack while the coach's Messages tab is open (app_context_changed, and the
    # context sent with message.im and app_home_opened): a conversation id, never what it says
    db["seller_views"].create({"team_id": str, "user_id": str, "channel": str, "thread_ts": str, "seen_at": str},
                              pk=("team_id", "user_id"))
    # the stop button (agent_session_stopped) pressed on a coaching: whichever process coaches there stops it
    db["session_stops"].create({"team_id": str, "channel": str, "thread_ts": str, "stopped_at": str},
                               pk=("team_id", "channel", "thread_ts"))
    db["session_stops"].create_index(["stopped_at"])
    # what a seller wants when they stop a coaching: the offline answer, or nothing
    db["seller_settings"].create({"team_id": str, "user_id": str, "on_stop": str, "updated_at": str},
                                 pk=("team_id", "user_id"))


@migration
def m019_deal_outcomes(db: sqlite_utils.Database) -> None:
    # Deals from the CLI and from CRM exports (`coach deal`, `coach deal import`). A deal keeps the CRM's record id
    # (`hubspot:123`, `salesforce:006…`; `cli:<name>` for one tracked by name), so re-importing a file finds the
    # same rows; one with no Slack channel has channel '' and that key in thread_ts, so Slack's messages never
    # match it. The owner as the CRM wrote it (a name or an email) and their email are kept beside owner_id (a
    # Slack user id once matched, else what the CRM wrote), so an import without Slack keeps a match made before.
    for column, kind in (("external_id", str), ("amount", float), ("owner_email", str), ("crm_owner", str)):
        db["deals"].add_column(column, kind)
    db["deals"].create_index(["team_id", "external_id"], unique=True)
    db["deals"].create_index(["team_id", "status", "closed_at"])  # the outcomes of a workspace's closed deals
    # a coaching asked for one deal (`coach ask --deal`): Slack's are linked by the deal's channel instead
    db["coachings"].add_column("deal_id", int)
    db["coachings"].create_index(["deal_id"])
    # each import that changed something: its file's digest and counts, never its rows
    db["deal_imports"].create(
        {"id": int, "team_id": str, "source": str, "file_name": str, "digest": str, "rows": int, "created": int,
         "updated": int, "skipped": int, "imported_at": str},
        pk="id",
    )
    db["deal_imports"].create_index(["team_id", "imported_at"])


@migration
def m020_practice_assignments(db: sqlite_utils.Database) -> None:
    # a manager's "Assign practice" from the team view (issue #24): what one seller is asked to practise, a check
    # (align, asks, clarify, assure, no_pitfalls) and/or a kind of resistance; done when the seller next finishes a
    # practice (of that kind, when one is set). Ids and names only, no text.
    db["practice_assignments"].create(
        {"id": int, "team_id": str, "user_id": str, "check_name": str, "kind": str, "assigned_by": str,
         "created_at": str, "done_at": str},
        pk="id",
        not_null={"team_id", "user_id"},
    )
    db["practice_assignments"].create_index(["team_id", "user_id", "done_at"])
