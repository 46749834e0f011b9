"""What an import found wrong, located by file, row and field, in plain sentences."""

from __future__ import annotations

import os
import reprlib
import stat
from dataclasses import dataclass, field
from pathlib import Path

#: The most of a bad value a problem ever quotes: enough to find it in the file, never a whole
#: cell or a whole expanded structure.
EXCERPT_CHARS = 60

_short = reprlib.Repr()
_short.maxlevel, _short.maxdict, _short.maxlist, _short.maxtuple, _short.maxset = 2, 4, 4, 4, 4
_short.maxstring, _short.maxother, _short.maxlong = EXCERPT_CHARS + 2, EXCERPT_CHARS, EXCERPT_CHARS


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A quoted, cut picture of a value for a problem message: at most `limit` characters and an
    ellipsis, built without ever formatting the whole value (a cell can be 100,000 characters,
    a YAML value a nested structure)."""
    shown = _short.repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


@dataclass(frozen=True)
class ImportProblem:
    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field {excerpt(self.field)}"
        return f"{where}: {self.message}"


#: The most problems an import keeps to list; the rest are counted. A file of a million bad rows
#: is reported in one pass without keeping a million sentences.
MAX_LISTED_PROBLEMS = 200


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    new_people: list[int] = field(default_factory=list)
    #: Problems found beyond MAX_LISTED_PROBLEMS: counted, not kept.
    unlisted: int = 0
    #: Rows (roster) or facilitator grants (groups) left out because the person ran forget-me
    #: (bot/people/forgotten.py): a count, never who.
    left_out: int = 0

    def add(self, problem: ImportProblem) -> None:
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)
        else:
            self.unlisted += 1

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.unlisted

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unlisted


def file_refusal(path: Path, file: str, limit: int, what: str) -> ImportProblem | None:
    """Why the file at `path` cannot be imported before it is read, if it cannot: missing, not a
    regular file (it is read more than once), or larger than `limit` bytes."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return ImportProblem(file, None, None, "the file does not exist.")
    except OSError:
        return ImportProblem(file, None, None, "the file cannot be opened.")
    if not stat.S_ISREG(info.st_mode):
        return ImportProblem(file, None, None, "this is not a regular file; save the export as a file and import that.")
    if info.st_size > limit:
        return ImportProblem(file, None, None, f"the file is {info.st_size:,} bytes; {what} may be at most {limit // 1_048_576} MB ({limit:,} bytes, see docs/import-formats.md).")
    return None
