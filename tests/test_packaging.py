import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # builds the wheel: `pytest -q -m slow` (.ci/run)


def test_the_wheel_carries_playbooks_prompts_and_examples(tmp_path):
    """A plain `pip install .` must work from any folder: the data travels inside the package."""
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("resistance_coach-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for source in [*ROOT.glob("playbooks/**/*.yaml"), *ROOT.glob("playbooks/**/*.jsonl"), *ROOT.glob("prompts/*.j2")]:
        assert f"bot/_data/{source.relative_to(ROOT)}" in names, source
    assert "bot/content/messages.yaml" in names  # the UI strings (bot/content/i18n.py)
    assert "bot/cli/__init__.py" in names and not any(n.startswith("tests/") for n in names)



def test_the_coach_script_runs_the_command_line():
    """The `coach` console script pip installed (pyproject's [project.scripts]) starts bot.cli.main; the other
    tests call main() in their own process."""
    script = Path(sys.executable).with_name("coach")
    if not script.exists():
        pytest.skip(f"no `coach` script beside {sys.executable}: the package is not installed in this environment")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: coach") and "practice" in done.stdout
