"""End to end: signed requests over HTTP to the real app; Slack's Web API is a recording stand-in."""

from __future__ import annotations

import json
import time

import pytest
from slack_sdk.models.blocks import Block

from bot.store import open_store
from tests.e2e.standins import coaching_id_in, eventually, relabel_menu

OBJECTION = "Every vendor tells us we'll save 30%. How do I know we'll actually see that?"


def _validate(blocks: list[dict]) -> None:
    assert 0 < len(blocks) <= 50
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()  # raises on Slack's length limits
        assert len(json.dumps(raw)) < 12000


def _texts(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_command_is_acked_at_once_then_coaching_is_posted(bot, settings):
    with bot.slack.holding("chat.postMessage"):  # the coaching's post waits until the ack is back
        reply = bot.command(OBJECTION)
    assert reply.status_code == 200
    assert "Diagnosing" in reply.json()["text"] and reply.json()["response_type"] == "ephemeral"
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["channel"] == "C1"
    blocks = post["blocks"]
    _validate(blocks)
    header = blocks[0]["text"]["text"]
    assert blocks[0]["type"] == "header" and "skepticism" in header and "%" in header
    body = _texts(blocks)
    for part in ("*Align*", "*Clarify*", "*Assure*", "*Say it like this*", "Offline playbook answer"):
        assert part in body
    action_ids = {e["action_id"] for b in blocks if b["type"] in ("actions", "context_actions") for e in b["elements"]}
    # Slack's thumbs, "Used this talk track" and "Diagnose differently"
    assert action_ids == {"coaching_feedback", "coaching_used", "relabel"}
    store = open_store(settings)
    (row,) = eventually(lambda: [r for r in store.coachings() if r["message_ts"]])
    assert row["team_id"] == "T1" and row["channel"] == "C1"


def test_spanish_command_gets_spanish_blocks(bot):
    bot.command("El gerente dice que ustedes cobran por usuario y con 500 empleados no les sirve")
    (post,) = bot.slack.wait_for("chat.postMessage")
    body = _texts(post["blocks"])
    assert "*Alinear*" in body and "*Aclarar*" in body and "sin conexión" in body


def test_empty_command_and_help_answer_with_usage(bot):
    for text in ("", "   ", "help"):
        reply = bot.command(text)
        assert reply.status_code == 200
        data = reply.json()
        assert data["response_type"] == "ephemeral"
        assert "Paste what the buyer said" in _texts(data["blocks"])
    bot.idle()
    assert bot.slack.of("chat.postMessage") == []


@pytest.mark.parametrize(("text", "said"), [("pls take me off your list", "honour it"),
                                            ("Sáquenme de su lista, por favor.", "respétalo")])
def test_an_opt_out_is_answered_to_the_seller_alone_and_never_coached(bot, text, said):
    reply = bot.command(text)
    assert reply.status_code == 200
    (note,) = bot.slack.wait_for("response/cmd")
    assert note["response_type"] == "ephemeral" and said in note["text"]
    bot.idle()
    assert bot.slack.of("chat.postMessage") == []


def test_no_access_to_channel_falls_back_to_a_dm(bot):
    bot.slack.no_access.add("CPRIVATE")
    bot.command(OBJECTION, channel="CPRIVATE", user="U7")
    posts = bot.slack.wait_for("chat.postMessage", 2)
    assert [p["channel"] for p in posts] == ["CPRIVATE", "DU7"]
    (note,) = bot.slack.wait_for("response/cmd")
    assert "direct message" in note["text"]


def test_mentions_in_user_text_never_ping(bot):
    hostile = "<!channel> <!here> <!everyone> <@U0ADMIN> <#C999|general> we're happy with our vendor & <b>bold</b>"
    bot.command(hostile)
    (post,) = bot.slack.wait_for("chat.postMessage")
    body = _texts(post["blocks"]) + post["text"]
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U0ADMIN>", "<#C999"):
        assert ping not in body
    assert "&lt;!channel&gt;" in body and "&amp;" in body


def test_long_objection_is_split_not_cut(bot):
    long_text = " ".join(["Our procurement team believes your implementation always takes nine months."] * 60)
    bot.command(long_text)
    (post,) = bot.slack.wait_for("chat.postMessage")
    _validate(post["blocks"])
    quoted = [b["text"]["text"] for b in post["blocks"] if b["type"] == "section" and b["text"]["text"].startswith(
        ("*The buyer said*", ">"))]
    assert len(quoted) >= 2  # the quote spans several sections
    assert all(not piece.endswith("implementa") for piece in quoted)
    assert "first 4000 characters" in _texts(post["blocks"])


def test_forged_and_stale_signatures_are_rejected(bot):
    assert bot.command(OBJECTION, secret="not-the-secret").status_code == 401
    assert bot.command(OBJECTION, timestamp=int(time.time()) - 60 * 10).status_code == 401
    bot.idle()
    assert bot.slack.of("chat.postMessage") == []


def _start_thread(bot) -> tuple[str, str]:
    bot.command(OBJECTION)
    (post,) = bot.slack.wait_for("chat.postMessage")
    bot.idle()  # the coaching is posted, then its thread stored: a seller's reply comes after both
    return post["channel"], "1700000000.000001"


def test_thread_reply_question_is_answered_in_context(bot):
    channel, root = _start_thread(bot)
    bot.event({"type": "message", "channel": channel, "user": "U1", "text": "what if they push back on references?",
               "ts": "1700000100.000001", "thread_ts": root}, event_id="Ev1")
    posts = bot.slack.wait_for("chat.postMessage", 2)
    answer = posts[1]
    assert answer["thread_ts"] == root
    body = _texts(answer["blocks"])
    assert "Proof to offer" in body and "skepticism" in body


def test_thread_reply_with_new_objection_is_coached(bot, settings):
    channel, root = _start_thread(bot)
    bot.event({"type": "message", "channel": channel, "user": "U1",
               "text": "now their CTO says we only support on-prem installs, which is wrong",
               "ts": "1700000100.000002", "thread_ts": root}, event_id="Ev2")
    posts = bot.slack.wait_for("chat.postMessage", 2)
    assert posts[1]["thread_ts"] == root and "incorrect" in posts[1]["blocks"][0]["text"]["text"]
    store = open_store(settings)
    turns = eventually(lambda: len(store.turns("T1", channel, root)) == 4 and store.turns("T1", channel, root))
    assert [t["role"] for t in turns] == ["buyer", "coach", "buyer", "coach"]


def test_messages_in_other_threads_are_ignored(bot):
    bot.event({"type": "message", "channel": "C1", "user": "U1", "text": "lunch?", "ts": "2.0", "thread_ts": "1.0"},
              event_id="Ev3")
    bot.event({"type": "message", "channel": "C1", "user": "U1", "text": "top level chatter", "ts": "3.0"},
              event_id="Ev4")
    bot.idle()
    assert bot.slack.of("chat.postMessage") == []


def test_mention_in_any_thread_starts_coaching(bot):
    bot.event({"type": "app_mention", "channel": "C5", "user": "U1", "ts": "50.2", "thread_ts": "50.1",
               "text": "<@UBOT> buyer says they have no idea how we even charge for this"}, event_id="Ev5")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post["thread_ts"] == "50.1" and "missing" in post["blocks"][0]["text"]["text"]


def test_bare_mention_gets_usage(bot):
    bot.event({"type": "app_mention", "channel": "C5", "user": "U1", "ts": "60.1", "text": "<@UBOT>"},
              event_id="Ev6")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert "Paste what the buyer said" in _texts(post["blocks"])


def test_event_retries_and_duplicates_never_reply_twice(bot):
    event = {"type": "app_mention", "channel": "C5", "user": "U1", "ts": "70.1",
             "text": "<@UBOT> I heard your tool only works for enterprises"}
    assert bot.event(event, event_id="EvDup").status_code == 200
    assert bot.event(event, event_id="EvDup", headers={"X-Slack-Retry-Num": "1",
                                                       "X-Slack-Retry-Reason": "http_timeout"}).status_code == 200
    assert bot.event(event, event_id="EvDup").status_code == 200
    bot.slack.wait_for("chat.postMessage")
    bot.idle()
    assert len(bot.slack.of("chat.postMessage")) == 1


def test_feedback_buttons_are_stored(bot, settings):
    bot.command(OBJECTION)
    (post,) = bot.slack.wait_for("chat.postMessage")
    coaching_id = coaching_id_in(post["blocks"])
    reply = bot.action({"action_id": "feedback_helpful", "value": coaching_id, "type": "button"},
                       channel="C1", message_ts="1700000000.000001")
    assert reply.status_code == 200
    (thanks,) = bot.slack.wait_for("response/action")
    assert thanks["response_type"] == "ephemeral"
    (row,) = open_store(settings).feedback()
    assert row["kind"] == "helpful" and row["coaching_id"] == int(coaching_id) and row["user_id"] == "U1"


@pytest.mark.parametrize(("objection", "label", "thanks"), [
    (OBJECTION, "Used this talk track", "you used this talk track"),
    ("El gerente dice que ustedes cobran por usuario y con 500 empleados no les sirve", "Usé este guion",
     "usaste este guion"),
])
def test_used_this_talk_track_records_feedback_used(bot, settings, objection, label, thanks):
    """The button beside the thumbs records kind "used", as `coach feedback N used` does, for the outcomes report."""
    bot.command(objection)
    (post,) = bot.slack.wait_for("chat.postMessage")
    (button,) = [e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "coaching_used"]
    assert label in button["text"]["text"]
    coaching_id = coaching_id_in(post["blocks"])
    assert button["value"] == coaching_id
    bot.action({"action_id": "coaching_used", "value": coaching_id, "type": "button"},
               channel="C1", message_ts="1700000000.000001")
    (reply,) = bot.slack.wait_for("response/action")
    assert reply["response_type"] == "ephemeral" and thanks in reply["text"]
    (row,) = open_store(settings).feedback()
    assert (row["kind"], row["coaching_id"], row["user_id"]) == ("used", int(coaching_id), "U1")
    from bot.services.outcomes import USED

    assert row["kind"] == USED  # the kind the outcomes report counts


def test_diagnose_differently_rerenders_in_place(bot, settings):
    bot.command(OBJECTION)
    (post,) = bot.slack.wait_for("chat.postMessage")
    select = relabel_menu(post["blocks"])
    option = next(o for o in select["options"] if o["value"].endswith(":major_concern"))
    bot.action({"action_id": "relabel", "type": "static_select", "selected_option": option},
               channel="C1", message_ts="1700000000.000001")
    (update,) = bot.slack.wait_for("chat.update")
    assert update["ts"] == "1700000000.000001" and update["channel"] == "C1"
    assert "major_concern" in update["blocks"][0]["text"]["text"]
    _validate(update["blocks"])
    feedback = open_store(settings).feedback()
    assert [(f["kind"], f["label"]) for f in feedback] == [("relabel", "major_concern")]


def test_buttons_from_another_workspace_are_ignored(bot, settings):
    bot.command(OBJECTION)
    (post,) = bot.slack.wait_for("chat.postMessage")
    coaching_id = coaching_id_in(post["blocks"])
    bot.action({"action_id": "feedback_helpful", "value": coaching_id, "type": "button"},
               channel="C1", message_ts="1700000000.000001", team="T2")
    bot.idle()
    assert open_store(settings).feedback() == []


def test_rate_limited_post_is_retried_after_retry_after(bot):
    bot.slack.rate_limited["chat.postMessage"] = 1
    bot.command(OBJECTION)
    posts = bot.slack.wait_for("chat.postMessage", 2)
    assert posts[0] == posts[1]  # the same message, sent again after the 429


def test_healthz(bot):
    from urllib.request import urlopen

    with urlopen(f"{bot.url}/healthz") as reply:
        assert reply.status == 200


def test_signing_secret_is_required_for_http(monkeypatch, cli):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-x")
    result = cli("serve")
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET" in result.stderr
    assert "SLACK_BOT_TOKEN" not in result.stderr  # only what is missing is named


def test_text_slack_already_encoded_is_escaped_once(bot, settings):
    # Slack delivers typed &, < and > encoded; what the seller sees must be what they typed
    bot.command("R&amp;D says &lt;b&gt;we heard you only sell to banks&lt;/b&gt;")
    (post,) = bot.slack.wait_for("chat.postMessage")
    quote = next(b["text"]["text"] for b in post["blocks"] if b["type"] == "section")
    assert "R&amp;D says &lt;b&gt;we heard" in quote and "&amp;amp;" not in quote
    (row,) = open_store(settings).coachings()
    assert row["text"] == "R&D says <b>we heard you only sell to banks</b>"


def test_words_that_look_like_subcommands_are_coached(bot):
    for text in ("owner says we're far too expensive for a team of 12", "close, but the CFO doubts the payback",
                 "help me, they think we only sell to banks"):
        assert "Diagnosing" in bot.command(text).json()["text"]
    assert len(bot.slack.wait_for("chat.postMessage", 3)) == 3


def test_a_spanish_objection_is_acknowledged_in_spanish(bot):
    reply = bot.command("El director dice que no ve el retorno que prometemos y que ya tienen proveedor")
    assert reply.json()["text"] == ":hourglass_flowing_sand: Analizando la objeción…"
    bot.slack.wait_for("chat.postMessage")


def test_a_spanish_user_gets_subcommand_answers_in_spanish_once_their_locale_is_known(bot):
    bot.slack.locales["UES"] = "es-ES"
    assert bot.command("nudges off", user="UES").json()["text"].startswith("Weekly nudges are off")  # not known yet
    bot.command("track Globex", channel="CES", user="UES")
    (announced,) = bot.slack.wait_for("response/cmd")  # after the ack: users.info may be asked, and is
    assert announced["text"].startswith("Sigo este canal como el deal *Globex*")
    assert bot.command("nudges off", user="UES").json()["text"].startswith("Los avisos semanales están desactivados")
    assert bot.command("help", user="UES").json()["text"] == "Uso: /objection lo que dijo el comprador"


def test_diagnose_differently_on_a_coaching_whose_text_was_pruned(bot, settings):
    import sqlite3

    bot.command(OBJECTION)
    (post,) = bot.slack.wait_for("chat.postMessage")
    option = next(o for o in relabel_menu(post["blocks"])["options"] if o["value"].endswith(":major_concern"))
    with sqlite3.connect(settings.db_path) as db:  # what pruning after COACH_TEXT_RETENTION_DAYS leaves
        db.execute("UPDATE coachings SET text = ''")
    bot.action({"action_id": "relabel", "type": "static_select", "selected_option": option},
               channel="C1", message_ts="1700000000.000001")
    (note,) = bot.slack.wait_for("response/action")
    assert note["response_type"] == "ephemeral" and "too old to diagnose again" in note["text"]
    assert f"after {settings.text_retention_days} days" in note["text"]
    bot.idle()
    assert bot.slack.of("chat.update") == [] and open_store(settings).feedback() == []
