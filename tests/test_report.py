"""The team report from the store alone (bot/services/report.py) and `coach report` writing it as HTML or PNG."""

from __future__ import annotations

import base64
import os
import struct
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from bot.cli import main
from bot.content.playbooks import load_playbooks
from bot.core.config import ConfigError, load_settings
from bot.services.report import team_report
from bot.store import Store, connect, stamp

SECRET = "Quixotal renewal terms feel upside down to Brambleworth"
NOW = datetime.now(UTC)


@pytest.fixture
def store() -> Store:
    store = connect(os.environ["COACH_DB"])
    for weeks_ago, label, topic in [(0, "skepticism", "price"), (0, "skepticism", "price"), (1, "missing", "fit"),
                                    (3, "incorrect", None), (12, "skepticism", "price")]:  # the last: too old
        cid = store.log_coaching(text=SECRET, label=label, topic=topic, confidence=0.8, source="offline",
                                 team_id="T1", user_id="U1", created_at=stamp(NOW - timedelta(weeks=weeks_ago)))
    store.add_feedback(cid, "T1", "U1", "not_helpful")
    store.add_feedback(1, "T1", "U1", "helpful")
    store.add_feedback(2, "T1", "U1", "helpful")
    store.log_coaching(text=SECRET, label="major_concern", confidence=0.8, source="offline", team_id="T2")
    deal = store.track_deal("T1", "C1", "", "Globex", "U1")["id"]
    store.update_deal(deal, last_activity_at=stamp(NOW - timedelta(days=40)))
    store.save_summary("T1", "C1", "", deal, ["consensus", "politics"], ["skepticism"], True, "x")
    return store


def test_the_team_report_counts_by_week_kind_and_topic_for_one_workspace(store):
    report = team_report(store, load_playbooks(None), "T1", NOW, stall_days=14)
    assert len(report.weeks) == 8 and report.total == 4  # the one 12 weeks ago and T2's are left out
    assert report.by_kind["skepticism"][-1] == 2 and report.by_kind["missing"][-2] == 1
    assert report.by_topic == {"price": [0] * 7 + [2], "fit": [0] * 6 + [1, 0], "none": [0] * 4 + [1, 0, 0, 0]}
    assert report.obstacles == {"consensus": 1, "politics": 1} and report.stalled_by_owner == {"U1": 1}
    assert report.feedback["not_helpful"] == 1 and report.not_helpful_rate == pytest.approx(1 / 3)
    assert report.practice is None  # no practice tables yet


class Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[str] = []
        self._table: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self._table = found["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag == "img":
            self.images.append(found["src"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._table and data.strip() and self.tables[self._table]:
            self.tables[self._table][-1].append(data.strip())


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_coach_report_writes_html_with_the_chart_and_the_numbers(store, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "--team", "T1", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert SECRET not in html  # counts and kinds, never what a buyer said
    parsed = Tables()
    parsed.feed(html)
    (src,) = parsed.images
    assert png_size(base64.b64decode(src.removeprefix("data:image/png;base64,")))[0] >= 800
    weeks = parsed.tables["by-week"]
    assert weeks[0][:3] == ["week starting", "Missing perception", "Incomplete perception"]
    assert weeks[-1][1:] == ["0", "0", "0", "2", "0"]  # this week: 2 skepticism
    names = load_playbooks(None).obstacles
    assert parsed.tables["obstacles"][1:] == [[names[k].text("name", "en"), "1"] for k in ("consensus", "politics")]
    assert parsed.tables["stalled"][1:] == [["U1", "1"]]
    assert parsed.tables["feedback"][1:] == [["1", "3", "33%"]]
    assert "4 coachings" in capsys.readouterr().out


def test_coach_report_writes_the_chart_alone_as_png(store, tmp_path):
    out = tmp_path / "report.png"
    assert main(["report", "--out", str(out), "--lang", "es", "--weeks", "4"]) == 2  # two workspaces: which?
    assert main(["report", "--team", "T1", "--out", str(out), "--lang", "es", "--weeks", "4"]) == 0
    width, height = png_size(out.read_bytes())
    assert (width, height) == (1100, 420) and out.stat().st_size > 10_000


def test_coach_report_refuses_a_bad_output_or_weeks(store, tmp_path, capsys):
    assert main(["report", "--team", "T1", "--out", str(tmp_path / "report.pdf")]) == 2
    assert main(["report", "--team", "T1", "--weeks", "0"]) == 2
    assert "--out must end in .html or .png" in capsys.readouterr().err


def test_managers_and_report_channel_are_validated(monkeypatch):
    monkeypatch.setenv("COACH_MANAGERS", "U123, S0LEADS,W09")
    monkeypatch.setenv("COACH_REPORT_CHANNEL", "C0REPORTS")
    settings = load_settings()
    assert settings.managers == ("U123", "S0LEADS", "W09") and settings.report_channel == "C0REPORTS"
    monkeypatch.setenv("COACH_MANAGERS", "U123,@alice")
    with pytest.raises(ConfigError, match="COACH_MANAGERS"):
        load_settings()
    monkeypatch.setenv("COACH_MANAGERS", "")
    monkeypatch.setenv("COACH_REPORT_CHANNEL", "#reports")
    with pytest.raises(ConfigError, match="COACH_REPORT_CHANNEL"):
        load_settings()
