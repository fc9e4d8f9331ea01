"""Many workspaces: Bolt's OAuth install flow with the installs in our database (SQLite and PostgreSQL), each
workspace's requests and nudges on its own token, and an uninstall that removes the tokens, then the data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from bot.slack.app import BOT_SCOPES
from bot.slack.nudges import start_scheduler
from bot.store import stamp
from tests.e2e.conftest import Bot, install
from tests.e2e.standins import SlackStandIn, eventually

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def test_the_install_asks_for_the_manifest_scopes():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]


def _tokens_for(slack: SlackStandIn, channel: str) -> set[str]:
    with slack._lock:
        return {token for (method, token), (_, params) in zip(slack.tokens, slack.calls, strict=True)
                if method == "chat.postMessage" and params.get("channel") == channel}


def test_two_installed_workspaces_each_use_their_own_token(multi):
    bot, slack = multi, multi.slack
    install(bot, "T2", "xoxb-two")
    install(bot, "T3", "xoxb-three")
    store = bot.deps.store
    assert [t["team_id"] for t in store.installed_teams()] == ["T2", "T3"]

    assert bot.command("They say your price is double the others", channel="C2", team="T2").status_code == 200
    assert bot.command("They say your price is double the others", channel="C3", team="T3").status_code == 200
    slack.wait_for("chat.postMessage", 2)
    assert _tokens_for(slack, "C2") == {"xoxb-two"} and _tokens_for(slack, "C3") == {"xoxb-three"}
    assert {c["team_id"] for c in store.coachings()} == {"T2", "T3"}

    # a workspace that never installed gets no answer on anyone's token
    bot.command("They say your price is double the others", channel="C9", team="T9")
    bot.command("They say your price is double the others", channel="C3", team="T3")  # a later event
    slack.wait_for("chat.postMessage", 3)
    assert _tokens_for(slack, "C9") == set()


def _two_workspaces_with_a_stalled_deal_each(bot: Bot) -> datetime:
    """T2 and T3 installed, each with a deal quiet for 30 days; the Monday morning the nudges are due."""
    install(bot, "T2", "xoxb-two")
    install(bot, "T3", "xoxb-three")
    monday = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
    for team in ("T2", "T3"):
        deal = bot.deps.store.track_deal(team, f"C{team}", "", f"Deal {team}", f"U{team}")
        bot.deps.store.update_deal(deal["id"], last_activity_at=stamp(monday - timedelta(days=30)))
    return monday


def test_the_nudge_tick_runs_per_workspace_on_its_token(multi):
    bot, slack = multi, multi.slack
    monday = _two_workspaces_with_a_stalled_deal_each(bot)
    scheduler = start_scheduler(bot.deps, bot.app)
    try:
        import time_machine

        with time_machine.travel(monday, tick=False):
            scheduler.get_job("weekly-nudges").func()
    finally:
        scheduler.shutdown(wait=False)
    assert _tokens_for(slack, "DUT2") == {"xoxb-two"} and _tokens_for(slack, "DUT3") == {"xoxb-three"}


def test_coach_nudge_sends_each_installed_workspace_its_nudges_on_its_own_token(multi, capsys):
    from bot.cli import main

    bot, slack = multi, multi.slack
    monday = _two_workspaces_with_a_stalled_deal_each(bot)
    # no SLACK_BOT_TOKEN: each workspace's token comes from its install
    assert main(["nudge", "--now", monday.isoformat(), "--team", "T3"]) == 0
    assert "T3 UT3" in capsys.readouterr().out
    assert _tokens_for(slack, "DUT3") == {"xoxb-three"} and _tokens_for(slack, "DUT2") == set()
    assert main(["nudge", "--now", monday.isoformat(), "--json"]) == 0
    assert "Deal T2" in [d["deal"] for d in json.loads(capsys.readouterr().out)]
    assert _tokens_for(slack, "DUT2") == {"xoxb-two"} and len(slack.posted["DUT3"]) == 1  # T3's was sent already
    assert main(["nudge", "--now", monday.isoformat(), "--team", "T9"]) == 2
    assert "T9 has not installed the app" in capsys.readouterr().err


def test_uninstall_removes_the_tokens_at_once_and_the_data_after_retention(multi):
    bot = multi
    install(bot, "T2", "xoxb-two")
    install(bot, "T3", "xoxb-three")
    store = bot.deps.store
    for team in ("T2", "T3"):
        store.track_deal(team, f"C{team}", "", f"Deal {team}", "U1")
    assert bot.event({"type": "app_uninstalled"}, event_id="EvGone", team="T2").status_code == 200
    bot.idle()  # the uninstall's work is over
    assert store.installation(None, "T2") is None and store.installation(None, "T3")
    assert store.deals("T2")  # the data stays for the retention period (a re-install finds it)
    assert store.forget_uninstalled(datetime.now(UTC), 90) == []
    assert store.forget_uninstalled(datetime.now(UTC) + timedelta(days=91), 90) == ["T2"]
    assert store.deals("T2") == [] and store.deals("T3")


def test_deals_and_summaries_of_two_workspaces_never_mix(multi):
    """The same channel tracked as a deal in two installed workspaces: activity and summaries stay in their own.
    (Each workspace is installed with its own token: one bot token answers one workspace, and a request from
    any other team is someone outside it, bot/slack/audience.py.)"""
    from tests.e2e.test_deals import ROOT_TS, THREAD

    bot, store = multi, multi.deps.store
    install(bot, "T1", "xoxb-one")
    install(bot, "T2", "xoxb-two")
    bot.command("track Acme", channel="CSHARED", team="T1")
    bot.command("track Umbrella", channel="CSHARED", team="T2")
    eventually(lambda: store.deal("T1", "CSHARED") and store.deal("T2", "CSHARED"))
    bot.event({"type": "message", "channel": "CSHARED", "user": "U9", "text": "hi", "ts": "5.0"},
              event_id="EvW1", team="T2")
    bot.slack.threads[("CSHARED", ROOT_TS)] = THREAD["messages"]
    bot.event({"type": "app_mention", "channel": "CSHARED", "user": "U1", "ts": "6.0", "thread_ts": ROOT_TS,
               "text": "<@UBOT> summarize"}, event_id="EvW2", team="T1")
    bot.slack.wait_for("chat.postMessage")
    eventually(lambda: store.deal("T2", "CSHARED")["message_count"] == 1 and store.summaries("T1"))
    assert [d["name"] for d in store.deals("T1")] == ["Acme"]
    assert [d["name"] for d in store.deals("T2")] == ["Umbrella"]
    assert store.deal("T1", "CSHARED")["message_count"] == 0
    assert [s["team_id"] for s in store.summaries("T1")] == ["T1"] and store.summaries("T2") == []
    assert store.deal_for_message("T2", "CSHARED", ROOT_TS)["name"] == "Umbrella"


# --- two installed workspaces, the same channel and user ids in both: nothing of one is read in the other ---
USER = "UMGR"  # the same user id in both workspaces, a manager in both


@pytest.fixture
def two(backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Bot:
    """The `multi` app with T2 and T3 installed, USER a manager (team view and chart) in both, refreshes at once."""
    from bot.slack import home

    monkeypatch.setenv("COACH_MANAGERS", USER)
    monkeypatch.setattr(home, "REFRESHER", home.Refresher(interval=0.0))
    monkeypatch.setattr(home, "_managers", {})
    bot = request.getfixturevalue("multi")
    install(bot, "T2", "xoxb-two")
    install(bot, "T3", "xoxb-three")
    bot.deps.coach.model_check_seconds = 0  # a model kept by `coach learn` is looked up on every diagnosis
    return bot


def _with_token(slack: SlackStandIn, method: str, token: str) -> list[dict[str, Any]]:
    with slack._lock:  # (file uploads to an upload URL carry no token: they are not API calls)
        calls = [call for call in slack.calls if call[0] != "upload"]
        return [params for (name, used), (_, params) in zip(slack.tokens, calls, strict=True)
                if name == method and used == token]


def _coached(store: Any, team: str, text: str, count: int = 1) -> list[dict[str, Any]]:
    """The workspace's coachings of this text, once `count` of them are posted."""
    def rows() -> list[dict[str, Any]]:
        return [c for c in store.coachings() if c["team_id"] == team and c["text"] == text and c["message_ts"]]

    eventually(lambda: len(rows()) >= count, timeout=20)
    return rows()


