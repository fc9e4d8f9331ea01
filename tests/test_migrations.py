"""Migrations under concurrency (real processes on one file) and a migration that fails half-way."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
import sqlite_utils

from bot import migrations
from bot.store import Store

PROCESSES = 6
TRIALS = 5


def _open_each(paths: list[str], barrier, results) -> None:  # noqa: ANN001 (multiprocessing proxies)
    for path in paths:
        barrier.wait()  # all processes open the same fresh file at the same moment
        try:
            Store(path)
            results.put("ok")
        except Exception as exc:  # reported to the test, which shows it
            results.put(f"{type(exc).__name__}: {exc}")


def test_several_processes_opening_one_fresh_file_all_succeed(tmp_path):
    ctx = multiprocessing.get_context("spawn")  # real, separate interpreters, as `coach serve` + cron would be
    paths = [str(tmp_path / f"trial{n}" / "coach.db") for n in range(TRIALS)]
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    workers = [ctx.Process(target=_open_each, args=(paths, barrier, results)) for _ in range(PROCESSES)]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=60) for _ in range(PROCESSES * TRIALS)]
    for w in workers:
        w.join(timeout=60)
    assert [o for o in outcomes if o != "ok"] == []
    expected = [fn.__name__ for fn in migrations.MIGRATIONS]
    for path in paths:
        rows = sqlite_utils.Database(path).execute("SELECT name FROM _migrations ORDER BY name").fetchall()
        assert [name for (name,) in rows] == sorted(expected)  # each applied exactly once


def test_a_migration_failing_half_way_leaves_nothing_behind(tmp_path, monkeypatch):
    path = tmp_path / "coach.db"

    def m999_half_way(db: sqlite_utils.Database) -> None:
        db["coachings"].add_column("extra", str)
        db["half"].create({"id": int}, pk="id")
        raise RuntimeError("disk full, say")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m999_half_way])
    with pytest.raises(RuntimeError, match="disk full"):
        Store(path)
    db = sqlite_utils.Database(path)
    assert "half" not in db.table_names()
    assert "extra" not in db["coachings"].columns_dict
    applied = {name for (name,) in db.execute("SELECT name FROM _migrations")}
    assert applied == {fn.__name__ for fn in migrations.MIGRATIONS[:-1]}  # the ones before it are kept

    # the release that fixes the migration (same name) opens the file without "duplicate column" errors
    def m999_fixed(db: sqlite_utils.Database) -> None:
        db["coachings"].add_column("extra", str)
        db["half"].create({"id": int}, pk="id")

    m999_fixed.__name__ = "m999_half_way"
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS[:-1], m999_fixed])
    store = Store(path)
    assert "extra" in store.db["coachings"].columns_dict and store.db["half"].exists()


def test_an_older_database_is_upgraded_under_the_write_lock(tmp_path: Path):
    """A file made before the lock existed (its _migrations table made by sqlite-utils) still upgrades."""
    path = tmp_path / "coach.db"
    db = sqlite_utils.Database(path)
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    migrations.MIGRATIONS[0](db)
    db["_migrations"].insert({"name": migrations.MIGRATIONS[0].__name__, "applied_at": "2026-01-01T00:00:00"})
    db.close()
    assert migrations.migrate(sqlite_utils.Database(path)) == [fn.__name__ for fn in migrations.MIGRATIONS[1:]]
