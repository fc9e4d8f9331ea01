"""Call transcripts and email threads shared with the app (bot/slack/listeners/files.py), called directly with a
mock `client`: which messages are taken, where the review and the seller's notes go, who may choose the speakers
and practise a moment; and the file download's guards (bot/slack/call_files.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest.mock import Mock
from urllib.request import Request

import pytest

from bot.calls.formats import CallError, read_call_bytes
from bot.content.i18n import t
from bot.services.report import call_stats
from bot.slack import call_files
from bot.slack.call_files import FileProblem, _KeepTokenOnHost, download
from bot.slack.call_review import problem_text
from bot.slack.listeners import files
from tests.bolt.fakes import Readers, action_body, event_body

DATA = Path(__file__).resolve().parents[1] / "data" / "calls"


def _file(name: str, file_id: str = "F1", **extra: Any) -> dict[str, Any]:
    return {"id": file_id, "name": name, "title": name, "filetype": "text", "mimetype": "text/plain", "size": 10,
            "url_private_download": f"https://files.slack.com/files-pri/T1-{file_id}/download/{name}", **extra}


def _event(*file_objects: dict[str, Any], channel: str = "DU1", channel_type: str = "im",
           thread_ts: str | None = None, **extra: Any) -> dict[str, Any]:
    event = {"type": "message", "subtype": "file_share", "user": "U1", "ts": "10.1", "channel": channel,
             "channel_type": channel_type, "text": "", "files": list(file_objects), **extra}
    return {**event, "thread_ts": thread_ts} if thread_ts else event


@pytest.mark.parametrize(("event", "taken"), [
    (_event(_file("call.vtt")), True),
    (_event(_file("thread.EML")), True),
    (_event(_file("pricing.pdf", filetype="pdf")), False),
    (_event({"id": "F9", "mode": "file_access", "file_access": "check_file_info"}), True),  # a Slack Connect stub
    (_event(_file("call.vtt"), bot_id="B1"), False),
    (_event(_file("call.vtt"), subtype="message_changed"), False),
    ({"type": "message", "user": "U1", "ts": "1.0", "channel": "DU1", "text": "hi"}, False),
])
def test_the_matcher_takes_messages_sharing_a_call_or_a_thread(event, taken):
    assert files.shares_a_call(event) is taken


@pytest.fixture
def reviewing(coaching_deps, monkeypatch):
    """The real coach; files.info answers the shared file, its download the test's bytes."""
    contents: dict[str, bytes] = {}

    def download(client: Any, file: dict[str, Any]) -> bytes:
        return contents[file["id"]]

    monkeypatch.setattr(call_files, "download", download)
    return coaching_deps, contents


def _client_with(client: Mock, *file_objects: dict[str, Any]) -> Mock:
    by_id = {f["id"]: f for f in file_objects}
    client.files_info.side_effect = lambda file: {"ok": True, "file": by_id[file]}
    return client


def test_a_file_in_a_channel_that_is_neither_a_coaching_thread_nor_a_deal_room_is_not_read(client, reviewing, team):
    deps, contents = reviewing
    contents["F1"] = (DATA / "zoom_en.vtt").read_bytes()
    files.review_files(body=event_body({}, team), event=_event(_file("call.vtt"), channel="C5",
                                                                channel_type="channel"), client=client, deps=deps)
    client.files_info.assert_not_called()
    client.chat_postMessage.assert_not_called()


def test_a_call_in_a_coaching_thread_is_reviewed_in_the_thread(client, reviewing, team):
    deps, contents = reviewing
    contents["F1"] = (DATA / "meet_en.srt").read_bytes()
    deps.store.open_thread(team, "C5", "9.0", "skepticism")
    _client_with(client, _file("meet_en.srt"))
    files.review_files(body=event_body({}, team), event=_event(_file("meet_en.srt"), channel="C5",
                                                                channel_type="channel", thread_ts="9.0"),
                       client=client, deps=deps)
    (post,) = client.chat_postMessage.call_args_list
    assert post.kwargs["channel"] == "C5" and post.kwargs["thread_ts"] == "9.0"
    assert post.kwargs["text"].startswith("Your call review")
    assert call_stats(deps.store, team, "U1")["calls"] == 1


