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


def test_cli_coachings_are_kept_under_the_workspace_and_reach_its_report(settings, capsys, monkeypatch):
    assert main(["ask", "--offline", ENGLISH]) == 0  # no Slack, no COACH_TEAM: the 'local' workspace
    monkeypatch.setenv("COACH_TEAM", "T1")
    assert main(["ask", "--offline", SPANISH]) == 0
    assert main(["ask", "--offline", "--team", "T2", ENGLISH]) == 0
    assert sorted(c["team_id"] for c in open_store(settings).coachings()) == ["T1", "T2", "local"]
    capsys.readouterr()
    assert main(["report"]) == 0  # COACH_TEAM names the workspace
    kinds = capsys.readouterr().out.splitlines()[:5]  # the first section: a line per kind of resistance
    assert sum(int(line.rsplit(": ", 1)[1]) for line in kinds) == 1
    assert main(["report", "--team", "local"]) == 0
    assert "Outcomes: deals won and lost" in capsys.readouterr().out


def test_a_report_for_a_workspace_with_nothing_stored_exits_2_naming_the_known_ones(settings, capsys):
    assert main(["ask", "--offline", "--team", "T1", ENGLISH]) == 0
    open_store(settings).track_deal("T5", "C1", "", "Acme", "U1")
    capsys.readouterr()
    assert main(["report", "--team", "T123"]) == 2
    assert capsys.readouterr().err == "error: nothing is stored for workspace T123 (workspaces stored: T1, T5)\n"


def test_a_coaching_asked_for_a_deal_is_linked_to_it_and_can_be_marked(settings, capsys):
    assert main(["deal", "track", "Acme renewal", "--owner", "ana@x.example", "--team", "T1"]) == 0
    assert main(["ask", "--offline", "--team", "T1", "--deal", "Acme renewal", ENGLISH]) == 0
    assert main(["ask", "--offline", "--team", "T1", "--deal", "Globex", ENGLISH]) == 2
    assert "error: --deal: no deal named 'Globex' in workspace T1" in capsys.readouterr().err
    store = open_store(settings)
    (coaching,) = store.coachings()
    assert coaching["deal_id"] == store.deals("T1")[0]["id"]
    assert main(["feedback", "last", "used", "--team", "T1"]) == 0
    assert main(["feedback", str(coaching["id"]), "helpful", "--team", "T2"]) == 2  # not T2's coaching
    assert [(f["coaching_id"], f["kind"]) for f in store.feedback()] == [(coaching["id"], "used")]


def test_nudge_dry_run_with_no_tracked_deal_says_how_to_track_one(settings, capsys):
    assert main(["nudge", "--dry-run", "--now", MONDAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No deals are tracked, so none can stall: nothing to send. Track one with "
                          '`coach deal track "Acme renewal" --owner ana@example.com`')
    assert "coach deal import deals.csv" in out
    _stalled_deals(settings)
    assert main(["nudge", "--dry-run", "--team", "T1", "--now", (T0 + timedelta(days=1)).isoformat()]) == 0
    assert capsys.readouterr().out.startswith("No stalled deals among the 1 tracked: nothing to send.")


@pytest.mark.parametrize(("text", "said"), [("pls take me off your list", "honour it"),
                                            ("Dejen de escribirme, por favor.", "respétalo")])
def test_ask_on_an_opt_out_tells_the_seller_to_honour_it(capsys, text: str, said: str) -> None:
    assert main(["ask", "--offline", text]) == 0
    out = capsys.readouterr().out
    assert said in out and "Diagnos" not in out
