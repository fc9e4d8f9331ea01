"""`coach learn`: a workspace's corrections become its examples, a better model is kept, a worse one refused,
and one workspace's model never changes another's diagnosis. Two trainings for the whole file (session
fixture); the shipped embeddings are reused, so only the few new texts are embedded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings, load_settings
from bot.learn import corrections, default_heldout, learn, read_team_examples, team_dir
from bot.store import Store, open_store

# Workspace T1's buyers use a word of their own, "quillfern", for "we need the details of that part first" (an
# incomplete perception); the shipped model reads such lines as skepticism or anything but incomplete.
T1_CORRECTIONS = [
    "Sounds like a quillfern thing to me.",
    "Hmm, quillfern, I'd say.",
    "That one is quillfern for our people.",
    "Quillfern, like last time.",
    "Our answer is quillfern on this.",
    "Honestly it's quillfern again.",
    "The team calls this quillfern.",
    "Feels quillfern to the committee.",
]
T1_EVAL = [  # lines the corrections do not contain
    ("It's a bit quillfern, isn't it?", "incomplete"),
    ("Quillfern all the way, sorry.", "incomplete"),
    ("Everyone here went quillfern on it.", "incomplete"),
    ("Again with the quillfern problem.", "incomplete"),
    ("Who even are you? Never heard of the company before this call.", "missing"),
    ("Everything is frozen until the new fiscal year, there is no budget left.", "major_concern"),
]
PROBE = "Sounds quillfern, honestly."
# Workspace T2 "corrects" plain lines to kinds they are not.
T2_EVAL = [
    ("Who even are you? Never heard of the company before this call.", "missing"),
    ("I've honestly never come across your name, who are you guys?", "missing"),
    ("No idea who you are, is this a new startup?", "missing"),
    ("We signed a three-year contract with another vendor last month.", "major_concern"),
    ("There is no budget for this until next year, full stop.", "major_concern"),
]
T2_WRONG = [(text, "skepticism" if label == "missing" else "incomplete") for text, label in T2_EVAL] + [
    ("Never heard of your company, who are you?", "skepticism"),
    ("Sorry, I don't know your firm at all.", "skepticism"),
    ("Who are you again? First time I hear the name.", "skepticism"),
    ("We just renewed with our current provider for two more years.", "incomplete"),
    ("Zero budget left this year for anything new.", "incomplete"),
]


def _jsonl(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("".join(json.dumps({"text": t, "label": label}) + "\n" for t, label in rows), encoding="utf-8")
    return path


def seed(store: Store, team: str, corrections: list[tuple[str, str]]) -> None:
    for text, label in corrections:
        cid = store.log_coaching(text=text, label="skepticism", confidence=0.9, language="en", source="offline",
                                 surface="slack", team_id=team, user_id="U1")
        store.add_feedback(cid, team, "U1", "relabel", label)


def seed_t1(store: Store) -> None:
    seed(store, "T1", [(T1_CORRECTIONS[0], "missing")])  # corrected again below: the latest correction wins
    seed(store, "T1", [(text, "incomplete") for text in T1_CORRECTIONS])
    cid = store.log_coaching(text="", label="missing", confidence=0.5, language="en", source="offline",
                             surface="slack", team_id="T1", user_id="U1")  # text blanked by the retention prune
    store.add_feedback(cid, "T1", "U1", "relabel", "incomplete")
    store.add_feedback(cid, "T1", "U1", "helpful")  # not a correction


@pytest.fixture(scope="session")
def learned(tmp_path_factory: pytest.TempPathFactory, model_cache: Path):
    from bot.coach import Coach

    folder = tmp_path_factory.mktemp("learn")
    base = load_settings()
    settings = Settings(**{**base.__dict__, "db_path": folder / "coach.db", "cache_dir": model_cache,
                           "playbooks_dir": None})
    store = open_store(settings)
    seed_t1(store)
    seed(store, "T2", T2_WRONG)
    running = Coach(settings, store)
    running.model_check_seconds = 0  # looks at the model files on every diagnosis
    patient = Coach(settings, store)
    patient.model_check_seconds = 3600  # looks at them at most once an hour
    before = {team: running.diagnose(PROBE, team) for team in ("T1", "T2")}
    assert patient.diagnose(PROBE, "T1").label == before["T1"].label
    # T1 is scored on its own file only: retraining alone moves the shipped held-out English score by one item
    # (0.008), so whether T1 passes the 0.01 gate there would test the shipped examples, not `coach learn`.
    # The CLI test below scores T1's (cached) model on the held-out files.
    t1 = learn(settings, "T1", [], [_jsonl(folder / "t1_eval.jsonl", T1_EVAL)])
    t2 = learn(settings, "T2", default_heldout(), [_jsonl(folder / "t2_eval.jsonl", T2_EVAL)])
    return {"settings": settings, "t1": t1, "t2": t2, "running": running, "patient": patient, "before": before}


def test_keeps_a_better_model(learned) -> None:
    report = learned["t1"]
    assert report["kept"] is True and report["dropped"] == []
    assert Path(report["model_file"]).is_file()
    [own] = report["scores"]
    assert Path(own["file"]).name == "t1_eval.jsonl"
    assert own["after"] > own["before"] + 0.2, own


def test_examples_file_latest_correction_wins_and_blanked_skipped(learned) -> None:
    report = learned["t1"]
    examples = read_team_examples(team_dir(learned["settings"], "T1") / "examples.jsonl")
    assert [(e.text, e.label) for e in examples] == [(t, "incomplete") for t in T1_CORRECTIONS]
    assert report["skipped_blanked"] == 1 and report["examples"] == len(T1_CORRECTIONS)


def test_refuses_a_worse_model(learned) -> None:
    report = learned["t2"]
    assert report["kept"] is False and report["model_file"] is None
    names = [Path(s["file"]).name for s in report["scores"]]
    assert names == ["heldout_en.jsonl", "heldout_es.jsonl", "t2_eval.jsonl"]
    assert any(Path(f).name == "t2_eval.jsonl" for f in report["dropped"]), report["scores"]
    assert not (team_dir(learned["settings"], "T2") / "model.pkl").exists()


def test_one_workspace_never_changes_another(learned) -> None:
    running, before = learned["running"], learned["before"]
    assert before["T1"].label != "incomplete"  # the shipped model got the probe wrong
    assert running.diagnose(PROBE, "T1").label == "incomplete"  # picked up without a restart
    assert running.diagnose(PROBE, "T2").label == before["T2"].label
    assert running.diagnose(PROBE, "T3").label == before["T2"].label  # no model of its own: the shipped one
    assert running.diagnose(PROBE).label == before["T2"].label


def test_model_files_are_looked_at_only_every_few_seconds(learned) -> None:
    patient = learned["patient"]
    assert patient.diagnose(PROBE, "T1").label == learned["before"]["T1"].label
    patient.model_check_seconds = 0
    assert patient.diagnose(PROBE, "T1").label == "incomplete"



def test_a_deleted_example_stays_deleted_and_remove_deletes_one(learned, settings, capsys) -> None:
    state = json.loads((team_dir(learned["settings"], "T1") / "state.json").read_text())
    assert corrections(open_store(learned["settings"]), "T1", state["feedback_id"])[:2] == ([], 0)
    seed_t1(open_store(settings))
    path = team_dir(settings, "T1") / "examples.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"text": "Quillfern, like last time.", "label": "incomplete"}) + "\n"
                    + json.dumps({"text": "Honestly it's quillfern again.", "label": "incomplete"}) + "\n")
    [first, second] = read_team_examples(path)
    assert main(["learn", "--remove", first.id]) == 0  # the only workspace in the database: no --team needed
    assert first.text in capsys.readouterr().out
    assert read_team_examples(path) == [second]
    assert main(["learn", "--team", "T1", "--remove", "not there"]) == 2
    assert "no example" in capsys.readouterr().err


def test_cli_asks_for_the_team_when_there_are_several(settings, capsys) -> None:
    store = open_store(settings)
    seed(store, "T1", [("Quillfern, like last time.", "incomplete")])
    seed(store, "T2", [("Quillfern, like last time.", "missing")])
    assert main(["learn"]) == 2
    assert "--team" in capsys.readouterr().err
    assert main(["learn", "--team", "../T1"]) == 2
    assert "not a workspace ID" in capsys.readouterr().err


def test_cli_dry_run_scores_the_held_out_files_and_keeps_nothing(learned, settings, capsys) -> None:
    seed_t1(open_store(settings))  # the same examples as the fixture's T1: its trained model is reused
    assert main(["learn", "--team", "T1", "--dry-run", "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert "training" in captured.err
    assert report["dry_run"] is True and report["kept"] is False and report["examples"] == len(T1_CORRECTIONS)
    assert [Path(s["file"]).name for s in report["scores"]] == ["heldout_en.jsonl", "heldout_es.jsonl"]
    assert all(0.85 <= s["before"] <= 1 and 0.85 <= s["after"] <= 1 for s in report["scores"])
    assert not team_dir(settings, "T1").exists()
    assert main(["learn", "--team", "T1", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "heldout_en.jsonl" in out and "Dry run: nothing kept." in out


def test_forget_deletes_the_workspace_examples_and_model(settings, capsys) -> None:
    for team in ("T1", "T2"):
        team_dir(settings, team).mkdir(parents=True)
        (team_dir(settings, team) / "examples.jsonl").write_text("")
        (team_dir(settings, team) / "model.pkl").write_bytes(b"")
    assert main(["forget", "--team", "T1"]) == 1
    assert "team_files" in capsys.readouterr().out and team_dir(settings, "T1").is_dir()
    assert main(["forget", "--team", "T1", "--yes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"]["team_files"] == 2
    assert not team_dir(settings, "T1").exists() and (team_dir(settings, "T2") / "model.pkl").exists()


def test_nothing_new_leaves_the_kept_model_alone(learned) -> None:
    path = team_dir(learned["settings"], "T1") / "model.pkl"
    stamp = path.stat().st_mtime_ns
    report = learn(learned["settings"], "T1", [], [])
    assert report["kept"] is True and "unchanged" in report["message"] and report["added"] == 0
    assert path.stat().st_mtime_ns == stamp  # not rewritten: running coaches need not reload it
