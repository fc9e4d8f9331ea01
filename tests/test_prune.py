"""Retention: what `coach prune` (and the daily job in `coach serve`) removes, and `coach forget`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.cli import main
from bot.core.config import ConfigError, load_settings
from bot.store import Store

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _fill(store: Store, team: str, age: timedelta, tag: str) -> int:
    """One of everything a workspace leaves behind, written `age` before NOW; returns the coaching id."""
    with time_machine.travel(NOW - age, tick=False):
        cid = store.log_coaching(text=f"buyer words {tag}", context=f"deal notes {tag}", label="skepticism",
                                 confidence=0.8, source="offline", team_id=team, channel="C1")
        store.add_feedback(cid, team, "U1", "helpful")
        store.open_thread(team, "C1", f"{tag}.1", "skepticism", context=f"Deal {tag}")
        store.add_turn(team, "C1", f"{tag}.1", "seller", f"they said {tag}", keep=10)
        store.claim_delivery(f"Ev{team}{tag}", team)
        store.llm_cache_put(f"key-{team}-{tag}", f"answer about {tag}", team)
        store.log_llm_call(model="m", outcome="ok", prompt_tokens=1, completion_tokens=1, duration_ms=1)
        store.claim_nudge(team, "U1", f"W-{tag}", NOW - age, timedelta(minutes=10))
        store.cache_timezone(team, "U1", "Europe/Madrid", NOW - age)
    return cid


def test_prune_keeps_each_kind_of_row_for_its_own_period(store):
    old = _fill(store, "T1", timedelta(days=100), "old")
    mid = _fill(store, "T1", timedelta(days=40), "mid")
    new = _fill(store, "T1", timedelta(hours=2), "new")

    planned = store.prune(NOW, retention_days=90, text_retention_days=30, dry_run=True)
    assert len(store.coachings()) == 3  # a dry run changes nothing
    done = store.prune(NOW, retention_days=90, text_retention_days=30)
    assert planned == done
    assert done["events_seen"] == 2  # only the last day's deliveries are kept
    assert done["coachings"] == 1 and done["feedback"] == 1 and done["thread_turns"] == 1
    assert done["coachings_text"] == 1 and done["thread_turns_text"] == 1 and done["threads_context"] == 1
    assert done["llm_cache"] == 2  # model answers go with the text, after 30 days

    rows = {r["id"]: r for r in store.coachings()}
    assert old not in rows
    assert (rows[mid]["text"], rows[mid]["context"], rows[mid]["label"]) == ("", "", "skepticism")
    assert rows[new]["text"] == "buyer words new"
    assert [t["text"] for t in store.turns("T1", "C1", "mid.1")] == [""]
    assert store.thread("T1", "C1", "old.1") is None and store.thread("T1", "C1", "mid.1")["context"] == ""
    assert store.llm_cached("key-T1-new", "T1") and not store.llm_cached("key-T1-mid", "T1")
    assert len(store.llm_calls()) == 2 and {n["week"] for n in store.nudges()} == {"W-mid", "W-new"}
    assert [f["coaching_id"] for f in store.feedback()] == [mid, new]

    assert set(store.prune(NOW, retention_days=90, text_retention_days=30).values()) == {0}  # nothing left to do


def test_forget_removes_one_workspace_and_nothing_of_another(store):
    _fill(store, "T1", timedelta(days=1), "a")
    deal = store.track_deal("T1", "C9", "", "Acme", "U1")
    store.record_activity(deal["id"], "U2", "1.0")
    store.save_summary("T1", "C9", "1.0", deal["id"], [], [], False, "x")
    store.set_nudges("T1", "U1", False)
    _fill(store, "T2", timedelta(days=1), "b")
    for team in ("T1", "T2"):  # a deal from a CRM import in each, with the same record id
        store.import_deals(team, [{"external_id": "hubspot:1"}], lambda deal, row: {
            "channel": "", "thread_ts": "hubspot:1", "name": "Acme", "external_id": "hubspot:1", "status": "won",
            "closed_at": "2026-11-01T00:00:00+00:00", "owner_email": "ana@x.example", "last_activity_at": "x"},
            log={"source": "hubspot", "file_name": "deals.csv", "digest": "d"})
    store.link_coaching(store.coachings()[0]["id"], store.deal_by_external_id("T1", "hubspot:1")["id"])
    for team in ("T1", "T2"):  # a manager's practice assignment in each, for the same seller id
        store.assign_practice(team, "U1", "UMGR", "clarify", "skepticism")

    counts = store.forget_team("T1")
    assert counts["coachings"] == 1 and counts["deals"] == 2 and counts["deal_people"] == 1
    assert counts["deal_imports"] == 1 and counts["practice_assignments"] == 1
    assert [a["team_id"] for a in store.open_assignments("T2", "U1")] == ["T2"]
    for table in ("coachings", "feedback", "threads", "thread_turns", "events_seen", "deals", "summaries",
                  "nudges", "nudge_optouts", "user_timezones", "deal_imports", "practice_assignments"):
        teams = {r["team_id"] for r in store.db[table].rows}
        assert "T1" not in teams, table
    assert list(store.db["deal_people"].rows) == []
    assert store.deal_by_external_id("T2", "hubspot:1")["name"] == "Acme" and len(store.deal_imports("T2")) == 1
    assert {r["team_id"] for r in store.coachings()} == {"T2"} and store.turns("T2", "C1", "b.1")
    assert {r["team_id"] for r in store.db["llm_cache"].rows} == {"T2"}  # kept per workspace: T2's answers stay
    assert store.llm_cached("key-T2-b", "T2") and store.llm_cached("key-T2-b", "T1") is None


def test_retention_settings_are_validated(monkeypatch):
    assert (load_settings().retention_days, load_settings().text_retention_days) == (90, 90)
    monkeypatch.setenv("COACH_RETENTION_DAYS", "30")
    assert load_settings().text_retention_days == 30  # the text follows unless told otherwise
    monkeypatch.setenv("COACH_TEXT_RETENTION_DAYS", "7")
    assert load_settings().text_retention_days == 7
    for name, value, message in [("COACH_RETENTION_DAYS", "0", "at least 1"),
                                 ("COACH_RETENTION_DAYS", "ninety", "whole number"),
                                 ("COACH_TEXT_RETENTION_DAYS", "45", "cannot be longer")]:
        monkeypatch.setenv("COACH_RETENTION_DAYS", "30")
        monkeypatch.setenv("COACH_TEXT_RETENTION_DAYS", "7")
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigError, match=message):
            load_settings()


def test_cli_prune_dry_run_then_for_real(store, capsys, monkeypatch):
    monkeypatch.setenv("COACH_TEXT_RETENTION_DAYS", "30")
    _fill(store, "T1", timedelta(days=100), "old")
    _fill(store, "T1", timedelta(days=40), "mid")
    assert main(["prune", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Dry run, nothing changed: deliveries seen after 1 day, text after 30 days, everything "
                          "else after 90 days.")
    assert "coachings: text blanked" in out and len(store.coachings()) == 2
    assert main(["prune", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] is False and report["rows"]["coachings"] == 1 and report["rows"]["coachings_text"] == 1
    assert [c["text"] for c in store.coachings()] == [""]


def test_cli_forget_asks_for_yes(store, capsys):
    _fill(store, "T1", timedelta(days=1), "a")
    assert main(["forget", "--team", "T1"]) == 1
    out = capsys.readouterr().out
    assert "would delete" in out and "run again with --yes" in out and len(store.coachings()) == 1
    assert main(["forget", "--team", "T1", "--yes"]) == 0
    assert "deleted" in capsys.readouterr().out and store.coachings() == []
    assert main(["forget", "--team", "T1", "--yes"]) == 0
    assert "Nothing is stored for workspace T1" in capsys.readouterr().out


def test_ended_deals_go_after_retention_open_ones_stay(store):
    with time_machine.travel(NOW - timedelta(days=120), tick=False):
        ids = {name: store.track_deal("T1", f"C{name}", "", name, "U1")["id"] for name in ("Open", "Won", "Recent")}
        for deal_id in ids.values():
            store.record_activity(deal_id, "U2", "1.0")
            store.save_summary("T1", "C", "1.0", deal_id, ["consensus"], [], False, "x")
            store.save_summary("T1", "C", "2.0", deal_id, [], [], False, "x")
        store.update_deal(ids["Won"], status="won", closed_at="2026-08-01T00:00:00+00:00")
    with time_machine.travel(NOW - timedelta(days=5), tick=False):
        store.untrack_deal("T1", "CRecent")
        store.record_activity(ids["Recent"], "U2", "2.0")
    done = store.prune(NOW, retention_days=90, text_retention_days=90)
    assert done["deals"] == 1 and done["deal_people"] == 1
    assert {d["name"] for d in store.deals("T1")} == {"Open", "Recent"}
    # each remaining deal keeps only its latest summary: a stall reason reads it
    assert sorted(s["deal_id"] for s in store.summaries("T1")) == sorted([ids["Open"], ids["Recent"]])
    assert {s["thread_ts"] for s in store.summaries("T1")} == {"2.0"}


def test_cli_prune_forgets_a_workspace_uninstalled_past_retention(store, capsys):
    """`coach prune` (cron) runs the same prune as `coach serve`'s daily job: a workspace that uninstalled the
    app more than COACH_RETENTION_DAYS ago goes whole, not only its old rows."""
    _fill(store, "T1", timedelta(days=1), "kept")
    _fill(store, "T2", timedelta(days=1), "gone")
    store.mark_uninstalled("T2", NOW - timedelta(days=91))
    store.mark_uninstalled("T3", NOW - timedelta(days=5))  # uninstalled recently: its data stays for now
    with time_machine.travel(NOW, tick=False):
        assert main(["prune", "--dry-run"]) == 0
        assert "uninstalled_workspaces" in capsys.readouterr().out
        assert {c["team_id"] for c in store.coachings()} == {"T1", "T2"}  # a dry run changes nothing
        assert main(["prune", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"]["uninstalled_workspaces"] == 1
    assert {c["team_id"] for c in store.coachings()} == {"T1"}
    assert store.turns("T2", "C1", "gone.1") == [] and store.turns("T1", "C1", "kept.1")
    assert {r["team_id"] for r in store.db["uninstalls"].rows} == {"T3"}
