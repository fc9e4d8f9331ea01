import multiprocessing
import threading

import sqlite_utils

from bot import migrations
from bot.store import Store


def test_fresh_database_gets_every_migration(tmp_path):
    store = Store(tmp_path / "new" / "coach.db")
    applied = {row["name"] for row in store.db["_migrations"].rows}
    assert applied == {fn.__name__ for fn in migrations.MIGRATIONS}
    assert store.db["coachings"].exists()


def test_existing_database_keeps_its_rows_and_gets_only_new_migrations(tmp_path, monkeypatch):
    path = tmp_path / "coach.db"
    # a database made by an older release that knew only the first migration
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
    old = Store(path)
    old.log_coaching(text="We are fine as we are", label="missing", confidence=0.7, source="offline")
    monkeypatch.undo()

    calls = []

    def m999_probe(db: sqlite_utils.Database) -> None:
        calls.append(db["coachings"].count)
        db["probe"].insert({"ok": 1})

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m999_probe])
    store = Store(path)
    assert calls == [1]  # ran once, on the existing data
    assert store.coachings()[0]["text"] == "We are fine as we are"
    Store(path)
    assert calls == [1]  # never twice


def test_activity_keeps_the_latest_message_whatever_order_events_arrive_in(tmp_path):
    store = Store(tmp_path / "coach.db")
    deal = store.track_deal("T1", "C1", "", "Acme", "U1")
    for ts in ("1800000000.000200", "1800000000.000100", "1799999999.900000"):
        store.record_activity(deal["id"], "U5", ts)
    (person,) = store.db["deal_people"].rows
    assert person["messages"] == 3 and person["last_ts"] == "1800000000.000200"
    assert store.deal("T1", "C1")["message_count"] == 3


def test_re_tracking_renames_reopens_and_keeps_the_counts(tmp_path):
    store = Store(tmp_path / "coach.db")
    first = store.track_deal("T1", "C1", "", "Acme", "U1")
    store.record_activity(first["id"], "U5", "1.0")
    store.untrack_deal("T1", "C1")
    again = store.track_deal("T1", "C1", "", "Acme renewal", "U2")
    assert again == store.deal("T1", "C1")
    assert (again["id"], again["name"], again["owner_id"], again["status"], again["message_count"]) == (
        first["id"], "Acme renewal", "U2", "open", 1)
    assert again["created_at"] == first["created_at"]


def _track_from_threads(path, n: int) -> list:
    store = Store(path)  # each thread gets its own connection from the store
    barrier = threading.Barrier(n)
    results, errors = [], []

    def track(i: int) -> None:
        barrier.wait()
        try:
            results.append(store.track_deal("T1", "C1", "", f"Deal {i}", f"U{i}"))
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=track, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


def test_concurrent_track_in_one_channel_all_succeed_on_one_deal(tmp_path):
    for trial in range(10):
        path = tmp_path / f"t{trial}.db"
        results = _track_from_threads(path, 8)
        assert len({r["id"] for r in results}) == 1
        assert len(Store(path).deals("T1")) == 1


def _track_in_process(path: str, barrier, results) -> None:  # noqa: ANN001 (multiprocessing proxies)
    store = Store(path)
    for i in range(20):
        barrier.wait()
        try:
            results.put(store.track_deal("T1", f"C{i}", "", "Deal", "U1")["id"])
        except Exception as exc:
            results.put(repr(exc))


def test_two_processes_tracking_the_same_channels_get_the_same_deals(tmp_path):
    path = str(tmp_path / "coach.db")
    Store(path)
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    workers = [ctx.Process(target=_track_in_process, args=(path, barrier, results)) for _ in range(2)]
    for w in workers:
        w.start()
    got = [results.get(timeout=60) for _ in range(40)]
    for w in workers:
        w.join(timeout=60)
    assert all(isinstance(g, int) for g in got), [g for g in got if not isinstance(g, int)]
    assert len(Store(path).deals("T1")) == 20 and len(set(got)) == 20
