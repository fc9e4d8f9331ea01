"""Migrations under concurrency (real processes on one database) and a migration that fails half-way, on both
SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from contextlib import closing
from pathlib import Path

import pytest
import sqlite_utils

from bot.store import connect, migrations

PROCESSES = 6
TRIALS = 5


def _open_each(targets: list[str], barrier, results) -> None:  # noqa: ANN001 (multiprocessing proxies)
    for target in targets:
        barrier.wait()  # all processes open the same fresh database at the same moment
        try:
            connect(target).close()
            results.put("ok")
        except Exception as exc:  # reported to the test, which shows it
            results.put(f"{type(exc).__name__}: {exc}")


def test_several_processes_opening_one_fresh_database_all_succeed(backend, tmp_path, request):
    if backend == "postgres":
        server = request.getfixturevalue("pg_server")
        targets = [server.create_database() for _ in range(TRIALS)]
    else:
        targets = [str(tmp_path / f"trial{n}" / "coach.db") for n in range(TRIALS)]
    ctx = multiprocessing.get_context("spawn")  # real, separate interpreters, as replicas + cron would be
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    workers = [ctx.Process(target=_open_each, args=(targets, barrier, results)) for _ in range(PROCESSES)]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=120) for _ in range(PROCESSES * TRIALS)]
    for w in workers:
        w.join(timeout=60)
    assert [o for o in outcomes if o != "ok"] == []
    expected = [fn.__name__ for fn in migrations.MIGRATIONS]
    for target in targets:
        with closing(connect(target)) as store:
            assert sorted(r["name"] for r in store.db["_migrations"].rows) == sorted(expected)  # each once


def test_a_migration_failing_half_way_leaves_nothing_behind(store_target, monkeypatch):
    def m999_half_way(db: sqlite_utils.Database) -> None:
        db["coachings"].add_column("extra", str)
        db["half"].create({"id": int}, pk="id")
        raise RuntimeError("disk full, say")

    shipped = migrations.MIGRATIONS
    monkeypatch.setattr(migrations, "MIGRATIONS", [*shipped, m999_half_way])
    with pytest.raises(RuntimeError, match="disk full"):
        connect(store_target)
    monkeypatch.setattr(migrations, "MIGRATIONS", shipped)  # look without applying anything
    with closing(connect(store_target)) as store:
        assert not store.db["half"].exists()
        assert "extra" not in store.db["coachings"].columns_dict
        applied = {r["name"] for r in store.db["_migrations"].rows}
        assert applied == {fn.__name__ for fn in shipped}  # the ones before it are kept

    # the release that fixes the migration (same name) opens the database without "duplicate column" errors
    def m999_fixed(db: sqlite_utils.Database) -> None:
        db["coachings"].add_column("extra", str)
        db["half"].create({"id": int}, pk="id")

    m999_fixed.__name__ = "m999_half_way"
    monkeypatch.setattr(migrations, "MIGRATIONS", [*shipped, m999_fixed])
    with closing(connect(store_target)) as store:
        assert "extra" in store.db["coachings"].columns_dict and store.db["half"].exists()


def test_an_older_database_is_upgraded_under_the_write_lock(tmp_path: Path):
    """An SQLite file made before the lock existed (its _migrations table made by sqlite-utils) still upgrades."""
    path = tmp_path / "coach.db"
    db = sqlite_utils.Database(path)
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    migrations.MIGRATIONS[0](db)
    db["_migrations"].insert({"name": migrations.MIGRATIONS[0].__name__, "applied_at": "2026-01-01T00:00:00"})
    db.close()
    assert migrations.migrate(sqlite_utils.Database(path)) == [fn.__name__ for fn in migrations.MIGRATIONS[1:]]
