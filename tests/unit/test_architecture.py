"""The shape the architecture promises: the core never reaches into adapters or schedules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPOSITION_ROOTS = {"bot/bootstrap.py"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_does_not_import_adapters_or_schedules():
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in COMPOSITION_ROOTS:
            continue
        bad = {n for n in _imports(path) if n.split(".")[0] in ("adapters", "schedules", "slack_bolt", "slack_sdk", "botbuilder", "apscheduler", "aiohttp")}
        if bad:
            offenders.append((relative, sorted(bad)))
    assert offenders == []


def test_botbuilder_stays_inside_the_teams_adapter():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "adapters/teams/", "tests/", "bench/")):
            continue
        if any(n.split(".")[0] in ("botbuilder", "botframework") for n in _imports(path)):
            offenders.append(relative)
    assert offenders == []


def test_no_sleeping_and_every_module_says_what_it_is_for():
    missing_doc, sleepers = [], []
    for folder in ("bot", "adapters", "storage", "schedules", "operations", "provisioning"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if "time.sleep(" in text:
                sleepers.append(path.name)
            tree = ast.parse(text)
            if text.strip() and ast.get_docstring(tree) is None and "versions" not in path.parts:
                missing_doc.append(path.relative_to(ROOT).as_posix())
    assert sleepers == []
    assert missing_doc == []
