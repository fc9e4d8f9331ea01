"""What every part of the store is written on: `Backend`, the hooks a database supplies (a statement, a
transaction, a lock across processes; `SQLiteStore` in bot/store/sqlite.py, `PostgresStore` in bot/store/pg.py)
and the portable helpers each operation is written with; the row and time conventions (`Result`, `stamp`).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

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


# This thread's deadline for database waits, set by Store.waiting_at_most (the same for every store: what it
# bounds is how long this thread may be held up, whichever database it waits on).
_deadline = threading.local()


def stored(value: Any) -> Any:
    """A value as a column keeps it: lists and dicts as JSON text (what sqlite-utils did for us)."""
    return json.dumps(value) if isinstance(value, list | dict) else value


def quoted(columns: Sequence[str]) -> str:
    """Column names for SQL, each quoted, comma-separated."""
    return ", ".join(f'"{c}"' for c in columns)


class Backend(ABC):
    """The database under every repository (bot/store/store.py composes them into `Store`).

    An operation is written once, in the repository of its aggregate (a subclass of this), as SQL through
    `_rows` / `_first` / `execute` / `_insert` / `_upsert` / `_update` (single statements, each committed) or
    `with self.transaction() as tx: tx.execute(...)` (several, all or none; inside it use only `tx`, since on
    PostgreSQL `self.execute` takes another connection).
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
        sql = f"INSERT INTO {table} ({quoted(list(row))}) VALUES ({', '.join('?' for _ in row)})"
        if returning:
            sql += f" RETURNING {returning}"
        result = self.execute(sql, [stored(v) for v in row.values()])
        return result.rows[0][returning] if returning else None

    def _upsert(self, table: str, row: dict[str, Any], pk: Sequence[str]) -> None:
        """Insert the row, or update the given columns of the row with the same primary key (one statement)."""
        rest = [c for c in row if c not in pk]
        action = (f"DO UPDATE SET {', '.join(f'{quoted([c])} = excluded.{quoted([c])}' for c in rest)}" if rest
                  else "DO NOTHING")
        self.execute(f"INSERT INTO {table} ({quoted(list(row))}) VALUES ({', '.join('?' for _ in row)}) "
                     f"ON CONFLICT ({quoted(pk)}) {action}", [stored(v) for v in row.values()])

    def _update(self, table: str, key: dict[str, Any], values: dict[str, Any]) -> int:
        if not values:
            return 0
        sets = ", ".join(f'"{c}" = ?' for c in values)
        where = " AND ".join(f'"{c}" = ?' for c in key)
        return self.execute(f"UPDATE {table} SET {sets} WHERE {where}",
                            [*map(stored, values.values()), *key.values()]).rowcount

    # --- the process on this database ---

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
