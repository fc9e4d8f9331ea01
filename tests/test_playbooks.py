import shutil
from pathlib import Path

import pytest
import yaml

from bot.content.playbooks import load_playbooks
from bot.content.schema import PlaybookError
from bot.core.config import load_settings
from bot.core.resources import data_dir
from bot.core.taxonomy import LABELS
from bot.services.coach import Coach

SHIPPED = data_dir("playbooks")


def test_every_label_has_a_complete_bilingual_playbook():
    books = load_playbooks()
    assert set(books.resistance) == set(LABELS)
    for label in LABELS:
        for lang in ("en", "es"):
            for field in ("align", "clarify", "assure", "talk_tracks", "pitfalls", "cues"):
                assert books[label].lines(field, lang), (label, field, lang)
            assert 2 <= len(books[label].lines("questions", lang)) <= 3


def _team_folder(tmp_path: Path) -> Path:
    team = tmp_path / "team-playbooks"
    (team / "resistance").mkdir(parents=True)
    return team


def test_team_folder_overrides_one_playbook(tmp_path, monkeypatch):
    team = _team_folder(tmp_path)
    data = yaml.safe_load((SHIPPED / "resistance" / "skepticism.yaml").read_text())
    data["assure"]["en"] = ["Offer the Northwind reference call, and nothing more until they ask."]
    (team / "resistance" / "skepticism.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.setenv("COACH_PLAYBOOKS", str(team))

    coach = Coach(load_settings())
    guidance = coach.coach("We doubt we would ever see the ROI you promise.", label="skepticism")
    assert "Northwind reference call" in guidance.assure
    # the other four still come from the shipped folder
    assert coach.playbooks["missing"] == load_playbooks()["missing"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["align"].pop("es"), "align.es"),
        (lambda d: d.update(questions={"en": ["Only one?"], "es": ["¿Solo una?"]}), "questions"),
        (lambda d: d.update(label="doubt"), "label"),
        (lambda d: d.update(colour="red"), "colour"),
    ],
)
def test_malformed_playbook_names_file_and_field(tmp_path, mutate, field):
    team = _team_folder(tmp_path)
    data = yaml.safe_load((SHIPPED / "resistance" / "incorrect.yaml").read_text())
    mutate(data)
    path = team / "resistance" / "incorrect.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(PlaybookError) as error:
        load_playbooks(team)
    assert str(path) in str(error.value)
    assert f"'{field}" in str(error.value)


def test_unreadable_yaml_and_unknown_names_are_clear_errors(tmp_path):
    team = _team_folder(tmp_path)
    (team / "resistance" / "missing.yaml").write_text("align: [unclosed\n")
    with pytest.raises(PlaybookError, match="missing.yaml: cannot read playbook"):
        load_playbooks(team)
    (team / "resistance" / "missing.yaml").unlink()
    shutil.copy(SHIPPED / "resistance" / "missing.yaml", team / "resistance" / "missng.yaml")
    with pytest.raises(PlaybookError, match="unknown playbook name 'missng'"):
        load_playbooks(team)


def test_playbook_folder_that_does_not_exist(tmp_path):
    with pytest.raises(PlaybookError, match="not a folder"):
        load_playbooks(tmp_path / "nope")


def test_team_examples_for_objections_only_keep_the_shipped_obstacle_examples(tmp_path):
    team = _team_folder(tmp_path)
    (team / "examples" / "objections").mkdir(parents=True)
    books = load_playbooks(team)
    assert books.examples_dir == team / "examples" / "objections"
    assert books.obstacle_examples_dir == SHIPPED / "examples" / "obstacles"


def test_a_team_playbook_written_before_talk_templates_still_loads(tmp_path):
    team = _team_folder(tmp_path)
    data = yaml.safe_load((SHIPPED / "resistance" / "missing.yaml").read_text())
    del data["talk_template"]
    (team / "resistance" / "missing.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    assert "{topic}" in load_playbooks(team)["missing"].text("talk_template", "en")
