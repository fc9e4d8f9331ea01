"""Weekly nudges with time travel, through the Slack stand-in and a real SQLite file."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.core.config import load_settings
from bot.services.nudges import LEASE
from bot.slack.app import make_deps, web_client
from bot.slack.nudges import METADATA_TYPE, nudge_once
from bot.store import stamp

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # deals registered (their first activity)
# Monday 16 Nov 2026, 00:30 UTC: 09:30 in Tokyo, still Sunday 19:30 in New York
TOKYO_MONDAY = datetime(2026, 11, 16, 0, 30, tzinfo=UTC)
NEW_YORK_MONDAY = datetime(2026, 11, 16, 14, 30, tzinfo=UTC)  # 09:30 in New York


@pytest.fixture
def world(slack, monkeypatch, settings):
    """A realistic book of deals, set up by travelling through time."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-nudge")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("COACH_NUDGE_PACE", "0")
    slack.timezones.update(UNY="America/New_York", UTK="Asia/Tokyo", ULON="Europe/London", UOPT="UTC")
    deps = make_deps(load_settings())
    store = deps.store
    ids = {}
    with time_machine.travel(T0, tick=False):
        for name, owner in [("Acme", "UNY"), ("Globex", "UNY"), ("Initech", "UTK"), ("Umbrella", "UTK"),
                            ("Hooli", "UNY"), ("Wonka", "ULON"), ("Stark", "ULON"), ("Wayne", "UOPT")]:
            ids[name] = store.track_deal("T1", f"C{name.upper()}", "", name, owner)["id"]
        store.update_deal(ids["Initech"], close_date="2026-11-10", stage="Proposal")
    with time_machine.travel(T0 + timedelta(days=10), tick=False):
        for name in ("Globex", "Initech", "Umbrella", "Hooli", "Stark"):
            store.record_activity(ids[name], "U5", "1.0")
    with time_machine.travel(T0 + timedelta(days=10, hours=1), tick=False):
        store.save_summary("T1", "CUMBRELLA", "1.0", ids["Umbrella"], ["consensus"], [], False, "x")
        store.update_deal(ids["Wonka"], status="won")
        store.update_deal(ids["Stark"], snoozed_until=stamp(T0 + timedelta(days=20)))
        store.set_nudges("T1", "UOPT", False)
        store.log_coaching(text="they doubt the ROI", label="skepticism", confidence=0.9, source="offline",
                           team_id="T1", channel="CHOOLI")
    return deps, web_client(load_settings()), ids


def _dms(slack) -> dict[str, list[dict]]:
    return {channel: messages for channel, messages in slack.posted.items() if channel.startswith("D")}


def test_the_right_deals_with_the_right_reasons(world):
    deps, client, _ = world
    outcomes = nudge_once(deps, client, "T1", TOKYO_MONDAY, dry_run=True)
    deals = {d.deal["name"]: d for o in outcomes if o.status == "planned" for d in o.deals}
    assert set(deals) == {"Acme", "Initech", "Umbrella", "Hooli"}
    assert [r.code for r in deals["Acme"].reasons] == ["silent"]
    assert deals["Acme"].reasons[0].text == "No activity for 14 days (last on 2026-11-01)."
    assert [r.code for r in deals["Initech"].reasons] == ["close_date_passed"]
    assert "2026-11-10 has passed" in deals["Initech"].reasons[0].text
    assert [r.code for r in deals["Umbrella"].reasons] == ["obstacle"]
    assert deals["Umbrella"].reasons[0].text.endswith("obstacles to change: consensus.")
    assert [r.code for r in deals["Hooli"].reasons] == ["objection_open"]
    assert deals["Umbrella"].next_step == deps.coach.playbooks.obstacles["consensus"].text("next_move", "en")
    assert deals["Initech"].next_step == deps.coach.playbooks.obstacles["competing_priorities"].text("next_move", "en")
    opted = [o for o in outcomes if o.owner == "UOPT"]
    assert opted and opted[0].status == "opted_out"


def test_owners_are_nudged_monday_morning_in_their_own_time_zone(world, slack):
    deps, client, _ = world
    with time_machine.travel(TOKYO_MONDAY, tick=False):
        nudge_once(deps, client, "T1", due_only=True)
    assert set(_dms(slack)) == {"DUTK"}  # New York is still on Sunday evening
    with time_machine.travel(NEW_YORK_MONDAY, tick=False):
        nudge_once(deps, client, "T1", due_only=True)
    dms = _dms(slack)
    assert set(dms) == {"DUTK", "DUNY"} and len(dms["DUTK"]) == 1 and len(dms["DUNY"]) == 1
    (message,) = dms["DUNY"]
    assert message["metadata"]["event_type"] == METADATA_TYPE and message["metadata"]["event_payload"]["week"]
    post = next(p for p in slack.of("chat.postMessage") if p["channel"] == "DUNY")
    text = json.dumps(post["blocks"])
    assert text.index("Hooli") < text.index("Acme")  # an open objection outranks plain silence
    assert {"nudge_snooze", "nudge_won", "nudge_lost", "nudge_coach"} <= {
        e["action_id"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]}


