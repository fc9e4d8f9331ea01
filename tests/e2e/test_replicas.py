"""Several app processes on one PostgreSQL database behave as one app: three `coach serve` replicas (real
subprocesses over HTTP) with one Slack stand-in, and nudge runs as separate processes that race or die."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.services.nudges import LEASE
from bot.store import connect, stamp
from tests.e2e.replicas import Replica, app_env, run_cli, start_replicas
from tests.e2e.standins import SlackStandIn, command_form, signed_post

pytestmark = pytest.mark.slow  # starts `coach serve` processes: `pytest -q -m slow` (.ci/run)
SECRET = "replica-secret"
MONDAY = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)  # the default nudge time (Monday 09:00) has passed, in UTC
OWNERS = ("UA", "UB", "UC", "UD")


@pytest.fixture(scope="module")
def cluster(pg_server: Any, trained: None, model_cache: Any) -> Iterator[tuple[list[Replica], SlackStandIn, str]]:
    slack = SlackStandIn()
    url = pg_server.create_database()
    replicas = start_replicas(3, app_env(slack.api_url, SECRET, url, str(model_cache)))
    try:
        yield replicas, slack, url
    finally:
        for replica in replicas:
            replica.stop()
        slack.close()


def _event(replica: Replica, event_id: str, event: dict[str, Any], **headers: str) -> int:
    body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": event_id,
            "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]}
    return signed_post(f"{replica.url}/slack/events", json.dumps(body), "application/json", SECRET,
                       headers=headers).status_code


def _posts_in(slack: SlackStandIn, channel: str) -> list[dict[str, Any]]:
    return [p for p in slack.of("chat.postMessage") if p.get("channel") == channel]


def _wait(predicate: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_retry_landing_on_another_replica_is_answered_once(cluster):
    replicas, slack, _ = cluster
    mention = {"type": "app_mention", "channel": "CDUP", "user": "U1", "ts": "70.1",
               "text": "<@UBOT> I heard your tool only works for enterprises"}
    with ThreadPoolExecutor(2) as pool:  # the delivery and Slack's retry, at once, to two replicas
        acks = list(pool.map(lambda args: _event(*args), [
            (replicas[0], "EvDup", mention), (replicas[1], "EvDup", mention)]))
    assert acks == [200, 200]
    _wait(lambda: len(_posts_in(slack, "CDUP")) >= 1)
    # an event after the duplicates, on both replicas that saw one: once its replies are in, so would a second one
    for n, replica in enumerate(replicas[:2]):
        _event(replica, f"EvMark{n}", {**mention, "channel": "CMARK", "ts": f"71.{n}"})
    _wait(lambda: len(_posts_in(slack, "CMARK")) >= 2)
    assert len(_posts_in(slack, "CDUP")) == 1


def test_commands_round_robin_over_replicas_are_all_answered(cluster):
    replicas, slack, url = cluster

    def send(i: int) -> int:
        form = command_form(f"Deal {i}: the CFO doubts we will ever see the savings", slack.url, channel="CRR")
        return signed_post(f"{replicas[i % 3].url}/slack/events", form, "application/x-www-form-urlencoded",
                           SECRET).status_code

    with ThreadPoolExecutor(10) as pool:
        assert list(pool.map(send, range(50))) == [200] * 50
    _wait(lambda: len(_posts_in(slack, "CRR")) >= 50)
    with closing(connect(url)) as store:  # each answer posted and recorded once
        _wait(lambda: len([c for c in store.coachings() if c["channel"] == "CRR" and c["message_ts"]]) == 50)
    assert len(_posts_in(slack, "CRR")) == 50


@pytest.fixture
def book(pg_url: str, model_cache: Any) -> Iterator[tuple[SlackStandIn, dict[str, str]]]:
    """Four owners with a deal each, silent for a month, on a fresh database; the app's environment for it."""
    slack = SlackStandIn()
    with closing(connect(pg_url)) as store:
        for owner in OWNERS:
            deal = store.track_deal("T1", f"C{owner}", "", f"Deal of {owner}", owner)
            store.update_deal(deal["id"], last_activity_at=stamp(MONDAY - timedelta(days=30)))
    try:
        yield slack, app_env(slack.api_url, SECRET, pg_url, str(model_cache))
    finally:
        slack.close()


def _dms(slack: SlackStandIn) -> dict[str, int]:
    return {channel: len(messages) for channel, messages in slack.posted.items() if channel.startswith("D")}


def test_three_processes_ticking_the_same_owners_nudge_each_once(book):
    slack, env = book
    slack.delay["chat.postMessage"] = 0.3  # sends overlap
    # two hourly ticks (under the tick lock) and one plain run (claims only), all at once
    runs = [run_cli(["nudge", "--due", "--now", MONDAY.isoformat()], env) for _ in range(2)]
    runs.append(run_cli(["nudge", "--now", MONDAY.isoformat()], env))
    outputs = [run.communicate(timeout=180)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert _dms(slack) == {f"D{owner}": 1 for owner in OWNERS}, outputs


def test_a_process_killed_mid_nudge_run_is_finished_by_another_sending_once(book):
    slack, env = book
    slack.delay["chat.postMessage"] = 2.0
    first = run_cli(["nudge", "--due", "--now", MONDAY.isoformat()], env)
    try:
        _wait(lambda: any(c.startswith("D") for _, p in slack.calls for c in [p.get("channel") or ""]), 120)
    finally:
        first.kill()  # SIGKILL mid-send: no clean-up, its claim stays 'sending'
        first.wait(10)
    _wait(lambda: sum(_dms(slack).values()) >= 1)  # Slack took the message that was in flight
    slack.delay.pop("chat.postMessage")
    later = MONDAY + LEASE + timedelta(minutes=1)  # the dead run's lease has run out
    second = run_cli(["nudge", "--due", "--now", later.isoformat()], env)
    out = second.communicate(timeout=180)[0]
    assert second.returncode == 0, out
    assert "reconciled" in out
    assert _dms(slack) == {f"D{owner}": 1 for owner in OWNERS}, out
