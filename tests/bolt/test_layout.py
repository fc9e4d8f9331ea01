"""The shape of bot/slack/: listeners import shared flows, never one another, and no module imports itself back
through others (an import cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

SLACK = Path(__file__).resolve().parents[2] / "bot" / "slack"


def _module(path: Path) -> str:
    parts = path.relative_to(SLACK.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each bot.slack module and the bot.slack modules it imports, anywhere in it (inside functions too)."""
    modules = {_module(path): path for path in SLACK.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot.slack"):
                # `from bot.slack import practice` names a module; `from bot.slack.posting import deliver` does not
                found |= {f"{node.module}.{alias.name}" for alias in node.names} & modules.keys() or {node.module}
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.startswith("bot.slack")}
        graph[name] = found & modules.keys() - {name}
    return graph


def test_listener_modules_do_not_import_one_another():
    graph = _imports()
    listeners = {name for name in graph if name.startswith("bot.slack.listeners.")}
    assert listeners >= {"bot.slack.listeners.commands", "bot.slack.listeners.messages"}
    crossing = {name: sorted(graph[name] & listeners) for name in listeners if graph[name] & listeners}
    assert crossing == {}


def test_bot_slack_has_no_import_cycle():
    graph = _imports()
    cycles = []

    def visit(name: str, path: list[str]) -> None:
        for imported in sorted(graph[name]):
            if imported in path:
                cycles.append(path[path.index(imported):] + [imported])
            elif imported not in done:
                visit(imported, [*path, imported])
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    # the package's __init__ imports its listener modules to register them; they never import it back
    assert cycles == []
