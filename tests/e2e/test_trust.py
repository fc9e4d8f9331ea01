"""Trust fixes (issue #11), end to end over HTTP: verification in every HTTP mode, nothing outsiders can read,
objections never taken for commands, and every surface ends with an answer or a short error."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
import yaml

from bot.slack.app import MissingCredentials, create_wsgi
from bot.store import open_store
from tests.e2e.conftest import SECRET
from tests.e2e.standins import coaching_id_in, command_form, relabel_menu, signed_post

if TYPE_CHECKING:
    from bot.slack.app import Service

OBJECTION = "Every vendor tells us we'll save 30%. How do I know we'll actually see that?"
THREAD = json.loads(sorted((Path(__file__).parent.parent / "data" / "threads").glob("en_01_*.json"))[0].read_text())
ROOT_TS = THREAD["messages"][0]["ts"]
SHARED_NOTE = "outside your company"


# --- 1 + 8: `create_wsgi` (gunicorn, waitress-serve --call) is HTTP, so always verified; models load at start


@pytest.fixture
def wsgi(slack, monkeypatch, trained) -> Iterator[tuple[str, Service]]:
    """`create_wsgi()` served by waitress, with SLACK_APP_TOKEN set too (as when Socket Mode was tried first)."""
    from waitress import create_server

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-e2e")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-e2e")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    service = create_wsgi()
    server = create_server(service, host="127.0.0.1", port=0)

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):
            pass  # the loop notices its socket closed at teardown

    threading.Thread(target=run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}", service
    server.close()
    service.scheduler.shutdown(wait=False)


def test_create_wsgi_verifies_requests_even_with_an_app_token(wsgi, slack, settings):
    url, _ = wsgi
    form = command_form("track Globex renewal", slack.url, channel="CDEAL")
    unsigned = Request(f"{url}/slack/events", data=form.encode(), method="POST",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(HTTPError) as refused:
        urlopen(unsigned, timeout=10)
    assert refused.value.code == 401
    assert signed_post(f"{url}/slack/events", form, "application/x-www-form-urlencoded", "wrong").status_code == 401
    assert open_store(settings).deal("T1", "CDEAL") is None
    # a signed request is served, so the 401s above were the check, not a dead server
    assert signed_post(f"{url}/slack/events", form, "application/x-www-form-urlencoded", SECRET).status_code == 200
    assert open_store(settings).deal("T1", "CDEAL")["name"] == "Globex renewal"


def test_create_wsgi_loads_both_models_before_serving(wsgi):
    _, service = wsgi
    assert "classifier" in vars(service.deps.coach)  # cached_property: present once loaded
    assert "obstacle_detector" in vars(service.deps.summarizer)


def test_http_without_signing_secret_is_a_startup_error(slack, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-e2e")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-e2e")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    with pytest.raises(MissingCredentials, match="SLACK_SIGNING_SECRET") as missing:
        create_wsgi()
    assert missing.value.names == ["SLACK_SIGNING_SECRET"]


# --- 2: coaching and summaries never go where people outside the workspace read


def _only_dms(slack, channel: str) -> list[dict[str, Any]]:
    posts = slack.of("chat.postMessage") + slack.of("chat.update") + slack.of("chat.startStream")
    assert all(p["channel"] != channel for p in posts), "something was posted where outsiders read"
    return [p for p in posts if p["channel"].startswith("D")]


def test_command_in_a_shared_channel_coaches_by_dm(bot):
    bot.slack.shared.add("CEXT")
    bot.command(OBJECTION, channel="CEXT", user="U7")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["channel"] == "DU7" and "skepticism" in post["blocks"][0]["text"]["text"]
    (note,) = bot.slack.wait_for("response/cmd")
    assert note["response_type"] == "ephemeral" and SHARED_NOTE in note["text"]
    assert _only_dms(bot.slack, "CEXT")


def test_unknown_shared_state_counts_as_shared(bot):
    bot.slack.info_error.add("CUNKNOWN")  # e.g. the scope is missing
    bot.command(OBJECTION, channel="CUNKNOWN", user="U7")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["channel"] == "DU7"
    bot.slack.wait_for("response/cmd")
    _only_dms(bot.slack, "CUNKNOWN")


def test_shared_state_is_asked_once_per_channel(bot):
    bot.slack.shared.add("CEXT")
    bot.command(OBJECTION, channel="CEXT", user="U7")
    bot.slack.wait_for("chat.postMessage")
    bot.command("they think we only sell to banks", channel="CEXT", user="U7")
    bot.slack.wait_for("chat.postMessage", 2)
    assert len(bot.slack.of("conversations.info")) == 1


def test_spanish_note_for_a_spanish_objection(bot):
    bot.slack.shared.add("CEXT")
    bot.command("El gerente dice que ustedes cobran por usuario y con 500 empleados no les sirve", channel="CEXT")
    (note,) = bot.slack.wait_for("response/cmd")
    assert "fuera de tu empresa" in note["text"]


def test_mention_in_a_shared_thread_coaches_by_dm_and_says_why_there(bot):
    bot.slack.shared.add("CEXT")
    bot.event({"type": "app_mention", "channel": "CEXT", "user": "U1", "ts": "50.2", "thread_ts": "50.1",
               "text": "<@UBOT> buyer says they have no idea how we even charge for this"}, event_id="EvX1")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["channel"] == "DU1" and "missing" in post["blocks"][0]["text"]["text"]
    (note,) = bot.slack.wait_for("chat.postEphemeral")
    assert note["channel"] == "CEXT" and note["user"] == "U1" and note["thread_ts"] == "50.1"
    assert SHARED_NOTE in note["text"]
    _only_dms(bot.slack, "CEXT")


def test_replies_in_a_coaching_thread_of_a_shared_channel_go_by_dm(bot, settings):
    open_store(settings).open_thread("T1", "CEXT", "77.1", "skepticism")  # coached before it was shared
    bot.slack.shared.add("CEXT")
    bot.event({"type": "message", "channel": "CEXT", "user": "U1", "text": "what if they push back on references?",
               "ts": "77.2", "thread_ts": "77.1"}, event_id="EvX3")
    bot.event({"type": "message", "channel": "CEXT", "user": "U1", "ts": "77.3", "thread_ts": "77.1",
               "text": "now their CTO says we only support on-prem installs, which is wrong"}, event_id="EvX4")
    posts = bot.slack.wait_for("chat.postMessage", 2)
    assert [p["channel"] for p in posts] == ["DU1", "DU1"]
    assert {"Proof to offer" in json.dumps(p["blocks"]) for p in posts} == {True, False}
    notes = bot.slack.wait_for("chat.postEphemeral", 2)
    assert all(n["thread_ts"] == "77.1" and SHARED_NOTE in n["text"] for n in notes)
    _only_dms(bot.slack, "CEXT")


def test_summaries_of_a_shared_channel_go_by_dm(bot):
    bot.slack.shared.add("CEXT")
    bot.slack.threads[("CEXT", ROOT_TS)] = THREAD["messages"]
    bot.slack.history["CEXT"] = [{"ts": ROOT_TS, "text": "kickoff", "reply_count": 27}]
    bot.event({"type": "app_mention", "channel": "CEXT", "user": "U1", "ts": "1900000000.1", "thread_ts": ROOT_TS,
               "text": "<@UBOT> summarize"}, event_id="EvX2")
    payload = {"type": "message_action", "callback_id": "summarize_thread", "team": {"id": "T1"},
               "user": {"id": "U2"}, "channel": {"id": "CEXT"}, "trigger_id": "1.2",
               "message": {"ts": THREAD["messages"][3]["ts"], "thread_ts": ROOT_TS, "text": "x"},
               "response_url": f"{bot.slack.url}/response/shortcut"}
    bot.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    bot.command("summary", channel="CEXT", user="U3")
    posts = bot.slack.wait_for("chat.postMessage", 3)
    assert sorted(p["channel"] for p in posts) == ["DU1", "DU2", "DU3"]
    assert all("Deal-room summary" in json.dumps(p["blocks"]) for p in posts)
    (mention_note,) = bot.slack.wait_for("chat.postEphemeral")
    (shortcut_note,) = bot.slack.wait_for("response/shortcut")
    (command_note,) = bot.slack.wait_for("response/cmd")
    assert all(SHARED_NOTE in n["text"] for n in (mention_note, shortcut_note, command_note))
    _only_dms(bot.slack, "CEXT")


def test_diagnose_differently_in_a_shared_channel_goes_by_dm(bot):
    bot.command(OBJECTION)
    (post,) = bot.slack.wait_for("chat.postMessage")
    option = next(o for o in relabel_menu(post["blocks"])["options"] if o["value"].endswith(":major_concern"))
    bot.slack.shared.add("CEXT")  # the coaching's channel has since been shared with the buyer
    bot.action({"action_id": "relabel", "type": "static_select", "selected_option": option},
               channel="CEXT", message_ts="1700000000.000001")
    posts = bot.slack.wait_for("chat.postMessage", 2)
    assert posts[1]["channel"] == "DU1" and "major_concern" in posts[1]["blocks"][0]["text"]["text"]
    (note,) = bot.slack.wait_for("response/action")
    assert SHARED_NOTE in note["text"] and note["replace_original"] is False
    bot.idle()
    assert bot.slack.of("chat.update") == []


def test_track_in_a_shared_channel_is_announced_to_the_seller_only(bot, settings):
    bot.slack.shared.add("CEXT")
    bot.command("track Globex renewal", channel="CEXT", user="UOWNER")
    (announced,) = bot.slack.wait_for("response/cmd")
    assert announced["response_type"] == "ephemeral" and "Globex renewal" in announced["text"]
    assert "Only you can see this" in announced["text"]
    assert open_store(settings).deal("T1", "CEXT")["owner_id"] == "UOWNER"


def test_manifest_asks_for_what_conversations_info_needs_and_no_public_writes():
    manifest = yaml.safe_load((Path(__file__).parents[2] / "manifest.yml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert "chat:write.public" not in scopes
    assert {"channels:read", "groups:read", "mpim:read"} <= scopes


# --- 3: an objection is coached; a state change needs a short, unambiguous label


def test_a_sentence_after_track_is_coached_not_tracked(bot, settings):
    reply = bot.command("Track record? You've only been around two years", channel="CDEAL")
    assert "Diagnosing" in reply.json()["text"] and "/objection track Globex renewal" in reply.json()["text"]
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["channel"] == "CDEAL" and post["blocks"][0]["type"] == "header"
    assert open_store(settings).deal("T1", "CDEAL") is None
    bot.command("track Globex renewal", channel="CDEAL")
    bot.slack.wait_for("response/cmd")
    assert open_store(settings).deal("T1", "CDEAL")["name"] == "Globex renewal"


def test_a_sentence_after_stage_is_coached_and_the_stage_kept(bot, settings):
    bot.command("track Globex renewal", channel="CDEAL")
    assert "set to Negotiation" in bot.command("stage Negotiation", channel="CDEAL").json()["text"]
    reply = bot.command("stage we're too early for a tool like yours, maybe next year", channel="CDEAL")
    assert "Diagnosing" in reply.json()["text"]
    bot.slack.wait_for("chat.postMessage")
    assert open_store(settings).deal("T1", "CDEAL")["stage"] == "Negotiation"


def test_a_sentence_after_track_in_a_mention_is_coached(bot, settings):
    bot.event({"type": "app_mention", "channel": "CTEAM", "user": "U1", "ts": "10.2", "thread_ts": "10.1",
               "text": "<@UBOT> track record? you've only been around two years"}, event_id="EvT9")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["thread_ts"] == "10.1" and post["blocks"][0]["type"] == "header"
    assert open_store(settings).deal("T1", "CTEAM", "10.1") is None


# --- 5: every surface ends with an answer or a short error the user sees


@pytest.fixture
def brief_lock_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A write gives up on the locked file after 1 s instead of 15 (BUSY_TIMEOUT_MS): the same failure, sooner."""
    monkeypatch.setattr("bot.store.sqlite.BUSY_TIMEOUT_MS", 1000)


