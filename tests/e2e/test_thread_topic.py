"""End to end: a seller's question in a coaching thread is answered about the thread objection's topic (#10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.core.resources import data_dir
from bot.store import open_store
from tests.e2e.standins import eventually

OBJECTION = "We don't have the people for a long rollout, it would take months to set up."


@pytest.fixture
def profiled_bot(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The app with the example team profile (playbooks/team.example.yaml) as the team's own."""
    team = tmp_path / "team"
    team.mkdir()
    (team / "team.yaml").write_text((data_dir("playbooks") / "team.example.yaml").read_text(encoding="utf-8"),
                                    encoding="utf-8")
    monkeypatch.setenv("COACH_PLAYBOOKS", str(team))
    return request.getfixturevalue("bot")  # built after the variable is set


def _answer_in_thread(bot, question: str, history_pruned: bool = False) -> str:
    bot.command(OBJECTION)
    (post,) = bot.slack.wait_for("chat.postMessage")
    root = "1700000000.000001"  # the stand-in's first message ts: the coaching that opened the thread
    if history_pruned:  # as after many turns: the thread keeps only its latest ones, the objection is gone
        store = open_store(load_settings())
        eventually(lambda: store.turns("T1", post["channel"], root))  # recorded once the post is answered
        store.execute("DELETE FROM thread_turns")
        store.close()
    bot.event({"type": "message", "channel": post["channel"], "user": "U1", "text": question,
               "ts": "1700000100.000001", "thread_ts": root}, event_id="EvTopic")
    answer = bot.slack.wait_for("chat.postMessage", 2)[1]
    assert answer["thread_ts"] == root
    return json.dumps(answer["blocks"], ensure_ascii=False)


def test_a_thread_answer_states_the_profiles_fact_for_the_objections_topic(profiled_bot):
    body = _answer_in_thread(profiled_bot, "what should I say?")
    assert "topic: implementation" in body
    assert "A typical customer goes live in 6 to 8 weeks" in body
    assert "[your usual go-live time" not in body


def test_with_the_empty_profile_the_thread_answer_shows_a_placeholder_for_the_buyers_concern(bot):
    body = _answer_in_thread(bot, "any tips?")
    assert "topic: implementation" in body and "[our answer to " in body
    assert "6 to 8 weeks" not in body


def test_after_the_objection_has_left_the_threads_history_the_answer_keeps_its_topic(profiled_bot):
    body = _answer_in_thread(profiled_bot, "what should I say?", history_pruned=True)
    assert "topic: implementation" in body and "A typical customer goes live in 6 to 8 weeks" in body
