"""Many workspaces: Bolt's OAuth install flow with the installs in our database (SQLite and PostgreSQL), each
workspace's requests and nudges on its own token, and an uninstall that removes the tokens, then the data."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.request import Request, urlopen

import pytest
import yaml

from bot.config import load_settings
from bot.slack.app import BOT_SCOPES, build_app, http_server, make_deps
from bot.slack.nudges import start_scheduler
from bot.store import stamp
from tests.e2e.conftest import SECRET, Bot
from tests.e2e.standins import SlackStandIn

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def test_the_install_asks_for_the_manifest_scopes():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]


@pytest.fixture
def multi(backend: str, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch, trained: None) -> Iterator[Bot]:
    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "client-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("COACH_NUDGE_PACE", "0")
    settings = load_settings()
    deps = make_deps(settings)
    app = build_app(settings, deps)
    server = http_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=lambda: _quietly(server.run), daemon=True)
    thread.start()
    bot = Bot(f"http://127.0.0.1:{server.effective_port}", slack, app)
    bot.deps = deps  # type: ignore[attr-defined]
    yield bot
    server.close()
    deps.store.close()


def _quietly(run: Any) -> None:
    try:
        run()
    except (OSError, ValueError):
        pass  # the loop notices its socket closed at teardown


def _install(bot: Bot, team: str, token: str) -> None:
    bot.slack.oauth_codes[f"code-{team}"] = (team, token)
    with urlopen(f"{bot.url}/slack/install", timeout=10) as page:
        html = page.read().decode()
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    state = re.search(r"state=([\w\-]+)", html).group(1)
    redirect = Request(f"{bot.url}/slack/oauth_redirect?code=code-{team}&state={state}", headers={"Cookie": cookie})
    with urlopen(redirect, timeout=10) as done:
        assert done.status == 200


def _tokens_for(slack: SlackStandIn, channel: str) -> set[str]:
    with slack._lock:
        return {token for (method, token), (_, params) in zip(slack.tokens, slack.calls, strict=True)
                if method == "chat.postMessage" and params.get("channel") == channel}


def test_two_installed_workspaces_each_use_their_own_token(multi):
    bot, slack = multi, multi.slack
    _install(bot, "T2", "xoxb-two")
    _install(bot, "T3", "xoxb-three")
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


def test_the_nudge_tick_runs_per_workspace_on_its_token(multi):
    bot, slack = multi, multi.slack
    _install(bot, "T2", "xoxb-two")
    _install(bot, "T3", "xoxb-three")
    store = bot.deps.store
    monday = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
    for team in ("T2", "T3"):
        deal = store.track_deal(team, f"C{team}", "", f"Deal {team}", f"U{team}")
        store.update_deal(deal["id"], last_activity_at=stamp(monday - timedelta(days=30)))
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
    _install(bot, "T2", "xoxb-two")
    _install(bot, "T3", "xoxb-three")
    store = bot.deps.store
    monday = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
    for team in ("T2", "T3"):
        deal = store.track_deal(team, f"C{team}", "", f"Deal {team}", f"U{team}")
        store.update_deal(deal["id"], last_activity_at=stamp(monday - timedelta(days=30)))
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
    _install(bot, "T2", "xoxb-two")
    _install(bot, "T3", "xoxb-three")
    store = bot.deps.store
    for team in ("T2", "T3"):
        store.track_deal(team, f"C{team}", "", f"Deal {team}", "U1")
    assert bot.event({"type": "app_uninstalled"}, event_id="EvGone", team="T2").status_code == 200
    deadline = time.monotonic() + 10
    while store.installation(None, "T2") is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.installation(None, "T2") is None and store.installation(None, "T3")
    assert store.deals("T2")  # the data stays for the retention period (a re-install finds it)
    assert store.forget_uninstalled(datetime.now(UTC), 90) == []
    assert store.forget_uninstalled(datetime.now(UTC) + timedelta(days=91), 90) == ["T2"]
    assert store.deals("T2") == [] and store.deals("T3")
