"""`coach learn`: a workspace's corrections become its examples, a better model is kept, a worse one refused,
and one workspace's model never changes another's diagnosis; all of it in the database (SQLite and
PostgreSQL), so every replica sees it. The workspace models of `learned` are trained once, on SQLite (not
through the model cache, so that `coach forget` leaves no copy of a workspace's texts): training is the same on
either store. What `coach learn` keeps in PostgreSQL is checked here by the examples' and the forgetting tests,
and end to end (a model learned, kept and used by the running app) by tests/e2e/test_workspaces.py, both stores."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from bot.cli import main
from bot.content.playbooks import heldout_files
from bot.core.config import Settings, load_settings
from bot.models.team_models import load_team_model
from bot.services.learn import corrections, learn, legacy_team_dir, read_legacy_folder, team_examples
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


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory, model_cache: Path, train_once: None):
    from bot.services.coach import Coach

    folder = tmp_path_factory.mktemp("learn")
    base = load_settings()
    settings = Settings(**{**base.__dict__, "db_path": folder / "coach.db", "cache_dir": model_cache,
                           "playbooks_dir": None, "database_url": None})
    store = open_store(settings)
    seed_t1(store)
    seed(store, "T2", T2_WRONG)
    running = Coach(settings, store)
    running.model_check_seconds = 0  # looks the models up on every diagnosis
    patient = Coach(settings, store)
    patient.model_check_seconds = 3600  # looks them up at most once an hour
    before = {team: running.diagnose(PROBE, team) for team in ("T1", "T2")}
    assert patient.diagnose(PROBE, "T1").label == before["T1"].label
    # T1 is scored on its own file only: retraining alone moves the shipped held-out English score by one item
    # (0.008), so whether T1 passes the 0.01 gate there would test the shipped examples, not `coach learn`.
    # The CLI test below scores T1's (cached) model on the held-out files.
    t1 = learn(settings, "T1", [], [_jsonl(folder / "t1_eval.jsonl", T1_EVAL)])
    t2 = learn(settings, "T2", heldout_files(), [_jsonl(folder / "t2_eval.jsonl", T2_EVAL)])
    yield {"settings": settings, "store": store, "t1": t1, "t2": t2, "running": running, "patient": patient,
           "before": before, "folder": folder}
    store.close()


def test_keeps_a_better_model_in_the_database(learned) -> None:
    report = learned["t1"]
    assert report["kept"] is True and report["dropped"] == []
    assert learned["store"].team_model_info("T1")["version"] == report["model_version"]
    [own] = report["scores"]
    assert Path(own["file"]).name == "t1_eval.jsonl"
    assert own["after"] > own["before"] + 0.2, own
    # nothing beside the database: another replica has no access to this machine's disk
    assert not (learned["folder"] / "teams").exists()


def test_examples_latest_correction_wins_and_blanked_skipped(learned) -> None:
    report = learned["t1"]
    examples = team_examples(learned["store"], "T1")
    assert [(e.text, e.label) for e in examples] == [(t, "incomplete") for t in T1_CORRECTIONS]
    assert report["skipped_blanked"] == 1 and report["examples"] == len(T1_CORRECTIONS)


def test_refuses_a_worse_model(learned) -> None:
    report = learned["t2"]
    assert report["kept"] is False and report["model_version"] is None
    names = [Path(s["file"]).name for s in report["scores"]]
    assert names == ["heldout_en.jsonl", "heldout_es.jsonl", "t2_eval.jsonl"]
    assert any(Path(f).name == "t2_eval.jsonl" for f in report["dropped"]), report["scores"]
    assert learned["store"].team_model_info("T2") is None


def test_one_workspace_never_changes_another(learned) -> None:
    running, before = learned["running"], learned["before"]
    assert before["T1"].label != "incomplete"  # the shipped model got the probe wrong
    assert running.diagnose(PROBE, "T1").label == "incomplete"  # picked up without a restart
    assert running.diagnose(PROBE, "T2").label == before["T2"].label
    assert running.diagnose(PROBE, "T3").label == before["T2"].label  # no model of its own: the shipped one
    assert running.diagnose(PROBE).label == before["T2"].label


def test_another_process_on_the_database_uses_the_kept_model(learned) -> None:
    from bot.services.coach import Coach

    replica = Coach(learned["settings"])  # its own connection, as another replica has
    assert replica.diagnose(PROBE, "T1").label == "incomplete"
    assert replica.diagnose(PROBE, "T2").label == learned["before"]["T2"].label


def test_only_the_most_recently_used_workspace_models_stay_in_memory(learned, monkeypatch) -> None:
    from bot.services import coach as coach_module
    from bot.services.coach import Coach

    monkeypatch.setattr(coach_module, "TEAM_MODELS_IN_MEMORY", 1)
    replica = Coach(learned["settings"])
    replica.model_check_seconds = 3600
    assert replica.diagnose(PROBE, "T1").label == "incomplete"
    replica.diagnose(PROBE, "T9")  # another workspace pushes T1's model out
    assert list(replica._team_models) == ["T9"]
    assert replica.diagnose(PROBE, "T1").label == "incomplete"  # read again from the database


def test_models_are_looked_up_only_every_few_seconds(learned) -> None:
    patient = learned["patient"]
    assert patient.diagnose(PROBE, "T1").label == learned["before"]["T1"].label
    patient.model_check_seconds = 0
    assert patient.diagnose(PROBE, "T1").label == "incomplete"


class WritesAFile:
    """What an attacker with write access to the database would store: unpickling it runs code."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.write_text, (self.path, "ran"))


