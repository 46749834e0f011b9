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


def _literal_text(node: ast.AST) -> str | None:
    """A string constant's text, or an f-string's with each `{…}` as one placeholder word."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "\x00" for part in node.values)
    return None


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def command_lines_in(source: str, forms: dict[tuple[str, ...], bool]) -> list[tuple[int, str]]:
    """String literals in `source` that are command lines: they start with a declared command's
    words (a leading `/` allowed) and go on to that command's fields, or are a sub-command whole.

    `forms` maps each command's words to whether it reads anything after them.
    """
    tree = ast.parse(source)
    skip = _docstrings(tree) | {id(part) for part in _parts(tree)}
    found = []
    for node in ast.walk(tree):
        said = _literal_text(node)
        if said is None or id(node) in skip:
            continue
        words = said.strip().lstrip("/").split(" ")
        lowered = [w.lower() for w in words]
        for command_words, takes_more in forms.items():
            n = len(command_words)
            if tuple(lowered[:n]) != command_words:
                continue
            if (len(words) > n and takes_more) or (len(words) == n and n > 1):
                found.append((node.lineno, said.replace("\x00", "{…}")))
                break
    return found


def _parts(tree: ast.AST) -> list[ast.AST]:
    """The constant pieces inside f-strings, judged with their f-string rather than alone."""
    return [part for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values]


def _declared_forms() -> dict[tuple[str, ...], bool]:
    from bot.parsing import DECLARED
    from bot.registry import all_specs

    all_specs()
    return {words: any(g.fields_for(f) for g, f in declared) for words, declared in DECLARED.items()}


def test_no_command_line_is_written_by_hand():
    """Every command line a button or a question carries comes from `line(SomeCommand(...))`, so the
    grammar is written once, in the declarations; a literal here would drift from it."""
    forms = _declared_forms()
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for lineno, said in command_lines_in(path.read_text(encoding="utf-8"), forms):
            offenders.append(f"{path.relative_to(ROOT).as_posix()}:{lineno}: {said!r}")
    assert offenders == []


def test_the_literal_check_catches_what_it_should():
    forms = _declared_forms()
    source = '''
"""`groups join new-teachers` in a docstring is prose."""
a = f"groups join {slug}"
b = "mentor accept 5"
c = "groups mine"
d = f"meeting {meeting_id}"
e = "/rsvp 3 yes"
f = "help"
'''
    assert [lineno for lineno, _ in command_lines_in(source, forms)] == [3, 4, 5, 7]
