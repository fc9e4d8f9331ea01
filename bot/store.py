"""The store: the only code that reads or writes rows (this module, bot/store_pg.py and bot/migrations.py).

`Store` holds every operation once, in SQL both SQLite and PostgreSQL run (`?` and `:name` placeholders,
`ON CONFLICT`, `RETURNING`); `SQLiteStore` and `store_pg.PostgresStore` supply the connection, the transaction
and the few dialect hooks. Everything else asks `open_store(settings)` for one and never knows which it got.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.text import cut_at_word

if TYPE_CHECKING:
    from bot.config import Settings

Params = Sequence[Any] | dict[str, Any]
_OWNER_LOCK = threading.Lock()


def stamp(moment: datetime) -> str:
    """How times are stored: UTC ISO 8601 to the second, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def now_iso() -> str:
    return stamp(datetime.now(UTC))


class Result:
    """What a statement gave back, the same from either database: rows as dicts and the rows it changed."""

    def __init__(self, rows: list[dict[str, Any]], rowcount: int):
        self.rows = rows
        self.rowcount = rowcount


class Session(Protocol):
    """One connection inside a transaction (see Store.transaction)."""

    def execute(self, sql: str, params: Params = ()) -> Result: ...

    def executemany(self, sql: str, rows: Sequence[Params]) -> None: ...


def is_database_url(target: str | Path) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


def connect(target: str | Path) -> Store:
    """The store at a PostgreSQL URL (`postgresql://...`) or an SQLite file path."""
    if is_database_url(target):
        from bot.store_pg import PostgresStore

        return PostgresStore(str(target))
    from bot.store_sqlite import SQLiteStore

    return SQLiteStore(target)


def open_store(settings: Settings) -> Store:
    """The store the settings name: COACH_DATABASE_URL when set, else the SQLite file COACH_DB."""
    from bot.config import reveal

    return connect(reveal(settings.database_url) or settings.db_path)


class DatabaseUnusable(RuntimeError):
    """The database cannot serve the coach (unreachable, read-only, full); the message says which, in one line."""


def database_problem(exc: BaseException) -> str:
    """One line on what is wrong with the database, from the error either driver raised."""
    # psycopg errors carry PostgreSQL's SQLSTATE, sqlite3's their result code's name
    code = str(getattr(exc, "sqlstate", None) or getattr(exc, "sqlite_errorname", None) or "")
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if code == "25006" or code.startswith("SQLITE_READONLY") or "read-only" in detail or "readonly" in detail:
        state = "is read-only"
    elif code in ("53100", "SQLITE_FULL") or re.search(r"\bfull\b|no space left", detail, re.I):
        state = "is full"
    else:
        state = "cannot be used"
    return f"the database {state}: {detail}"


def open_writable_store(settings: Settings) -> Store:
    """`open_store`, checked with a write: a server on a database it cannot write to would fail every request,
    so this raises DatabaseUnusable instead (unreachable, read-only, full), for a one-line error at start."""
    try:
        store = open_store(settings)
    except Exception as exc:  # either driver's errors, a pool that never filled
        raise DatabaseUnusable(database_problem(exc)) from exc
    try:
        store.check_writable()
    except BaseException:
        store.close()
        raise
    return store


# This thread's deadline for database waits, set by Store.waiting_at_most (the same for every store: what it
# bounds is how long this thread may be held up, whichever database it waits on).
_deadline = threading.local()


def _value(value: Any) -> Any:
    # what sqlite-utils did for us: lists and dicts are kept as JSON text
    return json.dumps(value) if isinstance(value, list | dict) else value


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


