"""A `/groups` the core keeps in memory is answered over HTTP exactly as the first one was, and
stops being kept the moment the person's own action changes what it shows."""

from __future__ import annotations

from dataclasses import replace

from adapters.slack.render import escape
from bot.core import Bot
from bot.types import Inbound, UserRef
from tests.adapters.slack.conftest import LUIS, TEAM


def _counts(body) -> list[str]:
    return [f["text"] for b in body["blocks"] if b["type"] == "section" for f in b.get("fields", [])]


async def test_a_repeated_command_is_answered_from_memory_with_the_same_body(workspace, district):
    status, first = await workspace.command("/groups")  # a first contact: linked by e-mail
    assert status == 200 and first["blocks"]
    assert await workspace.command("/groups") == (200, first)  # read from the database, and kept
    hits = district.bot.cache.hits
    for _ in range(3):
        status, again = await workspace.command("/groups")
        assert status == 200 and again == first
    assert district.bot.cache.hits == hits + 3
    # Luis reads Spanish: his own answer, the one the core gives him with nothing kept.
    for _ in range(2):
        status, luis = await workspace.command("/groups", user=LUIS)
        uncached = Bot(district.sessions, replace(district.settings, cache_check_ms=0), district.clock)
        expected = await uncached.handle(Inbound(actor=UserRef("slack", TEAM, LUIS.user_id), text="groups"))
        assert status == 200 and luis["text"] == escape(expected.text) != first["text"]


async def test_joining_changes_the_next_listing_at_once(workspace, district):
    _, first = await workspace.command("/groups")
    assert await workspace.command("/groups") == (200, first)
    assert _counts(first)[0] == "*Members*\n6"  # Bilingual Staff, first by name
    status, joined = await workspace.command("/groups", "join bilingual-staff --yes")
    assert status == 200 and "Bilingual" in joined["text"]
    _, after = await workspace.command("/groups")
    assert _counts(after)[0] == "*Members*\n7"