def test_where_outsiders_read_the_review_goes_by_dm_and_a_bad_file_is_told_there(client, reviewing, team):
    deps, contents = reviewing
    deps.audience = Readers("CEXT")
    deps.store.track_deal(team, "CEXT", "", "Acme", "U1")
    contents["F1"] = (DATA / "otter_en.txt").read_bytes()
    contents["F2"] = (DATA / "one_speaker.txt").read_bytes()
    _client_with(client, _file("otter_en.txt"), _file("one_speaker.txt", "F2"))
    files.review_files(body=event_body({}, team), event=_event(_file("otter_en.txt"), _file("one_speaker.txt", "F2"),
                                                                channel="CEXT", channel_type="channel"),
                       client=client, deps=deps)
    review, told = client.chat_postMessage.call_args_list
    assert review.kwargs["channel"] == told.kwargs["channel"] == "D-U1"
    assert "<#CEXT>" in json.dumps(review.kwargs["blocks"]) and "one speaker only" in told.kwargs["text"]
    client.chat_postEphemeral.assert_not_called()  # nothing in the shared channel, not even to the seller


def test_a_bad_file_in_a_deal_room_is_told_to_the_seller_alone(client, reviewing, team):
    deps, contents = reviewing
    deps.store.track_deal(team, "CDEAL", "", "Acme", "U1")
    contents["F1"] = b""
    _client_with(client, _file("notes.txt"))
    files.review_files(body=event_body({}, team), event=_event(_file("notes.txt"), channel="CDEAL",
                                                                channel_type="channel"), client=client, deps=deps)
    client.chat_postMessage.assert_not_called()
    (note,) = client.chat_postEphemeral.call_args_list
    assert note.kwargs["user"] == "U1" and "*notes.txt* is empty" in note.kwargs["text"]
    assert [r for r in deps.store.db["call_reviews"].rows if r["team_id"] == team] == []


def _ask(client: Mock, deps: Any, team: str) -> tuple[int, dict[str, Any]]:
    """Share an email thread whose sides are unsure: the question's review id and its select."""
    _client_with(client, _file("thread_en.eml"))
    files.review_files(body=event_body({}, team), event=_event(_file("thread_en.eml")), client=client, deps=deps)
    (question,) = client.chat_postMessage.call_args_list
    actions = question.kwargs["blocks"][-1]
    return int(actions["elements"][1]["value"]), actions["elements"][0]


def _choose(review_id: int, options: list[dict[str, Any]], *, team: str, user: str = "U1") -> dict[str, Any]:
    body = action_body({"action_id": "call_sides_review", "value": str(review_id)}, team=team, user=user,
                       channel="DU1", message_ts="1.0")
    body["container"]["thread_ts"] = "10.1"
    body["state"] = {"values": {"call_sides": {"call_sides_pick": {"type": "multi_static_select",
                                                                   "selected_options": options}}}}
    return body


def test_only_the_seller_chooses_the_speakers_and_some_not_all(client, reviewing, team, cues_only):
    deps, contents = reviewing
    contents["F1"] = (DATA / "thread_en.eml").read_bytes()
    review_id, pick = _ask(client, deps, team)
    everyone = pick["options"]
    for body, key in ((_choose(review_id, everyone[:1], team=team, user="U2"), "call.ask.only_uploader"),
                      (_choose(review_id, [], team=team), "call.ask.pick_some"),
                      (_choose(review_id, everyone, team=team), "call.ask.pick_some")):
        files.review_chosen(body=body, action=body["actions"][0], client=client, deps=deps)
        assert client.chat_postEphemeral.call_args.kwargs["text"] == t(key, "en")
    assert deps.store.call_review(review_id)["state"] == "asking"
    ana = [o for o in everyone if o["text"]["text"] == "Ana Ruiz"]
    body = _choose(review_id, ana, team=team)
    files.review_chosen(body=body, action=body["actions"][0], client=client, deps=deps)
    assert client.chat_update.call_args.kwargs["ts"] == "1.0"
    review = client.chat_postMessage.call_args_list[-1]
    assert review.kwargs["thread_ts"] == "10.1" and "Email thread review" in json.dumps(review.kwargs["blocks"])


