"""The `coach` command: Spanish headings, closed pipes, and previewing nudges from the database alone."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
import yaml

from bot.cli import main
from bot.store import open_store

SPANISH = "No veo claro qué incluye el precio ni si el soporte va aparte; explícame qué pagamos exactamente."
ENGLISH = "I don't see what the price includes, or whether support costs extra on top of it."


def test_ask_in_spanish_gets_spanish_headings(capsys):
    assert main(["ask", "--offline", SPANISH]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Diagnóstico: ") and "confianza" in out
    for heading in ("\nAlinear\n", "\nAclarar\n", "\nAsegurar\n", "\nDilo así\n"):
        assert heading in out
    assert "Align" not in out and "Say it like this" not in out


def test_ask_in_english_keeps_english_headings(capsys):
    assert main(["ask", "--offline", ENGLISH]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Diagnosis: ") and "confident" in out
    for heading in ("\nAlign\n", "\nClarify\n", "\nAssure\n", "\nSay it like this\n"):
        assert heading in out


def test_a_closed_pipe_ends_quietly():
    """`coach ask … | head -1`: the reader is gone before the coach writes."""
    proc = subprocess.Popen([sys.executable, "-m", "bot", "ask", "--offline", ENGLISH],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
    assert proc.returncode in (0, 141)


T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _stalled_deals(settings) -> None:
    store = open_store(settings)
    with time_machine.travel(T0, tick=False):
        store.track_deal("T1", "C1", "", "Acme", "U1")
        store.track_deal("T2", "C2", "", "Globex", "U2")
        store.cache_timezone("T2", "U2", "Asia/Tokyo", MONDAY - timedelta(days=1))


def test_nudge_dry_run_needs_no_token_and_covers_every_workspace(settings, capsys):
    _stalled_deals(settings)
    assert main(["nudge", "--dry-run", "--now", MONDAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "T1 U1 (2026-W48): planned, 1 stalled deal(s)" in out and "Acme" in out
    assert "T2 U2 (2026-W48): planned" in out and "Globex" in out
    # U2's zone was cached; only U1's is unknown
    assert out.strip().splitlines()[-1] == ("Note: 1 owner(s) have no time zone stored yet (a dry run does not ask "
                                            "Slack); their week is counted in UTC.")

    assert main(["nudge", "--dry-run", "--json", "--team", "T2", "--now", MONDAY.isoformat()]) == 0
    captured = capsys.readouterr()
    assert [r["deal"] for r in json.loads(captured.out)] == ["Globex"]
    assert captured.err == ""  # Tokyo is known: no note


def test_nudge_for_real_still_needs_the_token(settings, capsys):
    _stalled_deals(settings)
    assert main(["nudge", "--now", MONDAY.isoformat()]) == 2
    assert "SLACK_BOT_TOKEN" in capsys.readouterr().err


ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("args", [["ask", "--offline", ENGLISH],
                                  ["summarize", str(ROOT / "tests/data/threads/en_01_logistics_politics.json")],
                                  ["practice", "--offline"], ["serve", "--host", "127.0.0.1"]])
def test_a_bad_team_profile_stops_each_command_with_one_line_naming_file_and_field(tmp_path, args, cli,
                                                                                   monkeypatch):
    team = tmp_path / "team-playbooks"
    team.mkdir()
    profile = yaml.safe_load((ROOT / "playbooks" / "team.example.yaml").read_text(encoding="utf-8"))
    profile["references"][1]["industry"] = "Health Care"  # not one lowercase word
    (team / "team.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    for name, value in {"COACH_PLAYBOOKS": str(team), "SLACK_BOT_TOKEN": "xoxb-cli", "SLACK_SIGNING_SECRET": "s",
                        "PORT": "0"}.items():
        monkeypatch.setenv(name, value)
    # an answer on stdin: practice must not have started (its opening printed) before the mistake is reported
    result = cli(*args, stdin="I hear you; what would help?\n")
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert result.stderr == (f"error: {team / 'team.yaml'}: field 'references.1.industry': String should match "
                             "pattern '^[a-z][a-z_-]*$'\n")
