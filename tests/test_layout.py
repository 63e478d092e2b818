"""The layout rules of ARCHITECTURE.md, checked on the source tree itself."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "reprints"


def _modules() -> dict[str, Path]:
    """Dotted name of every Python module of the package, with its file."""
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _is_module(dotted: str) -> bool:
    """Whether ``dotted`` names a module of the package (Python, C extension or package)."""
    rel = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    base = SRC / rel
    return base.with_suffix(".py").exists() or base.with_suffix(".c").exists() or (base / "__init__.py").exists()


def private_imports(name: str, tree: ast.AST) -> list[str]:
    """``module: line: what`` for each private name ``tree`` takes from another module of the package."""
    found = []
    aliases: dict[str, str] = {}  # local name -> reprints module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "reprints":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if _is_module(full):
                    aliases[alias.asname or alias.name] = full
                elif alias.name.startswith("_") and not alias.name.startswith("__") and node.module != name:
                    found.append(f"{name}:{node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "reprints" and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")
                and not _is_module(f"{aliases[node.value.id]}.{node.attr}") and aliases[node.value.id] != name):
            found.append(f"{name}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_module_takes_another_modules_private_names():
    found = []
    for name, path in _modules().items():
        found += private_imports(name, ast.parse(path.read_text(encoding="utf-8")))
    assert found == [], "private names used across modules:\n" + "\n".join(found)


def test_the_check_sees_private_imports():
    bad = ast.parse("from reprints.candidates import _ordered_unique\nfrom reprints import relate as r\nr._flat('x')\n")
    good = ast.parse("from reprints._pickle import by_fields\nfrom reprints import _words\n")
    assert private_imports("reprints.store", bad) == [
        "reprints.store:1: from reprints.candidates import _ordered_unique", "reprints.store:3: r._flat"]
    assert private_imports("reprints.store", good) == []


def test_each_stage_has_its_module():
    names = set(_modules())
    for stage in ("load", "normalize", "sketch", "candidates", "align", "relate", "families", "pipeline",
                  "document", "config", "engine", "engine.local", "engine.base"):
        assert f"reprints.{stage}" in names, stage