def test_a_model_that_no_longer_loads_falls_back_to_the_shipped_one(learned, caplog) -> None:
    store, running = learned["store"], learned["running"]
    store.save_team_model("T5", b"not a model", "x")
    assert running.diagnose(PROBE, "T5").label == learned["before"]["T2"].label
    assert "cannot be read" in caplog.text
    caplog.clear()
    assert running.diagnose(PROBE, "T5").label == learned["before"]["T2"].label
    assert "cannot be read" not in caplog.text  # logged once, not on every diagnosis
    store.delete_team_model("T5")


def test_a_crafted_row_runs_nothing_and_learn_rebuilds_it(learned, caplog, tmp_path) -> None:
    """A pickle written into the models table (by anyone who can write to the database, or an older coach's
    row): every replica refuses it unread, and `coach learn` replaces it with a model it can read."""
    store, settings, marker = learned["store"], learned["settings"], tmp_path / "pwned"
    kept = store.team_model("T1")
    store.save_team_model("T1", pickle.dumps(WritesAFile(marker)), "crafted")
    try:
        assert learned["running"].diagnose(PROBE, "T1").label == learned["before"]["T2"].label  # the shipped model
        assert "cannot be read" in caplog.text and not marker.exists()
        report = learn(settings, "T1", [], [])
        assert report["kept"] is True and not marker.exists()
        assert load_team_model(store.team_model("T1")[1]).labels  # readable again
        assert learned["running"].diagnose(PROBE, "T1").label == "incomplete"
    finally:
        store.save_team_model("T1", kept[1], store.team_model_info("T1")["fingerprint"])


@pytest.mark.parametrize("data", [b"not a model", b"", pickle.dumps({"a": "dict"})])
def test_an_unreadable_stored_model_is_a_value_error_learn_recovers_from(data: bytes) -> None:
    with pytest.raises(ValueError):
        load_team_model(data)


def test_nothing_new_leaves_the_kept_model_alone(learned) -> None:
    store = learned["store"]
    version = store.team_model_info("T1")["version"]
    report = learn(learned["settings"], "T1", [], [])
    assert report["kept"] is True and "unchanged" in report["message"] and report["added"] == 0
    assert store.team_model_info("T1")["version"] == version  # not saved again: running coaches need not reload it


def test_a_deleted_example_stays_deleted(learned) -> None:
    store = learned["store"]
    assert corrections(store, "T1", store.learned_up_to("T1"))[:2] == ([], 0)


def test_list_relabel_and_remove_examples(backend, capsys) -> None:
    store = open_store(load_settings())
    seed(store, "T1", [("Quillfern, like last time.", "incomplete"), ("Honestly it's quillfern again.", "missing")])
    assert main(["learn", "--list"]) == 0  # the only workspace in the database: no --team needed
    assert "no examples yet" in capsys.readouterr().out
    store.save_team_examples("T1", [{"id": "a1", "text": "Quillfern, like last time.", "label": "incomplete"},
                                    {"id": "b2", "text": "Honestly it's quillfern again.", "label": "missing"}])
    assert main(["learn", "--list", "--json"]) == 0
    assert [(e["id"], e["label"]) for e in json.loads(capsys.readouterr().out)] == [("a1", "incomplete"),
                                                                                   ("b2", "missing")]
    assert main(["learn", "--relabel", "Honestly it's quillfern again.", "incomplete"]) == 0
    assert "missing -> incomplete" in capsys.readouterr().out
    assert main(["learn", "--remove", "a1"]) == 0
    assert "Quillfern, like last time." in capsys.readouterr().out
    assert [(e.id, e.label) for e in team_examples(store, "T1")] == [("b2", "incomplete")]
    assert main(["learn", "--list"]) == 0
    assert "b2  incomplete" in capsys.readouterr().out
    assert main(["learn", "--team", "T1", "--remove", "not there"]) == 2
    assert "no example" in capsys.readouterr().err
    assert main(["learn", "--team", "T1", "--relabel", "b2", "nonsense"]) == 2
    assert "unknown label" in capsys.readouterr().err
    store.close()


