"""`coach call FILE [--ours NAMES] [--json] [--offline]`, in process."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main

DATA = Path(__file__).resolve().parent.parent / "data" / "calls"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_review_prints_each_objection_and_the_scored_answer(capsys, tmp_path):
    assert main(["call", str(DATA / "zoom_en.vtt"), "--ours", "Ana", "--offline"]) == 0
    assert not (tmp_path / "coach.db").exists()  # a review stores nothing: not the text, not the scores
    out = capsys.readouterr().out
    assert out.startswith("Call review: 11 turns, 2 buyer objection(s)")
    assert "Your side: Ana Ruiz. Buyer: Dana Okafor." in out
    assert "1. [00:00:40] Dana Okafor: “" in out and "2. [00:01:10] Dana Okafor: “" in out
    assert "✗ No pitfalls: “You'll see a big jump in adoption, I guarantee it.”" in out
    assert "Next step: " in out


def test_json_is_the_review_as_data(capsys):
    assert main(["call", str(DATA / "meet_en.srt"), "--ours", "Ben", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sides"]["ours"] == ["Ben Carter"] and data["format"] == "srt"
    moment = data["moments"][0]
    assert moment["where"] == "00:00:04" and "HubSpot" in moment["quote"]
    assert moment["answer"]["speakers"] == ["Ben Carter"] and moment["answer"]["score"] is not None


def test_a_spanish_call_gets_spanish_labels(capsys):
    assert main(["call", str(DATA / "fireflies_es.txt")]) == 0  # the speakers' words settle the sides
    out = capsys.readouterr().out
    assert out.startswith("Revisión de la llamada") and "Tu lado: Lucía Gómez." in out and "Próximo paso:" in out


def test_undecided_speakers_without_a_terminal_ask_for_ours(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["call", str(DATA / "thread_es_undecided.txt")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "--ours" in captured.err and "Martín Herrera" in captured.err
    assert captured.err.count("\n") == 1


def test_on_a_terminal_the_seller_is_asked_once(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", _Terminal("2\n"))  # speaker 2 of the list: Lucía Gómez
    assert main(["call", str(DATA / "thread_es_undecided.txt"), "--json"]) == 0
    captured = capsys.readouterr()
    assert "Which speakers are on your side?" in captured.err
    assert json.loads(captured.out)["sides"]["ours"] == ["Lucía Gómez"]


def test_a_name_that_is_no_speaker_is_an_error(capsys):
    assert main(["call", str(DATA / "zoom_en.vtt"), "--ours", "Zoe"]) == 2
    assert "--ours names no speaker in the file: Zoe" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "says"), [("one_speaker.txt", "only one speaker"), ("french.vtt", "neither English"),
                                           ("notes.txt", "unknown layout")])
def test_a_file_that_is_no_conversation_is_one_line_and_exit_2(capsys, name, says):
    assert main(["call", str(DATA / name)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and says in captured.err and captured.err.count("\n") == 1


def test_empty_and_binary_files(capsys, tmp_path):
    (tmp_path / "empty.vtt").write_bytes(b"")
    (tmp_path / "call.srt").write_bytes(bytes(range(256)) * 4)
    for name, says in (("empty.vtt", "empty"), ("call.srt", "binary")):
        assert main(["call", str(tmp_path / name)]) == 2
        assert says in capsys.readouterr().err
