"""SPEC §4.7: forgotten stays forgotten. After forget-me, no roster or groups import brings the
person back (nor grants them a role, nor starts their onboarding) until they talk to the bot
again and confirm; only an HMAC of their normalised e-mail is kept for that."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from bot.imports import import_groups, import_roster
from storage.models import ForgottenEmail, Group, InstallationSecret, OnboardingJourney, Person, PlatformLink, RoleGrant
from tests.support.dump import dump_rows, mentions
from tests.support.talk import Speaker

EMAIL = "zelda.quixote@district.example"
NAME = "Zelda Quixote"
ROSTER = f"""email,name,role,site,start_date,supervisor_email,language
ana.boss@district.example,Ana Boss,principal,North High,2015-08-01,,en
{EMAIL},{NAME},teacher,North High,2026-09-01,ana.boss@district.example,es
bo.teacher@district.example,Bo Teacher,teacher,North High,2026-08-10,{EMAIL},en
"""
GROUPS = f"""groups:
  - slug: night-owls
    name: Night Owls
    join: open
    facilitators: [{EMAIL}, ana.boss@district.example]
"""


async def _import(runtime, kind: str, path: Path):
    async with runtime.sessions() as s:
        reader = import_roster if kind == "roster" else import_groups
        result = await reader(s, path, runtime.today(), runtime.now())
        await (s.commit() if result.ok else s.rollback())
    return result


async def _count(runtime, model, *where) -> int:
    async with runtime.sessions() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar()


async def _forgotten_after_imports(runtime, folder: Path) -> Speaker:
    roster, groups = folder / "roster.csv", folder / "groups.yml"
    roster.write_text(ROSTER)
    groups.write_text(GROUPS)
    assert (await _import(runtime, "roster", roster)).ok and (await _import(runtime, "groups", groups)).ok
    assert await _count(runtime, OnboardingJourney) == 1  # she started this month
    zelda = Speaker(runtime, EMAIL, NAME)
    await zelda.say("groups join night-owls --yes")
    await zelda.say("forget-me")
    assert not (await zelda.say("yes")).refused
    return zelda


async def test_a_forgotten_person_stays_out_of_every_later_import(runtime, tmp_path):
    zelda = await _forgotten_after_imports(runtime, tmp_path)
    # The nightly roster and groups imports run again with her in both files.
    roster = await _import(runtime, "roster", tmp_path / "roster.csv")
    assert (roster.ok, roster.created, roster.updated, roster.left_out) == (True, 0, 2, 1)
    groups = await _import(runtime, "groups", tmp_path / "groups.yml")
    assert (groups.ok, groups.left_out) == (True, 1)
    assert await _count(runtime, Person, Person.email == EMAIL) == 0
    assert await _count(runtime, Person, Person.name == NAME) == 0
    assert await _count(runtime, RoleGrant) == 1  # Ana's only
    assert await _count(runtime, OnboardingJourney) == 0  # hers (a recent start) does not start over
    async with runtime.sessions() as s:
        bo = (await s.execute(select(Person).where(Person.email == "bo.teacher@district.example"))).scalar_one()
        assert bo.supervisor_id is None  # his supervisor asked to be forgotten
        # What is kept: one keyed hash of the normalised e-mail, and the installation's key.
        key = bytes.fromhex((await s.execute(select(InstallationSecret.value))).scalar_one())
        assert list((await s.execute(select(ForgottenEmail.digest))).scalars()) == [hmac.new(key, EMAIL.encode(), hashlib.sha256).hexdigest()]
    # The e-mail written another way in the file is the same person.
    shouted = tmp_path / "shouted.csv"
    shouted.write_text(f"email,name\n  {EMAIL.upper()}  ,{NAME}\n")
    assert (await _import(runtime, "roster", shouted)).left_out == 1
    assert await _count(runtime, Person, Person.name == NAME) == 0
    rows = await dump_rows(runtime)
    assert mentions(rows, [EMAIL, NAME, "zelda"]) == []


async def test_talking_again_asks_first_and_only_yes_makes_them_known_again(runtime, tmp_path):
    zelda = await _forgotten_after_imports(runtime, tmp_path)
    people = await _count(runtime, Person)
    asked = await zelda.say("groups")
    assert "`forget-me`" in asked.text and [b.label for b in asked.card.actions] == ["Yes, know me again", "No, stay forgotten"]
    assert await _count(runtime, Person) == people and await _count(runtime, PlatformLink, PlatformLink.user_id == zelda.actor.user_id) == 0
    no = await zelda.press(asked.card.actions[1].label, asked)
    assert no.text == "You stay forgotten: nothing about you was kept. Write again whenever you change your mind."
    assert await _count(runtime, Person) == people and await _count(runtime, ForgottenEmail) == 1
    again = await zelda.say("groups")  # asked again, never let in without an answer
    assert again.card is not None and again.card.title == asked.card.title
    yes = await zelda.say("yes")
    assert yes.text.startswith("Welcome back. The bot knows you again")
    assert await _count(runtime, ForgottenEmail) == 0
    assert await _count(runtime, Person, Person.email == EMAIL) == 1
    listing = await zelda.say("groups")
    assert "Night Owls" in listing.text
    roster = await _import(runtime, "roster", tmp_path / "roster.csv")
    assert (roster.created, roster.updated, roster.left_out) == (0, 3, 0)


def test_the_import_command_says_how_many_rows_it_left_out_naming_nobody(tmp_path, sqlite_template, monkeypatch):
    from bot.bootstrap import open_runtime
    from bot.cli import main
    from bot.config import Settings
    from tests.support.databases import sqlite_copy

    url = sqlite_copy(sqlite_template, tmp_path)

    async def forget() -> None:
        from bot.clock import FrozenClock
        from tests.conftest import START

        runtime = await open_runtime(Settings(database_url=url), FrozenClock(START))
        try:
            await _forgotten_after_imports(runtime, tmp_path)
        finally:
            await runtime.close()

    asyncio.run(forget())
    monkeypatch.setenv("DATABASE_URL", url)
    for lang, sentence in (("en_US.UTF-8", "Rows left out because the person asked to be forgotten (forget-me): 1."), ("es_MX.UTF-8", "Filas omitidas porque la persona pidió que la olvidaran (forget-me): 1.")):
        monkeypatch.setenv("LANG", lang)
        out = CliRunner().invoke(main, ["import", "roster", str(tmp_path / "roster.csv")])
        assert out.exit_code == 0, out.output
        assert sentence in out.output and EMAIL not in out.output and NAME not in out.output and "zelda" not in out.output.lower()
    out = CliRunner().invoke(main, ["import", "groups", str(tmp_path / "groups.yml")])
    assert "Nombramientos de facilitación omitidos porque la persona pidió que la olvidaran (forget-me): 1." in out.output


# The e-mail as another export may write it, and what the person did before forgetting.
VARIANTS = st.sampled_from([EMAIL, EMAIL.upper(), f"  {EMAIL}", "Zelda.Quixote@District.Example "])
BEFORE = st.lists(st.sampled_from(["groups join night-owls --yes", "settings language es", "mentor join mentee", "intros on night-owls", "privacy"]), max_size=4)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(VARIANTS, BEFORE, st.permutations(["roster", "groups"]))
def test_property_after_forget_me_and_reimports_the_database_holds_no_trace(tmp_path_factory, sqlite_template, variant, before, order):
    """Whatever she did first and however the next files spell her e-mail: after forget-me and a
    re-import, no row of any table and no byte of the SQLite file holds her e-mail or name."""
    from bot.bootstrap import open_runtime
    from bot.clock import FrozenClock
    from bot.config import Settings
    from tests.conftest import START
    from tests.support.databases import sqlite_copy

    folder = tmp_path_factory.mktemp("forgotten")
    url = sqlite_copy(sqlite_template, folder)

    async def go() -> list:
        runtime = await open_runtime(Settings(database_url=url), FrozenClock(START))
        try:
            roster, groups = folder / "roster.csv", folder / "groups.yml"
            roster.write_text(ROSTER)
            groups.write_text(GROUPS)
            assert (await _import(runtime, "roster", roster)).ok and (await _import(runtime, "groups", groups)).ok
            zelda = Speaker(runtime, EMAIL, NAME)
            for line in before:
                await zelda.say(line)
            await zelda.say("forget-me")
            await zelda.say("yes")
            roster.write_text(ROSTER.replace(EMAIL, variant, 1))
            groups.write_text(GROUPS.replace(EMAIL, variant.strip()))
            for kind in order:
                result = await _import(runtime, kind, roster if kind == "roster" else groups)
                assert result.ok and result.left_out == 1, [str(p) for p in result.problems]
            return await dump_rows(runtime)
        finally:
            await runtime.close()  # the last connection checkpoints SQLite's write-ahead log

    rows = asyncio.run(go())
    assert mentions(rows, [EMAIL, NAME, "zelda", "quixote"]) == []
    database = Path(url.removeprefix("sqlite+aiosqlite:///"))
    raw = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    assert b"Ana Boss" in raw and b"ana.boss@district.example" in raw  # the search can find people
    for needle in (EMAIL, NAME, "zelda", "quixote"):
        for form in {needle, needle.upper(), needle.title()}:
            assert form.encode() not in raw, form
            assert form.encode("utf-16-le") not in raw, form