def test_examples_an_older_coach_kept_beside_the_database_are_moved_into_it(settings, capsys) -> None:
    store = open_store(settings)
    seed(store, "T1", [("Quillfern, like last time.", "incomplete")])
    folder = legacy_team_dir(settings, "T1")
    folder.mkdir(parents=True)
    (folder / "examples.jsonl").write_text(json.dumps({"text": "Quillfern, like last time.", "label": "incomplete"})
                                           + "\n", encoding="utf-8")
    (folder / "state.json").write_text(json.dumps({"feedback_id": 1}), encoding="utf-8")
    (folder / "model.pkl").write_bytes(b"")
    examples, imported = read_legacy_folder(settings, "T1")  # what a dry run learns from, moving nothing
    assert [e.text for e in examples] == ["Quillfern, like last time."] and imported == 1
    assert main(["learn", "--team", "T1", "--list"]) == 0
    assert "Quillfern, like last time." in capsys.readouterr().out
    assert not folder.exists() and store.learned_up_to("T1") == 1
    assert [e.text for e in team_examples(store, "T1")] == ["Quillfern, like last time."]


def test_a_folder_found_when_the_database_has_examples_adds_its_others_and_loses_none(settings) -> None:
    from bot.services.learn import example_id, move_legacy_folder

    store = open_store(settings)
    text = "Quillfern, like last time."
    store.save_team_examples("T1", [{"id": example_id(text), "text": text, "label": "missing"}])
    folder = legacy_team_dir(settings, "T1")
    folder.mkdir(parents=True)
    rows = [("Quillfern, like last time.", "incomplete"), ("Only quillfern would do.", "incomplete")]
    (folder / "examples.jsonl").write_text("".join(json.dumps({"text": t, "label": label}) + "\n" for t, label in rows),
                                           encoding="utf-8")
    assert move_legacy_folder(settings, store, "T1") == 1
    kept = {e.text: e.label for e in team_examples(store, "T1")}
    # the database's label wins for the text both have; the folder's other example is added
    assert kept == {"Quillfern, like last time.": "missing", "Only quillfern would do.": "incomplete"}
    assert not folder.exists()
    store.close()


def test_cli_asks_for_the_team_when_there_are_several(settings, capsys) -> None:
    store = open_store(settings)
    seed(store, "T1", [("Quillfern, like last time.", "incomplete")])
    seed(store, "T2", [("Quillfern, like last time.", "missing")])
    assert main(["learn"]) == 2
    assert "--team" in capsys.readouterr().err
    assert main(["learn", "--team", "../T1"]) == 2
    assert "not a workspace ID" in capsys.readouterr().err


def test_cli_dry_run_scores_the_held_out_files_and_keeps_nothing(learned, settings, capsys) -> None:
    seed_t1(open_store(settings))  # the same examples as the fixture's T1: its model is not trained again
    code = main(["learn", "--team", "T1", "--dry-run", "--json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    # the exit status is the held-out gate's verdict (T1's eight made-up lines cost the Spanish file two items
    # since the sentence encoder joined the model): a dry run reports it and keeps nothing either way
    assert code == (1 if report["dropped"] else 0)
    assert "training" in captured.err
    assert report["dry_run"] is True and report["kept"] is False and report["examples"] == len(T1_CORRECTIONS)
    assert [Path(s["file"]).name for s in report["scores"]] == ["heldout_en.jsonl", "heldout_es.jsonl"]
    assert all(0.85 <= s["before"] <= 1 and 0.85 <= s["after"] <= 1 for s in report["scores"])
    store = open_store(settings)
    assert store.team_examples("T1") == [] and store.team_model_info("T1") is None and store.learned_up_to("T1") == 0
    assert main(["learn", "--team", "T1", "--dry-run"]) == code
    out = capsys.readouterr().out
    assert "heldout_en.jsonl" in out
    assert ("Kept the old model" if report["dropped"] else "Dry run: nothing kept.") in out


def test_forget_and_the_uninstall_retention_delete_the_workspace_examples_and_model(backend, settings,
                                                                                     capsys) -> None:
    from datetime import UTC, datetime, timedelta

    store = open_store(settings)
    for team in ("T1", "T2", "T3"):
        store.save_team_examples(team, [{"id": "a1", "text": "Quillfern, like last time.", "label": "incomplete"}],
                                 imported=7)
        store.save_team_model(team, b"\x00opaque model bytes\xff", "f")
    legacy = legacy_team_dir(settings, "T1")
    legacy.mkdir(parents=True)
    (legacy / "model.pkl").write_bytes(b"")
    assert main(["forget", "--team", "T1"]) == 1
    out = capsys.readouterr().out
    assert "team_models" in out and "team_files" in out and store.team_model_info("T1")
    assert main(["forget", "--team", "T1", "--yes", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert (rows["team_examples"], rows["team_learning"], rows["team_models"], rows["team_files"]) == (1, 1, 1, 1)
    assert store.team_examples("T1") == [] and store.team_model_info("T1") is None and store.learned_up_to("T1") == 0
    assert not legacy.exists()
    # an uninstalled workspace's are deleted once the retention period has passed, like the rest of its data
    store.mark_uninstalled("T2", datetime.now(UTC))
    assert store.forget_uninstalled(datetime.now(UTC) + timedelta(days=91), 90) == ["T2"]
    assert store.team_examples("T2") == [] and store.team_model_info("T2") is None
    assert store.team_examples("T3") and store.team_model("T3")[1] == b"\x00opaque model bytes\xff"
    store.close()