def test_never_twice_in_a_week_and_again_next_week(world, slack):
    deps, client, _ = world
    for hours in (0, 1, 30):
        nudge_once(deps, client, "T1", NEW_YORK_MONDAY + timedelta(hours=hours))
    assert {c: len(m) for c, m in _dms(slack).items()} == {"DUNY": 1, "DUTK": 1}
    nudge_once(deps, client, "T1", NEW_YORK_MONDAY + timedelta(days=7))
    assert {c: len(m) for c, m in _dms(slack).items()} == {"DUNY": 2, "DUTK": 2}


def test_a_send_cut_off_after_slack_took_it_is_reconciled_not_resent(world, slack):
    deps, client, _ = world
    slack.drop_after_post = 1  # the first DM reaches Slack, but the answer never comes back
    first = nudge_once(deps, client, "T1", NEW_YORK_MONDAY)
    assert sorted(o.status for o in first if o.status in ("sent", "failed")) == ["failed", "sent"]
    second = nudge_once(deps, client, "T1", NEW_YORK_MONDAY + timedelta(hours=1))
    assert "reconciled" in [o.status for o in second]
    assert {c: len(m) for c, m in _dms(slack).items()} == {"DUNY": 1, "DUTK": 1}
    assert {row["status"] for row in deps.store.nudges()} == {"sent"}


def test_a_run_that_died_mid_send_is_picked_up_after_its_lease(world, slack):
    deps, client, _ = world
    week = "2026-W47"
    assert deps.store.claim_nudge("T1", "UNY", week, NEW_YORK_MONDAY, LEASE) == "new"  # then the process died
    nudge_once(deps, client, "T1", NEW_YORK_MONDAY + timedelta(minutes=1))
    assert "DUNY" not in _dms(slack)  # another run may still be sending: wait
    nudge_once(deps, client, "T1", NEW_YORK_MONDAY + LEASE + timedelta(minutes=1))
    assert len(_dms(slack)["DUNY"]) == 1


def test_two_runs_at_once_send_once(world, slack):
    deps, client, _ = world
    slack.delay["chat.postMessage"] = 0.5
    runs = [threading.Thread(target=nudge_once, args=(deps, client, "T1", NEW_YORK_MONDAY)) for _ in range(3)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert {c: len(m) for c, m in _dms(slack).items()} == {"DUNY": 1, "DUTK": 1}


def test_rate_limits_are_waited_out_and_failures_retried_next_run(world, slack):
    deps, client, _ = world
    slack.retry_after = 0  # slack_sdk waits Retry-After plus up to a second: each retry still waits, less long
    slack.rate_limited["chat.postMessage"] = 1
    outcomes = nudge_once(deps, client, "T1", NEW_YORK_MONDAY)
    assert sorted(o.status for o in outcomes if o.deals and o.status != "opted_out") == ["sent", "sent"]
    slack.rate_limited["chat.postMessage"] = 10  # beyond the client's retries: this run fails
    later = NEW_YORK_MONDAY + timedelta(days=7)
    assert {o.status for o in nudge_once(deps, client, "T1", later) if o.status != "opted_out"} == {"failed"}
    failed = [r for r in deps.store.nudges() if r["status"] == "failed"]
    assert failed and "ratelimited" in failed[0]["error"]
    slack.rate_limited["chat.postMessage"] = 0
    nudge_once(deps, client, "T1", later + timedelta(hours=1))
    assert {c: len(m) for c, m in _dms(slack).items()} == {"DUNY": 2, "DUTK": 2}


def test_buttons_snooze_win_lose_and_coach(world, bot, slack):
    deps, _, ids = world

    def press(kind: str, deal: str) -> None:
        bot.action({"action_id": f"nudge_{kind}", "value": str(ids[deal]), "type": "button"},
                   channel="DUNY", message_ts="1700000000.000001")

    with time_machine.travel(NEW_YORK_MONDAY):
        press("snooze", "Acme")
        press("won", "Hooli")
        press("lost", "Initech")
        press("coach", "Umbrella")
        slack.wait_for("response/action", 3)
        (coach_post,) = slack.wait_for("chat.postMessage")
    assert coach_post["channel"] == "DUNY" and "Umbrella" in coach_post["text"]
    bot.idle()  # the post's thread is stored once its work is over: the seller's reply comes after
    bot.event({"type": "message", "channel": "DUNY", "user": "UNY", "ts": "1700000001.000001",
               "thread_ts": "1700000000.000001", "text": "they say the rollout will never stick with our plant crews"},
              event_id="EvCoachMe")
    coaching = slack.wait_for("chat.postMessage", 2)[1]
    assert coaching["thread_ts"] == "1700000000.000001"
    assert "Deal Umbrella; stage not set" in json.dumps(coaching["blocks"])  # the deal is the coaching's context
    plan = nudge_once(deps, web_client(load_settings()), "T1", NEW_YORK_MONDAY, dry_run=True)
    remaining = {d.deal["name"] for o in plan if o.status == "planned" for d in o.deals}
    assert remaining == {"Umbrella"}
    plan = nudge_once(deps, web_client(load_settings()), "T1", NEW_YORK_MONDAY + timedelta(days=8), dry_run=True)
    assert "Acme" in {d.deal["name"] for o in plan if o.status == "planned" for d in o.deals}  # snooze over


def test_opting_out_and_back_in(world, bot):
    deps, client, _ = world
    bot.command("nudges off", user="UNY")
    plan = nudge_once(deps, client, "T1", NEW_YORK_MONDAY, dry_run=True)
    assert [o.status for o in plan if o.owner == "UNY"] == ["opted_out"]
    bot.command("nudges on", user="UNY")
    plan = nudge_once(deps, client, "T1", NEW_YORK_MONDAY, dry_run=True)
    assert [o.status for o in plan if o.owner == "UNY"] == ["planned"]


def test_cli_nudge_dry_run_json(world, slack, cli):
    result = cli("nudge", "--dry-run", "--json", "--now", NEW_YORK_MONDAY.isoformat())
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["deal"] for r in rows} == {"Acme", "Initech", "Umbrella", "Hooli"}
    assert all(set(r) == {"team_id", "deal", "channel", "owner", "reasons", "next_step"} for r in rows)
    assert _dms(slack) == {}
    sent = cli("nudge", "--now", NEW_YORK_MONDAY.isoformat())
    assert sent.returncode == 0 and "sent" in sent.stdout
    assert {c: len(m) for c, m in _dms(slack).items()} == {"DUNY": 1, "DUTK": 1}


