"""The store: the only code that reads or writes rows (bot/store/, with its migrations). `open_store(settings)`
gives one; callers never know whether it is SQLite (bot/store/sqlite.py) or PostgreSQL (bot/store/pg.py)."""

from __future__ import annotations

from pathlib import Path

from bot.core.config import Settings, reveal
from bot.store.base import DatabaseUnusable, Result, database_problem, now_iso, stamp
from bot.store.store import Store

__all__ = ["DatabaseUnusable", "Result", "Store", "connect", "now_iso", "open_store", "open_writable_store", "stamp"]


def is_database_url(target: str | Path) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


def connect(target: str | Path) -> Store:
    """The store at a PostgreSQL URL (`postgresql://...`) or an SQLite file path."""
    if is_database_url(target):
        from bot.store.pg import PostgresStore  # psycopg is loaded only for a PostgreSQL URL

        return PostgresStore(str(target))
    from bot.store.sqlite import SQLiteStore

    return SQLiteStore(target)


def open_store(settings: Settings) -> Store:
    """The store the settings name: COACH_DATABASE_URL when set, else the SQLite file COACH_DB."""
    return connect(reveal(settings.database_url) or settings.db_path)



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
