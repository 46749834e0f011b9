"""What an import found wrong, located by file, row and field, in plain sentences."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field

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


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    new_people: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
