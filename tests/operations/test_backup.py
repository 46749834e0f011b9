"""`db backup` while the bot writes, and `db restore`: the restore drill of docs/operations.md."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.engine import open_engine
from tests.support.fuzz import row_counts

BIN = Path(sys.executable).with_name("affinity-bot")


def _env(database_url: str, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AFFINITY_", "SLACK_", "MICROSOFT_"))}
    return {**env, "DATABASE_URL": database_url, **more}


async def _cli(database_url: str, *args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        str(BIN), *args, cwd=cwd, env=_env(database_url, **env), stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def _pairs(engine) -> tuple[int, int]:
    async with engine.connect() as conn:
        rows = dict((await conn.execute(text("SELECT action, count(*) FROM audit_entry WHERE action LIKE 'drill-%' GROUP BY action"))).all())
    return rows.get("drill-a", 0), rows.get("drill-b", 0)


async def test_a_backup_taken_while_writes_happen_restores_to_the_same_counts(sqlite_url, tmp_path):
    live = open_engine(sqlite_url)
    written = 0
    backing_up = asyncio.Event()
    done = asyncio.Event()

    async def writer() -> None:
        # As `serve` does: short transactions, each whole or not at all (two rows that belong together).
        nonlocal written
        while not done.is_set():
            async with live.begin() as conn:
                now = datetime.now(timezone.utc)
                for action in ("drill-a", "drill-b"):
                    await conn.execute(text("INSERT INTO audit_entry (at, actor_id, action, detail) VALUES (:at, NULL, :action, 'restore drill')"), {"at": now, "action": action})
            written += 1
            if written == 200:
                backing_up.set()
            await asyncio.sleep(0)

    task = asyncio.ensure_future(writer())
    backup = tmp_path / "backups" / "affinity-1.db"
    backup.parent.mkdir()
    try:
        await backing_up.wait()
        code, out, err = await _cli(sqlite_url, "db", "backup", str(backup), cwd=tmp_path)
        during = written
        after_backup = during
        while written < during + 200:
            await asyncio.sleep(0.01)
        after_backup = written
    finally:
        done.set()
        await task
    assert code == 0, err
    assert out.startswith(f"Backed up {make_url(sqlite_url).database} to {backup}:")
    assert not backup.with_name(backup.name + ".partial").exists()

    copy = open_engine(f"sqlite+aiosqlite:///{backup}")
    try:
        a, b = await _pairs(copy)
        assert a == b, "every transaction whole in the backup"
        assert 200 <= a < after_backup, "taken while the writes went on"
        in_backup = await row_counts(copy)
    finally:
        await copy.dispose()

    # The drill: restore onto a new machine's empty database, and over the live one.
    fresh = f"sqlite+aiosqlite:///{tmp_path / 'new-host' / 'affinity.db'}"
    (tmp_path / "new-host").mkdir()
    code, out, err = await _cli(fresh, "db", "restore", str(backup), "--yes", cwd=tmp_path)
    assert code == 0, err
    assert "Restored" in out
    await live.dispose()
    code, _, err = await _cli(sqlite_url, "db", "restore", str(backup), "--yes", cwd=tmp_path)
    assert code == 0, err
    for url in (fresh, sqlite_url):
        engine = open_engine(url)
        try:
            assert await row_counts(engine) == in_backup
            assert await _pairs(engine) == (a, b)
        finally:
            await engine.dispose()
    # A restored database is one the bot opens and serves from.
    code, out, err = await _cli(fresh, "doctor", cwd=tmp_path)
    assert code == 0, out


async def test_backup_and_restore_refuse_what_would_lose_something(sqlite_url, tmp_path):
    target = tmp_path / "exists.db"
    target.write_text("an earlier backup")
    code, _, err = await _cli(sqlite_url, "db", "backup", str(target), cwd=tmp_path)
    assert code == 2 and "already exists" in err and target.read_text() == "an earlier backup"

    engine = open_engine(sqlite_url)
    before = await row_counts(engine)
    await engine.dispose()
    code, _, err = await _cli(sqlite_url, "db", "restore", str(target), "--yes", cwd=tmp_path)
    assert code == 2 and "nothing was changed" in err
    code, _, err = await _cli(sqlite_url, "db", "restore", str(target), cwd=tmp_path)
    assert code == 2 and "--yes" in err, "not at a terminal: asks for --yes instead of prompting"
    engine = open_engine(sqlite_url)
    try:
        assert await row_counts(engine) == before
    finally:
        await engine.dispose()


async def test_postgresql_backup_prints_pg_dump_and_checks_it_is_installed(tmp_path):
    url = "postgresql+asyncpg://affinity:s3cret-word@db.district.example:5433/affinity"
    code, out, _ = await _cli(url, "db", "backup", str(tmp_path / "affinity.dump"), cwd=tmp_path, PATH="/usr/bin:/bin")
    assert code == 0, out
    assert "pg_dump --format=custom --no-owner --file=" in out and "--dbname=postgresql://affinity@db.district.example:5433/affinity" in out
    assert "s3cret-word" not in out
    code, out, err = await _cli(url, "db", "backup", str(tmp_path / "affinity.dump"), cwd=tmp_path, PATH=str(tmp_path))
    assert code == 1 and "pg_dump is not installed here" in err
    code, out, _ = await _cli(url, "db", "restore", str(tmp_path / "affinity.dump"), cwd=tmp_path, PATH="/usr/bin:/bin")
    assert code == 0 and "pg_restore --clean --if-exists" in out and "db upgrade" in out
