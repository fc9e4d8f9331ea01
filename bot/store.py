"""The SQLite store (through sqlite-utils): the only module that reads or writes rows."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.migrations import migrate


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=5000")
            self._local.db = db
        return db

    def log_coaching(self, **row: Any) -> int:
        row.setdefault("created_at", now_iso())
        return self.db["coachings"].insert(row).last_pk

    def coachings(self) -> list[dict[str, Any]]:
        return list(self.db["coachings"].rows_where(order_by="id"))
