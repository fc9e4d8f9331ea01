"""Every third-party module bot/ imports comes from a distribution pyproject.toml declares."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_package_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = [dep for group in project.get("optional-dependencies", {}).values() for dep in group]
    declared = {_normal(re.split(r"[<>=!~;\[ ]", dep, maxsplit=1)[0]) for dep in [*project["dependencies"], *extras]}
    imported: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"bot", "__future__"}
    providers = packages_distributions()
    # a module of an extra that is not installed here (the distill tools) is matched by its own name
    missing = {module: providers.get(module) for module in third_party
               if not {_normal(d) for d in providers.get(module, [module])} & declared}
    assert missing == {}, f"imported but not declared in pyproject.toml: {missing}"
