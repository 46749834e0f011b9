"""Bringing the district's groups (YAML) and staff roster (CSV) in, all or nothing."""

from bot.imports.problems import ImportProblem, ImportResult
from bot.imports.groups_file import import_groups, read_groups
from bot.imports.roster_file import import_roster, read_roster

__all__ = ["ImportProblem", "ImportResult", "import_groups", "read_groups", "import_roster", "read_roster"]