def test_a_failed_review_lets_the_seller_choose_again(client, reviewing, team, monkeypatch, cues_only):
    deps, contents = reviewing
    contents["F1"] = (DATA / "thread_en.eml").read_bytes()
    review_id, pick = _ask(client, deps, team)
    monkeypatch.setattr(call_files, "review_call", Mock(side_effect=RuntimeError("boom")))
    body = _choose(review_id, pick["options"][:1], team=team)
    with pytest.raises(RuntimeError):
        files.review_chosen(body=body, action=body["actions"][0], client=client, deps=deps)
    assert deps.store.call_review(review_id)["state"] == "asking"


def test_practise_a_moment_whose_words_are_gone_says_so(client, deps, team):
    deps.coach.settings.text_retention_days = 30
    review_id = deps.store.record_call_review({"team_id": team, "user_id": "U1", "file_name": "x.vtt",
                                               "language": "en", "moments": ""}, [])
    body = action_body({"action_id": "call_practice", "value": f"{review_id}:1"}, team=team, channel="DU1")
    files.practise_moment(body=body, action=body["actions"][0], client=client, deps=deps)
    assert client.chat_postEphemeral.call_args.kwargs["text"] == t("call.too_old", "en", days=30)
    body = action_body({"action_id": "call_practice", "value": f"{review_id}:1"}, team="TOTHER", channel="DU1")
    files.practise_moment(body=body, action=body["actions"][0], client=client, deps=deps)  # another workspace's
    assert client.chat_postEphemeral.call_args.kwargs["text"] == t("call.ask.gone", "en")
    client.chat_postMessage.assert_not_called()


# --- the download's guards -------------------------------------------------------------------------------------

def test_the_token_goes_to_slack_only_and_a_big_file_is_not_downloaded(client, monkeypatch):
    opened = Mock(side_effect=AssertionError("nothing may be downloaded"))
    monkeypatch.setattr(call_files, "build_opener", lambda *handlers: Mock(open=opened))
    client.base_url = "https://slack.com/api/"
    with pytest.raises(FileProblem, match="unreadable"):
        download(client, _file("call.vtt", url_private_download="https://evil.example/call.vtt"))
    with pytest.raises(FileProblem, match="too_big:52428800"):
        download(client, _file("call.vtt", size=50 * 1024 * 1024))
    opened.assert_not_called()


def test_a_redirect_to_another_host_drops_the_token():
    handler = _KeepTokenOnHost()
    request = Request("https://files.slack.com/files-pri/T1-F1/download/a.vtt", headers={"Authorization": "Bearer x"})
    same = handler.redirect_request(request, None, 302, "Found", {}, "https://files.slack.com/other/a.vtt")
    other = handler.redirect_request(request, None, 302, "Found", {}, "https://cdn.example.net/a.vtt")
    assert same.get_header("Authorization") == "Bearer x" and other.get_header("Authorization") is None


@pytest.mark.parametrize(("data", "key"), [
    (b"", "call.error.empty"), (bytes(range(256)) * 40, "call.error.binary"),
    ((DATA / "one_speaker.txt").read_bytes(), "call.error.one_speaker"),
    ((DATA / "french.vtt").read_bytes(), "call.error.language"),
    ((DATA / "notes.txt").read_bytes(), "call.error.layout"),
    (b"WEBVTT\n\n00:01.000 --> 00:02.000\nhello there\n\n00:03.000 --> 00:04.000\nhow are you\n",
     "call.error.no_speakers"),
])
def test_each_unreadable_file_is_told_in_its_own_words_in_both_languages(data, key):
    with pytest.raises(CallError) as raised:
        read_call_bytes(data, "f.txt")
    for lang in ("en", "es"):
        assert problem_text(raised.value, "f.txt", lang) == t(key, lang, name="f.txt")
    assert problem_text("too_big:52428800", "f.txt", "es") == t("call.error.too_big", "es", name="f.txt",
                                                                 size="50.0", limit=5)
