"""The templates (prompts/*.j2, Jinja2): the model's prompts and the offline coaching's sentences. What a person
wrote goes inside a delimiter of a prompt (<buyer_objection>...</buyer_objection>); `as_prompt_data` keeps it
from opening or closing one itself."""

from __future__ import annotations

import re
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.core.resources import data_dir

# Every delimiter the prompts use (tests/test_templates.py checks the templates use no other).
DELIMITERS = ("buyer_objection", "buyer_persona", "buyer_reading", "deal_context", "seller_reply", "thread",
              "thread_history", "transcript")
_DELIMITER = re.compile(r"<\s*/?\s*(" + "|".join(DELIMITERS) + r")\s*>", re.I)


def as_prompt_data(text: str) -> str:
    """Text for inside a prompt delimiter: it may not open or close one of our delimiters itself."""
    return _DELIMITER.sub("", text)


@cache
def templates() -> Environment:
    """The templates, loaded once per process."""
    return Environment(
        loader=FileSystemLoader(data_dir("prompts")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,  # plain text; Slack escaping happens in bot/slack/blocks.py
    )
