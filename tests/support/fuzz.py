"""Hostile-input runs: one generator and one check per input path, shared by the tests and bench/fuzz.py.

An input path (a Slack slash command, a Teams invoke, a console line, a roster file…) is an
`InputPath`: a hypothesis strategy of payloads and a harness. The harness is an async context
manager that sets the path up once (a database, a server on loopback, fakes) and yields
`check(example)`, an async function that sends one example and raises AssertionError when the
path breaks its promise: a 5xx, an exception that escaped, or a row written for a payload that
was not as the platform sends it.

The suite runs each path with a modest number of examples; `python -m bench.fuzz` runs the same
paths with ten thousand or more and records how long they took. Both go through `run`, which
keeps one event loop and one harness for all the examples of a path, so an example costs one
request, not one server.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import SearchStrategy

Check = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class InputPath:
    name: str
    strategy: SearchStrategy
    harness: Callable[[], contextlib.AbstractAsyncContextManager[Check]]


@dataclass(frozen=True)
class FuzzRun:
    name: str
    examples: int
    seconds: float


def run(path: InputPath, examples: int, *, derandomize: bool = False) -> FuzzRun:
    """Throw `examples` generated payloads at `path`; raises the first failure hypothesis finds
    (shrunk to its smallest form). Call it from a plain (not async) test: it runs its own loop."""
    loop = asyncio.new_event_loop()
    harness = path.harness()
    count = 0
    try:
        check = loop.run_until_complete(harness.__aenter__())

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=derandomize,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.generate, Phase.shrink),
        )
        @given(path.strategy)
        def one(example: Any) -> None:
            nonlocal count
            count += 1
            loop.run_until_complete(check(example))

        started = time.perf_counter()
        one()
        seconds = time.perf_counter() - started
    finally:
        loop.run_until_complete(harness.__aexit__(None, None, None))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    return FuzzRun(path.name, count, seconds)


async def row_counts(engine) -> dict[str, int]:
    """How many rows each table holds, in one statement: compared before and after an example."""
    from sqlalchemy import func, select

    from storage.models import Base

    tables = Base.metadata.sorted_tables
    statement = select(*(select(func.count()).select_from(table).scalar_subquery().label(table.name) for table in tables))
    async with engine.connect() as conn:
        row = (await conn.execute(statement)).one()
    return dict(zip((table.name for table in tables), row))


def grown(before: dict[str, int], after: dict[str, int], ignore: frozenset[str] = frozenset()) -> dict[str, int]:
    """The tables that gained rows, by how many; `ignore` names tables an example may touch
    legitimately (for example a cache counter)."""
    return {t: after[t] - before.get(t, 0) for t in after if t not in ignore and after[t] > before.get(t, 0)}