def test_serve_schedules_an_hourly_tick_that_sends_when_due(world, bot, slack):
    from bot.slack.nudges import start_scheduler

    deps, _, _ = world
    scheduler = start_scheduler(deps, bot.app)
    try:
        job = scheduler.get_job("weekly-nudges")
        assert str(job.trigger) == "cron[minute='0']"
        with time_machine.travel(TOKYO_MONDAY + timedelta(minutes=30), tick=False):
            job.func()
        assert set(_dms(slack)) == {"DUTK"}
    finally:
        scheduler.shutdown(wait=False)


def test_a_spanish_owner_is_nudged_in_spanish(world, bot, slack):
    """The owner's language comes from Slack's locale (users.info), fetched with the time zone and cached."""
    deps, client, ids = world
    slack.locales["UTK"] = "es-ES"
    with time_machine.travel(TOKYO_MONDAY, tick=False):
        nudge_once(deps, client, "T1", due_only=True)
    (post,) = [p for p in slack.of("chat.postMessage") if p["channel"] == "DUTK"]
    text = json.dumps(post["blocks"], ensure_ascii=False)
    assert "Tus deals estancados esta semana" in text and "Siguiente paso:" in text
    assert "La fecha de cierre 2026-11-10 ya pasó y la etapa sigue siendo Proposal." in text
    assert "el último resumen del hilo señaló obstáculos al cambio" in text.lower()
    assert deps.coach.playbooks.obstacles["competing_priorities"].text("next_move", "es") in text
    assert "Posponer 1 semana" in text and "Snooze" not in text and "stalled" not in text
    assert post["text"] == "2 de tus deals se estancaron esta semana"
    assert {p.get("include_locale") for p in slack.of("users.info") if p["user"] == "UTK"} <= {"1", "true", True}
    with time_machine.travel(NEW_YORK_MONDAY, tick=False):
        nudge_once(deps, client, "T1", due_only=True)
    english = next(p for p in slack.of("chat.postMessage") if p["channel"] == "DUNY")
    assert "Your stalled deals this week" in json.dumps(english["blocks"])  # no Spanish locale: English
    calls = len(slack.of("users.info"))
    with time_machine.travel(NEW_YORK_MONDAY):
        bot.action({"action_id": "nudge_snooze", "value": str(ids["Initech"]), "type": "button"},
                   channel="DUTK", message_ts="1700000000.000001", user="UTK")
        (reply,) = slack.wait_for("response/action")
    assert reply["text"] == "Pospuse *Initech* una semana."
    assert len(slack.of("users.info")) == calls  # the locale was cached with the time zone
