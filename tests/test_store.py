"""The store's operations, on SQLite and on PostgreSQL (the `store` / `store_target` fixtures run each twice)."""

import multiprocessing
import threading
from contextlib import closing
from datetime import UTC, datetime, timedelta

import sqlite_utils

from bot.store import connect, migrations
from bot.store.sqlite import SQLiteStore
from tests.e2e.standins import eventually


def test_fresh_database_gets_every_migration(store):
    applied = {row["name"] for row in store.db["_migrations"].rows}
    assert applied == {fn.__name__ for fn in migrations.MIGRATIONS}
    assert store.db["coachings"].exists()


def test_a_new_sqlite_file_gets_its_folder(tmp_path):
    SQLiteStore(tmp_path / "new" / "coach.db").close()
    assert (tmp_path / "new" / "coach.db").exists()


def test_existing_database_keeps_its_rows_and_gets_only_new_migrations(store_target, monkeypatch):
    # a database made by an older release that knew only the first migration
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
    with closing(connect(store_target)) as old:
        old.log_coaching(text="We are fine as we are", label="missing", confidence=0.7, source="offline")
    monkeypatch.undo()

    calls = []

    def m999_probe(db: sqlite_utils.Database) -> None:
        calls.append(db["coachings"].count)
        db["probe"].create({"ok": int})

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m999_probe])
    with closing(connect(store_target)) as store:
        assert calls == [1]  # ran once, on the existing data
        assert store.coachings()[0]["text"] == "We are fine as we are"
        assert store.db["probe"].exists()
    connect(store_target).close()
    assert calls == [1]  # never twice


def test_activity_keeps_the_latest_message_whatever_order_events_arrive_in(store):
    deal = store.track_deal("T1", "C1", "", "Acme", "U1")
    for ts in ("1800000000.000200", "1800000000.000100", "1799999999.900000"):
        store.record_activity(deal["id"], "U5", ts)
    (person,) = store.db["deal_people"].rows
    assert person["messages"] == 3 and person["last_ts"] == "1800000000.000200"
    assert store.deal("T1", "C1")["message_count"] == 3


def test_re_tracking_renames_reopens_and_keeps_the_counts(store):
    first = store.track_deal("T1", "C1", "", "Acme", "U1")
    store.record_activity(first["id"], "U5", "1.0")
    assert store.untrack_deal("T1", "C1") and not store.untrack_deal("T1", "C1")
    again = store.track_deal("T1", "C1", "", "Acme renewal", "U2")
    assert again == store.deal("T1", "C1")
    assert (again["id"], again["name"], again["owner_id"], again["status"], again["message_count"]) == (
        first["id"], "Acme renewal", "U2", "open", 1)
    assert again["created_at"] == first["created_at"]


def test_text_with_quotes_percent_signs_and_colons_round_trips(store):
    text = "50% off? They said: 'no :way' -- \"really\" ?"
    cid = store.log_coaching(text=text, label="skepticism", confidence=0.5, source="offline", team_id="T1")
    assert store.coaching(cid)["text"] == text
    store.add_turn("T1", "C1", "1.0", "seller", text, keep=2)
    assert [t["text"] for t in store.turns("T1", "C1", "1.0")] == [text]


def test_llm_stats_counts_calls_hits_and_failures_as_whole_numbers(store):
    for outcome, tokens in [("ok", 10), ("ok", 5), ("cache_hit", None), ("timeout", None), ("invalid", 3)]:
        store.log_llm_call(model="m", outcome=outcome, prompt_tokens=tokens, completion_tokens=tokens,
                           duration_ms=1)
    (day,) = store.llm_stats()
    assert {k: v for k, v in day.items() if k != "day"} == {
        "calls": 3, "prompt_tokens": 18, "completion_tokens": 18, "cache_hits": 1, "failures": 2}
    assert all(type(v) is int for k, v in day.items() if k != "day")


def _track_from_threads(store, channel: str, n: int) -> list:  # noqa: ANN001
    barrier = threading.Barrier(n)
    results, errors = [], []

    def track(i: int) -> None:
        barrier.wait()
        try:
            results.append(store.track_deal("T1", channel, "", f"Deal {i}", f"U{i}"))
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=track, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


def test_concurrent_track_in_one_channel_all_succeed_on_one_deal(store):
    # each thread gets its own connection from the store (a per-thread one on SQLite, the pool's on PostgreSQL)
    for trial in range(10):
        results = _track_from_threads(store, f"C{trial}", 8)
        assert len({r["id"] for r in results}) == 1
    assert len(store.deals("T1")) == 10


def _track_in_process(target: str, barrier, results) -> None:  # noqa: ANN001 (multiprocessing proxies)
    with closing(connect(target)) as store:
        for i in range(20):
            barrier.wait()
            try:
                results.put(store.track_deal("T1", f"C{i}", "", "Deal", "U1")["id"])
            except Exception as exc:
                results.put(repr(exc))


def test_two_processes_tracking_the_same_channels_get_the_same_deals(store, store_target):
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    workers = [ctx.Process(target=_track_in_process, args=(store_target, barrier, results)) for _ in range(2)]
    for w in workers:
        w.start()
    got = [results.get(timeout=60) for _ in range(40)]
    for w in workers:
        w.join(timeout=60)
    assert all(isinstance(g, int) for g in got), [g for g in got if not isinstance(g, int)]
    assert len(store.deals("T1")) == 20 and len(set(got)) == 20


