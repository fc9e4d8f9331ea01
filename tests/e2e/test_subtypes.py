"""Messages Slack sends with a subtype (issue #19, item 11), end to end over HTTP: a thread reply also sent to the
channel (`thread_broadcast`) is a reply like any other, and a message with a file attached (`file_share`) has its
text coached and is told, in its language, which files are read (a PDF is not; a call transcript is reviewed:
test_calls.py). The payloads are Slack's (bolt-python's fixtures for both subtypes): the broadcast carries its
thread's `root`, the file message its `files`."""

from __future__ import annotations

import json
from typing import Any

from bot.store import open_store
from tests.e2e.standins import eventually

OBJECTION = "Every vendor tells us we'll save 30%. How do I know we'll actually see that?"
NEW_OBJECTION = "now their CTO says we only support on-prem installs, which is wrong"
ROOT = "1700000000.000001"  # the coaching message `/objection` posts first
FILES_EN = "I read call transcripts and email threads"
FILES_ES = "Leo transcripciones de llamadas"


def _file(name: str = "pricing.pdf") -> dict[str, Any]:
    return {"id": "F111", "created": 1700000100, "timestamp": 1700000100, "name": name, "title": name,
            "mimetype": "application/pdf", "filetype": "pdf", "pretty_type": "PDF", "user": "U1",
            "editable": False, "size": 92582, "mode": "hosted", "is_external": False, "external_type": "",
            "is_public": True, "public_url_shared": False, "display_as_bot": False, "username": "",
            "url_private": "https://files.slack.com/files-pri/T1-F111/pricing.pdf",
            "permalink": "https://acme.slack.com/files/U1/F111/pricing.pdf"}


def _with_file(text: str, ts: str, channel: str, channel_type: str, thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "message", "subtype": "file_share", "text": text, "files": [_file()], "upload": False,
             "user": "U1", "display_as_bot": False, "ts": ts, "channel": channel, "event_ts": ts,
             "channel_type": channel_type, "client_msg_id": f"msg-{ts}"}
    return {**event, "thread_ts": thread_ts} if thread_ts else event


def _coaching_thread(bot: Any) -> None:
    bot.command(OBJECTION)
    bot.slack.wait_for("chat.postMessage")
    bot.idle()  # the coaching is posted, then its thread stored: a seller's reply comes after both


def test_a_reply_also_sent_to_the_channel_is_coached_as_a_reply(bot, settings):
    _coaching_thread(bot)
    broadcast = {"type": "message", "subtype": "thread_broadcast", "text": NEW_OBJECTION, "user": "U1",
                 "ts": "1700000100.000002", "thread_ts": ROOT,
                 "root": {"type": "message", "text": "coaching", "user": "UBOT", "ts": ROOT, "thread_ts": ROOT,
                          "reply_count": 1, "reply_users_count": 1, "latest_reply": "1700000100.000002",
                          "reply_users": ["U1"], "is_locked": False},
                 "client_msg_id": "111-222", "channel": "C1", "event_ts": "1700000100.000002",
                 "channel_type": "channel"}
    bot.event(broadcast, event_id="EvBroadcast", envelope={"is_ext_shared_channel": False})
    posts = bot.slack.wait_for("chat.postMessage", 2)
    assert posts[1]["thread_ts"] == ROOT and "incorrect" in posts[1]["blocks"][0]["text"]["text"]
    store = open_store(settings)
    turns = eventually(lambda: len(store.turns("T1", "C1", ROOT)) == 4 and store.turns("T1", "C1", ROOT))
    assert [t["text"] for t in turns if t["role"] == "buyer"] == [OBJECTION, NEW_OBJECTION]


def test_a_message_with_a_file_in_a_coaching_thread_is_coached_and_says_files_are_not_read(bot):
    _coaching_thread(bot)
    bot.event(_with_file(NEW_OBJECTION, "1700000100.000003", "C1", "channel", ROOT), event_id="EvFile1")
    posts = bot.slack.wait_for("chat.postMessage", 3)
    coaching, note = posts[1], posts[2]
    assert coaching["thread_ts"] == ROOT and "incorrect" in coaching["blocks"][0]["text"]["text"]
    assert note["thread_ts"] == ROOT and note["channel"] == "C1" and note["text"].startswith(FILES_EN)


def test_a_spanish_message_with_a_file_gets_the_note_in_spanish(bot):
    _coaching_thread(bot)
    bot.event(_with_file("Ahora el director dice que solo funcionamos en servidores propios, y no es verdad",
                         "1700000100.000004", "C1", "channel", ROOT), event_id="EvFile2")
    posts = bot.slack.wait_for("chat.postMessage", 3)
    assert "*Alinear*" in json.dumps(posts[1]["blocks"], ensure_ascii=False)
    assert posts[2]["text"].startswith(FILES_ES)


def test_a_file_in_the_messages_tab_is_coached_by_its_text_and_a_file_alone_gets_the_note(bot):
    bot.slack.locales["U1"] = "es-ES"
    bot.event(_with_file(OBJECTION, "200.1", "DU1", "im"), event_id="EvFileDm1")
    posts = bot.slack.wait_for("chat.postMessage", 2)
    assert [p["thread_ts"] for p in posts] == ["200.1", "200.1"]
    assert "skepticism" in posts[0]["blocks"][0]["text"]["text"] and posts[1]["text"].startswith(FILES_EN)

    # a file with no words: nothing to coach, the note alone, in the seller's Slack language
    bot.event(_with_file("", "201.1", "DU1", "im"), event_id="EvFileDm2")
    posts = bot.slack.wait_for("chat.postMessage", 3)
    assert posts[2]["thread_ts"] == "201.1" and posts[2]["text"].startswith(FILES_ES)
    assert "blocks" not in posts[2] or not posts[2]["blocks"]
