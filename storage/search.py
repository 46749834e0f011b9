"""Text search in SQL that means the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import ColumnElement

ESCAPE = "\\"


def _escaped(text: str) -> str:
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains(column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    """`column` holds `text` literally (its % and _ are not wildcards)."""
    return column.like(f"%{_escaped(text)}%", escape=ESCAPE)


def starts_with(column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    return column.like(f"{_escaped(text)}%", escape=ESCAPE)
