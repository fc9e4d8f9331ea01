"""The Home tab over the real app: a seller's own deals and coachings, a manager's team view with the chart
uploaded once a day, the numbers in text, no objection text for managers, and refreshes after a change."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from slack_sdk.models.views import View

from bot.slack import home
from bot.store import connect, stamp
from tests.e2e.standins import eventually

# what sellers pasted: it must never reach a manager's view, nor another seller's
SECRET_U1 = "Zorblax quarterly fee looks steep next to Quenthor"
SECRET_U2 = "Our Vantrell committee doubts the Pellucid rollout"


@pytest.fixture
def managers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_MANAGERS", "UMGR,SLEADS")
    # no wait between refreshes, and who opened the tab is forgotten after the test
    monkeypatch.setattr(home, "REFRESHER", home.Refresher(interval=0.0))
    monkeypatch.setattr(home, "_managers", {})  # user group members are remembered per process


@pytest.fixture
def seeded(managers: None) -> dict[str, int]:
    store = connect(os.environ["COACH_DB"])
    now = datetime.now(UTC)
    stalled = store.track_deal("T1", "CSTALE", "", "Stale Corp", "U1")["id"]
    store.update_deal(stalled, last_activity_at=stamp(now - timedelta(days=30)))
    fresh = store.track_deal("T1", "CFRESH", "", "Fresh Inc", "U1")["id"]
    store.track_deal("T1", "COTHER", "", "Other Ltd", "U2")
    for i, (label, topic) in enumerate([("skepticism", "price"), ("missing", "fit"), ("skepticism", "price")]):
        store.log_coaching(text=SECRET_U1, label=label, topic=topic, confidence=0.8, source="offline",
                           team_id="T1", user_id="U1", created_at=stamp(now - timedelta(days=7 * i)))
    for _ in range(2):
        store.log_coaching(text=SECRET_U2, label="major_concern", topic="risk", confidence=0.8, source="offline",
                           team_id="T1", user_id="U2", created_at=stamp(now - timedelta(days=1)))
    store.save_summary("T1", "CSTALE", "", stalled, ["consensus"], ["skepticism"], True, "x")
    return {"stalled": stalled, "fresh": fresh}


def last_view(bot, user: str, before: int) -> dict:
    """The last view published for `user` since the `before`-th publish, once the app's work has ended (a
    manager's first view of the day is published twice: at once, then with its chart)."""
    bot.slack.wait_for("views.publish", before + 1)
    bot.idle()
    return [p for p in bot.slack.of("views.publish")[before:] if p["user_id"] == user][-1]


def open_home(bot, user: str, event_id: str) -> dict:
    before = len(bot.slack.of("views.publish"))
    assert bot.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"},
                     event_id=event_id).status_code == 200
    published = last_view(bot, user, before)
    view = published["view"]  # slack_sdk sends views.publish as JSON
    View(**view).validate_json()  # Slack's own models accept it
    assert len(view["blocks"]) <= 100
    return view


def texts(view: dict) -> str:
    return json.dumps(view, ensure_ascii=False)


def test_a_seller_sees_their_own_deals_stalled_first_and_only_their_coachings(seeded, bot):
    view = open_home(bot, "U1", "Ev1")
    blocks = view["blocks"]
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert "Stale Corp" in sections[0] and "days" in sections[0]  # stalled first, with its reason
    actions = next(b for b in blocks if b["type"] == "actions")
    assert actions["block_id"] == f"nudge_{seeded['stalled']}"
    assert {e["action_id"] for e in actions["elements"]} == {"nudge_snooze", "nudge_won", "nudge_lost", "nudge_coach"}
    assert "Fresh Inc" in texts(view) and "Other Ltd" not in texts(view)
    coachings = next(s for s in sections if s.count("· *") >= 1)
    assert coachings.count("\n") + 1 == 3  # U1's three, not U2's
    assert "Major concern" not in coachings and "Skepticism" in coachings and "Price" in coachings
    assert SECRET_U1 not in texts(view) and SECRET_U2 not in texts(view)
    assert not bot.slack.of("files.getUploadURLExternal")  # a seller gets no team chart
    assert not any(b["type"] == "image" for b in blocks)


