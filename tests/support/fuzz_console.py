"""The console line as a hostile-input path: what anyone may type, thrown at the whole bot.

Every command word the registry knows, followed by words chosen to break readers (huge and
foreign numbers, control characters, quotes, dates that do not exist, long text, flags), and
lines of pure noise, are typed at the console adapter by the district's admin — who passes every
role check, so the words reach the deepest reader. The promise checked for each line: it is
answered (no exception reaches the terminal, no "something went wrong"), and a refused line
writes no row.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
from pathlib import Path

from hypothesis import strategies as st

from bot.registry import all_specs
from tests.support.fuzz import InputPath, grown, row_counts

ADMIN = "sam.okafor@district.example"

_HOSTILE_WORDS = [
    "99999999999999999999", "2147483648", "-1", "0", "#0", "#", "²", "１２", "١٢", "1e9", "NaN",
    "\x00", "\x1b[2J", "\u202e", "\ufeff", "\t", "'", '"', "“", "«", "\\", "--", "--at", "--tz", "--every", "--dry-run",
    "2026-02-30", "2026-13-01", "9999-12-31", "0000-01-01", "25:00", "23:60", "12:5", "Mars/Olympus", "America/Chicago",
    "yes", "no", "on", "off", "all", "everyone", "lgbtq", "new-teachers", "%", "_", "*", "x" * 5000, "é" * 300,
    "mentor", "mentee", "daily", "weekly", "es", "en", "zz", "R-0000-0000", "0000-0000-00000",
]
_WORDS = st.one_of(st.sampled_from(_HOSTILE_WORDS), st.text(max_size=12), st.from_regex(r"#?[0-9]{1,24}", fullmatch=True))


def _commands() -> list[str]:
    # Not `forget-me`: once the admin has forgotten themselves, every later line would be typed
    # by a newcomer with no roles. It has property tests of its own (test_privacy.py).
    return sorted({" ".join(spec.words) for spec in all_specs()} - {"forget-me"})


LINE = st.one_of(
    st.builds(lambda head, words, slash: ("/" if slash else "") + " ".join([head, *words]), st.sampled_from(_commands()), st.lists(_WORDS, max_size=5), st.booleans()),
    st.text(max_size=200),
    st.sampled_from(["1", "2", "9", "0", "yes", "no", "help"]),
)
#: A few lines typed one after another: the later ones answer a question, press a numbered
#: button or fill a form the earlier ones opened.
SCRIPTS = st.lists(LINE, min_size=1, max_size=4)


class _Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


@contextlib.asynccontextmanager
async def _console():
    from adapters.console import ConsoleChat, console_user
    from bot.bootstrap import open_runtime, seed_demo
    from bot.clock import FrozenClock
    from bot.config import Settings
    from bot.types import Profile
    from tests.conftest import START

    with tempfile.TemporaryDirectory() as folder:
        runtime = await open_runtime(Settings(database_url=f"sqlite+aiosqlite:///{Path(folder) / 'affinity.db'}"), FrozenClock(START))
        failures = _Failures()
        logging.getLogger("affinity").addHandler(failures)
        try:
            await seed_demo(runtime, Path(folder))

            async def handle(inbound):
                # Each exchange on its own: a refused one has written nothing.
                before = await row_counts(runtime.engine)
                reply = await runtime.bot.handle(inbound)
                if reply.refused:
                    wrote = grown(before, await row_counts(runtime.engine), ignore=frozenset({"cache_generation"}))
                    assert not wrote, f"{inbound.text or inbound.action or inbound.form!r} was refused ({reply.text!r}) but wrote {wrote}"
                return reply

            out = io.StringIO()
            chat = ConsoleChat(handle, console_user(ADMIN), Profile(name="Sam Okafor", email=ADMIN), out=out)
            await chat.send_line("help")

            async def check(script: list[str]) -> None:
                failures.seen.clear()
                out.seek(0)
                out.truncate()

                async def typed():
                    for line in script:
                        yield line

                await chat.run(typed())
                assert not failures.seen, f"{script!r}: {failures.seen}"
                assert "Something went wrong" not in out.getvalue(), repr(script)

            yield check
        finally:
            logging.getLogger("affinity").removeHandler(failures)
            await runtime.close()


CONSOLE_LINE = InputPath("console line", SCRIPTS, _console)
PATHS = (CONSOLE_LINE,)