class Store(ABC):
    """Every operation on the coach's data, written once in portable SQL over a few backend hooks.

    A new operation goes here, once, as SQL through `_rows` / `_first` / `execute` / `_insert` / `_upsert` /
    `_update` (single statements, each committed) or `with self.transaction() as tx: tx.execute(...)` (several,
    all or none; inside it use only `tx`, since on PostgreSQL `self.execute` takes another connection).
    Write `?` or `:name` placeholders and SQL both databases run: `ON CONFLICT ... DO NOTHING / DO UPDATE SET
    c = excluded.c` (qualify the table's own columns: `t.c`), `RETURNING`, `CASE WHEN` instead of summing a
    comparison, `1 = 1` instead of a bare `1`, `CAST(x AS NUMERIC)`; no `INSERT OR IGNORE`, `rowid`, `::`.
    A conditional write (a claim, a dedup) is one statement whose rowcount says who won.
    """

    # --- backend hooks ---

    @abstractmethod
    def execute(self, sql: str, params: Params = ()) -> Result:
        """Run one statement on its own (committed at once)."""

    @abstractmethod
    def transaction(self, rollback: bool = False) -> AbstractContextManager[Session]:
        """Several statements as one write: all or nothing; with `rollback`, undone at the end (dry runs)."""

    @abstractmethod
    def exclusive(self, name: str, lease: timedelta) -> AbstractContextManager[bool]:
        """Hold the named lock across every process on this database while the block runs; yields False (and
        waits for nothing) when another holds it. `lease` bounds how long a holder that died keeps it."""

    @abstractmethod
    def _hold(self, owner: str) -> None:
        """Keep `owner` alive for as long as this process runs, with a lock that the operating system or the
        database lets go of the moment the process dies (no lease to wait out, no heartbeat)."""

    @abstractmethod
    def alive(self, owner: str) -> bool:
        """Whether the process holding `owner` is still running (on any host sharing this database)."""

    @abstractmethod
    def explain(self, sql: str, params: Params = ()) -> list[str]:
        """The query plan, one line per step (bench/nudges.py, bench/scale.py)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections (the process may keep running; a store is not used after this)."""

    # --- how long a caller may wait for the database ---

    @contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """Within the block, this thread's store calls wait at most `seconds` in all for the database (a pool
        connection, a write lock), then fail at once. For what must answer on time whatever the database does:
        Slack's acknowledgements (3 s) and the health check. A block inside another keeps the earlier deadline."""
        previous = getattr(_deadline, "at", None)
        at = time.monotonic() + seconds
        _deadline.at = at if previous is None else min(previous, at)
        try:
            yield
        finally:
            _deadline.at = previous

    @staticmethod
    def _wait_left() -> float | None:
        """Seconds this thread may still wait for the database: None without a deadline (the backend's own
        timeouts apply), else what is left of it (0 when spent)."""
        at = getattr(_deadline, "at", None)
        return None if at is None else max(0.0, at - time.monotonic())

    def healthy(self, seconds: float) -> bool:
        """Whether the database answers a trivial query, touching a table, within `seconds` (the health check)."""
        try:
            with self.waiting_at_most(seconds):
                self.execute("SELECT 1 AS ok FROM _migrations LIMIT 1")
        except Exception:
            return False
        return True

    def check_writable(self) -> None:
        """Raise DatabaseUnusable when the database cannot take a write (read-only, full, gone): one row written
        and deleted, each committed."""
        name = f"write-check:{uuid.uuid4().hex}"
        try:
            self.execute("INSERT INTO locks (name, owner, expires_at) VALUES (?, ?, ?)", [name, "start", now_iso()])
            self.execute("DELETE FROM locks WHERE name = ?", [name])
        except Exception as exc:
            raise DatabaseUnusable(database_problem(exc)) from exc

    # --- portable helpers every operation below is written with ---

    def _rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        return self.execute(sql, params).rows

    def _first(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        rows = self.execute(sql, params).rows
        return rows[0] if rows else None

    def _insert(self, table: str, row: dict[str, Any], returning: str | None = "id") -> Any:
        """INSERT one row; returns its `returning` column (the new id), or None."""
        sql = f"INSERT INTO {table} ({_names(list(row))}) VALUES ({', '.join('?' for _ in row)})"
        if returning:
            sql += f" RETURNING {returning}"
        result = self.execute(sql, [_value(v) for v in row.values()])
        return result.rows[0][returning] if returning else None

    def _upsert(self, table: str, row: dict[str, Any], pk: Sequence[str]) -> None:
        """Insert the row, or update the given columns of the row with the same primary key (one statement)."""
        rest = [c for c in row if c not in pk]
        action = (f"DO UPDATE SET {', '.join(f'{_names([c])} = excluded.{_names([c])}' for c in rest)}" if rest
                  else "DO NOTHING")
        self.execute(f"INSERT INTO {table} ({_names(list(row))}) VALUES ({', '.join('?' for _ in row)}) "
                     f"ON CONFLICT ({_names(pk)}) {action}", [_value(v) for v in row.values()])

    def _update(self, table: str, key: dict[str, Any], values: dict[str, Any]) -> int:
        if not values:
            return 0
        sets = ", ".join(f'"{c}" = ?' for c in values)
        where = " AND ".join(f'"{c}" = ?' for c in key)
        return self.execute(f"UPDATE {table} SET {sets} WHERE {where}",
                            [*map(_value, values.values()), *key.values()]).rowcount

    # --- coachings ---

    def log_coaching(self, **row: Any) -> int:
        row.setdefault("created_at", now_iso())
        return self._insert("coachings", row)

    def coachings(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM coachings ORDER BY id")

    # --- Slack: where coachings were posted, feedback, threads, deliveries seen ---

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

    @property
    def owner(self) -> str:
        """This store's (this process's) name on the delivery claims and open streams it takes, held alive from
        the first use until the process ends."""
        owner = getattr(self, "_owner", None)
        if owner is None:
            with _OWNER_LOCK:
                owner = getattr(self, "_owner", None)
                if owner is None:
                    owner = uuid.uuid4().hex
                    self._hold(owner)
                    self._owner = owner
        return owner

    def claim_delivery(self, event_id: str, team_id: str | None) -> bool:
        """Claim a delivery (an Events API event's id, or a signed request's digest) for this process; False
        when it was handled already, or is being handled by a process still running (a retry, a duplicate or a
        replay, on any replica). A delivery claimed by a process that died before finishing it is taken over, so
        Slack's retry after a crash is answered.

        Each step is one conditional write: of two processes claiming (or taking over) at once, one wins."""
        if self.execute("INSERT INTO events_seen (event_id, team_id, seen_at, owner) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT DO NOTHING", [event_id, team_id, now_iso(), self.owner]).rowcount == 1:
            return True
        row = self._first("SELECT owner, done_at FROM events_seen WHERE event_id = ?", [event_id])
        if row is None or row["done_at"] or not row["owner"] or self.alive(row["owner"]):
            return False  # (no owner: recorded before claims had one, when it counted as handled on arrival)
        return self.execute("UPDATE events_seen SET owner = ?, seen_at = ? WHERE event_id = ? AND owner = ? "
                            "AND done_at IS NULL", [self.owner, now_iso(), event_id, row["owner"]]).rowcount == 1

    def finish_delivery(self, event_id: str) -> None:
        """The work of a delivery this process claimed is over: any later repeat is skipped, whoever gets it."""
        self.execute("UPDATE events_seen SET done_at = ? WHERE event_id = ? AND owner = ?",
                     [now_iso(), event_id, self.owner])

    def delivery(self, event_id: str) -> dict[str, Any] | None:
        return self._first("SELECT * FROM events_seen WHERE event_id = ?", [event_id])

    def stream_opened(self, team_id: str, channel: str, ts: str, lang: str) -> None:
        """A streamed reply this process started (chat.startStream) and must stop."""
        self._upsert("open_streams", {"channel": channel, "ts": ts, "team_id": team_id, "lang": lang,
                                      "owner": self.owner, "started_at": now_iso()}, pk=("channel", "ts"))

    def stream_closed(self, channel: str, ts: str) -> None:
        self.execute("DELETE FROM open_streams WHERE channel = ? AND ts = ?", [channel, ts])

    def abandoned_streams(self) -> list[dict[str, Any]]:
        """Streams whose process died before stopping them (a live process's streams are its own business)."""
        rows = self._rows("SELECT * FROM open_streams ORDER BY started_at, channel, ts")
        alive = {owner: self.alive(owner) for owner in {r["owner"] for r in rows}}
        return [r for r in rows if not alive[r["owner"]]]

    def claim_greeting(self, team_id: str, user_id: str) -> bool:
        """True the first time only: whoever claims it greets the user (two tabs opening at once greet once)."""
        return self.execute("INSERT INTO greetings (team_id, user_id, greeted_at) VALUES (?, ?, ?) "
                            "ON CONFLICT DO NOTHING", [team_id, user_id, now_iso()]).rowcount == 1

    def release_greeting(self, team_id: str, user_id: str) -> None:
        """The greeting could not be posted: the next open tries again."""
        self.execute("DELETE FROM greetings WHERE team_id = ? AND user_id = ?", [team_id, user_id])

    # --- the agent view: what a seller is looking at, the stop button, what a stop leaves ---

    def set_seller_view(self, team_id: str, user_id: str, channel: str | None, thread_ts: str | None = None) -> None:
        """The conversation the seller is looking at now (None: something that is no conversation)."""
        self._upsert("seller_views", {"team_id": team_id, "user_id": user_id, "channel": channel or "",
                                      "thread_ts": thread_ts or "", "seen_at": now_iso()}, pk=("team_id", "user_id"))

    def seller_view(self, team_id: str, user_id: str, since: datetime) -> dict[str, Any] | None:
        """The conversation the seller was last seen looking at, if that was after `since` and a conversation."""
        return self._first("SELECT * FROM seller_views WHERE team_id = ? AND user_id = ? AND seen_at > ? "
                           "AND channel != ''", [team_id, user_id, stamp(since)])

    def stop_session(self, team_id: str, channel: str, thread_ts: str) -> None:
        """The seller pressed stop on the coaching in this thread (when, to the microsecond: a coaching that
        started a moment later is not stopped by it)."""
        self._upsert("session_stops", {"team_id": team_id, "channel": channel, "thread_ts": thread_ts,
                                       "stopped_at": datetime.now(UTC).isoformat()},
                     pk=("team_id", "channel", "thread_ts"))

    def session_stopped(self, team_id: str, channel: str, thread_ts: str, since: str) -> bool:
        """Whether stop was pressed in this thread at or after `since` (`datetime.isoformat()` of a coaching's
        start, to the microsecond)."""
        return self._first("SELECT 1 AS yes FROM session_stops WHERE team_id = ? AND channel = ? AND thread_ts = ? "
                           "AND stopped_at >= ?", [team_id, channel, thread_ts, since]) is not None

    def set_on_stop(self, team_id: str, user_id: str, choice: str) -> None:
        """What a stopped coaching leaves: "offline" (the playbook answer) or "nothing"."""
        self._upsert("seller_settings", {"team_id": team_id, "user_id": user_id, "on_stop": choice,
                                         "updated_at": now_iso()}, pk=("team_id", "user_id"))

    def on_stop(self, team_id: str, user_id: str) -> str:
        row = self._first("SELECT on_stop FROM seller_settings WHERE team_id = ? AND user_id = ?", [team_id, user_id])
        return (row or {}).get("on_stop") or "offline"

    def open_thread(self, team_id: str, channel: str, thread_ts: str, label: str | None,
                    context: str | None = None, topic: str | None = None) -> None:
        """Start (or update the diagnosis of) a coaching thread; a context or topic, once given, stays until
        another is given."""
        row = {"team_id": team_id, "channel": channel, "thread_ts": thread_ts, "label": label, "created_at": now_iso()}
        if context is not None:
            row["context"] = context
        if topic is not None:
            row["topic"] = topic
        self._upsert("threads", row, pk=("team_id", "channel", "thread_ts"))

    def thread(self, team_id: str, channel: str, thread_ts: str) -> dict[str, Any] | None:
        return self._first("SELECT * FROM threads WHERE team_id = ? AND channel = ? AND thread_ts = ?",
                           [team_id, channel, thread_ts])

    def add_turn(self, team_id: str, channel: str, thread_ts: str, role: str, text: str, keep: int) -> None:
        """Append a turn to a thread's history, keeping only its `keep` most recent turns. A turn keeps what the
        coach works on, at most MAX_CHARS of it (cut at a word), whatever the caller passes."""
        text = cut_at_word(text)
        where = "team_id = ? AND channel = ? AND thread_ts = ?"
        key = [team_id, channel, thread_ts]
        with self.transaction() as tx:
            tx.execute("INSERT INTO thread_turns (team_id, channel, thread_ts, role, text, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", [*key, role, text, now_iso()])
            tx.execute(
                f"DELETE FROM thread_turns WHERE {where} AND id NOT IN "
                f"(SELECT id FROM thread_turns WHERE {where} ORDER BY id DESC LIMIT ?)",
                [*key, *key, keep],
            )

    def turns(self, team_id: str, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM thread_turns WHERE team_id = ? AND channel = ? AND thread_ts = ? ORDER BY id",
                          [team_id, channel, thread_ts])

    # --- the model: cache, call log, learned response formats ---

    def llm_cached(self, key: str, team_id: str | None = None) -> str | None:
        """A cached answer; only the workspace that cached it reads it (its key is hashed with the workspace)."""
        row = self._first("SELECT response FROM llm_cache WHERE key = ? AND coalesce(team_id, '') = ?",
                          [key, team_id or ""])
        return row["response"] if row else None

    def llm_cache_put(self, key: str, response: str, team_id: str | None = None) -> None:
        self._upsert("llm_cache", {"key": key, "response": response, "created_at": now_iso(), "team_id": team_id},
                     pk=("key",))

    def log_llm_call(self, **row: Any) -> None:
        row.setdefault("created_at", now_iso())
        self._insert("llm_calls", row, returning=None)

    def llm_calls(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM llm_calls ORDER BY id")

    def llm_format(self, server: str, model: str) -> str | None:
        """The response format learned for this server and model within the last day. Learning expires so
        that one passing 5xx on a capable server costs a day of weaker formats, not forever."""
        fresh = stamp(datetime.now(UTC) - timedelta(days=1))
        row = self._first("SELECT format FROM llm_formats WHERE server = ? AND model = ? AND learned_at > ?",
                          [server, model, fresh])
        return row["format"] if row else None

    def set_llm_format(self, server: str, model: str, fmt: str) -> None:
        self._upsert("llm_formats", {"server": server, "model": model, "format": fmt, "learned_at": now_iso()},
                     pk=("server", "model"))

    def llm_stats(self) -> list[dict[str, Any]]:
        """Per day: model calls, tokens, cache hits and failures."""
        return self._rows(
            """
            SELECT substr(created_at, 1, 10) AS day,
                   sum(CASE WHEN outcome NOT IN ('cache_hit', 'invalid') THEN 1 ELSE 0 END) AS calls,
                   coalesce(sum(prompt_tokens), 0) AS prompt_tokens,
                   coalesce(sum(completion_tokens), 0) AS completion_tokens,
                   sum(CASE WHEN outcome = 'cache_hit' THEN 1 ELSE 0 END) AS cache_hits,
                   sum(CASE WHEN outcome NOT IN ('ok', 'cache_hit') THEN 1 ELSE 0 END) AS failures
            FROM llm_calls GROUP BY substr(created_at, 1, 10) ORDER BY day
            """
        )

    # --- deals: tracked channels or threads, their activity, and their summaries (always per workspace) ---

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

    # --- nudges: stalled-deal candidates, opt-outs, time zones, and the once-a-week claim ---

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

    def opted_out(self, team_id: str, user_id: str) -> bool:
        return self._first("SELECT 1 AS yes FROM nudge_optouts WHERE team_id = ? AND user_id = ?",
                           [team_id, user_id]) is not None

    def set_nudges(self, team_id: str, user_id: str, on: bool) -> None:
        if on:
            self.execute("DELETE FROM nudge_optouts WHERE team_id = ? AND user_id = ?", [team_id, user_id])
        else:
            self._upsert("nudge_optouts", {"team_id": team_id, "user_id": user_id, "created_at": now_iso()},
                         pk=("team_id", "user_id"))

    def cached_timezone(self, team_id: str, user_id: str, now: datetime) -> str | None:
        """A time zone fetched within the last week (people move; Slack's answer is cheap but rate-limited)."""
        row = self._first("SELECT tz FROM user_timezones WHERE team_id = ? AND user_id = ? AND fetched_at > ?",
                          [team_id, user_id, stamp(now - timedelta(days=7))])
        return row["tz"] if row else None

    def cache_timezone(self, team_id: str, user_id: str, tz: str, now: datetime) -> None:
        self._upsert("user_timezones", {"team_id": team_id, "user_id": user_id, "tz": tz, "fetched_at": stamp(now)},
                     pk=("team_id", "user_id"))

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

    def update_deal(self, deal_id: int, **values: Any) -> None:
        self._update("deals", {"id": deal_id}, values)

    def deal_by_id(self, deal_id: int) -> dict[str, Any] | None:
        return self._first("SELECT * FROM deals WHERE id = ?", [deal_id])

    # --- practice: sessions per seller and conversation, and every scored answer (always per workspace) ---

    def save_practice_session(self, team_id: str, channel: str, thread_ts: str, user_id: str, **values: Any) -> None:
        now = now_iso()
        key = {"team_id": team_id, "channel": channel, "thread_ts": thread_ts, "user_id": user_id}
        existing = self.practice_session(team_id, channel, thread_ts, user_id)
        row = {**key, **values, "updated_at": now, "created_at": existing["created_at"] if existing else now}
        self._upsert("practice_sessions", row, pk=("team_id", "channel", "thread_ts", "user_id"))

    def practice_session(self, team_id: str, channel: str, thread_ts: str, user_id: str) -> dict[str, Any] | None:
        return self._first("SELECT * FROM practice_sessions WHERE team_id = ? AND channel = ? AND thread_ts = ? "
                           "AND user_id = ?", [team_id, channel, thread_ts, user_id])

    def is_practice_thread(self, team_id: str, channel: str, thread_ts: str) -> bool:
        """Whether any seller practises in this thread (its messages are answers to a buyer, not objections)."""
        return self._first("SELECT 1 AS found FROM practice_sessions WHERE team_id = ? AND channel = ? "
                           "AND thread_ts = ? LIMIT 1", [team_id, channel, thread_ts]) is not None

    def log_practice_answer(self, **row: Any) -> int:
        row.setdefault("created_at", now_iso())
        return self._insert("practice_answers", row)

    def practice_answers_in(self, team_id: str, channel: str, thread_ts: str, user_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM practice_answers WHERE team_id = ? AND channel = ? AND thread_ts = ? "
                          "AND user_id = ? ORDER BY id", [team_id, channel, thread_ts, user_id])

    def practice_stats(self, team_id: str, user_id: str | None) -> dict[str, Any]:
        """A seller's (or, with no user, the team's) pass rate per check and mean score per kind, overall and per
        ISO week."""
        who, params = ("", [team_id]) if user_id is None else (" AND user_id = ?", [team_id, user_id])
        rows = self._rows(f"SELECT kind, checks, score, created_at FROM practice_answers WHERE team_id = ?{who} "
                          "ORDER BY id", params)
        checks: dict[str, dict[str, int]] = {}
        kinds: dict[str, dict[str, float]] = {}
        weeks: dict[str, dict[str, Any]] = {}
        for row in rows:
            year, week, _ = datetime.fromisoformat(row["created_at"]).isocalendar()
            label = f"{year}-W{week:02d}"
            bucket = weeks.setdefault(label, {"week": label, "answers": 0, "score_sum": 0.0, "checks": {}, "kinds": {}})
            bucket["answers"] += 1
            bucket["score_sum"] += row["score"]
            for table in (kinds, bucket["kinds"]):
                kind = table.setdefault(row["kind"], {"answers": 0, "score_sum": 0.0})
                kind["answers"] += 1
                kind["score_sum"] += row["score"]
            for name, value in json.loads(row["checks"]).items():
                if value is None:
                    continue
                for table in (checks, bucket["checks"]):
                    entry = table.setdefault(name, {"passed": 0, "applicable": 0})
                    entry["applicable"] += 1
                    entry["passed"] += int(bool(value))

        def rates(table: dict[str, dict[str, int]]) -> dict[str, dict[str, Any]]:
            return {name: {**e, "rate": round(e["passed"] / e["applicable"], 2)} for name, e in table.items()}

        def means(table: dict[str, dict[str, float]]) -> dict[str, dict[str, Any]]:
            return {k: {"answers": int(v["answers"]), "mean_score": round(v["score_sum"] / v["answers"], 2)}
                    for k, v in table.items()}

        return {
            "answers": len(rows),
            "checks": rates(checks),
            "kinds": means(kinds),
            "weeks": [{"week": b["week"], "answers": b["answers"],
                       "mean_score": round(b["score_sum"] / b["answers"], 2), "checks": rates(b["checks"]),
                       "kinds": means(b["kinds"])} for b in weeks.values()],
        }


    # --- calls and email threads reviewed in Slack (issue #22): the review, and the seller's scored answers ---

    def save_call_review(self, **row: Any) -> int:
        """A call shared in Slack whose seller is asked which speakers are theirs (`state` "asking"): `text` holds
        the file's text until they answer."""
        row.setdefault("created_at", now_iso())
        return self._insert("call_reviews", row)

    def call_review(self, review_id: int) -> dict[str, Any] | None:
        return self._first("SELECT * FROM call_reviews WHERE id = ?", [review_id])

    def claim_call_review(self, review_id: int) -> bool:
        """Take a call whose seller was asked for their speakers: True once, so one choice (or one of two
        replicas handling a double click) reviews it."""
        return self.execute("UPDATE call_reviews SET state = 'reviewing' WHERE id = ? AND state = 'asking'",
                            [review_id]).rowcount == 1

    def release_call_review(self, review_id: int) -> None:
        """The review of a claimed call failed: the seller may choose again."""
        self.execute("UPDATE call_reviews SET state = 'asking' WHERE id = ? AND state = 'reviewing'", [review_id])

    def record_call_review(self, row: dict[str, Any], answers: Sequence[dict[str, Any]],
                           review_id: int | None = None) -> int:
        """A call reviewed: its row (new, or `review_id`'s, whose file text goes now) with the moments kept for
        "Practise this", and each scored answer of the seller (no text), all at once. Returns the review's id."""
        now = now_iso()
        row = {**row, "state": "reviewed", "text": "", "reviewed_at": now}
        with self.transaction() as tx:
            if review_id is None:
                row["created_at"] = now
                review_id = tx.execute(f"INSERT INTO call_reviews ({_names(list(row))}) VALUES "
                                       f"({', '.join('?' for _ in row)}) RETURNING id",
                                       [_value(v) for v in row.values()]).rows[0]["id"]
            else:
                sets = ", ".join(f'"{c}" = ?' for c in row)
                tx.execute(f"UPDATE call_reviews SET {sets} WHERE id = ?", [*map(_value, row.values()), review_id])
            for answer in answers:
                values = {**answer, "review_id": review_id, "created_at": now}
                tx.execute(f"INSERT INTO call_answers ({_names(list(values))}) VALUES "
                           f"({', '.join('?' for _ in values)})", [_value(v) for v in values.values()])
        assert review_id is not None
        return int(review_id)

    def call_stats(self, team_id: str, user_id: str | None) -> dict[str, Any]:
        """A seller's (or, with no user, the team's) answers on real calls: how many, and the pass rate per check
        (index call_answers(team_id, user_id, created_at) or (team_id, created_at))."""
        who, params = ("", [team_id]) if user_id is None else (" AND user_id = ?", [team_id, user_id])
        rows = self._rows(f"SELECT checks, review_id FROM call_answers WHERE team_id = ?{who}", params)
        checks: dict[str, dict[str, int]] = {}
        for row in rows:
            for name, value in json.loads(row["checks"]).items():
                if value is None:
                    continue
                entry = checks.setdefault(name, {"passed": 0, "applicable": 0})
                entry["applicable"] += 1
                entry["passed"] += int(bool(value))
        return {"answers": len(rows), "calls": len({row["review_id"] for row in rows}),
                "checks": {name: {**e, "rate": round(e["passed"] / e["applicable"], 2)} for name, e in checks.items()}}

    # --- Slack installations (OAuth; bot/slack/installations.py adapts these to slack_sdk's interfaces) ---

    def save_installation(self, enterprise_id: str | None, team_id: str | None, user_id: str | None,
                          data: dict[str, Any], installed_at: str) -> None:
        """Keep an install: as the installing user's, and as the workspace's latest (user_id ''). An org-wide
        install has no team (team_id ''): its data is kept under the enterprise id (bot/slack/audience.py
        `team_of`), and so is its uninstall."""
        key = {"enterprise_id": enterprise_id or "", "team_id": team_id or ""}
        with self.transaction() as tx:
            # back: nothing to forget
            tx.execute("DELETE FROM uninstalls WHERE team_id = ?", [team_id or enterprise_id or ""])
            for user in {user_id or "", ""}:
                tx.execute("INSERT INTO installations (enterprise_id, team_id, user_id, installed_at, data) "
                           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (enterprise_id, team_id, user_id) DO UPDATE SET "
                           "installed_at = excluded.installed_at, data = excluded.data",
                           [key["enterprise_id"], key["team_id"], user, installed_at, json.dumps(data)])

    def installation(self, enterprise_id: str | None, team_id: str | None,
                     user_id: str | None = None) -> dict[str, Any] | None:
        """The user's install, or (no user) the workspace's latest; the Installation fields as saved."""
        row = self._first("SELECT data FROM installations WHERE enterprise_id = ? AND team_id = ? AND user_id = ?",
                          [enterprise_id or "", team_id or "", user_id or ""])
        return json.loads(row["data"]) if row else None

    def delete_installations(self, enterprise_id: str | None, team_id: str | None,
                             user_id: str | None = None) -> int:
        """Forget the tokens of one user's install, or (no user) of the whole workspace."""
        where, params = "enterprise_id = ? AND team_id = ?", [enterprise_id or "", team_id or ""]
        if user_id:
            where += " AND user_id = ?"
            params.append(user_id)
        return self.execute(f"DELETE FROM installations WHERE {where}", params).rowcount

    def installed_teams(self) -> list[dict[str, Any]]:
        """Every workspace with a bot install: (enterprise_id, team_id), for the scheduled jobs."""
        return self._rows("SELECT enterprise_id, team_id FROM installations WHERE user_id = '' "
                          "ORDER BY enterprise_id, team_id")

    def mark_uninstalled(self, team_id: str, now: datetime) -> None:
        """The workspace removed the app: its data is forgotten by the first prune after the retention period."""
        self.execute("INSERT INTO uninstalls (team_id, uninstalled_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                     [team_id, stamp(now)])

    def forget_uninstalled(self, now: datetime, retention_days: int, dry_run: bool = False) -> list[str]:
        """Forget every workspace uninstalled more than `retention_days` ago (and not installed again); with
        `dry_run`, only say which. Part of `prune`."""
        old = stamp(now - timedelta(days=retention_days))
        teams = [r["team_id"] for r in self._rows("SELECT team_id FROM uninstalls WHERE uninstalled_at < ?", [old])]
        for team in teams:
            self.forget_team(team, dry_run=dry_run)
        return teams

    def issue_oauth_state(self, state: str, now: datetime) -> None:
        self._insert("oauth_states", {"state": state, "created_at": stamp(now)}, returning=None)

    def consume_oauth_state(self, state: str, now: datetime, max_age: timedelta) -> bool:
        """True once for a state issued within `max_age`: one conditional delete, so of two replicas
        handling the same redirect only one accepts it."""
        self.execute("DELETE FROM oauth_states WHERE created_at < ?", [stamp(now - max_age)])
        return self.execute("DELETE FROM oauth_states WHERE state = ?", [state]).rowcount == 1

    # --- retention: what is kept, for how long, and deleting one workspace ---

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
                ("deal_imports", team)]]
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

    # The user's language, from Slack's locale, cached beside their time zone (users.info gives both at once).
    def cached_language(self, team_id: str, user_id: str, now: datetime) -> str | None:
        """"en" or "es" as fetched within the last week, like the time zone; None when not known."""
        row = self._first("SELECT language FROM user_timezones WHERE team_id = ? AND user_id = ? AND fetched_at > ? "
                          "AND language IS NOT NULL", [team_id, user_id, stamp(now - timedelta(days=7))])
        return row["language"] if row else None

    def cache_profile(self, team_id: str, user_id: str, tz: str, language: str, now: datetime) -> None:
        self._upsert("user_timezones", {"team_id": team_id, "user_id": user_id, "tz": tz, "language": language,
                                        "fetched_at": stamp(now)}, pk=("team_id", "user_id"))

    # --- the Home tab and the manager's report: read queries (migration m009_home), each walking an index ---
    # Portable SQL, so they read the same on SQLite and PostgreSQL.

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

    # --- a workspace's learned examples and model (`coach learn`, bot/learn.py), shared by every replica ---

    def team_examples(self, team_id: str) -> list[dict[str, Any]]:
        """The workspace's examples in their review order: id, text, label, feedback_id, at."""
        return self._rows("SELECT id, text, label, feedback_id, at FROM team_examples WHERE team_id = ? "
                          "ORDER BY pos", [team_id])

    def save_team_examples(self, team_id: str, examples: Sequence[dict[str, Any]],
                           imported: int | None = None) -> None:
        """Replace the workspace's examples with these (in this order); with `imported`, record that corrections
        up to that feedback id are imported, in the same transaction (a crash never imports one twice)."""
        with self.transaction() as tx:
            tx.execute("DELETE FROM team_examples WHERE team_id = ?", [team_id])
            if examples:
                tx.executemany("INSERT INTO team_examples (team_id, id, pos, text, label, feedback_id, at) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)",
                               [[team_id, e["id"], pos, e["text"], e["label"], e.get("feedback_id"), e.get("at")]
                                for pos, e in enumerate(examples)])
            if imported is not None:
                tx.execute("INSERT INTO team_learning (team_id, feedback_id, updated_at) VALUES (?, ?, ?) "
                           "ON CONFLICT (team_id) DO UPDATE SET feedback_id = excluded.feedback_id, "
                           "updated_at = excluded.updated_at", [team_id, imported, now_iso()])

    def delete_team_examples(self, team_id: str, ids: Sequence[str]) -> int:
        if not ids:
            return 0
        return self.execute(f"DELETE FROM team_examples WHERE team_id = ? AND id IN ({', '.join('?' for _ in ids)})",
                            [team_id, *ids]).rowcount

    def relabel_team_example(self, team_id: str, example_id: str, label: str) -> int:
        return self._update("team_examples", {"team_id": team_id, "id": example_id}, {"label": label})

    def learned_up_to(self, team_id: str) -> int:
        """The last correction (feedback id) `coach learn` imported for the workspace; 0 before the first."""
        row = self._first("SELECT feedback_id FROM team_learning WHERE team_id = ?", [team_id])
        return int(row["feedback_id"] or 0) if row else 0

    def team_model_info(self, team_id: str) -> dict[str, Any] | None:
        """The kept model's version, fingerprint and when it was saved, without the model itself: the cheap check a
        running coach makes every few seconds."""
        return self._first("SELECT version, fingerprint, saved_at FROM team_models WHERE team_id = ?", [team_id])

    def team_model(self, team_id: str) -> tuple[str, bytes] | None:
        """The kept model's version and bytes (as bot/learn.py saved them)."""
        row = self._first("SELECT version, model FROM team_models WHERE team_id = ?", [team_id])
        return (row["version"], bytes(row["model"])) if row else None

    def save_team_model(self, team_id: str, model: bytes, fingerprint: str) -> str:
        """Keep a workspace's model (one statement: a running coach reads the old one or the new, never half);
        returns its new version."""
        version = uuid.uuid4().hex
        self.execute("INSERT INTO team_models (team_id, version, fingerprint, saved_at, model) VALUES (?, ?, ?, ?, ?) "
                     "ON CONFLICT (team_id) DO UPDATE SET version = excluded.version, "
                     "fingerprint = excluded.fingerprint, saved_at = excluded.saved_at, model = excluded.model",
                     [team_id, version, fingerprint, now_iso(), model])
        return version

    def delete_team_model(self, team_id: str) -> bool:
        return self.execute("DELETE FROM team_models WHERE team_id = ?", [team_id]).rowcount == 1

    # --- deals from the CLI and from CRM exports, and their outcomes (bot/deals.py, bot/outcomes.py) ---

    def deal_by_external_id(self, team_id: str, external_id: str) -> dict[str, Any] | None:
        """The deal with this CRM record id (`hubspot:123`) or CLI key (`cli:acme renewal`) in the workspace."""
        return self._first("SELECT * FROM deals WHERE team_id = ? AND external_id = ?", [team_id, external_id])

    def set_deal_outcome(self, deal_id: int, status: str, closed_at: str) -> None:
        """Won or lost (as the nudge's buttons do), or open again (closed_at then cleared)."""
        self._update("deals", {"id": deal_id}, {"status": status, "closed_at": closed_at or None})

    def latest_coaching_id(self, team_id: str) -> int | None:
        row = self._first("SELECT max(id) AS id FROM coachings WHERE team_id = ?", [team_id])
        return row["id"] if row else None

    def link_coaching(self, coaching_id: int, deal_id: int) -> None:
        """A coaching asked for one deal (`coach ask --deal`); Slack's are linked by the deal's channel."""
        self._update("coachings", {"id": coaching_id}, {"deal_id": deal_id})

    def open_deal_count(self, team_id: str | None = None) -> int:
        """Deals being tracked (open), in one workspace or all."""
        row = self._first("SELECT count(*) AS n FROM deals WHERE status = 'open' AND (? IS NULL OR team_id = ?)",
                          [team_id, team_id])
        return int(row["n"]) if row else 0

    def import_deals(self, team_id: str, wanted: Sequence[dict[str, Any]],
                     decide: Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]], *,
                     dry_run: bool = False, keep_going: bool = False,
                     log: dict[str, Any] | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Create or update the workspace's deals from an export's rows, in one transaction: all of them or none.

        Each wanted row has `external_id` (and `channel` when it names one); its deal is the one with that id, else
        the one tracked in that channel, else the one tracked by name from the CLI (`cli_key`). `decide(deal, row)`
        gives the columns to write (all of them for a new deal, None for a deal to keep as it is). Returns, per row,
        ("created" | "updated" | "unchanged", {"deal": the deal as written, "changed": its columns written}) or
        ("conflict", {"reason": why}).
        A conflict (the row's channel is another deal's) rolls everything back unless `keep_going`; a dry run
        does the same work and rolls it back. `log` (counts, a digest) is recorded when something changed."""
        results: list[tuple[str, dict[str, Any]]] = []

        class _Undo(Exception):
            pass

        try:
            with self.transaction(rollback=dry_run) as tx:
                for row in wanted:
                    results.append(self._import_one(tx, team_id, row, decide))
                if any(status == "conflict" for status, _ in results) and not keep_going:
                    raise _Undo
                changed = sum(1 for status, _ in results if status in ("created", "updated"))
                if log is not None and changed:
                    tx.execute("INSERT INTO deal_imports (team_id, source, file_name, digest, rows, created, updated, "
                               "skipped, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               [team_id, log.get("source"), log.get("file_name"), log.get("digest"), len(wanted),
                                sum(1 for status, _ in results if status == "created"),
                                sum(1 for status, _ in results if status == "updated"), log.get("skipped", 0),
                                now_iso()])
        except _Undo:
            pass
        return results

    @staticmethod
    def _import_one(tx: Session, team_id: str, row: dict[str, Any],
                    decide: Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]
                    ) -> tuple[str, dict[str, Any]]:
        def one(sql: str, params: Params) -> dict[str, Any] | None:
            rows = tx.execute(sql, params).rows
            return rows[0] if rows else None

        deal = one("SELECT * FROM deals WHERE team_id = ? AND external_id = ?", [team_id, row["external_id"]])
        if deal is None and row.get("channel"):
            deal = one("SELECT * FROM deals WHERE team_id = ? AND channel = ? AND thread_ts = ''",
                       [team_id, row["channel"]])
            if deal is not None and deal["external_id"] and deal["external_id"] != row["external_id"] \
                    and not str(deal["external_id"]).startswith("cli:"):
                return "conflict", {"reason": f"its channel {row['channel']} is already the deal {deal['name']!r} "
                                              f"({deal['external_id']})"}
        if deal is None and row.get("cli_key"):
            deal = one("SELECT * FROM deals WHERE team_id = ? AND external_id = ?", [team_id, row["cli_key"]])
        values = decide(deal, row)
        if deal is not None and values.get("channel") and values["channel"] != deal["channel"]:
            taken = one("SELECT id, name FROM deals WHERE team_id = ? AND channel = ? AND thread_ts = '' AND id != ?",
                        [team_id, values["channel"], deal["id"]])
            if taken is not None:
                return "conflict", {"reason": f"its channel {values['channel']} is already the deal "
                                              f"{taken['name']!r}"}
        if deal is None:
            columns = {"team_id": team_id, **values}
            (created,) = tx.execute(f"INSERT INTO deals ({_names(list(columns))}) VALUES "
                                    f"({', '.join('?' for _ in columns)}) RETURNING *",
                                    [_value(v) for v in columns.values()]).rows
            return "created", {"deal": created, "changed": sorted(values)}
        if not values:
            return "unchanged", {"deal": deal, "changed": []}
        sets = ", ".join(f'"{c}" = ?' for c in values)
        (updated,) = tx.execute(f"UPDATE deals SET {sets} WHERE id = ? RETURNING *",
                                [*map(_value, values.values()), deal["id"]]).rows
        return "updated", {"deal": updated, "changed": sorted(values)}

    def deal_imports(self, team_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM deal_imports WHERE team_id = ? ORDER BY id", [team_id])

    # Outcomes read ids, kinds, topics, times and feedback kinds: never a coaching's text or a summary's words.

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
        # CROSS JOIN: SQLite walks the closed deals first (index deals(team_id, status, closed_at)), then each
        # deal's coachings (coachings(deal_id), coachings(team_id, channel, id)), not every coaching of the team
        asked = self._rows(f"SELECT {columns} FROM deals d CROSS JOIN coachings c WHERE c.deal_id = d.id "
                           f"AND c.team_id = d.team_id AND {closed}", params)
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
