"""The embedded store: one SQLite file (the default, for a team running one process or a few on one host)."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import sqlite_utils

from bot.store.base import Params, Result, stamp
from bot.store.migrations import migrate
from bot.store.store import Store

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def _lock(file: IO[str]) -> bool:
    """Take the file's exclusive lock without waiting; False when another process (or another open of the same
    file) holds it."""
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class _Session:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def execute(self, sql: str, params: Params = ()) -> Result:
        cursor = self.conn.execute(sql, params)
        if cursor.description is None:
            return Result([], cursor.rowcount)
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return Result(rows, cursor.rowcount)

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        self.conn.executemany(sql, rows)


# How long a write waits for another's lock before "database is locked". 15 s: on a loaded 2-core host, several
# processes migrating one fresh file queued past 5 s. Inside Store.waiting_at_most, what is left of that instead.
BUSY_TIMEOUT_MS = 15_000


class SQLiteStore(Store):
    """One database file; each thread gets its own connection (sqlite3 connections are per thread)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._migrate()

    def _migrate(self, attempts: int = 8) -> None:
        """Apply pending migrations. Processes opening one fresh file at once can get "database is locked"
        without SQLite's busy wait (switching the file to WAL while another holds it); that is retried on a
        fresh connection, with a growing pause, before it is reported."""
        for attempt in range(1, attempts + 1):
            try:
                migrate(self.db)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == attempts:
                    raise
                self.close()
                time.sleep(0.05 * attempt)

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection as sqlite-utils sees it (migrations, tests that look at tables)."""
        db = getattr(self._local, "db", None)
        if db is None:
            # autocommit: a statement commits on its own unless transaction() opened one (no implicit BEGIN)
            conn = sqlite3.connect(self.path, isolation_level=None)
            # first, so that even switching a fresh file to WAL waits for another process instead of failing
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._local.busy_ms = BUSY_TIMEOUT_MS
            conn.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: no corruption on a crash, no fsync on every log row (an fsync per commit was most
            # of our own time per coaching)
            conn.execute("PRAGMA synchronous=NORMAL")
            db = sqlite_utils.Database(conn)
            self._local.db = db
        return db

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, its lock wait set to what this thread may still wait (waiting_at_most)."""
        conn = self.db.conn
        left = self._wait_left()
        # in steps of 100 ms, so that a deadline's few statements do not each set it anew
        wanted = BUSY_TIMEOUT_MS if left is None else int(left * 10) * 100
        if self._local.busy_ms != wanted:
            conn.execute(f"PRAGMA busy_timeout={wanted}")
            self._local.busy_ms = wanted
        return conn

    def execute(self, sql: str, params: Params = ()) -> Result:
        return _Session(self._conn()).execute(sql, params)

    @contextmanager
    def transaction(self, rollback: bool = False) -> Iterator[_Session]:
        # IMMEDIATE: take the write lock first, so two writers queue on busy_timeout instead of one failing
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield _Session(conn)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("ROLLBACK" if rollback else "COMMIT")

    @contextmanager
    def exclusive(self, name: str, lease: timedelta) -> Iterator[bool]:
        # a lease row (SQLite has no session locks): free, or its holder's lease ran out -> ours; one
        # conditional write, so of several processes exactly one wins. A holder that dies keeps it until expiry.
        owner, now = uuid.uuid4().hex, datetime.now(UTC)
        got = self.execute(
            "INSERT INTO locks (name, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE "
            "SET owner = excluded.owner, expires_at = excluded.expires_at WHERE locks.expires_at < ?",
            [name, owner, stamp(now + lease), stamp(now)]).rowcount == 1
        try:
            yield got
        finally:
            if got:
                self.execute("DELETE FROM locks WHERE name = ? AND owner = ?", [name, owner])

    # Which processes are running: each holds an exclusive flock on a file of its own beside the database. The
    # kernel drops the lock when the process dies however it dies (SIGKILL too), and only processes on this host
    # share an SQLite file, so whoever can take the lock knows its holder is gone.

    @property
    def _owners_dir(self) -> Path:
        return self.path.with_name(self.path.name + ".owners")

    def _hold(self, owner: str) -> None:
        self._owners_dir.mkdir(exist_ok=True)
        # kept open, and so locked, until close() or the end of the process
        self._owner_file: IO[str] | None = open(self._owners_dir / owner, "w")  # noqa: SIM115
        if fcntl is not None:
            _lock(self._owner_file)
            for path in self._owners_dir.iterdir():  # the files of processes that died go (checking removes them)
                if path.name != owner:
                    self.alive(path.name)

    def alive(self, owner: str) -> bool:
        if fcntl is None:
            return True  # no flock (Windows): never take over a claim, as before claims had owners
        try:
            probe = open(self._owners_dir / owner, "a")  # noqa: SIM115
        except FileNotFoundError:
            return False  # its lock file was cleared: a checker found it dead
        with probe:
            if not _lock(probe):
                return True
            (self._owners_dir / owner).unlink(missing_ok=True)  # dead: its file goes (the lock goes with `probe`)
            return False

    def explain(self, sql: str, params: Params = ()) -> list[str]:
        return [str(row["detail"]) for row in self._rows(f"EXPLAIN QUERY PLAN {sql}", params)]

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
        owner_file = getattr(self, "_owner_file", None)
        if owner_file is not None:  # this store is done with: its claims and streams are anyone's to take over
            owner_file.close()
            self._owner_file = None
