"""The store: the only code that reads or writes rows. `open_store(settings)` gives one; callers never know
whether it is SQLite (bot/store/sqlite.py) or PostgreSQL (bot/store/pg.py)."""

from bot.store.base import (
    DatabaseUnusable,
    Result,
    Store,
    connect,
    now_iso,
    open_store,
    open_writable_store,
    stamp,
)

__all__ = ["DatabaseUnusable", "Result", "Store", "connect", "now_iso", "open_store", "open_writable_store", "stamp"]
