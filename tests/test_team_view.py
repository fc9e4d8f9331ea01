"""Who to coach on what (bot/services/team_view.py): per-seller rows from the store, minimum counts, the week's
change, EN and ES labels, empty states, the manager's Home tab blocks (valid Block Kit, within Slack's limits, no
buyer text), and practice assignments kept per workspace (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.models.views import View

from bot.content.playbooks import load_playbooks
from bot.services.report import chart_figure, report_dict, report_html, report_lines, team_report
from bot.services.team_view import MIN_CHECK_ANSWERS, MIN_KIND_DEALS, long_date, team_view, view_lines
from bot.slack import home
from bot.store import Store, connect, stamp
from tests.team_seed import SECRET, seed

# a Wednesday: this week began on Monday 7 Dec 2026, last week on 30 Nov
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)
PLAYBOOKS = load_playbooks(None)


def _report(store: Store, lang: str = "en", team: str = "T1"):  # noqa: ANN202
    return team_report(store, PLAYBOOKS, team, NOW, 14, 8, lang)


def _answer(store: Store, user: str, checks: dict, when: datetime, team: str = "T1") -> None:
    store.log_practice_answer(team_id=team, user_id=user, channel="D1", thread_ts="1.0", scenario_id="s",
                              kind="skepticism", topic="price", lang="en", turn=1, checks=json.dumps(checks),
                              score=0.5, source="offline", reply=SECRET, created_at=stamp(when))


def _closed(store: Store, owner: str, n: int, status: str, kind: str, team: str = "T1") -> None:
    """`n` deals of `owner` closed with `status`, each with a coaching of `kind` in its room."""
    for _ in range(n):
        channel = f"C{len(store.deals(team)) + 1}"
        deal = store.track_deal(team, channel, "", f"Deal {channel}", owner)
        store.update_deal(deal["id"], status=status, closed_at=stamp(NOW - timedelta(days=3)))
        store.log_coaching(text=SECRET, label=kind, topic="price", confidence=0.8, source="offline", team_id=team,
                           user_id=owner, channel=channel, created_at=stamp(NOW - timedelta(days=5)))


@pytest.fixture
def sqlite_store() -> Store:
    return connect(os.environ["COACH_DB"])


def test_the_seeded_workspace_names_each_sellers_weak_check_and_keeps_buyer_text_out(sqlite_store):
    seeded = seed(sqlite_store, NOW, sellers=8, deals=120, coachings=1_500, answers=800)
    for lang in ("en", "es"):
        report = _report(sqlite_store, lang)
        view = report.team
        assert view is not None and {s.user_id for s in view.sellers} == set(seeded.sellers)
        for seller in view.sellers:
            assert seller.weakest is not None and seller.weakest.check == seeded.weak_check[seller.user_id]
            assert seller.weakest.attempts >= MIN_CHECK_ANSWERS
        needs = [s.need for s in view.sellers]
        assert needs == sorted(needs, reverse=True)  # most in need first
        text = "\n".join(line for lines in report_lines(report).values() for line in lines)
        html = report_html(report, png=b"")
        dumped = json.dumps(report_dict(report), ensure_ascii=False)
        blocks = home.team_blocks(report, None)
        for shown in (text, html, dumped, json.dumps(blocks, ensure_ascii=False)):
            assert SECRET not in shown and "Brontavia" not in shown
    # Spanish: check names, labels and dates in Spanish, none of the English ones
    assert "Clarificar" in text and "Entrenar en" in text and "criterio más débil" in text
    for english in ("Clarify", "Align", "Assure", "No pitfalls", "Coach on", "weakest check", "this week"):
        assert english not in text and english not in html
    assert " dic 2026" in text and " dic 2026" in html


def test_minimum_counts_before_a_weakest_check_or_a_kind_lost_most(sqlite_store):
    for i in range(MIN_CHECK_ANSWERS - 1):
        _answer(sqlite_store, "U1", {"align": False, "clarify": True}, NOW - timedelta(days=i))
    _closed(sqlite_store, "U1", MIN_KIND_DEALS - 1, "lost", "skepticism")
    seller = _report(sqlite_store).team.sellers[0]
    assert seller.weakest is None and seller.loses_most is None
    lines = view_lines(_report(sqlite_store).team)
    assert any("not enough practice to name a weakest check (4 answers; 5 per check needed)" in x for x in lines)
    assert any("not enough closed deals to tell which kind they lose most (4 per kind needed)" in x for x in lines)
    _answer(sqlite_store, "U1", {"align": False, "clarify": True}, NOW)
    _closed(sqlite_store, "U1", 1, "won", "skepticism")
    seller = _report(sqlite_store).team.sellers[0]
    assert (seller.weakest.check, seller.weakest.passed, seller.weakest.attempts) == ("align", 0, 5)
    assert (seller.loses_most.kind, seller.loses_most.lost, seller.loses_most.closed) == ("skepticism", 3, 4)
    assert seller.suggestion() == ("align", "skepticism")
    lines = view_lines(_report(sqlite_store).team)
    assert any("weakest check Align (0% of 5 answers); loses most with Skepticism (3 of 4 deals lost)" in x
               for x in lines)
    assert seller.win_rate is None and "a win rate from 5 closed" in "\n".join(lines)


def test_week_over_week_change_and_trend(sqlite_store):
    for days_ago in (0, 1, 2, 8, 40, 45):  # three this week (since Monday 7 Dec), one the week before, two older
        sqlite_store.log_coaching(text=SECRET, label="missing", topic="fit", confidence=0.8, source="offline",
                                  team_id="T1", user_id="U2", created_at=stamp(NOW - timedelta(days=days_ago)))
    for days_ago, passed in [(50, False), (49, False), (48, False), (6, True), (5, True), (1, True)]:
        _answer(sqlite_store, "U2", {"clarify": passed}, NOW - timedelta(days=days_ago))
    view = _report(sqlite_store).team
    (seller,) = view.sellers
    assert (seller.coachings_week, seller.coachings_last_week, seller.coachings_change) == (3, 1, 2)
    assert seller.coachings_period == 6  # 45 days ago is within the 8 weeks (since 19 Oct)
    assert seller.checks["clarify"].trend == 100  # 0% in the first four weeks, 100% in the last four
    assert (view.this_week.coachings, view.last_week.coachings) == (3, 1)
    assert (view.this_week.answers, view.last_week.answers) == (1, 2)
    lines = view_lines(view)
    assert "since 19 Oct 2026" in lines[0] and "from 7 Dec 2026" in lines[1] and "from 30 Nov 2026" in lines[1]
    assert "3 coachings this week (+2; last week 1)" in lines[6] and "Clarify 50% of 6 (+100 pts)" in lines[7]


def test_an_empty_workspace_says_how_data_gets_there(sqlite_store):
    for lang, words in (("en", "/objection practice"), ("es", "/objection practice")):
        report = _report(sqlite_store, lang)
        assert report.team.sellers == [] and report.total == 0
        lines = view_lines(report.team)
        assert words in lines[-1] and "coach deal import" in lines[-1]
        figure = chart_figure(report)
        assert figure.axes == []  # no empty axes running 0.0 to 1.0
        assert any("/objection" in text.get_text() for text in figure.texts)
        blocks = home.team_blocks(report, None)
        View(type="home", blocks=blocks).validate_json()
        assert "/objection practice" in json.dumps(blocks)
        assert long_date("2026-12-07", lang) == ("7 Dec 2026" if lang == "en" else "7 dic 2026")


def test_the_manager_blocks_are_valid_block_kit_within_slacks_limits(sqlite_store):
    seed(sqlite_store, NOW, sellers=30, deals=300, coachings=3_000, answers=1_200)
    sqlite_store.assign_practice("T1", "U001", "UMGR", "clarify", None)
    for lang in ("en", "es"):
        report = _report(sqlite_store, lang)
        blocks = home.team_blocks(report, "F123")
        View(type="home", blocks=blocks).validate_json()
        assert len(blocks) <= 60  # room for the manager's own seller view within Slack's 100
        rows = [b for b in blocks if b.get("accessory", {}).get("action_id") == home.ASSIGN_ACTION]
        assert 0 < len(rows) <= home.SELLERS_SHOWN
        assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
        more = [b for b in blocks if b["type"] == "context" and "coach report" in json.dumps(b)]
        assert len(more) == 1 and str(30 - home.SELLERS_SHOWN) in json.dumps(more[0])
        body = json.dumps(blocks, ensure_ascii=False)
        assert SECRET not in body and ("sample" in body or "closed" in body or "cerrados" in body)


# --- on SQLite and PostgreSQL: assignments and the team queries stay in their workspace ---

def test_assignments_and_team_rows_never_cross_workspaces(store):
    for team in ("T1", "T2"):  # the same user ids in both
        store.log_coaching(text=SECRET, label="missing", confidence=0.8, source="offline", team_id=team,
                           user_id="U1", created_at=stamp(NOW - timedelta(days=1)))
    _answer(store, "U1", {"align": True}, NOW - timedelta(days=1), team="T1")
    first = store.assign_practice("T1", "U1", "UMGR", "align", "skepticism")
    assert store.assign_practice("T1", "U1", "UMGR", "align", "skepticism") is None  # already open
    assert [a["id"] for a in store.open_assignments("T1", "U1")] == [first]
    assert store.open_assignments("T2") == [] and store.open_assignments("T2", "U1") == []
    assert store.assignment("T2", first) is None and store.assignment("T1", first)["check_name"] == "align"
    assert store.complete_assignments("T2", "U1", "skepticism") == 0  # T2's seller finishing is not T1's
    assert store.open_assignments("T1", "U1")
    assert store.complete_assignments("T1", "U1", "missing") == 0  # another kind
    assert store.complete_assignments("T1", "U1", "skepticism") == 1 and store.open_assignments("T1") == []

    t2 = team_view(store, "T2", NOW)
    assert [(s.user_id, s.coachings_week, s.answers, s.assignments) for s in t2.sellers] == [("U1", 1, 0, [])]
    store.assign_practice("T1", "U1", "UMGR", "clarify")
    assert team_view(store, "T1", NOW).sellers[0].answers == 1
    assert store.forget_team("T1")["practice_assignments"] == 2
    assert store.open_assignments("T1") == [] and team_view(store, "T2", NOW).sellers[0].coachings_week == 1


def test_coach_report_prints_who_to_coach_and_json(sqlite_store, capsys):
    from bot.cli import main

    seed(sqlite_store, datetime.now(UTC), sellers=4, deals=40, coachings=300, answers=200)
    assert main(["report", "--team", "T1", "--lang", "es"]) == 0
    out = capsys.readouterr().out
    assert "A quién entrenar y en qué" in out and "Entrenar en: criterio más débil" in out and SECRET not in out
    assert main(["report", "--team", "T1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    sellers = data["team"]["sellers"]
    assert sorted(s["user_id"] for s in sellers) == ["U001", "U002", "U003", "U004"]
    assert all(s["weakest_check"]["attempts"] >= MIN_CHECK_ANSWERS for s in sellers)
    assert data["team"]["min_counts"]["check_answers"] == MIN_CHECK_ANSWERS and SECRET not in json.dumps(data)
