"""What wins (bot/services/outcomes.py): win rates by kind, topic and obstacle, time to close and the coaching
before, per workspace, on SQLite and PostgreSQL; shown in `coach report` as counts, never a buyer's words."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

import bot.services.outcomes
from bot.cli import main
from bot.content.playbooks import load_playbooks
from bot.services.outcomes import MIN_CLOSED_DEALS, workspace_outcomes
from bot.services.report import report_html, report_lines, team_report
from bot.store import Store, stamp

SECRET = "Quixotal says Brambleworth's renewal terms are upside down"
START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def _deal(store: Store, team: str, n: int, outcome: str | None, closed_day: int, coachings: list[tuple[str, str, int]],
          obstacles: list[str] | None = None) -> dict:
    """Deal n in channel C{n}: its coachings (kind, topic, day after START), closed `closed_day` days after START."""
    deal = store.track_deal(team, f"C{n}", "", f"Deal {n}", "U1")
    for label, topic, day in coachings:
        store.log_coaching(text=SECRET, label=label, topic=topic, confidence=0.8, source="offline", team_id=team,
                           user_id="U1", channel=f"C{n}", created_at=stamp(START + timedelta(days=day)))
    if obstacles is not None:
        store.save_summary(team, f"C{n}", "", deal["id"], obstacles, ["skepticism"], False, "x")
    if outcome:
        store.set_deal_outcome(deal["id"], outcome, stamp(START + timedelta(days=closed_day)))
    return deal


@pytest.fixture
def seeded(store: Store) -> Store:
    """T1: 12 closed deals (8 won, 4 lost) and an open one; T2 the same channels with the opposite outcomes."""
    for n in range(1, 8):  # won, skepticism about price, 10 days before the close
        _deal(store, "T1", n, "won", 20, [("skepticism", "price", 10)], ["politics"] if n == 1 else None)
    _deal(store, "T1", 8, "won", 30, [("missing", "fit", 5), ("skepticism", "price", 6)])
    _deal(store, "T1", 9, "won", 12, [])  # nothing coached
    for n in (10, 11):
        _deal(store, "T1", n, "lost", 40, [("skepticism", "price", 0)], ["consensus"])
    _deal(store, "T1", 12, "lost", 15, [("major_concern", None, 1), ("skepticism", "budget", 16)], ["consensus"])
    _deal(store, "T1", 13, None, 0, [("incorrect", "price", 3)])  # open: no outcome yet
    _deal(store, "T1", 14, "lost", 9, [])  # nothing coached
    for n in range(1, 15):  # another workspace: the same channel ids, the opposite results
        _deal(store, "T2", n, "lost" if n < 10 else "won", 20, [("incomplete", "security", 1)], ["uncertainty"])
    return store


def test_win_rates_need_the_minimum_and_show_their_sample_sizes(seeded):
    outcomes = workspace_outcomes(seeded, "T1")
    assert (outcomes.overall.won, outcomes.overall.lost, outcomes.min_closed) == (9, 4, MIN_CLOSED_DEALS)
    assert outcomes.overall.rate == pytest.approx(9 / 13)
    by_kind = {r.key: r for r in outcomes.by_kind}
    # deal 12's skepticism came the day after it was lost: not before the close, so not counted
    assert {k: (r.won, r.lost) for k, r in by_kind.items()} == {
        "missing": (1, 0), "skepticism": (8, 2), "major_concern": (0, 1)}
    assert by_kind["skepticism"].rate == pytest.approx(0.8)  # 10 closed deals: enough
    assert by_kind["missing"].rate is None and by_kind["major_concern"].rate is None  # too few: counts only
    assert {r.key: (r.won, r.lost, r.rate) for r in outcomes.by_topic} == {
        "price": (8, 2, pytest.approx(0.8)), "fit": (1, 0, None), "none": (0, 1, None)}
    assert {r.key: (r.won, r.lost) for r in outcomes.by_obstacle} == {"politics": (1, 0), "consensus": (0, 3)}
    assert (outcomes.uncoached.won, outcomes.uncoached.lost, outcomes.uncoached.rate) == (1, 1, None)


def test_time_to_close_and_the_coaching_before_wins(seeded, monkeypatch):
    first_won = seeded.closed_deal_coachings("T1")[0]["coaching_id"]
    seeded.add_feedback(first_won, "T1", "U1", "helpful")
    seeded.add_feedback(first_won, "T1", "U2", "helpful")  # two people: still one coaching marked helpful
    seeded.add_feedback(first_won, "T1", "U1", "used")
    outcomes = workspace_outcomes(seeded, "T1")
    won, lost = outcomes.time_to_close
    assert (won.outcome, won.deals, won.median_days) == ("won", 8, None)  # 8 deals: under the minimum
    assert (lost.deals, lost.median_days) == (3, None)
    before_wins, before_losses = outcomes.preceded
    assert (before_wins.deals, before_wins.coached_deals, before_wins.coachings, before_wins.helpful,
            before_wins.used) == (9, 8, 9, 1, 1)
    assert before_wins.by_kind == {"skepticism": 8, "missing": 1}
    assert (before_losses.deals, before_losses.coached_deals, before_losses.coachings) == (4, 3, 3)

    monkeypatch.setattr(bot.services.outcomes, "MIN_CLOSED_DEALS", 3)
    won, lost = workspace_outcomes(seeded, "T1").time_to_close
    assert (won.median_days, lost.median_days) == (10.0, 40.0)  # from the first coaching to the close


def test_a_coaching_asked_for_a_deal_from_the_cli_counts_in_its_outcome(store):
    deal = store.track_deal("T1", "", "cli:acme", "Acme", "U1")
    cid = store.log_coaching(text=SECRET, label="incorrect", topic="results", confidence=0.8, source="offline",
                             team_id="T1", created_at=stamp(START))
    store.link_coaching(cid, deal["id"])
    store.set_deal_outcome(deal["id"], "won", stamp(START + timedelta(days=3)))
    outcomes = workspace_outcomes(store, "T1")
    assert [(r.key, r.won) for r in outcomes.by_kind] == [("incorrect", 1)]
    assert outcomes.time_to_close[0].deals == 1


def test_only_deals_closed_since_the_day_given_count(seeded):
    since = (START + timedelta(days=19)).date().isoformat()
    outcomes = workspace_outcomes(seeded, "T1", since)
    assert (outcomes.overall.won, outcomes.overall.lost) == (8, 2)  # deals 9, 12 and 14 closed earlier


def test_outcomes_are_plain_data_with_no_buyer_words(seeded):
    data = workspace_outcomes(seeded, "T1").as_dict()
    text = json.dumps(data)
    assert SECRET not in text and "Quixotal" not in text
    assert data["overall"] == {"key": "all", "won": 9, "lost": 4, "closed": 13, "rate": 0.692}
    assert data["by_kind"][1] == {"key": "skepticism", "won": 8, "lost": 2, "closed": 10, "rate": 0.8}


def test_the_report_shows_outcomes_in_its_language_without_buyer_words(seeded, tmp_path, capsys):
    now = START + timedelta(days=45)
    playbooks = load_playbooks(None)
    for lang, heading, rate in (("en", "Outcomes: deals won and lost", "• Skepticism: 80% won (8 of 10)"),
                                ("es", "Resultados: deals ganados y perdidos", "80% ganados (8 de 10)")):
        report = team_report(seeded, playbooks, "T1", now, stall_days=14, weeks=12, lang=lang)
        lines = report_lines(report)["outcomes"]
        assert lines[0] == heading and any(line.endswith(rate) for line in lines), lines
        html = report_html(report, png=b"")
        assert 'id="outcomes-by-kind"' in html and 'id="time-to-close"' in html and SECRET not in html
    assert t_lines(seeded, now, "es")[2].startswith("• Todos los deals cerrados: 69% ganados (9 de 13)")
    out = tmp_path / "report.html"
    assert main(["report", "--team", "T1", "--weeks", "52", "--out", str(out)]) == 0
    assert "Quixotal" not in out.read_text(encoding="utf-8")
    assert main(["report", "--team", "T1", "--weeks", "52"]) == 0
    printed = capsys.readouterr().out
    assert "Quixotal" not in printed and "• Skepticism: 80% won (8 of 10)" in printed


def t_lines(store: Store, now: datetime, lang: str) -> list[str]:
    return report_lines(team_report(store, load_playbooks(None), "T1", now, 14, 12, lang))["outcomes"]


def test_a_workspace_with_no_closed_deal_says_how_they_get_there(store):
    report = team_report(store, load_playbooks(None), "T1", START, stall_days=14)
    assert report_lines(report)["outcomes"] == [
        "Outcomes: deals won and lost",
        "No deal won or lost yet. Close deals with the Won / Lost buttons of the weekly nudge, `coach deal won` or "
        "`coach deal lost`, or import them from your CRM with `coach deal import FILE.csv`."]
    assert "No deal won or lost yet" in report_html(report, png=b"")