def test_a_command_whose_coaching_fails_gets_an_error_in_its_language(bot, locked_db, brief_lock_waits):
    reply = bot.command("El director dice que no ve el retorno que prometemos")
    assert "Analizando la objeción" in reply.json()["text"]  # the ack is in the objection's language too
    (error,) = bot.slack.wait_for("response/cmd", timeout=30)
    assert error["response_type"] == "ephemeral" and "algo falló" in error["text"]


def test_a_button_whose_work_fails_gets_an_error(bot, settings, brief_lock_waits):
    bot.command(OBJECTION)
    (post,) = bot.slack.wait_for("chat.postMessage")
    coaching_id = coaching_id_in(post["blocks"])
    other = sqlite3.connect(settings.db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        bot.action({"action_id": "feedback_helpful", "value": coaching_id, "type": "button"},
                   channel="C1", message_ts="1700000000.000001")
        (error,) = bot.slack.wait_for("response/action", timeout=30)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "something went wrong" in error["text"] and error["replace_original"] is False


def test_a_mention_whose_work_fails_gets_an_ephemeral_error(bot):
    bot.slack.threads[("CDEAL", ROOT_TS)] = THREAD["messages"]
    bot.slack.rate_limited["conversations.replies"] = 10  # Slack keeps refusing, past our retries
    bot.slack.retry_after = 0  # (each retry still waits, up to a second: slack_sdk adds that)
    bot.event({"type": "app_mention", "channel": "CDEAL", "user": "U1", "ts": "1900000000.1", "thread_ts": ROOT_TS,
               "text": "<@UBOT> summarize"}, event_id="EvF1")
    (error,) = bot.slack.wait_for("chat.postEphemeral", timeout=30)
    assert error["channel"] == "CDEAL" and error["user"] == "U1" and "something went wrong" in error["text"]
    bot.idle()
    assert bot.slack.of("chat.postMessage") == []


def test_shortcut_without_access_answers_through_response_url(bot):
    bot.slack.no_access.add("CNOPE")
    payload = {"type": "message_action", "callback_id": "summarize_thread", "team": {"id": "T1"},
               "user": {"id": "U1"}, "channel": {"id": "CNOPE"}, "trigger_id": "1.2",
               "message": {"ts": "5.0", "text": "kickoff"}, "response_url": f"{bot.slack.url}/response/shortcut"}
    assert bot.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded").status_code == 200
    (reply,) = bot.slack.wait_for("response/shortcut")
    assert reply["response_type"] == "ephemeral" and "Is the app in this channel" in reply["text"]
    bot.idle()
    assert bot.slack.of("chat.postEphemeral") == []
