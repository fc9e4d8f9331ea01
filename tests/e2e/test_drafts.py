"""What a model writes is shown while it streams, before it is checked (issue #19, item 13), end to end over HTTP
with the model and Slack stand-ins: a link in the draft is never shown as a link (its host is, unclickable), and
the check the validated answer goes through rejects a link to a host no input names, so it is never posted."""

from __future__ import annotations

import json

from tests.e2e.standins import UNKNOWN_LINK, eventually

OBJECTION = "Their CFO doubts the savings you showed will ever show up in their budget"
HOST = "example-offer.net"


def _dm(text: str, ts: str) -> dict:
    return {"type": "message", "channel": "DU1", "channel_type": "im", "user": "U1", "text": text, "ts": ts}


def _streamed(slack) -> dict:
    """The one streamed reply once it stopped (a model answer and its repair, on a shared 2-core machine), and
    what replaced it."""
    (ts,) = eventually(lambda: [ts for ts, s in slack.streams.items() if s["stopped"]], timeout=30)
    return {**slack.streams[ts], "final": eventually(lambda: slack.updated.get(ts))}


def test_a_link_to_an_unknown_host_is_never_streamed_nor_posted(model, bot):
    model.chunk_chars = 7  # the link arrives in pieces
    model.script = ["link", "link"]  # rejected, and again after the repair: the offline answer stays
    bot.event(_dm(OBJECTION, "300.1"), event_id="EvLink1")
    stream = _streamed(bot.slack)
    assert "walk through it together" in stream["text"]  # the draft streamed...
    assert "deals[.]example-offer[.]net" in stream["text"]  # ...with the link's host, not the link
    assert "://" not in stream["text"] and HOST not in stream["text"] and "](" not in stream["text"]
    final = json.dumps(stream["final"]["blocks"])
    assert "offline playbook answer" in final and "://" not in final and HOST not in final
    assert "stated something nobody gave it" in final  # the note says what, without a link either


def test_a_repaired_answer_without_the_link_is_the_one_that_stays(model, bot):
    model.script = ["link", "ok"]
    bot.event(_dm(OBJECTION, "310.1"), event_id="EvLink2")
    stream = _streamed(bot.slack)
    assert UNKNOWN_LINK not in stream["text"]
    final = json.dumps(stream["final"]["blocks"])
    assert "Show one concrete example" in final and HOST not in final
    repair = model.requests[1]["body"]["messages"][-1]["content"]
    assert "not grounded" in repair and UNKNOWN_LINK in repair  # the model is told which link
