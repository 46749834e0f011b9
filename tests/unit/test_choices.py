"""Long choice lists searched as typed (bot/choices.py and Bot.suggest): folded case and accents,
words starting with the query first, at most 100, and nothing written."""

from __future__ import annotations

from dataclasses import replace

from bot.choices import MOST, matching
from bot.concerns import FILE_FORM
from bot.core import Bot
from bot.types import Option, UserRef
from tests.support.fuzz import grown, row_counts

SITES = tuple(Option(s, s) for s in ("Abraham Lincoln Academy", "Jefferson High", "Lincoln Elementary", "José Martí Elementary", "Berlin Annex"))


def test_matching_folds_case_and_accents_and_puts_word_starts_first():
    assert [o.value for o in matching(SITES, "LIN")] == ["Abraham Lincoln Academy", "Lincoln Elementary", "Berlin Annex"]
    assert [o.value for o in matching(SITES, "jose marti")] == ["José Martí Elementary"]
    assert [o.value for o in matching(SITES, "martí")] == ["José Martí Elementary"]
    assert matching(SITES, "zzz") == []
    assert matching(SITES, "  ") == list(SITES)


def test_matching_answers_at_most_one_hundred():
    many = tuple(Option(f"s{n}", f"Site {n}") for n in range(500))
    assert len(matching(many, "site")) == MOST
    assert len(matching(many, "")) == MOST


async def test_the_bot_suggests_the_district_sites_without_writing_anything(district):
    settings = replace(district.settings, district=replace(district.settings.district, sites=tuple(o.value for o in SITES)))
    bot = Bot(district.sessions, settings, district.clock)
    stranger = UserRef("slack", "T0DISTRICT", "U0NEVERSEEN")
    before = await row_counts(district.engine)
    found = await bot.suggest(stranger, FILE_FORM, "site", "lin\x00")
    assert [o.value for o in found] == ["Abraham Lincoln Academy", "Lincoln Elementary", "Berlin Annex"]
    assert await bot.suggest(stranger, FILE_FORM, "what_happened", "lin") == []
    assert await bot.suggest(stranger, "no.such.form", "site", "lin") == []
    assert grown(before, await row_counts(district.engine)) == {}
