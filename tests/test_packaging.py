import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
