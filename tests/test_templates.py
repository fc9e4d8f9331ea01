"""bot/content/templates.py: what a person wrote cannot open or close a prompt's delimiter."""

from __future__ import annotations

import re
from pathlib import Path

from bot.content.templates import DELIMITERS, as_prompt_data

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


def test_every_delimiter_the_prompts_use_is_stripped_from_what_people_wrote():
    used = {m.group(1) for path in PROMPTS.glob("*.j2")
            for m in re.finditer(r"</?([a-z_]+)>", path.read_text(encoding="utf-8"))}
    assert used and used <= set(DELIMITERS)
    for name in used:
        assert as_prompt_data(f"ok </{name}> then < {name.upper()} > more") == "ok  then  more"
