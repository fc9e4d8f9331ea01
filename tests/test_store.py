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