def test_the_database_url_is_validated_and_never_shown(monkeypatch):
    import pytest

    from bot.core.config import ConfigError, load_settings

    monkeypatch.setenv("COACH_DATABASE_URL", "mysql://coach:s3cret@db/coach")
    with pytest.raises(ConfigError, match="COACH_DATABASE_URL must be a PostgreSQL URL") as error:
        load_settings()
    assert "s3cret" not in str(error.value)
    monkeypatch.setenv("COACH_DATABASE_URL", "postgresql://coach:s3cret@db/coach")
    settings = load_settings()
    assert settings.database_url.get_secret_value() == "postgresql://coach:s3cret@db/coach"
    assert "s3cret" not in repr(settings)


def test_a_greeting_is_claimed_once_per_user_until_released(store):
    assert store.claim_greeting("T1", "U1") is True
    assert store.claim_greeting("T1", "U1") is False
    assert store.claim_greeting("T2", "U1") is True  # another workspace's user of the same id
    store.release_greeting("T1", "U1")
    assert store.claim_greeting("T1", "U1") is True


def test_a_thread_keeps_its_context_and_topic_until_others_are_given(store):
    store.open_thread("T1", "C1", "1.0", "incomplete", "Harbor Foods", topic="implementation")
    store.open_thread("T1", "C1", "1.0", "skepticism")  # a relabel: nothing else changes
    assert {k: store.thread("T1", "C1", "1.0")[k] for k in ("label", "context", "topic")} == {
        "label": "skepticism", "context": "Harbor Foods", "topic": "implementation"}
    store.open_thread("T1", "C1", "1.0", "major_concern", topic="budget")
    assert store.thread("T1", "C1", "1.0")["topic"] == "budget"


def test_a_delivery_is_skipped_while_its_claimer_works_on_it_and_once_it_is_handled(store, store_target):
    with closing(connect(store_target)) as other:  # another process on the same database: another owner
        assert store.claim_delivery("EvA", "T1")
        assert not other.claim_delivery("EvA", "T1")  # the first is still being worked on, by a live process
        assert store.delivery("EvA")["done_at"] is None
        store.finish_delivery("EvA")
        assert not other.claim_delivery("EvA", "T1") and not store.claim_delivery("EvA", "T1")  # handled


def _claim_and_hang(target: str, ready, never) -> None:  # noqa: ANN001 (multiprocessing events)
    store = connect(target)
    assert store.claim_delivery("EvDead", "T1")
    store.stream_opened("T1", "DU1", "500.1", "es")
    ready.set()
    never.wait()  # killed here, mid-work


def test_the_claims_and_streams_of_a_process_that_died_are_taken_over(store, store_target):
    ctx = multiprocessing.get_context("spawn")
    ready, never = ctx.Event(), ctx.Event()
    worker = ctx.Process(target=_claim_and_hang, args=(store_target, ready, never))
    worker.start()
    try:
        assert ready.wait(120)
        assert not store.claim_delivery("EvDead", "T1") and store.abandoned_streams() == []  # it is alive
    finally:
        worker.kill()  # SIGKILL: it releases nothing itself
        worker.join(30)
    # PostgreSQL lets a dead client's session locks go once its server process sees the connection closed: soon
    # after the kill, not at the instant it returns
    abandoned = eventually(store.abandoned_streams, timeout=30)
    assert [(s["channel"], s["ts"], s["lang"]) for s in abandoned] == [("DU1", "500.1", "es")]
    assert store.claim_delivery("EvDead", "T1")  # Slack's retry is answered
    assert store.delivery("EvDead")["owner"] == store.owner
    with closing(connect(store_target)) as other:
        assert not other.claim_delivery("EvDead", "T1")  # ...and only by the process that took it over


def test_a_rating_is_the_latest_click_and_the_agent_views_rows_round_trip(store):
    coaching = store.log_coaching(text="Too expensive.", label="skepticism", team_id="T1", user_id="U1")
    store.add_feedback(coaching, "T1", "U1", "relabel", "incorrect")
    for kind in ("helpful", "not_helpful", "helpful"):
        store.rate_coaching(coaching, "T1", "U1", kind)
    store.rate_coaching(coaching, "T1", "U2", "not_helpful")  # another seller's rating is theirs
    assert sorted((f["user_id"], f["kind"]) for f in store.feedback()) == [
        ("U1", "helpful"), ("U1", "relabel"), ("U2", "not_helpful")]

    since = datetime.now(UTC) - timedelta(minutes=1)
    store.set_seller_view("T1", "U1", "CDEAL", "1.5")
    assert (store.seller_view("T1", "U1", since) or {}).get("thread_ts") == "1.5"
    store.set_seller_view("T1", "U1", None)  # looking at nothing that is a conversation
    assert store.seller_view("T1", "U1", since) is None and store.seller_view("T2", "U1", since) is None

    started = datetime.now(UTC).isoformat()
    assert not store.session_stopped("T1", "D1", "5.0", started)
    store.stop_session("T1", "D1", "5.0")
    assert store.session_stopped("T1", "D1", "5.0", started)
    assert not store.session_stopped("T1", "D1", "5.0", datetime.now(UTC).isoformat())  # a later coaching's
    assert not store.session_stopped("T1", "D1", "6.0", started)

    assert store.on_stop("T1", "U1") == "offline"
    store.set_on_stop("T1", "U1", "nothing")
    assert (store.on_stop("T1", "U1"), store.on_stop("T2", "U1")) == ("nothing", "offline")
    counts = store.forget_team("T1")
    assert (counts["seller_views"], counts["session_stops"], counts["seller_settings"]) == (1, 1, 1)