def _home(bot: Bot, team: str, event_id: str) -> dict[str, Any]:
    before = len(bot.slack.of("views.publish"))
    bot.event({"type": "app_home_opened", "user": USER, "channel": f"D{USER}", "tab": "home"}, event_id=event_id,
              team=team)
    bot.slack.wait_for("views.publish", before + 1)
    bot.idle()  # a manager's first view of the day is published at once, then again with its chart
    return bot.slack.of("views.publish")[-1]["view"]


def test_two_workspaces_never_read_each_others_coachings_deals_home_charts_or_reports(two, capsys):
    from bot.cli import main

    bot, slack, store = two, two.slack, two.deps.store
    # a deal in channel C1 in each workspace: each message counts for its own workspace's deal only
    for team, name in (("T2", "Globex renewal"), ("T3", "Initech pilot")):
        assert bot.command(f"track {name}", channel="C1", user=USER, team=team).status_code == 200
        eventually(lambda team=team: store.deal(team, "C1"))
    for team, ts in (("T2", "1800000000.000100"), ("T3", "1800000000.000200")):
        bot.event({"type": "message", "channel": "C1", "user": USER, "text": "call moved", "ts": ts},
                  event_id=f"Ev{team}a", team=team)
    eventually(lambda: all(store.deal(team, "C1")["message_count"] for team in ("T2", "T3")))

    objection = "They say your price is double the others"
    bot.command(objection, channel="C1", user=USER, team="T2")
    (coaching,) = _coached(store, "T2", objection)
    ts = coaching["message_ts"]
    # T3 replying in a thread with that ts, or pressing buttons carrying T2's coaching id, reaches nothing of T2
    bot.event({"type": "message", "channel": "C1", "user": USER, "text": "What if they push back on references?",
               "ts": "1800000000.000300", "thread_ts": ts}, event_id="EvT3b", team="T3")
    option = {"text": {"type": "plain_text", "text": "Incomplete"}, "value": f"{coaching['id']}:incomplete"}
    bot.action({"action_id": "relabel", "type": "static_select", "selected_option": option}, channel="C1",
               message_ts=ts, user=USER, team="T3")
    bot.action({"action_id": "feedback_helpful", "type": "button", "value": str(coaching["id"])}, channel="C1",
               message_ts=ts, user=USER, team="T3")
    bot.action({"action_id": "relabel", "type": "static_select", "selected_option": option}, channel="C1",
               message_ts=ts, user=USER, team="T2")  # T2's own: it re-renders
    slack.wait_for("chat.update")

    # the Home tab: each workspace's USER sees their own deals and coachings, and their own team's chart
    two_view, three_view = _home(bot, "T2", "EvH2"), _home(bot, "T3", "EvH3")
    assert "Globex renewal" in json.dumps(two_view) and "Initech pilot" not in json.dumps(two_view)
    assert "Initech pilot" in json.dumps(three_view) and "Globex renewal" not in json.dumps(three_view)
    assert objection not in json.dumps(two_view)  # (never the text, in either)
    images = {team: [b["slack_file"]["id"] for b in view["blocks"] if b["type"] == "image"]
              for team, view in (("T2", two_view), ("T3", three_view))}
    assert len(images["T2"]) == len(images["T3"]) == 1 and images["T2"] != images["T3"]
    assert [len(_with_token(slack, "views.publish", token)) for token in ("xoxb-two", "xoxb-three")] == [2, 2]
    assert len(_with_token(slack, "files.getUploadURLExternal", "xoxb-two")) == 1
    assert len(_with_token(slack, "files.getUploadURLExternal", "xoxb-three")) == 1
    # each asked Slack for its own USER's profile (language, time zone): T2's cached one is not T3's
    assert _with_token(slack, "users.info", "xoxb-three") and _with_token(slack, "users.info", "xoxb-two")

    # the manager's report: T2's coachings (the coaching and its re-render), none in T3
    for team, total in (("T2", 2), ("T3", 0)):
        assert main(["report", "--team", team, "--out", f"{team}.html"]) == 0
        assert f"({total} coachings over 8 weeks, workspace {team})" in capsys.readouterr().out

    # what T3 did long before reached nothing of T2 (asserted last, and after T3's thread reply has been
    # handled: it is activity in T3's own deal in its C1, so the negatives below follow that event)
    eventually(lambda: store.deal("T3", "C1")["message_count"] == 2)
    assert [store.deal(team, "C1")["message_count"] for team in ("T2", "T3")] == [1, 2]
    assert [(f["team_id"], f["kind"]) for f in store.feedback()] == [("T2", "relabel")]
    assert len(slack.of("chat.update")) == 1 and _with_token(slack, "chat.update", "xoxb-three") == []
    assert store.thread("T3", "C1", ts) is None
    assert not [p for p in _with_token(slack, "chat.postMessage", "xoxb-three") if p.get("thread_ts") == ts]
    assert {c["team_id"] for c in store.coachings()} == {"T2"}


