"""Both imports as hostile-input paths: roster CSV and groups YAML files, made to break readers.

Each example is a whole file (bytes) and, when the generator knows it, whether the file is valid:
files built row by row from good and bad cells (the answer known), good files mutated at random
(bytes inserted, cut or repeated, a NUL, bytes that are not UTF-8, a quote), YAML with anchors,
aliases, tags and deep nesting, and plain noise. The promise checked for each file, through
`import_roster` / `import_groups` and the caller's commit-or-rollback as `affinity-bot import`
does it: no exception escapes; a refused file gets problems, each one short sentence naming the
file, and writes no row (row_counts/grown); a file known to be valid is imported, one known to be
bad is refused.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from hypothesis import strategies as st

from tests.support.fuzz import InputPath, grown, row_counts

#: The longest a problem may read: the file's path, a row, a field and one sentence quoting at
#: most a 60-character excerpt.
MAX_PROBLEM_CHARS = 400
FACILITATORS = ("lena.fischer@district.example", "jordan.reyes@district.example")
#: Tables a valid import may add rows to.
ROSTER_TABLES = frozenset({"person", "onboarding_journey", "audit_entry"})
GROUPS_TABLES = frozenset({"affinity_group", "group_channel", "role_grant", "audit_entry"})


@dataclass(frozen=True)
class ImportFile:
    data: bytes
    #: True: the file is valid and must be imported; False: it must be refused; None: unknown.
    valid: bool | None
    rows: int = 0


# --- roster ---------------------------------------------------------------------------------

_GOOD_CELLS = {
    "name": st.sampled_from(["Ana Boss", "Bo", "José Núñez", "O'Brien, Pat", 'Quote "Q" Person', "名前"]),
    "role": st.sampled_from(["", "teacher", "principal", "IT Administrator"]),
    "site": st.sampled_from(["", "North High", "Lincoln Elementary"]),
    "start_date": st.sampled_from(["", "2026-08-10", "2015-01-31", "2026-09-14"]),
    "language": st.sampled_from(["", "en", "es", "ES"]),
    "timezone": st.sampled_from(["", "America/Chicago", "Europe/Madrid", "UTC"]),
}
_BAD_CELLS = {
    "email": st.sampled_from(["", "not-an-email", "a b@district.example", "x" * 400 + "@d.example"]),
    "name": st.sampled_from(["", "n" * 201]),
    "start_date": st.sampled_from(["yesterday", "2026-02-30", "01/02/2026", "9" * 80]),
    "language": st.sampled_from(["klingon", "e n", "x" * 5000]),
    "timezone": st.sampled_from(["Mars/Base", "../../etc/passwd", "/etc/localtime", "z" * 300, "America/"]),
    "role": st.just("r" * 101),
    "supervisor_email": st.sampled_from(["nobody@elsewhere.example", "boss-at-district"]),
}
COLUMNS = ["email", "name", "role", "site", "start_date", "supervisor_email", "language", "timezone"]


@st.composite
def _built_roster(draw) -> ImportFile:
    count = draw(st.integers(min_value=1, max_value=8))
    numbers = draw(st.lists(st.integers(min_value=0, max_value=40), min_size=count, max_size=count))
    valid = True
    lines = []
    emails = [f"staff{n}@district.example" for n in numbers]
    if len(set(emails)) < len(emails):
        valid = False  # a repeated e-mail
    for i, email in enumerate(emails):
        row = {column: draw(strategy) for column, strategy in _GOOD_CELLS.items()}
        row["email"], row["supervisor_email"] = email, ""
        if i and draw(st.booleans()):
            row["supervisor_email"] = emails[draw(st.integers(min_value=0, max_value=i - 1))]
            if row["supervisor_email"] == email:
                valid = False
        if draw(st.integers(min_value=0, max_value=4)) == 0:
            column = draw(st.sampled_from(sorted(_BAD_CELLS)))
            row[column] = draw(_BAD_CELLS[column])
            valid = False
        lines.append(row)
    columns = draw(st.permutations(COLUMNS))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writeheader()
    writer.writerows(lines)
    text = out.getvalue()
    if draw(st.booleans()):
        # Some exports leave trailing empty cells out: a short row reads them as empty.
        header, _, body = text.partition("\n")
        text = header + "\n" + re.sub(r",+(\r?\n)", r"\1", body)
    if draw(st.booleans()):
        text = "\ufeff" + text  # a spreadsheet's "CSV UTF-8"
    return ImportFile(text.encode("utf-8"), valid, count)


@st.composite
def _mutated(draw, base: st.SearchStrategy) -> ImportFile:
    data = bytearray(draw(base).data)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        action = draw(st.sampled_from(["insert", "cut", "repeat", "byte"]))
        if action == "insert":
            data[at:at] = draw(
                st.one_of(
                    st.sampled_from([b"\x00", b"\xff\xfe", b"\xc3", b'"', b",", b"\n", b"\r", b"&a ", b"*a", b"!!str ", b"[" * 50, b"\xe2\x80\xae", b"x" * 3000]),
                    st.binary(max_size=16),
                )
            )
        elif action == "cut":
            del data[at : at + draw(st.integers(min_value=1, max_value=40))]
        elif action == "repeat":
            end = min(len(data), at + draw(st.integers(min_value=1, max_value=80)))
            data[at:at] = data[at:end]
        elif data:
            data[min(at, len(data) - 1)] = draw(st.integers(min_value=0, max_value=255))
    return ImportFile(bytes(data), None)


_NOISE = st.one_of(
    st.binary(max_size=300).map(lambda b: ImportFile(b, None)),
    st.text(max_size=300).map(lambda t: ImportFile(t.encode("utf-8", "surrogatepass"), None)),
)
ROSTER_FILES = st.one_of(_built_roster(), _mutated(_built_roster()), _NOISE)


# --- groups ---------------------------------------------------------------------------------


class _PlainDumper(yaml.SafeDumper):
    """A dumper that writes every value out in full: no anchors for repeated lists."""

    def ignore_aliases(self, data) -> bool:  # noqa: D102
        return True


_GOOD_GROUP = {
    "name": st.sampled_from(["Night Owls", "Staff Voices ERG", "Bilingüe", "名前"]),
    "description": st.sampled_from(["", "Staff who work evenings.", "d" * 2000]),
    "kind": st.sampled_from(["identity", "interest", "role", "new-staff"]),
    "tags": st.lists(st.sampled_from(["evening", "erg", "voice"]), max_size=3),
    "listed": st.booleans(),
    "join": st.sampled_from(["open", "approval"]),
    "eligibility": st.sampled_from([{}, {"exclude_job_roles": ["principal"]}, {"sites": ["North High"]}, {"started_within_days": 730}]),
    "resources": st.sampled_from([[], [{"title": "Notes", "url": "https://district.example/notes"}]]),
    "facilitators": st.lists(st.sampled_from(FACILITATORS), max_size=2, unique=True),
    # A channel belongs to one group: each group's are named after its slug (see _built_groups).
    "channels": st.sampled_from([{}, {"slack": {"tenant": "T123", "channel": "C-{slug}"}}, {"teams": {"tenant": "t", "channel": "19:{slug}@thread.tacv2"}}]),
}
_BAD_GROUP = {
    "slug": st.sampled_from(["Bad Slug!", "x", "s" * 80, 5, None, ["a"]]),
    "name": st.sampled_from(["", "n" * 201, 7, None, {"a": 1}]),
    "description": st.sampled_from(["d" * 2001, ["list"]]),
    "kind": st.sampled_from(["secret", 1]),
    "tags": st.sampled_from(["not-a-list", [1, 2], ["t" * 51]]),
    "listed": st.sampled_from(["yes please", 1]),
    "join": st.sampled_from(["sometimes", None]),
    "eligibility": st.sampled_from([[1], {"shoe_size": [1]}, {"started_within_days": -1}, {"sites": "North"}]),
    "resources": st.sampled_from([[{"title": "x", "url": "ftp://x"}], "https://x"]),
    "facilitators": st.sampled_from([["stranger@district.example"], ["not-an-email"], "lena.fischer@district.example", [None]]),
    "channels": st.sampled_from([{"irc": {"tenant": "t", "channel": "c"}}, {"slack": {"channel": "C"}}, ["slack"], {"slack": {"tenant": "T" * 101, "channel": "C"}}]),
    "colour": st.just("blue"),
    "name_with_nul": st.just("Night\x00Owls"),
}


@st.composite
def _built_groups(draw) -> ImportFile:
    count = draw(st.integers(min_value=1, max_value=5))
    slugs = draw(st.lists(st.sampled_from(["night-owls", "staff-voices", "new-teachers", "bilingual-staff", "lgbtq-educators", "g2"]), min_size=count, max_size=count))
    valid = len(set(slugs)) == len(slugs)
    groups = []
    for slug in slugs:
        group = {"slug": slug, **{key: draw(strategy) for key, strategy in _GOOD_GROUP.items() if key == "name" or draw(st.booleans())}}
        if "channels" in group:
            group["channels"] = {platform: {"tenant": where["tenant"], "channel": where["channel"].format(slug=slug)} for platform, where in group["channels"].items()}
        if draw(st.integers(min_value=0, max_value=3)) == 0:
            key = draw(st.sampled_from(sorted(_BAD_GROUP)))
            group["name" if key == "name_with_nul" else key] = draw(_BAD_GROUP[key])
            valid = False
        groups.append(group)
    document = {"groups": groups} if draw(st.booleans()) else groups
    text = yaml.dump(document, Dumper=_PlainDumper, allow_unicode=draw(st.booleans()), default_flow_style=draw(st.sampled_from([None, False, True])))
    return ImportFile(text.encode("utf-8"), valid, count)


def _alias_bomb(levels: int, width: int) -> str:
    lines = ["groups:", "  - slug: bomb", "    name: Bomb", "    facilitators:", f"      - &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"      - &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


_HOSTILE_YAML = st.one_of(
    st.builds(_alias_bomb, st.integers(min_value=2, max_value=12), st.integers(min_value=2, max_value=12)),
    st.sampled_from(
        [
            "groups:\n  - slug: a-b\n    name: !!python/object/apply:os.system [echo]\n",
            "groups: !!binary aGVsbG8=\n",
            "groups:\n  - &g {slug: a-b, name: A}\n  - *g\n",
            "groups:\n  - slug: a-b\n    name: A\n    tags: " + "[" * 5000 + "]" * 5000 + "\n",
            "---\ngroups: []\n---\ngroups: []\n",
            "groups:\n  - ? [complex, key]\n    : value\n",
            "groups:\n  - slug: a-b\n    name: \"\\0\"\n",
            "groups: {}\n",
            "groups:\n  - {slug: a-b, name: A, channels: {slack: {tenant: T, channel: C}}}\n  - {slug: c-d, name: C, channels: {slack: {tenant: T, channel: C}}}\n",
            "# nothing but a comment\n",
            "groups:\n  - slug: a-b\n    name: A\n    " + "k" * 2000 + ": 1\n",
        ]
    ),
).map(lambda text: ImportFile(text.encode("utf-8"), False))
GROUPS_FILES = st.one_of(_built_groups(), _mutated(_built_groups()), _HOSTILE_YAML, _NOISE)


# --- the harness ----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _database(url: str | None):
    """A runtime on `url` (a migrated, empty database), or on a new SQLite file when None."""
    from bot.bootstrap import open_runtime
    from bot.clock import FrozenClock
    from bot.config import Settings
    from tests.conftest import START

    with tempfile.TemporaryDirectory() as folder:
        runtime = await open_runtime(Settings(database_url=url or f"sqlite+aiosqlite:///{Path(folder) / 'affinity.db'}"), FrozenClock(START))
        try:
            yield runtime, Path(folder)
        finally:
            await runtime.close()


def _harness(kind: str, url: str | None):
    @contextlib.asynccontextmanager
    async def harness():
        from bot.imports import import_groups, import_roster

        async with _database(url) as (runtime, folder):
            if kind == "groups":
                seed = folder / "facilitators.csv"
                seed.write_text("email,name\n" + "".join(f"{e},{e.split('@')[0]}\n" for e in FACILITATORS))
                async with runtime.sessions() as session:
                    assert (await import_roster(session, seed, runtime.today(), runtime.now())).ok
                    await session.commit()
            reader = import_groups if kind == "groups" else import_roster
            allowed = GROUPS_TABLES if kind == "groups" else ROSTER_TABLES

            async def check(example: ImportFile) -> None:
                path = folder / f"{secrets.token_hex(4)}.{'yml' if kind == 'groups' else 'csv'}"
                path.write_bytes(example.data)
                before = await row_counts(runtime.engine)
                async with runtime.sessions() as session:
                    try:
                        result = await reader(session, path, runtime.today(), runtime.now())
                    except Exception as exc:  # the promise: nothing escapes
                        raise AssertionError(f"import {kind} raised {type(exc).__name__}: {str(exc)[:200]}") from exc
                    if result.ok:
                        await session.commit()
                    else:
                        await session.rollback()
                path.unlink()
                after = await row_counts(runtime.engine)
                if result.ok:
                    assert example.valid is not False, f"a bad file was imported: {example.data[:300]!r}"
                    gained = grown(before, after)
                    assert set(gained) <= allowed, gained
                    if kind == "roster":
                        assert gained.get("person", 0) <= max(example.rows, example.data.count(b"\n"))
                    return
                assert example.valid is not True, f"a valid file was refused: {[str(p) for p in result.problems[:3]]}"
                assert result.problems, "refused without a problem"
                for problem in result.problems:
                    sentence = str(problem)
                    assert sentence.startswith(str(path)) and problem.message.strip(), sentence[:300]
                    assert len(sentence) <= len(str(path)) + MAX_PROBLEM_CHARS, sentence[:500]
                assert grown(before, after) == {}, grown(before, after)

            yield check

    return harness


def roster_path(url: str | None = None) -> InputPath:
    return InputPath("import roster (CSV file)", ROSTER_FILES, _harness("roster", url))


def groups_path(url: str | None = None) -> InputPath:
    return InputPath("import groups (YAML file)", GROUPS_FILES, _harness("groups", url))


PATHS = [roster_path(), groups_path()]
