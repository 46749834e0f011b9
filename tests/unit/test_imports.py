"""Roster CSV and groups YAML: every problem located by file, row and field; all or nothing."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from bot.imports import import_groups, import_roster, read_groups, read_roster
from storage.models import Group, Person, RoleGrant

GOOD_ROSTER = """email,name,role,site,start_date,supervisor_email,language,timezone
ana.boss@district.example,Ana Boss,principal,North High,2015-08-01,,en,America/Chicago
bo.teacher@district.example,Bo Teacher,teacher,North High,2026-08-10,ana.boss@district.example,es,
"""

GOOD_GROUPS = """groups:
  - slug: night-owls
    name: Night Owls
    description: Staff who work evenings.
    kind: interest
    tags: [evening]
    join: approval
    eligibility:
      exclude_job_roles: [principal]
    facilitators: [ana.boss@district.example]
    channels:
      slack: {tenant: T123, channel: C123}
"""


async def _count(runtime, model) -> int:
    async with runtime.sessions() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar()


async def _import(runtime, kind: str, path: Path):
    async with runtime.sessions() as s:
        reader = import_roster if kind == "roster" else import_groups
        result = await reader(s, path, runtime.today(), runtime.now())
        await (s.commit() if result.ok else s.rollback())
    return result


async def test_good_files_import_and_reimport_updates(runtime, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(GOOD_ROSTER)
    result = await _import(runtime, "roster", roster)
    assert (result.ok, result.created, result.updated) == (True, 2, 0)
    groups = tmp_path / "groups.yml"
    groups.write_text(GOOD_GROUPS)
    result = await _import(runtime, "groups", groups)
    assert (result.ok, result.created) == (True, 1)
    result = await _import(runtime, "roster", roster)
    assert (result.created, result.updated) == (0, 2)
    async with runtime.sessions() as s:
        bo = (await s.execute(select(Person).where(Person.email == "bo.teacher@district.example"))).scalar_one()
        boss = (await s.execute(select(Person).where(Person.email == "ana.boss@district.example"))).scalar_one()
        assert bo.supervisor_id == boss.id and bo.language == "es"
        assert (await s.execute(select(func.count()).select_from(RoleGrant))).scalar() == 1


async def test_roster_problems_name_file_row_and_field_and_write_nothing(runtime, tmp_path):
    bad = tmp_path / "staff.csv"
    bad.write_text(
        GOOD_ROSTER
        + "not-an-email,Somebody,teacher,North,2026-01-01,,en,\n"
        + "cy@district.example,,teacher,North,01/02/2026,,xx,Mars/Base\n"
        + "bo.teacher@district.example,Bo Again,teacher,North,,,en,\n"
        + "dee@district.example,Dee,teacher,North,,nobody@district.example,en,\n"
    )
    result = await _import(runtime, "roster", bad)
    messages = [str(p) for p in result.problems]
    assert any("staff.csv, row 4, field 'email'" in m for m in messages)
    assert any("row 5, field 'name'" in m for m in messages)
    assert any("row 5, field 'start_date'" in m and "YYYY-MM-DD" in m for m in messages)
    assert any("row 5, field 'language'" in m for m in messages)
    assert any("row 5, field 'timezone'" in m for m in messages)
    assert any("row 6, field 'email'" in m and "first on row 3" in m for m in messages)
    assert await _count(runtime, Person) == 0
    # A supervisor nobody knows is only found once the rows are read.
    lonely = tmp_path / "lonely.csv"
    lonely.write_text("email,name,supervisor_email\ndee@district.example,Dee,nobody@district.example\n")
    result = await _import(runtime, "roster", lonely)
    assert "lonely.csv, row 2, field 'supervisor_email'" in str(result.problems[0])
    assert await _count(runtime, Person) == 0


async def test_groups_problems_and_unknown_facilitator_write_nothing(runtime, tmp_path):
    path = tmp_path / "groups.yml"
    path.write_text(GOOD_GROUPS + "  - slug: Bad Slug!\n    name: ''\n    join: sometimes\n    colour: blue\n")
    result = await _import(runtime, "groups", path)
    messages = [str(p) for p in result.problems]
    assert any("groups.yml, row 2, field 'slug'" in m for m in messages)
    assert any("row 2, field 'join'" in m for m in messages)
    assert any("row 2, field 'colour'" in m for m in messages)
    path.write_text(GOOD_GROUPS)  # facilitator is not in the (empty) roster
    result = await _import(runtime, "groups", path)
    assert "import the roster first" in str(result.problems[0])
    assert await _count(runtime, Group) == 0
    path.write_text("groups: [unclosed\n")
    result = await _import(runtime, "groups", path)
    assert "not valid YAML near line" in str(result.problems[0])


ROSTER_CELLS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["a@b.example", "x@district.example", "2026-01-01", "2026-13-40", "en", "es", "America/Chicago", "", '"', ",", "\n"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(ROSTER_CELLS, min_size=0, max_size=10), max_size=8), st.booleans())
def test_roster_reader_never_crashes_and_reports_or_accepts_every_row(rows, with_header):
    out = io.StringIO()
    writer = csv.writer(out)
    if with_header:
        writer.writerow(["email", "name", "role", "site", "start_date", "end_date", "supervisor_email", "language", "timezone"])
    writer.writerows(rows)
    accepted, problems = read_roster(out.getvalue(), "fuzz.csv")
    assert all(p.file == "fuzz.csv" and p.message for p in problems)
    assert all(r.email and r.name for r in accepted)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_roster_reader_takes_any_text(raw):
    accepted, problems = read_roster(raw, "any.csv")
    assert all(p.message for p in problems)


YAML_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=15), st.sampled_from(["open", "approval", "identity", "lgbtq-educators"])),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.sampled_from(["slug", "name", "join", "kind", "tags", "eligibility", "facilitators", "channels", "resources", "x"]), children, max_size=5)),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(YAML_VALUES)
def test_groups_reader_never_crashes(value):
    import yaml

    accepted, problems = read_groups(yaml.safe_dump({"groups": value} if isinstance(value, list) else value), "fuzz.yml")
    assert all(p.file == "fuzz.yml" and p.message for p in problems)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["good", "bad_email", "bad_date", "dup", "bad_lang"]), min_size=1, max_size=6))
async def test_property_import_is_all_or_nothing(sqlite_runtime, tmp_path, kinds):
    import secrets

    # The database is shared by the examples of one run: every example uses new addresses.
    tag = secrets.token_hex(4)
    lines = ["email,name,start_date,language"]
    for i, kind in enumerate(kinds):
        email = f"p{i}.{tag}@district.example" if kind != "dup" else f"p0.{tag}@district.example"
        lines.append(
            {
                "good": f"{email},Person {i},2026-01-01,en",
                "bad_email": f"p{i}-at-district,Person {i},2026-01-01,en",
                "bad_date": f"{email},Person {i},yesterday,en",
                "dup": f"{email},Person {i},2026-01-01,en",
                "bad_lang": f"{email},Person {i},2026-01-01,klingon",
            }[kind]
        )
    path = tmp_path / f"r{len(kinds)}.csv"
    path.write_text("\n".join(lines) + "\n")
    before = await _count(sqlite_runtime, Person)
    result = await _import(sqlite_runtime, "roster", path)
    after = await _count(sqlite_runtime, Person)
    emails = [f"p{i}" if k == "good" else "p0" for i, k in enumerate(kinds) if k in ("good", "dup")]
    clean = all(k in ("good", "dup") for k in kinds) and len(set(emails)) == len(emails)
    assert result.ok == clean
    assert after == (before + len(kinds) if clean else before)


# --- hostile files: aliases, anchors, tags, and values too long to quote (issue 11) ----------

ALIAS_BOMB = (
    "groups:\n  - slug: bomb\n    name: Bomb\n    facilitators:\n"
    '      - &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(
        f"      - &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
)


def test_alias_bomb_is_refused_at_once_naming_its_line_with_small_memory(tmp_path):
    import tracemalloc

    assert ALIAS_BOMB.count("*") == 72  # nine levels of nine: 9**9 strings once expanded
    tracemalloc.start()
    try:
        accepted, problems = read_groups(ALIAS_BOMB, "bomb.yml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert accepted == [] and len(problems) == 1
    message = str(problems[0])
    assert message == "bomb.yml: line 5 sets an anchor (&name); anchors and aliases are not accepted, write each value out in full."
    assert peak < 2_000_000, peak  # nothing was expanded


@pytest.mark.parametrize(
    "text, line, what",
    [
        ("groups:\n  - slug: a-b\n    name: *x\n", 3, "alias"),
        ("groups:\n  - slug: a-b\n    description: &d Staff\n    name: Group\n", 3, "anchor"),
        ("groups:\n  - slug: a-b\n    name: !!str Night Owls\n", 3, "tag"),
        ("groups:\n  - slug: a-b\n    name: !shout Night Owls\n", 3, "tag"),
        ("groups: !!python/object/apply:os.system [echo]\n", 1, "tag"),
        ("groups:\n" + "  " * 1 + "- slug: a-b\n    tags: " + "[" * 30 + "]" * 30 + "\n", 3, "levels deep"),
    ],
)
def test_anchors_aliases_tags_and_deep_nesting_are_refused_with_one_sentence(text, line, what):
    accepted, problems = read_groups(text, "g.yml")
    assert accepted == [] and len(problems) == 1
    message = str(problems[0])
    assert message.startswith(f"g.yml: line {line} ") and what in message and message.count(".") >= 1


def test_problem_messages_quote_at_most_a_short_cut_excerpt(tmp_path):
    long_value = "x" * 15_000
    roster = (
        "email,name,start_date,language,timezone,supervisor_email\n"
        f"{long_value},Ann,{long_value},{long_value},{long_value},{long_value}\n"
    )
    _, problems = read_roster(roster, "r.csv")
    assert {p.field for p in problems} >= {"email", "start_date", "language", "timezone", "supervisor_email"}
    for problem in problems:
        assert len(str(problem)) < 200 and long_value not in str(problem)
    assert any("…" in str(p) for p in problems)
    long_key = "k" * 1000  # YAML's longest plain key
    groups = (
        "groups:\n  - slug: a-b\n    name: Group\n"
        f"    facilitators: [{long_value}@d.example, {{nested: [{', '.join(['[1, 2, 3]'] * 500)}]}}]\n"
        f"    eligibility: {{{long_key}: [x]}}\n"
        f"    channels: {{{long_key}: {{tenant: T, channel: C}}}}\n"
        f"    {long_key}: 1\n"
    )
    _, problems = read_groups(groups, "g.yml")
    assert [p.message for p in problems if p.row is None] == []
    assert {p.field for p in problems} >= {"facilitators", "eligibility", "channels"}
    assert len(problems) == 5
    for problem in problems:
        assert len(str(problem)) < 260 and long_key not in str(problem), str(problem)[:300]


# --- size limits, streaming, one pass of problems (issue 11, issue 12 item 8) -----------------


async def test_files_over_the_size_limits_are_refused_from_their_size_with_one_sentence(runtime, tmp_path):
    from bot.imports import groups_file, roster_file

    for kind, name, limit, words in (("roster", "big.csv", roster_file.MAX_BYTES, "a roster may be at most 200 MB"), ("groups", "big.yml", groups_file.MAX_BYTES, "a groups file may be at most 5 MB")):
        path = tmp_path / name
        with path.open("wb") as f:
            f.truncate(limit + 1)  # sparse: all NUL bytes, so reading it would give another answer
        result = await _import(runtime, kind, path)
        assert [str(p) for p in result.problems] == [f"{path}: the file is {limit + 1:,} bytes; {words} ({limit:,} bytes, see docs/import-formats.md)."]
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result = await _import(runtime, "roster", fifo)
    assert "not a regular file" in str(result.problems[0])
    assert await _count(runtime, Person) == 0


async def test_roster_check_keeps_memory_constant_in_the_number_of_bad_rows(sqlite_runtime, tmp_path):
    import tracemalloc

    path = tmp_path / "wide.csv"
    with path.open("w") as f:
        f.write("email,name,language\n")
        for i in range(120_000):
            f.write(f"person{i}@district.example,Person Number {i} With A Longer Name,klingon\n")
    size = path.stat().st_size
    assert size > 8_000_000
    async with sqlite_runtime.sessions() as session:
        tracemalloc.start()
        try:
            # Every row is bad, so the check is all the import does.
            result = await import_roster(session, path, sqlite_runtime.today(), sqlite_runtime.now())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result.problem_count == 120_000 and len(result.problems) == 200 and result.unlisted == 119_800
    assert peak < size / 4, (peak, size)


async def test_every_problem_is_reported_in_one_run(runtime, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("email,name,language,supervisor_email\nann@district.example,Ann,xx,\nbo@district.example,Bo,en,nobody@district.example\n")
    result = await _import(runtime, "roster", path)
    assert [(p.row, p.field) for p in result.problems] == [(2, "language"), (3, "supervisor_email")]
    roster = tmp_path / "roster.csv"
    roster.write_text(GOOD_ROSTER)
    assert (await _import(runtime, "roster", roster)).ok
    groups = tmp_path / "groups.yml"
    groups.write_text(GOOD_GROUPS + "  - slug: second\n    name: Second\n    facilitators: [stranger@district.example]\n  - slug: Bad!\n    name: Third\n")
    result = await _import(runtime, "groups", groups)
    assert sorted((p.row, p.field) for p in result.problems) == [(2, "facilitators"), (3, "slug")]
    assert await _count(runtime, Group) == 0


async def test_large_roster_is_written_in_batches_with_supervisors_named_later_in_the_file(runtime, tmp_path):
    path = tmp_path / "staff.csv"
    rows = 12_000  # more than two batches
    with path.open("w") as f:
        f.write("email,name,supervisor_email\n")
        for i in range(rows):
            boss = f"s{rows - 1}@district.example" if i < rows - 1 else ""
            f.write(f"s{i}@district.example,Staff {i},{boss}\n")
    result = await _import(runtime, "roster", path)
    assert (result.ok, result.created, len(result.new_people)) == (True, rows, rows)
    async with runtime.sessions() as s:
        boss = (await s.execute(select(Person.id).where(Person.email == f"s{rows - 1}@district.example"))).scalar_one()
        supervised = (await s.execute(select(func.count()).select_from(Person).where(Person.supervisor_id == boss))).scalar()
    assert supervised == rows - 1


async def test_a_roster_that_changes_before_its_supervisors_are_linked_writes_nothing(runtime, tmp_path, monkeypatch):
    # The roster is read once to check and write it, and again for two cells a row to link
    # supervisors: a file that changed in between is refused whole, never half linked.
    from bot.imports import roster_file

    path = tmp_path / "staff.csv"
    path.write_text("email,name,supervisor_email\nboss@district.example,Boss,\n" + "".join(f"p{i}@district.example,P {i},boss@district.example\n" for i in range(7_000)))
    real_link = roster_file._link_supervisors

    async def change_then_link(session, lines):
        with path.open("a") as f:
            f.write("late@district.example,Late Comer,\n")
        await real_link(session, lines)

    monkeypatch.setattr(roster_file, "_link_supervisors", change_then_link)
    result = await _import(runtime, "roster", path)
    assert [str(p) for p in result.problems] == [f"{path}: the file changed while it was being imported; nothing was imported, run the import again."]
    assert await _count(runtime, Person) == 0


# --- property tests of both import paths (tests/support/fuzz_imports.py; bench/fuzz.py runs more)


@pytest.mark.parametrize("which", ["roster", "groups"])
def test_property_hostile_import_files_are_refused_cleanly_or_imported_whole(database_url, which):
    from tests.support import fuzz
    from tests.support.fuzz_imports import groups_path, roster_path

    path = roster_path(database_url) if which == "roster" else groups_path(database_url)
    assert fuzz.run(path, 120).examples >= 100


async def test_a_channel_held_by_another_group_is_a_problem_not_a_crash(runtime, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(GOOD_ROSTER)
    assert (await _import(runtime, "roster", roster)).ok
    groups = tmp_path / "groups.yml"
    groups.write_text(GOOD_GROUPS)
    assert (await _import(runtime, "groups", groups)).ok
    other = tmp_path / "other.yml"
    other.write_text("groups:\n  - slug: early-birds\n    name: Early Birds\n    channels:\n      slack: {tenant: T123, channel: C123}\n")
    result = await _import(runtime, "groups", other)
    assert [str(p) for p in result.problems] == [f"{other}, row 1, field 'channels': slack channel 'C123' is already the channel of night-owls, which this file leaves out."]
    both = tmp_path / "both.yml"
    both.write_text(other.read_text() + "  - slug: late-owls\n    name: Late Owls\n    channels:\n      slack: {tenant: T123, channel: C123}\n")
    result = await _import(runtime, "groups", both)
    assert any("is also the channel of group 1" in str(p) for p in result.problems)
    # Moving the channel from one group to another in one file is fine.
    moved = tmp_path / "moved.yml"
    moved.write_text("groups:\n  - slug: early-birds\n    name: Early Birds\n    channels:\n      slack: {tenant: T123, channel: C123}\n  - slug: night-owls\n    name: Night Owls\n")
    assert (await _import(runtime, "groups", moved)).ok
    assert await _count(runtime, Group) == 2


async def test_rows_shorter_than_the_header_read_as_empty_cells_when_supervisors_are_linked(runtime, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("email,name,supervisor_email\nboss@district.example,Boss\nann@district.example,Ann,boss@district.example\n")
    result = await _import(runtime, "roster", path)
    assert (result.ok, result.created) == (True, 2)
    async with runtime.sessions() as s:
        ann = (await s.execute(select(Person).where(Person.email == "ann@district.example"))).scalar_one()
        assert ann.supervisor_id is not None


async def test_a_roster_zone_is_read_as_meeting_tz_reads_it(runtime, tmp_path):
    """`import roster` refused `america/denver` while `meeting --tz` accepted it (issue 12, item 8):
    one zone reader, in any case, storing the name as IANA spells it."""
    roster = tmp_path / "roster.csv"
    roster.write_text(GOOD_ROSTER.replace("America/Chicago", "america/denver").replace(",es,\n", ",es,EUROPE/MADRID\n"))
    result = await _import(runtime, "roster", roster)
    assert result.ok, result.problems
    async with runtime.sessions() as s:
        zones = dict((await s.execute(select(Person.email, Person.timezone))).all())
    assert zones == {"ana.boss@district.example": "America/Denver", "bo.teacher@district.example": "Europe/Madrid"}
    roster.write_text(GOOD_ROSTER.replace("America/Chicago", "Mars/Olympus_Mons"))
    result = await _import(runtime, "roster", roster)
    assert not result.ok and [p.field for p in result.problems] == ["timezone"]
