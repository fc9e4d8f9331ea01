"""The UI catalogue (bot/content/messages.yaml): complete in both languages, used by the code, and the only place the
Slack adapter's words come from."""

import ast
import re
import string
from pathlib import Path

import pytest

from bot.content.i18n import catalogue, language_of_locale, t
from bot.core.language import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent


def _strings() -> tuple[set[str], set[str]]:
    """Every string literal in bot/, and the literal starts of f-strings that build a key (`f"notice.{key}"`)."""
    literals: set[str] = set()
    prefixes: set[str] = set()
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr) and len(node.values) == 2:
                start, rest = node.values
                if isinstance(start, ast.Constant) and isinstance(rest, ast.FormattedValue):
                    prefixes.add(start.value)
    return literals, prefixes


LITERALS, DYNAMIC_PREFIXES = _strings()


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_key_has_english_and_spanish_with_the_same_fields():
    problems = []
    for key, entry in catalogue().items():
        if not isinstance(entry, dict) or set(entry) != set(LANGUAGES):
            problems.append(f"{key}: needs exactly {LANGUAGES}, has {entry!r}")
            continue
        if not all(isinstance(entry[lang], str) and entry[lang].strip() for lang in LANGUAGES):
            problems.append(f"{key}: an empty text")
        elif fields(entry["en"]) != fields(entry["es"]):
            problems.append(f"{key}: fields {fields(entry['en'])} in English, {fields(entry['es'])} in Spanish")
    assert not problems, "\n".join(problems)


def test_the_spanish_differs_from_the_english_where_it_should():
    # a copied English line in the Spanish column is a missing translation
    same = {key for key, entry in catalogue().items() if entry["en"] == entry["es"]}
    assert not same, same


def used(key: str) -> bool:
    """Named in the code as a whole, or built from a prefix (`f"notice.{key}"`) and a rest that is used in turn
    (`f"summary.{key}"` with `f"cost.{state}"` and "understood")."""
    if key in LITERALS:
        return True
    parts = key.split(".")
    return any(".".join(parts[:i]) + "." in DYNAMIC_PREFIXES and used(".".join(parts[i:]))
               for i in range(1, len(parts)))


def test_every_key_is_used_by_the_code():
    unused = [key for key in catalogue() if not used(key)]
    assert not unused, f"keys nothing uses (remove them, or use them): {unused}"


def test_the_unused_key_check_can_fail():
    assert used("notice.shared") and used("guidance.align")
    assert not used("notice.never_said_anywhere") and not used("guidance.nothing")


def test_fields_are_filled_and_a_missing_one_is_an_error():
    assert t("nudge.fallback", "es", count=3) == "3 de tus deals se estancaron esta semana"
    assert t("nudge.fallback", "fr", count=3) == "3 of your deals stalled this week"  # English for the others
    with pytest.raises(KeyError):
        t("nudge.fallback", "en")


@pytest.mark.parametrize(("locale", "lang"), [("es-ES", "es"), ("es-LA", "es"), ("en-US", "en"), ("fr-FR", "en"),
                                              (None, "en"), ("", "en")])
def test_slack_locales_map_to_our_languages(locale, lang):
    assert language_of_locale(locale) == lang


# --- no words of our own hard-coded in the Slack adapter --------------------------------------------------------

SAYING = {"say", "tell", "respond", "ack", "chat_postMessage", "chat_update", "chat_postEphemeral"}


def _has_words(node: ast.AST) -> bool:
    """A string literal (or an f-string's literal part) with a word in it: two letters in a row."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[^\W\d_]{2}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_has_words(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.IfExp):
        return _has_words(node.body) or _has_words(node.orelse)
    if isinstance(node, ast.BinOp):
        return _has_words(node.left) or _has_words(node.right)
    return False


def hard_coded_words(source: str) -> list[int]:
    """Lines where a literal with words is shown to people: `text=...`, a block's "text", or said positionally."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg == "text" and _has_words(node.value):
            lines.append(node.value.lineno)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "text" and _has_words(value):
                    lines.append(value.lineno)
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in SAYING and any(_has_words(arg) for arg in node.args):
                lines.append(node.lineno)
    return lines


def test_the_slack_adapter_takes_its_words_from_the_catalogue():
    found = {path.name: hard_coded_words(path.read_text(encoding="utf-8"))
             for path in sorted((ROOT / "bot" / "slack").rglob("*.py"))}
    assert not {name: lines for name, lines in found.items() if lines}


def test_the_scan_finds_hard_coded_words():
    assert hard_coded_words('respond(text="Thanks, noted.")') == [1]
    assert hard_coded_words('x = {"type": "plain_text", "text": f"Snooze {n} week"}') == [1]
    assert hard_coded_words('say(deps, asker, team, "Tell me more")') == [1]
    assert hard_coded_words('respond(text=t("feedback.thanks", lang))') == []
    assert hard_coded_words('respond(text=f"{text}\\n_{notice(key)}_")') == []



SENTENCE = re.compile(r"^[A-Z¿¡:][^\n]*\s\S+\s\S+")  # three words or more, starting like a sentence


def sentence_literals(source: str) -> list[int]:
    """Lines of string literals that read like a sentence, not counting docstrings and log messages."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))
        elif isinstance(node, ast.Call) and getattr(getattr(node.func, "value", None), "id", "") == "log":
            skip.update(id(sub) for sub in ast.walk(node))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in skip and SENTENCE.match(node.value)]


def test_no_sentences_of_ours_outside_the_catalogue():
    # the operator's command line (bot/cli/: argparse help, dry-run reports) stays English and is not scanned
    paths = [*sorted((ROOT / "bot" / "slack").rglob("*.py")), ROOT / "bot" / "services" / "nudges.py"]
    found = {path.name: sentence_literals(path.read_text(encoding="utf-8")) for path in paths}
    assert not {name: lines for name, lines in found.items() if lines}


def test_the_sentence_scan_can_fail():
    assert sentence_literals('thanks = "Thanks. Try *Diagnose differently* if the kind was off."') == [1]
    assert sentence_literals('def f():\n    """A docstring of several words."""\n    log.info("Sent all of it")') == []
