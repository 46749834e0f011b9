"""`affinity-bot db backup FILE` and `db restore FILE`.

SQLite: SQLite's online backup API copies the live database page by page in one read
transaction, so a backup taken while `serve` writes is the database as of one moment — every
transaction in it whole or not at all — and `serve` goes on writing meanwhile (in WAL mode a
reader never blocks the writer). The copy is written beside FILE and renamed into place once
SQLite's integrity check passes, so FILE is never half a backup.

A restore copies FILE over the database the same way, in one write transaction, after checking
that FILE is a whole SQLite database of this bot whose schema this version knows; an older
schema is then brought to head. Stop `serve` first: a process that kept running would go on
with what it held in memory from the database that was replaced.

PostgreSQL has its own tools for this, which know its every detail: `pg_dump` and `pg_restore`.
For PostgreSQL both commands print the command to run (without the password, which
`pg_dump` reads from PGPASSWORD or ~/.pgpass) and check the tool is installed.
"""

from __future__ import annotations

import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import ConfigError


@dataclass(frozen=True)
class Done:
    """What a backup or restore did, for the command to print; `ok` False means exit status 1."""

    message: str
    ok: bool = True


def _sqlite_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise ConfigError("DATABASE_URL names an in-memory SQLite database, which has nothing to back up.")
    return Path(url.database)


async def backup(database_url: str, target: Path) -> Done:
    path = _sqlite_path(database_url)
    if path is None:
        return _pg_command("pg_dump", database_url, target)
    if not path.exists():
        raise ConfigError(f"There is no SQLite database at {path} to back up; check DATABASE_URL.")
    if target.exists():
        raise ConfigError(f"{target} already exists; choose a new file name, so no earlier backup is overwritten.")
    import aiosqlite

    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        async with aiosqlite.connect(f"file:{path}?mode=rw", uri=True, timeout=30) as source, aiosqlite.connect(partial) as copy:
            # All pages in one step: one read transaction, so the copy is one moment of the database.
            await source.backup(copy, pages=-1)
            await copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            problems = await _integrity(copy)
            tables, rows = await _size(copy)
        if problems:
            raise ConfigError(f"The copy of {path} failed SQLite's integrity check ({problems}); nothing was written to {target}.")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Done(f"Backed up {path} to {target}: {tables} tables, {rows} rows.")


async def restore(database_url: str, source: Path) -> Done:
    path = _sqlite_path(database_url)
    if path is None:
        return _pg_command("pg_restore", database_url, source)
    if not source.is_file():
        raise ConfigError(f"{source} is not a file; name the backup to restore.")
    import aiosqlite

    from storage.engine import head_revision, open_engine, upgrade

    try:
        async with aiosqlite.connect(f"file:{source}?mode=ro", uri=True) as backup_db:
            problems = await _integrity(backup_db)
            try:
                revision = (await (await backup_db.execute("SELECT version_num FROM alembic_version")).fetchone() or (None,))[0]
            except aiosqlite.Error:
                revision = None
            if problems or revision is None:
                raise ConfigError(f"{source} is not a whole Affinity Bot backup ({problems or 'no schema revision in it'}); nothing was changed.")
            if not _known(revision):
                raise ConfigError(f"{source} is at schema revision {revision}, which this version of the bot does not know (its newest is {head_revision()}); restore it with the version that made it.")
            async with aiosqlite.connect(path, timeout=30) as live:
                await backup_db.backup(live, pages=-1)
                await live.execute("PRAGMA journal_mode=WAL")
            tables, rows = await _size(backup_db)
    except aiosqlite.DatabaseError as exc:
        raise ConfigError(f"{source} could not be read as an SQLite database ({type(exc).__name__}); nothing was changed.") from None
    upgraded = ""
    if revision != head_revision():
        engine = open_engine(database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        upgraded = f"; its schema was brought from {revision} to {head_revision()}"
    return Done(f"Restored {source} into {path}: {tables} tables, {rows} rows{upgraded}.")


def _known(revision: str) -> bool:
    from alembic.script import ScriptDirectory

    from storage.engine import _alembic_config

    try:
        return ScriptDirectory.from_config(_alembic_config()).get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - an unknown id raises
        return False


async def _integrity(conn) -> str:
    rows = await (await conn.execute("PRAGMA quick_check")).fetchall()
    found = [str(r[0]) for r in rows]
    return "" if found == ["ok"] else "; ".join(found[:3])


async def _size(conn) -> tuple[int, int]:
    names = [r[0] for r in await (await conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).fetchall()]
    rows = 0
    for name in names:
        rows += (await (await conn.execute(f'SELECT count(*) FROM "{name}"')).fetchone())[0]
    return len(names), rows


def _pg_command(tool: str, database_url: str, file: Path) -> Done:
    """The pg_dump / pg_restore command for this database (no password in it), and whether the
    tool is installed here."""
    url = make_url(database_url)
    from sqlalchemy.engine import URL

    libpq = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database, query=url.query).render_as_string(hide_password=False)
    if tool == "pg_dump":
        command = ["pg_dump", "--format=custom", "--no-owner", f"--file={file}", f"--dbname={libpq}"]
        what = "Back up PostgreSQL with"
    else:
        command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={libpq}", str(file)]
        what = "Stop `serve`, then restore PostgreSQL with"
    line = f"{what}:\n  {shlex.join(command)}\n(the password comes from PGPASSWORD or ~/.pgpass"
    line += "; then run `affinity-bot db upgrade`.)" if tool == "pg_restore" else ".)"
    if shutil.which(tool) is None:
        return Done(line + f"\n{tool} is not installed here: install the PostgreSQL client tools of your server's version (e.g. the postgresql-client package).", ok=False)
    return Done(line)


__all__ = ["Done", "backup", "restore"]