def test_a_workspace_learned_model_changes_its_own_diagnosis_only(two, tmp_path, capsys, train_once):
    from bot.cli import main
    from tests.test_learn import PROBE, T1_CORRECTIONS, T1_EVAL, _jsonl

    bot, slack, store = two, two.slack, two.deps.store
    for team in ("T2", "T3"):
        bot.command(PROBE, channel="C1", user=USER, team=team)
    shipped = {team: _coached(store, team, PROBE)[0]["label"] for team in ("T2", "T3")}
    assert shipped["T2"] == shipped["T3"] != "incomplete"

    # T2's seller corrects their coachings with "Diagnose differently"; T3's is coached on the same words, no more
    for text in T1_CORRECTIONS:
        bot.command(text, channel="C1", user=USER, team="T2")
    bot.command(T1_CORRECTIONS[0], channel="C1", user=USER, team="T3")
    rows = [_coached(store, "T2", text)[0] for text in T1_CORRECTIONS]
    _coached(store, "T3", T1_CORRECTIONS[0])
    for row in rows:
        option = {"text": {"type": "plain_text", "text": "x"}, "value": f"{row['id']}:incomplete"}
        bot.action({"action_id": "relabel", "type": "static_select", "selected_option": option}, channel="C1",
                   message_ts=row["message_ts"], user=USER, team="T2")
    slack.wait_for("chat.update", len(rows))
    eventually(lambda: len(store.feedback()) == len(rows))

    # `coach learn` for T2 keeps T2's model (in the database); the running app uses it for T2 and only T2
    assert main(["learn", "--team", "T2", "--heldout", str(_jsonl(tmp_path / "eval.jsonl", T1_EVAL)),
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kept"] is True and report["examples"] == len(T1_CORRECTIONS)
    assert main(["learn", "--team", "T3", "--json"]) == 0  # T3 has no correction: no model of its own
    assert json.loads(capsys.readouterr().out)["examples"] == 0
    for team in ("T2", "T3"):
        bot.command(PROBE, channel="C1", user=USER, team=team)
    learned = {team: _coached(store, team, PROBE, 2)[-1]["label"] for team in ("T2", "T3")}
    assert learned == {"T2": "incomplete", "T3": shipped["T3"]}
    assert store.team_model_info("T3") is None and store.team_examples("T3") == []


@pytest.fixture
def two_with_model(backend: str, model: Any, request: pytest.FixtureRequest) -> tuple[Bot, Any]:
    """`two`, with the OpenAI-compatible stand-in configured before the app starts."""
    return request.getfixturevalue("two"), model


def test_the_model_answer_cache_is_kept_per_workspace(two_with_model):
    bot, model = two_with_model
    store = bot.deps.store
    text = "They say your price is double the others"

    def asked() -> int:
        return sum(text in json.dumps(r) for r in model.requests)

    # the same words, in the same channel and user ids, first in T2, then in T3, then in T2 again
    for team, count in (("T2", 1), ("T3", 1), ("T2", 2)):
        bot.command(text, channel="C1", user=USER, team=team)
        _coached(store, team, text, count)
    assert asked() == 2  # T3's answer is its own, not T2's from the cache; T2's second is T2's cached one
    assert {c["source"] for c in store.coachings()} == {"llm"}
    assert sorted(r["team_id"] for r in store.db["llm_cache"].rows) == ["T2", "T3"]
    assert [c["outcome"] for c in store.llm_calls()].count("cache_hit") == 1
    # forgetting T3 deletes its cached answers, and leaves T2's
    assert store.forget_team("T3")["llm_cache"] == 1
    assert [r["team_id"] for r in store.db["llm_cache"].rows] == ["T2"]
