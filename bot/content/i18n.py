"""The words the bot says, in English and Spanish: one catalogue (bot/content/messages.yaml) and
`t(key, lang, **fields)`.

Why a YAML file and `str.format` rather than gettext with Babel: we speak two languages, and whoever fixes a
sentence should see both side by side in one file they can edit without tools. gettext keeps each language in
its own .po file, keyed by the English text, and needs a compile step (.mo) in the build; for two languages and
about a hundred strings it adds machinery and hides nothing. The YAML loader (pyyaml) is already a dependency,
the file ships inside the package, and tests/test_i18n.py checks that every key has both languages with the
same `{fields}` and that the code uses every key.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.core.language import DEFAULT, ours

CATALOGUE = Path(__file__).resolve().parent / "messages.yaml"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """{key: {"en": ..., "es": ...}} as the file has it (read once per process)."""
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{CATALOGUE} must map keys to {{en: ..., es: ...}}")
    return data


def has(key: str) -> bool:
    return key in catalogue()


def t(key: str, lang: str = DEFAULT, **fields: object) -> str:
    """The text of `key` in `lang` (English for any language we do not speak), its `{fields}` filled in.

    A literal brace is written `{{` or `}}`. Fields are inserted as given: escape for Slack anything people
    typed (bot/slack/blocks.py `escape`)."""
    entry = catalogue()[key]
    text = entry.get(ours(lang)) or entry[DEFAULT]
    return text.format(**fields)


def language_of_locale(locale: str | None) -> str:
    """Our language for a Slack locale ("es-ES", "es-LA" → "es"); English for any other or none."""
    return ours((locale or "").split("-")[0].lower())
