"""A call transcript or an email thread shared in Slack (issue #22, items 4 and 5), end to end over HTTP: the app
reads the file through files.info and its download (both answered by the Slack stand-in), posts one review to the
seller who shared it, and never anything to a channel people outside the workspace read; "Practise this" replays
a moment; unsure sides are asked once; a file that is no conversation gets one line and nothing is stored.

The event is Slack's `message` of subtype `file_share`, shaped as Slack sends it (a payload captured from Slack:
MercuryTechnologies/slack-web tests/golden/SlackWebhookEvent/message_file_share.json; the FileShareMessageEvent
type of @slack/types), its file objects as files.info gives them (https://docs.slack.dev/reference/objects/
file-object)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.models.blocks import Block

from bot.services.report import call_stats
from bot.store import open_store
from tests.e2e.standins import eventually

DATA = Path(__file__).resolve().parents[1] / "data" / "calls"
SELLER, DM = "U1", "DU1"


def _validate(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= 50
    for raw in blocks:
        Block.parse(raw).validate_json()


def _text(post: dict[str, Any]) -> str:
    return json.dumps(post.get("blocks") or [], ensure_ascii=False) + (post.get("text") or "")


def _file_share(file: dict[str, Any], ts: str, channel: str = DM, channel_type: str = "im", text: str = "",
                thread_ts: str | None = None, user: str = SELLER) -> dict[str, Any]:
    """A `message` event of subtype `file_share`, as Slack sends one when someone shares a file in a message."""
    event = {"type": "message", "text": text, "files": [file], "upload": True, "user": user, "display_as_bot": False,
             "ts": ts, "blocks": [], "client_msg_id": f"msg-{ts}", "channel": channel, "subtype": "file_share",
             "event_ts": ts, "channel_type": channel_type}
    return {**event, "thread_ts": thread_ts} if thread_ts else event


def _share(bot: Any, name: str, ts: str, *, content: bytes | None = None, file_id: str = "F0001", **where: Any
           ) -> None:
    file = bot.slack.share_file(file_id, name, (DATA / name).read_bytes() if content is None else content)
    bot.event(_file_share(file, ts, **where), event_id=f"Ev{file_id}{ts}")


def _posted_to_channels(bot: Any) -> list[str]:
    """Every conversation the app wrote to, ephemerally or not."""
    return [params.get("channel") for method, params in bot.slack.calls
            if method in ("chat.postMessage", "chat.postEphemeral", "chat.update")]


def test_a_call_shared_in_the_dm_is_reviewed_for_the_seller_and_a_moment_practised(bot, settings):
    _share(bot, "zoom_en.vtt", "300.1")
    (review,) = bot.slack.wait_for("chat.postMessage")
    assert review["channel"] == DM and review["thread_ts"] == "300.1"  # under the seller's own message
    _validate(review["blocks"])
    body = _text(review)
    assert review["blocks"][0]["text"]["text"] == "Call review: 11 turns, 2 buyer objection(s)"
    for part in ("`00:00:40`", "your price is a lot more than we budgeted", "Major concern", "Answer (Ana Ruiz)",
                 "✓ Align: “I understand, budget matters.”", "✗ No pitfalls: “You'll see a big jump in adoption, "
                 "I guarantee it.”", "The one change that would help most", "Next step"):
        assert part in body, part
    buttons = [b["accessory"] for b in review["blocks"] if b.get("accessory")]
    assert [b["action_id"] for b in buttons] == ["call_practice", "call_practice"]
    # read through files.info and its download, with the bot token
    assert [params["file"] for params in bot.slack.of("files.info")] == ["F0001"]
    assert bot.slack.downloads == [("F0001", "xoxb-e2e")]
    assert set(_posted_to_channels(bot)) == {DM}

    store = open_store(settings)
    review_id = int(buttons[0]["value"].split(":")[0])
    row = eventually(lambda: store.call_review(review_id))
    assert row["state"] == "reviewed" and row["text"] == "" and row["user_id"] == SELLER
    moments = json.loads(row["moments"])
    assert [m["where"] for m in moments] == ["00:00:40", "00:01:10"]
    assert moments[1]["context"][-1].startswith("Ana Ruiz: I understand, budget matters.")
    stats = call_stats(store, "T1", SELLER)
    assert stats["calls"] == 1 and stats["answers"] == 2 and stats["checks"]["no_pitfalls"]["passed"] == 1

    # "Practise this" on the second moment: the buyer says it again, with the turns before it
    bot.action({"action_id": "call_practice", "value": buttons[1]["value"], "type": "button"}, channel=DM,
               message_ts=bot.slack.posted[DM][0]["ts"])
    opening = bot.slack.wait_for("chat.postMessage", 2)[1]
    assert opening["channel"] == DM and "thread_ts" not in opening
    _validate(opening["blocks"])
    said = _text(opening)
    assert "not convinced the techs will adopt this one" in said and "Earlier in the call" in said
    assert "Dana Okafor, the buyer on your call" in said and "skepticism" not in said.lower()  # the kind unsaid
    root = bot.slack.posted[DM][1]["ts"]
    session = eventually(lambda: store.practice_session("T1", DM, root, SELLER))
    assert session["scenario_id"] == f"call-{review_id}-2" and json.loads(session["scenario"])["kind"] == "skepticism"
    bot.event({"type": "message", "channel": DM, "channel_type": "im", "user": SELLER, "ts": f"{time.time():.6f}",
               "text": "You'll love it, trust me.", "thread_ts": root}, event_id="EvCallPractice1")
    card, buyer = bot.slack.wait_for("chat.postMessage", 4)[2:4]
    assert card["thread_ts"] == root and "Score" in _text(card)
    assert "doesn't answer what I raised" in _text(buyer)
    (answer,) = store.practice_answers_in("T1", DM, root, SELLER)
    assert answer["kind"] == "skepticism" and answer["scenario_id"] == f"call-{review_id}-2"


def test_a_call_shared_in_a_shared_deal_room_goes_to_the_sellers_dm_and_nothing_to_the_channel(bot, settings):
    store = open_store(settings)
    store.track_deal("T1", "CEXT", "", "Acme", SELLER)  # a tracked deal room ...
    bot.slack.shared.add("CEXT")  # ... shared with the buyer's company (Slack Connect)
    _share(bot, "gong_en.txt", "400.1", channel="CEXT", channel_type="channel")
    (review,) = bot.slack.wait_for("chat.postMessage")
    assert review["channel"] == DM and "thread_ts" not in review
    assert "<#CEXT>" in _text(review) and "Ben Carter" in _text(review)
    bot.idle()  # anything else the app would post, it has
    assert "CEXT" not in _posted_to_channels(bot) and len(bot.slack.of("chat.postMessage")) == 1
    # the deal room's activity counts (the message listener records it as for any message)
    assert eventually(lambda: store.deal("T1", "CEXT")["message_count"] == 1)


def test_a_call_in_a_deal_room_is_reviewed_in_its_thread_and_a_file_elsewhere_is_not_read(bot, settings):
    open_store(settings).track_deal("T1", "CDEAL", "", "Globex", SELLER)
    _share(bot, "otter_es.txt", "500.1", channel="CDEAL", channel_type="channel")
    (review,) = bot.slack.wait_for("chat.postMessage")
    assert review["channel"] == "CDEAL" and review["thread_ts"] == "500.1"
    assert "Revisión de la llamada" in _text(review) and "Practicar esto" in _text(review)  # the call's language

    _share(bot, "zoom_en.vtt", "501.1", file_id="F0002", channel="CRANDOM", channel_type="channel")
    bot.idle()
    assert [p["file"] for p in bot.slack.of("files.info")] == ["F0001"]  # a channel that is no deal room
    assert len(bot.slack.of("chat.postMessage")) == 1


def test_unsure_sides_are_asked_once_and_the_choice_reviews_the_call(bot, settings, cues_only):
    _share(bot, "thread_en.eml", "600.1")
    (question,) = bot.slack.wait_for("chat.postMessage")
    assert question["channel"] == DM and question["thread_ts"] == "600.1"
    _validate(question["blocks"])
    actions = question["blocks"][-1]
    pick, review_button = actions["elements"]
    assert pick["type"] == "multi_static_select"
    speakers = [o["text"]["text"] for o in pick["options"]]
    assert sorted(speakers) == ["Ana Ruiz", "Dana Okafor"]
    store = open_store(settings)
    review_id = int(review_button["value"])
    assert store.call_review(review_id)["state"] == "asking" and store.call_review(review_id)["text"]

    ana = next(o for o in pick["options"] if o["text"]["text"] == "Ana Ruiz")
    state = {"values": {"call_sides": {"call_sides_pick": {"type": "multi_static_select",
                                                           "selected_options": [ana]}}}}

    def click(event_user: str = SELLER) -> None:
        payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": event_user, "team_id": "T1"},
                   "api_app_id": "A1", "container": {"type": "message", "channel_id": DM, "is_ephemeral": False,
                                                     "message_ts": "1700000000.000001", "thread_ts": "600.1"},
                   "channel": {"id": DM}, "trigger_id": f"{time.time()}.e2e", "state": state,
                   "response_url": f"{bot.slack.url}/response/action",
                   "actions": [{"action_id": "call_sides_review", "block_id": "call_sides", "type": "button",
                                "value": str(review_id), "action_ts": f"{time.time():.6f}"}]}
        bot.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    click()
    (update,) = bot.slack.wait_for("chat.update")
    assert update["ts"] == "1700000000.000001" and "Ana Ruiz" in update["text"]
    review = bot.slack.wait_for("chat.postMessage", 2)[1]
    assert review["thread_ts"] == "600.1" and "Email thread review" in _text(review) and "`email 1`" in _text(review)
    row = eventually(lambda: store.call_review(review_id)["state"] == "reviewed" and store.call_review(review_id))
    assert row["text"] == "" and json.loads(row["moments"])  # the file's text goes once reviewed
    click()  # asked once: a second press reviews nothing
    (note,) = bot.slack.wait_for("chat.postEphemeral")
    assert "no longer waiting" in note["text"]
    assert len(bot.slack.of("chat.postMessage")) == 2


@pytest.mark.parametrize(("name", "content", "size", "expected"), [
    ("empty.txt", b"", None, "is empty"),
    ("recording.txt", bytes(range(256)) * 40, None, "is not text"),
    ("huge.vtt", b"WEBVTT\n", 50 * 1024 * 1024, "is 50.0 MB; I read transcripts and threads of up to 5 MB"),
    ("one_speaker.txt", None, None, "has one speaker only"),
    ("french.vtt", None, None, "neither English nor Spanish"),
    ("notes.txt", None, None, "can't read *notes.txt* as a call"),
])
def test_a_file_that_is_no_conversation_gets_one_line_and_nothing_is_stored(bot, settings, name, content, size,
                                                                             expected):
    data = (DATA / name).read_bytes() if content is None else content
    file = bot.slack.share_file("F0009", name, data, size=size)
    bot.event(_file_share(file, "700.1"), event_id=f"EvBad{name}")
    (told,) = bot.slack.wait_for("chat.postMessage")
    assert told["channel"] == DM and told["thread_ts"] == "700.1" and expected in told["text"]
    if size is not None:
        assert bot.slack.downloads == []  # refused on files.info's size, before a byte was read
    store = open_store(settings)
    bot.idle()
    assert list(store.db["call_reviews"].rows) == [] and list(store.db["call_answers"].rows) == []


def test_objection_call_says_how_to_share_a_call(bot):
    reply = bot.command("call")
    assert reply.status_code == 200 and reply.json()["response_type"] == "ephemeral"
    assert "`.vtt`" in reply.json()["text"] and "Messages tab" in reply.json()["text"]
    coached = bot.command("call me when the budget is approved")  # words after it: an objection to coach
    assert "Diagnosing" in coached.json()["text"]
    (coaching,) = bot.slack.wait_for("chat.postMessage")  # coached before the stand-in goes
    assert coaching["channel"] == "C1" and "%" in coaching["blocks"][0]["text"]["text"]
