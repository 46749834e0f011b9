"""Roster import at district scale: time and peak memory of importing 150,000 rows.

    python -m bench.imports                                  # SQLite, and PostgreSQL if a URL is given
    python -m bench.imports --pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    python -m bench.imports --rows 150000 --backend sqlite

Writes a 150,000-row roster CSV (the same rows as bench.core: start dates in 2020, a supervisor
for all but the first twenty), migrates an empty database (SQLite file; on PostgreSQL a new
database on the server of --pg-url, dropped afterwards), then imports the file in a child
process that has already imported every module and opened its connection. The child reports
the wall time of `import_roster` plus the commit, the CPU time it used meanwhile (less sensitive
than wall time to other work on a shared machine; on PostgreSQL the server's own CPU is not in
it), and its peak resident memory (ru_maxrss) above the baseline it had just before the import
started. Targets (issue 11): peak < 300 MB
above baseline; no slower than 9.8 s (SQLite) / 17.8 s (PostgreSQL), the figures before the
roster was read as a stream. Record the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_PEAK_MB = 300
TARGET_SECONDS = {"sqlite": 9.8, "postgresql": 17.8}


def write_roster(path: Path, rows: int) -> None:
    with path.open("w") as f:
        f.write("email,name,role,site,start_date,supervisor_email,language,timezone\n")
        for i in range(1, rows + 1):
            boss = f"staff{(i // 20) + 1}@district.example" if i > 20 else ""
            f.write(f"staff{i}@district.example,Staff {i},teacher,Site {i % 200},2020-08-{(i % 28) + 1:02d},{boss},en,America/Chicago\n")


def _maxrss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(url: str, path: Path, trace: bool) -> dict:
    """Run in the child process: everything loaded first, then one import, measured."""
    from datetime import date, datetime, timezone

    from sqlalchemy import text

    from bot.imports import import_roster
    from storage.engine import open_engine, session_maker

    async def go() -> dict:
        engine = open_engine(url)
        sessions = session_maker(engine)
        async with engine.connect() as conn:  # the driver loaded and one connection open
            await conn.execute(text("SELECT 1"))
        baseline = _maxrss_mb()
        if trace:
            import tracemalloc

            tracemalloc.start()
        started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        async with sessions() as session:
            result = await import_roster(session, path, date(2026, 9, 14), datetime(2026, 9, 14, 15, tzinfo=timezone.utc))
            assert result.ok, [str(p) for p in result.problems[:3]]
            await session.commit()
        seconds = time.perf_counter() - started
        used = resource.getrusage(resource.RUSAGE_SELF)
        cpu_seconds = (used.ru_utime - cpu.ru_utime) + (used.ru_stime - cpu.ru_stime)
        figures = {"seconds": seconds, "cpu_seconds": cpu_seconds, "baseline_mb": baseline, "peak_mb": _maxrss_mb(), "created": result.created}
        if trace:
            figures["python_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1_048_576
            tracemalloc.stop()
        await engine.dispose()
        return figures

    return asyncio.run(go())


def _migrate(url: str) -> None:
    from storage.engine import open_engine, upgrade

    async def go() -> None:
        engine = open_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(go())


def measure(backend: str, url: str, path: Path, trace: bool) -> dict:
    _migrate(url)
    command = [sys.executable, "-m", "bench.imports", "--child", url, str(path)] + (["--trace"] if trace else [])
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL", ""), help="a PostgreSQL server (TEST_DATABASE_URL style); a private database is made on it")
    parser.add_argument("--trace", action="store_true", help="also report the peak of Python allocations (tracemalloc; slows the import)")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), args.trace)))
        return 0
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not args.pg_url:
        if args.backend == "postgresql":
            print("PostgreSQL needs --pg-url (or TEST_DATABASE_URL), e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test", file=sys.stderr)
            return 2
        backends.remove("postgresql")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.csv"
        write_roster(path, args.rows)
        size_mb = path.stat().st_size / 1_048_576
        print(f"Python {platform.python_version()}, {os.cpu_count()} cores; roster of {args.rows:,} rows, {size_mb:.1f} MB; load average {os.getloadavg()[0]:.2f}", flush=True)
        print("| backend | rows | seconds | CPU seconds (this process) | peak above baseline | baseline | target |")
        print("|---|---|---|---|---|---|---|")
        for backend in backends:
            if backend == "sqlite":
                url = f"sqlite+aiosqlite:///{Path(folder) / 'import.db'}"
                figures = measure(backend, url, path, args.trace)
            else:
                from tests.support.databases import create_pg_database, drop_pg_database

                url = create_pg_database(args.pg_url)  # migrated already; measure() migrates again (a no-op)
                try:
                    figures = measure(backend, url, path, args.trace)
                finally:
                    drop_pg_database(args.pg_url, url)
            above = figures["peak_mb"] - figures["baseline_mb"]
            met = above < TARGET_PEAK_MB and figures["seconds"] <= TARGET_SECONDS[backend]
            extra = f"; Python allocations peak {figures['python_peak_mb']:.0f} MB" if "python_peak_mb" in figures else ""
            print(
                f"| {backend} | {figures['created']:,} | {figures['seconds']:.1f} s | {figures['cpu_seconds']:.1f} s | {above:.0f} MB | {figures['baseline_mb']:.0f} MB | "
                f"< {TARGET_PEAK_MB} MB, ≤ {TARGET_SECONDS[backend]} s {'✔' if met else '✘'}{extra} |",
                flush=True,
            )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