def test_a_manager_sees_the_chart_uploaded_once_a_day_and_the_same_numbers_in_text(seeded, bot, slack):
    slack.usergroups["SLEADS"] = ["UBOSS"]
    view = open_home(bot, "UBOSS", "Ev2")  # a manager through the user group
    image = next(b for b in view["blocks"] if b["type"] == "image")
    (upload_call,) = slack.of("files.getUploadURLExternal")
    (completed,) = slack.of("files.completeUploadExternal")
    file_id = json.loads(completed["files"])[0]["id"]
    assert image["slack_file"] == {"id": file_id}
    png = slack.uploads[file_id]
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int(upload_call["length"]) == len(png)
    # the numbers the chart shows, in text: 5 coachings, by kind and by topic
    body = texts(view)
    assert "Skepticism: 2" in body and "Missing perception: 1" in body and "Major concern: 2" in body
    assert "Price: 2" in body and "Fit for their case: 1" in body
    assert "5 coachings" in image["alt_text"]
    assert "<@U1>: 1" in body  # stalled deals by owner
    assert SECRET_U1 not in body and SECRET_U2 not in body  # counts and kinds, never what a buyer said
    again = open_home(bot, "UBOSS", "Ev3")
    assert len(slack.of("files.getUploadURLExternal")) == 1  # the day's chart is reused
    assert next(b for b in again["blocks"] if b["type"] == "image")["slack_file"] == {"id": file_id}
    open_home(bot, "UMGR", "Ev4")  # a manager by id
    assert len(slack.of("files.getUploadURLExternal")) == 1
    assert len(slack.of("usergroups.users.list")) == 1  # the group's members are remembered


def test_the_home_tab_is_refreshed_after_a_nudge_button_on_it(seeded, bot, slack):
    open_home(bot, "U1", "Ev5")
    payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1", "team_id": "T1"},
               "api_app_id": "A1", "container": {"type": "view", "view_id": "V1"}, "view": {"id": "V1"},
               "trigger_id": "1.2.3",
               "actions": [{"action_id": "nudge_won", "value": str(seeded["stalled"]), "type": "button"}]}
    assert bot.send(urlencode({"payload": json.dumps(payload)}),
                    "application/x-www-form-urlencoded").status_code == 200
    view = slack.wait_for("views.publish", 2)[1]["view"]
    assert "Stale Corp" not in texts(view)  # won: no longer an open deal
    store = connect(os.environ["COACH_DB"])
    assert eventually(lambda: store.deal_by_id(seeded["stalled"])["status"] == "won")


def test_the_weekly_report_is_posted_once_a_week_and_never_where_outsiders_read(managers, slack, monkeypatch, trained):
    from bot.core.config import load_settings
    from bot.slack.app import make_deps, web_client

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-e2e")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("COACH_REPORT_CHANNEL", "CSHARED")
    slack.shared.add("CSHARED")
    settings = load_settings()
    deps = make_deps(settings)
    deps.store.log_coaching(text=SECRET_U1, label="skepticism", topic="price", confidence=0.8, source="offline",
                            team_id="T1", user_id="U1")
    assert home.post_report(deps, web_client(settings), "T1") == "shared"
    assert not slack.of("files.getUploadURLExternal")  # a Slack Connect channel gets nothing
    monkeypatch.setenv("COACH_REPORT_CHANNEL", "CREPORTS")
    deps = make_deps(load_settings())
    client = web_client(load_settings())
    assert home.post_report(deps, client, "T1") == "posted"
    (completed,) = slack.of("files.completeUploadExternal")
    assert completed["channel_id"] == "CREPORTS"
    assert SECRET_U1 not in json.dumps(completed) and "week of" in completed["initial_comment"]
    assert home.post_report(deps, client, "T1") == "claimed"  # once a week
    assert len(slack.of("files.completeUploadExternal")) == 1


def test_deals_without_a_channel_are_named_without_a_broken_channel_link(managers, bot):
    """A deal tracked from the CLI or imported from a CRM has no Slack channel: the Home tab names it, stalled or
    moving, without an empty `<#>`; a deal in a channel keeps its link."""
    store = connect(os.environ["COACH_DB"])
    now = datetime.now(UTC)
    stalled = store.track_deal("T1", "", "cli:quiet-harbour", "Quiet Harbour", "U1")["id"]
    store.update_deal(stalled, last_activity_at=stamp(now - timedelta(days=30)))
    store.track_deal("T1", "", "cli:busy-bee", "Busy Bee", "U1")
    store.track_deal("T1", "CFRESH", "", "Fresh Inc", "U1")
    view = open_home(bot, "U1", "EvNoChannel")
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*Quiet Harbour*\n")  # stalled, with no channel
    moving = next(s for s in sections if s.startswith("*Moving:*"))
    assert "Busy Bee" in moving and "Fresh Inc (<#CFRESH>)" in moving
    assert "<#>" not in texts(view) and "<#None>" not in texts(view)


