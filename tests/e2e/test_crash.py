"""A process that dies mid-work: the streams it left half-written are stopped at the next start, and Slack's
retry of a delivery it never finished is coached; a repeat that arrives while the first is still being worked
on is skipped."""

from __future__ import annotations

import json
import logging
from contextlib import closing
from typing import Any

import pytest

from bot.store import connect, open_store
from tests.e2e.replicas import Replica, app_env
from tests.e2e.standins import OpenAIStandIn, SlackStandIn, eventually, signed_post

SECRET = "crash-secret"
OBJECTION = "Their CFO doubts the savings you showed will ever show up in their budget"
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
INTERRUPTED = "This answer was interrupted before it was finished."


def _dm(ts: str) -> dict[str, Any]:
    return {"type": "message", "channel": "DU1", "channel_type": "im", "user": "U1", "text": OBJECTION, "ts": ts}


def _deliver(url: str, event_id: str, event: dict[str, Any], headers: dict[str, str] | None = None) -> int:
    body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": event_id, "event_time": 1,
            "event": event, "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]}
    return signed_post(f"{url}/slack/events", json.dumps(body), "application/json", SECRET,
                       headers=headers).status_code


@pytest.mark.slow  # `coach serve` processes, one killed: `pytest -q -m slow` (.ci/run)
def test_a_process_killed_mid_stream_has_its_streams_stopped_at_restart_and_the_retry_coached(
        tmp_path, trained, model_cache):
    slack, model = SlackStandIn(), OpenAIStandIn()
    model.script = ["hold_midway"] * 3  # three coachings stream half their answer, then the model goes quiet
    database = str(tmp_path / "coach.db")
    env = app_env(slack.api_url, SECRET, database, str(model_cache), OPENAI_BASE_URL=model.url,
                  OPENAI_API_KEY="sk-test", COACH_MODEL="standin-model", COACH_LLM_TIMEOUT="120")
    replicas: list[Replica] = []
    try:
        replicas.append(Replica(env))
        replicas[0].wait_ready()
        for n in range(3):
            assert _deliver(replicas[0].url, f"EvKill{n}", _dm(f"400.{n}")) == 200
        with closing(connect(database)) as store:
            open_rows = lambda: store.execute("SELECT channel, ts FROM open_streams").rows  # noqa: E731
            assert eventually(lambda: model.held == 3 and len(open_rows()) == 3, timeout=120), slack.calls
            replicas[0].kill()  # SIGKILL while the model holds all three streams: no clean-up of any kind
            model.release.set()  # (what it sends now reaches nobody)
            drafts = dict(slack.streams)
            assert len(drafts) == 3 and not any(s["stopped"] for s in drafts.values())  # three half-written drafts

            replicas.append(Replica(env))
            replicas[1].wait_ready()
            # the new process stopped each stream the dead one left open, with a note, before serving
            assert eventually(lambda: all(slack.streams[ts]["stopped"] for ts in drafts)), slack.calls
            for ts, stream in drafts.items():
                assert INTERRUPTED in slack.streams[ts]["text"] and stream["channel"] == "DU1"
            assert open_rows() == []

            # Slack's retry of a delivery the dead process claimed but never finished is coached
            assert _deliver(replicas[1].url, "EvKill0", _dm("400.0"), RETRY) == 200
            (ts,) = eventually(lambda: [ts for ts, s in slack.streams.items()
                                        if ts not in drafts and s["stopped"] and ts in slack.updated])
            assert slack.streams[ts]["thread_ts"] == "400.0"
            assert "Go back to the goal the buyer confirmed" in json.dumps(slack.updated[ts]["blocks"])
            assert eventually(lambda: (store.delivery("EvKill0") or {}).get("done_at"))
    finally:
        for replica in replicas:
            replica.stop()
        model.close()
        slack.close()


def test_a_repeat_arriving_while_the_first_is_worked_on_is_skipped(model, bot, settings, caplog):
    caplog.set_level(logging.INFO, logger="bot.slack.deliveries")
    model.script = ["hold_midway"]
    assert bot.event(_dm("410.1"), event_id="EvBusy").status_code == 200
    assert eventually(lambda: model.held == 1)  # the first delivery's coaching is under way
    store = open_store(settings)
    assert store.delivery("EvBusy")["done_at"] is None  # claimed, not handled yet
    assert bot.event(_dm("410.1"), event_id="EvBusy", headers=RETRY).status_code == 200
    assert "delivery EvBusy already handled or being handled" in caplog.text  # skipped: acknowledged, no work
    model.release.set()
    assert eventually(lambda: store.delivery("EvBusy")["done_at"])  # handled once its work ended
    assert len(model.requests) == 1 and len(bot.slack.of("chat.startStream")) == 1
