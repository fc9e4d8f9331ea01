"""The daily prune inside `coach serve`, on the real scheduler and a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from bot.core.config import load_settings
from bot.slack.app import make_deps
from bot.slack.nudges import start_scheduler


def test_serve_schedules_a_daily_prune(bot, monkeypatch):
    monkeypatch.setenv("COACH_TEXT_RETENTION_DAYS", "30")
    deps = make_deps(load_settings())
    now = datetime.now(UTC)
    with time_machine.travel(now - timedelta(days=40), tick=False):
        old = deps.store.log_coaching(text="what the buyer said", label="missing", confidence=0.6,
                                      source="offline", team_id="T1")
        deps.store.claim_delivery("Ev1", "T1")
    with time_machine.travel(now - timedelta(days=100), tick=False):
        deps.store.log_coaching(text="long ago", label="missing", confidence=0.6, source="offline", team_id="T1")
    scheduler = start_scheduler(deps, bot.app)
    try:
        job = scheduler.get_job("daily-prune")
        assert str(job.trigger) == "cron[hour='3', minute='30']"
        assert job.next_run_time - now < timedelta(minutes=2)  # also soon after start, not only at 03:30
        job.func()
    finally:
        scheduler.shutdown(wait=False)
    (row,) = deps.store.coachings()
    assert (row["id"], row["text"], row["label"]) == (old, "", "missing")
    assert deps.store.claim_delivery("Ev1", "T1")  # the old delivery record was pruned