def _home_click(bot, user: str, action_id: str, value: str) -> None:
    """A button on the Home tab (a view container, no channel)."""
    payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": user, "team_id": "T1"},
               "api_app_id": "A1", "container": {"type": "view", "view_id": "V1"}, "view": {"id": "V1"},
               "trigger_id": "1.2.3", "actions": [{"action_id": action_id, "value": value, "type": "button"}]}
    assert bot.send(urlencode({"payload": json.dumps(payload)}),
                    "application/x-www-form-urlencoded").status_code == 200


def test_a_manager_assigns_practice_and_the_seller_starts_and_finishes_it_from_their_home_tab(seeded, bot, slack):
    store = connect(os.environ["COACH_DB"])
    for _ in range(5):  # U1 misses Clarify every time: their weakest check
        store.log_practice_answer(team_id="T1", user_id="U1", channel="DU1", thread_ts="1.0", scenario_id="s",
                                  kind="skepticism", topic="price", lang="en", turn=1, score=0.5, source="offline",
                                  checks=json.dumps({"align": True, "clarify": False}), reply=SECRET_U1)
    view = open_home(bot, "UMGR", "EvM1")
    rows = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == home.ASSIGN_ACTION]
    mine = next(b for b in rows if b["text"]["text"].startswith("<@U1>"))
    assert mine["accessory"]["value"] == "U1|clarify|"
    assert "weakest check Clarify (0% of 5 answers)" in mine["text"]["text"]
    assert "This week" in texts(view) and "Your team" in texts(view)
    assert SECRET_U1 not in texts(view) and SECRET_U2 not in texts(view)

    # a seller is no manager: their click assigns nothing
    _home_click(bot, "U2", home.ASSIGN_ACTION, "U1|clarify|")
    bot.idle()
    assert store.open_assignments("T1") == []

    before = len(slack.of("views.publish"))
    _home_click(bot, "UMGR", home.ASSIGN_ACTION, "U1|clarify|")
    republished = last_view(bot, "UMGR", before)
    assert republished["user_id"] == "UMGR"
    View(**republished["view"]).validate_json()
    row = next(b for b in republished["view"]["blocks"] if b["type"] == "section"
               and b["text"]["text"].startswith("<@U1>"))
    assert "Practice assigned: Clarify" in row["text"]["text"] and "accessory" not in row  # assigned: no button
    (assignment,) = store.open_assignments("T1", "U1")
    assert (assignment["check_name"], assignment["kind"], assignment["assigned_by"]) == ("clarify", None, "UMGR")

    seller_view = open_home(bot, "U1", "EvM2")
    asked = seller_view["blocks"][0]
    assert asked["text"]["text"].startswith("*Your manager asked you to practise:* Clarify (<@UMGR>, ")
    assert asked["accessory"]["action_id"] == home.START_ACTION
    assert asked["accessory"]["value"] == str(assignment["id"])
    assert SECRET_U1 not in texts(seller_view)

    before = len(slack.of("chat.postMessage"))
    _home_click(bot, "U1", home.START_ACTION, str(assignment["id"]))
    opening = slack.wait_for("chat.postMessage", before + 1)[before]
    assert opening["channel"] == "DU1" and "Work on: *Clarify*" in texts(opening)
    root = slack.posted["DU1"][0]["ts"]
    assert store.practice_session("T1", "DU1", root, "U1")["turn"] == 1
    for turn in range(3):  # three answers that miss: the practice ends after the third
        bot.event({"type": "message", "channel": "DU1", "channel_type": "im", "user": "U1",
                   "ts": f"1900000000.00000{turn}", "text": "We are the best on the market.", "thread_ts": root},
                  event_id=f"EvM3{turn}")
        slack.wait_for("chat.postMessage", before + 3 + 2 * turn)
    assert eventually(lambda: store.open_assignments("T1", "U1") == [])
    assert store.assignment("T1", assignment["id"])["done_at"]
    # the tab opened again is built after the practice ended (a refresh the answers asked for may land too, built
    # earlier): one of the views published from here on no longer asks
    before = len(slack.of("views.publish"))
    open_home(bot, "U1", "EvM4")
    assert eventually(lambda: any("Your manager asked you" not in texts(p["view"])
                                  for p in slack.of("views.publish")[before:] if p["user_id"] == "U1"))
