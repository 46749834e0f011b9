"""Hostile input at scale: every input path of tests/support/fuzz_*.py with ten thousand examples or more.

    python -m bench.fuzz                          # every path, 10,000 examples each
    python -m bench.fuzz --examples 500 --path "console line"
    python -m bench.fuzz --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

The suite runs the same paths with a modest number of examples; this runs them long enough to
find what a short run misses. Each path prints its name, the examples run and the time they
took; a path whose promise breaks is marked broken in the table, the smallest payload that
breaks it is printed after it, and the exit status is 1.
Record the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import platform
import sys

import tests.support
from tests.support import fuzz


def paths(database_url: str | None = None) -> list[fuzz.InputPath]:
    """Every input path of the modules tests/support/fuzz_*.py, in module order: a module's
    `paths(database_url)` where it can run on a given database, else its `PATHS`."""
    found: list[fuzz.InputPath] = []
    for name in sorted(m.name for m in pkgutil.iter_modules(tests.support.__path__) if m.name.startswith("fuzz_")):
        module = importlib.import_module(f"tests.support.{name}")
        found.extend(module.paths(database_url) if hasattr(module, "paths") else module.PATHS)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--path", action="append", help="run only the path(s) of this name")
    parser.add_argument("--database-url", help="where the paths that take one run (default: a SQLite file of their own)")
    args = parser.parse_args(argv)
    every = paths(args.database_url)
    chosen = [p for p in every if not args.path or p.name in args.path]
    if not chosen:
        print(f"No input path is called {args.path}; there are: {', '.join(p.name for p in every)}.", file=sys.stderr)
        return 2
    print(f"Python {platform.python_version()}, {args.examples:,} examples per path", flush=True)
    print("| input path | examples | seconds | examples/s |")
    print("|---|---|---|---|")
    broken: list[tuple[str, BaseException]] = []
    for path in chosen:
        try:
            result = fuzz.run(path, args.examples)
        except Exception as exc:  # noqa: BLE001 - the smallest failing payload, shown after the table
            broken.append((path.name, exc))
            print(f"| {path.name} | broken | — | — |", flush=True)
            continue
        print(f"| {result.name} | {result.examples:,} | {result.seconds:.1f} | {result.examples / result.seconds:,.0f} |", flush=True)
    for name, exc in broken:
        print(f"\n{name}: {type(exc).__name__}\n{exc}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
