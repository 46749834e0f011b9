"""SPEC §4.4: the DEI office's weekly digest is k-anonymous, its excerpts are scrubbed, and it
arrives once a week through the outbox; only the DEI office can ask for it."""

from __future__ import annotations

import re
import secrets
import string
import unicodedata
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from scipy.optimize import linprog
from sqlalchemy import select

from bot import registry
from bot.catalogue import Translator
from bot.concerns.digest import (
    Digest,
    Heading,
    Table,
    due_week,
    excerpt_cells,
    gather_digest,
    iso_week,
    queue_digest,
    render_digest,
    tabulate,
    weekly_counts,
)
from bot.concerns.scrubber import REMOVED, Scrubber, fold, shorten
from bot.config import Settings
from storage.models import AuditEntry, Concern, OutboxItem, Person
from tests.support.dump import dump_rows

CATEGORIES = ("harassment", "discrimination", "inclusion", "workload", "safety", "other")
SITES = ("Lincoln Elementary", "Roosevelt Middle", "Jefferson High", "Garcia Early Learning Center", "District Office", "North", "South", "East", "West")
DEI_CHANNEL = "slack:T0DISTRICT:C0DEIOFFICE"
W37 = date(2026, 9, 7)  # Monday of ISO week 2026-W37; the fixtures' clock starts on the Monday after


# --- tables: merging and suppression -------------------------------------------------------------


@st.composite
def case_sets(draw):
    """Random concerns counted by category × site (None: site not given), a k, and the district's categories."""
    k = draw(st.integers(3, 7))
    categories = draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=6, unique=True))
    sites = draw(st.lists(st.sampled_from((*SITES, None)), min_size=1, max_size=8, unique=True))
    small = st.integers(1, k - 1)
    count = st.one_of(st.just(0), small, st.integers(k, k + 3), st.integers(0, 40))
    counts = {(c, s): draw(count) for c in categories for s in sites}
    configured = tuple(draw(st.lists(st.sampled_from(CATEGORIES), max_size=6, unique=True)))
    return counts, k, configured


def _positions(table: Table):
    return [(i, j) for i in range(table.total_row + 1) for j in range(table.total_column + 1)]


def _row(table: Table, i: int):
    return [(i, j) for j in range(table.total_column + 1)]


def _column(table: Table, j: int):
    return [(i, j) for i in range(table.total_row + 1)]


@settings(max_examples=300, deadline=None)
@given(case_sets())
def test_property_no_shown_figure_is_small_and_no_hidden_one_stands_alone(case):
    counts, k, configured = case
    table = tabulate(counts, k, configured)
    for i, j in _positions(table):
        shown = table.shown(i, j)
        # Cells, category and site totals and the grand total alike: nothing between 1 and k-1.
        assert shown is None or shown == 0 or shown >= k, (i, j, shown)
    for i, j in table.hidden:
        # Brute force, as someone with a calculator would try: in its row and in its column,
        # something else is hidden too (the cells or the line's total), so subtracting the
        # shown figures from the total leaves at least two unknowns.
        assert any(p in table.hidden for p in _row(table, i) if p != (i, j)), (i, j)
        assert any(p in table.hidden for p in _column(table, j) if p != (i, j)), (i, j)
        # A hidden zero could be worked out (nothing is below zero), so none is hidden.
        assert table.value(i, j) > 0
    # Merging moves reports between headings and never loses one.
    assert table.grand_total == sum(counts.values())
    shown_total = table.shown(table.total_row, table.total_column)
    assert shown_total is None or shown_total == sum(counts.values())
    # Every named site and category that is shown had at least k reports.
    for j, site in enumerate(table.sites):
        if site.kind != "other":
            assert table.value(table.total_row, j) >= k
    for i, category in enumerate(table.categories):
        if category.kind == "other":
            assert table.value(i, table.total_column) > 0
        else:
            assert table.value(i, table.total_column) == 0 or table.value(i, table.total_column) >= k


def _bounds(table: Table) -> dict[tuple[int, int], tuple[float, float]]:
    """The least and greatest value each hidden figure could have, given everything shown, found
    by linear programming: what the most determined reader could work out from the totals."""
    hidden = sorted(table.hidden)
    if not hidden:
        return {}
    index = {p: n for n, p in enumerate(hidden)}
    R, C = table.total_row, table.total_column
    equations, constants = [], []
    for line, margin in [(_row(table, i), (i, C)) for i in range(R + 1)] + [(_column(table, j), (R, j)) for j in range(C + 1)]:
        coefficients, constant = np.zeros(len(hidden)), 0.0
        for p in line:
            sign = -1.0 if p == margin else 1.0  # the cells of a line add up to its total
            if p in index:
                coefficients[index[p]] += sign
            else:
                constant -= sign * table.value(*p)
        equations.append(coefficients)
        constants.append(constant)
    found = {}
    for p, n in index.items():
        objective = np.zeros(len(hidden))
        objective[n] = 1.0
        low = linprog(objective, A_eq=equations, b_eq=constants, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=equations, b_eq=constants, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status in (0, 3)  # 3: unbounded above, which is fine
        found[p] = (low.fun, float("inf") if high.status == 3 else -high.fun)
    return found


@settings(max_examples=120, deadline=None)
@given(case_sets())
def test_property_no_hidden_figure_can_be_worked_out_from_what_is_shown(case):
    """Stronger than the brute force above: all rows and columns together, and that no count
    is below zero, still leave every hidden figure a range of values."""
    counts, k, configured = case
    table = tabulate(counts, k, configured)
    for p, (low, high) in _bounds(table).items():
        assert low <= table.value(*p) <= high
        assert high - low >= 1 - 1e-6, (p, table.value(*p), low, high, table)


def test_pairs_in_every_line_are_not_always_enough():
    """Two hidden figures in every row and column, and one is still determined: two blocks of
    hidden cells joined by a single hidden figure. The digest hides more to close a loop."""
    from bot.concerns.digest import suppress

    # 5 categories × 5 sites; with k = 3 the 1s and the 2 are hidden, every total is large.
    cells = [
        [1, 1, 0, 0, 9],
        [1, 1, 2, 0, 9],
        [0, 0, 1, 1, 9],
        [0, 0, 1, 1, 9],
        [9, 9, 9, 9, 9],
    ]
    values = [row + [sum(row)] for row in cells]
    values.append([sum(column) for column in zip(*values)])
    primary = {(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)}
    # The 2 at (1, 2) is the only link between the blocks: row 1's total less its 9 is 4, and the
    # block above, by its columns, holds 2 of row 1's share, so it is 2 — although its row and
    # its column each hide other figures too.
    hidden = suppress(values, 3)
    assert primary < hidden
    table = Table(tuple(Heading("named", f"c{i}") for i in range(5)), tuple(Heading("named", f"s{j}") for j in range(5)),
                  tuple(tuple(r) for r in cells), frozenset(hidden), 3)
    for p, (low, high) in _bounds(table).items():
        assert high - low >= 1, p
    # Without the extra figures, the reader works it out.
    bare = replace(table, hidden=frozenset(primary))
    assert _bounds(bare)[(1, 2)] == pytest.approx((2, 2))


def test_small_sites_and_categories_are_merged_upward():
    k = 5
    counts = {
        ("harassment", "Jefferson High"): 6,
        ("harassment", "Lincoln Elementary"): 2,  # Lincoln's total is 3: merged
        ("workload", "Lincoln Elementary"): 1,
        ("workload", "Jefferson High"): 7,
        ("safety", "Jefferson High"): 2,  # safety's total is 2: merged
        ("harassment", None): 5,  # site not given, 5 in all: its own column
        ("discrimination", "Roosevelt Middle"): 4,
        ("discrimination", "Jefferson High"): 1,
    }
    table = tabulate(counts, k, CATEGORIES)
    assert table.sites == (Heading("named", "Jefferson High"), Heading("not_given"), Heading("other"))
    # "other" is the district's own category (something else); Heading("other") is what was merged.
    assert table.categories == tuple(Heading("named", c) for c in ("harassment", "discrimination", "inclusion", "workload", "other")) + (Heading("other"),)
    # Categories nobody filed under are still listed, with zeros.
    assert table.value(2, table.total_column) == 0
    assert table.grand_total == sum(counts.values()) == 28
    # Roosevelt's 4 and Lincoln's 3 went to "other sites".
    assert table.value(table.total_row, 2) == 7
    assert table.shown(0, 0) == 6 and table.shown(table.total_row, table.total_column) == 28


def test_tabulating_is_deterministic_whatever_order_the_counts_come_in():
    import random

    rng = random.Random(5)
    counts = {(c, s): rng.choice([0, 1, 2, 3, 6, 9, 14]) for c in CATEGORIES for s in SITES}
    first = tabulate(counts, 5, CATEGORIES)
    items = list(counts.items())
    rng.shuffle(items)
    assert tabulate(dict(items), 5, CATEGORIES) == first


def test_a_hidden_figure_never_reads_as_a_number():
    counts = {
        ("harassment", "Jefferson High"): 12, ("harassment", "Lincoln Elementary"): 6, ("harassment", "Roosevelt Middle"): 8,
        ("workload", "Jefferson High"): 2, ("workload", "Lincoln Elementary"): 9, ("workload", "Roosevelt Middle"): 7,
    }
    table = tabulate(counts, 5, ("harassment", "workload"))
    reply = render_digest(Digest(W37, table, table, 12, (), 10), Translator("en"))
    lines = {f.label: f.value for f in reply.card.sections[0].fields}
    # Workload at Jefferson (2) is hidden; so are the smallest figures that would give it away
    # by subtraction: workload at Roosevelt (7) in its row, and harassment in both columns.
    hidden = "fewer than 5 or held back"
    assert lines["Jefferson High"] == f"harassment {hidden} · workload {hidden} · total 14"
    assert lines["Lincoln Elementary"] == "harassment 6 · workload 9 · total 15"
    assert lines["Roosevelt Middle"] == f"harassment {hidden} · workload {hidden} · total 15"
    assert lines["All sites"] == "harassment 26 · workload 18 · total 44"
    section = "\n".join(f"{f.label}: {f.value}" for f in reply.card.sections[0].fields)
    assert section in reply.text and section.count(hidden) == 4
    assert not re.search(r"\b(2|7|8|12)\b", section)
    spanish = render_digest(Digest(W37, table, table, 12, (), 10), Translator("es"))
    assert "carga de trabajo menos de 5 o reservado" in spanish.text and "Todos los planteles" in spanish.text


@settings(max_examples=200, deadline=None)
@given(case_sets(), st.integers(3, 12))
def test_property_excerpts_only_for_shown_named_cells_of_at_least_excerpt_min(case, excerpt_min):
    counts, k, configured = case
    table = tabulate(counts, k, configured)
    for i, j in excerpt_cells(table, excerpt_min):
        assert table.counts[i][j] >= excerpt_min and (i, j) not in table.hidden
        assert table.categories[i].kind == "named" and table.sites[j].kind != "other"


# --- weeks -------------------------------------------------------------------------------------


def test_the_digest_is_due_at_the_configured_weekday_and_time_for_the_week_before():
    s = Settings()
    chicago = s.timezone
    at = lambda *a: datetime(*a, tzinfo=chicago)
    assert due_week(at(2026, 9, 14, 7, 59), s) == date(2026, 8, 31)
    assert due_week(at(2026, 9, 14, 8, 0), s) == W37
    assert due_week(at(2026, 9, 20, 23, 59), s) == W37
    thursday = replace(s, district=replace(s.district, digest_weekday=3, digest_time=datetime(2000, 1, 1, 9, 30).time()))
    assert due_week(at(2026, 9, 17, 9, 29), thursday) == date(2026, 8, 31)
    assert due_week(at(2026, 9, 17, 9, 30), thursday) == W37
    assert iso_week(W37) == "2026-W37" and iso_week(date(2026, 12, 28)) == "2026-W53"


# --- the scrubber -------------------------------------------------------------------------------

FILLER = ("meeting", "hallway", "after", "school", "policy", "ignored", "the", "and", "we", "said", "room", "bus", "lunch", "duty", "schedule", "again")
ACCENTED = "áéíóúñüçãõ"
LETTERS = string.ascii_lowercase + ACCENTED


def _name_part():
    return st.text(alphabet=LETTERS, min_size=3, max_size=9).map(str.capitalize)


@st.composite
def directories(draw):
    people = draw(st.lists(st.tuples(_name_part(), _name_part()), min_size=1, max_size=8))
    return [f"{first} {last}" for first, last in people]


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@st.composite
def phones(draw):
    area = draw(st.integers(200, 999))
    exchange = draw(st.integers(200, 999))
    line = draw(st.integers(0, 9999))
    a, b, c = f"{area}", f"{exchange}", f"{line:04d}"
    shape = draw(st.sampled_from([
        "{a}-{b}-{c}", "({a}) {b}-{c}", "{a}.{b}.{c}", "{a} {b} {c}", "{a}{b}{c}", "+1 {a} {b} {c}", "+1-{a}-{b}-{c}",
        "1 ({a}) {b}-{c}", "+1 ({a}) {b}-{c}", "1.{a}.{b}.{c}", "({a}){b}-{c}", "{b}-{c}", "{b}.{c}",
    ]))
    extension = draw(st.sampled_from(["", " x12", " ext. 4021", " ext 7", " extension 88", " #301", ",x5"]))
    return shape.format(a=a, b=b, c=c) + extension


def _slack_id(prefix: str):
    return st.text(alphabet=string.ascii_uppercase + string.digits, min_size=8, max_size=11).map(lambda s: prefix + s)


mentions = st.one_of(
    _slack_id("U").map(lambda i: f"<@{i}>"),
    _slack_id("W").map(lambda i: f"<@{i}>"),
    st.tuples(_slack_id("U"), st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=8)).map(lambda p: f"<@{p[0]}|{p[1]}>"),
    _slack_id("S").map(lambda i: f"<!subteam^{i}|@counselors>"),
    st.tuples(_slack_id("C"), st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=8)).map(lambda p: f"<#{p[0]}|{p[1]}>"),
    st.sampled_from(["<!here>", "<!channel>", "<!everyone>"]),
    st.text(alphabet=string.ascii_letters + " ", min_size=2, max_size=20).map(lambda n: f"<at>{n.strip() or 'Someone'}</at>"),
    st.text(alphabet=string.ascii_lowercase + "._", min_size=2, max_size=12).filter(lambda h: h[0].isalpha()).map(lambda h: f"@{h}"),
)

emails = st.tuples(
    st.text(alphabet=string.ascii_lowercase + string.digits + "._+-", min_size=1, max_size=12).filter(lambda s: s[0].isalnum()),
    st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=10),
    st.sampled_from(["org", "example", "k12.tx.us", "edu"]),
).map(lambda p: f"{p[0]}@{p[1]}.{p[2]}")


@settings(max_examples=250, deadline=None)
@given(st.data(), directories())
def test_property_no_planted_address_phone_mention_or_name_survives(data, names):
    scrubber = Scrubber(names)
    parts = [p for name in names for p in fold(name).split()]
    assume(not any(fold(w) in parts for w in FILLER))
    planted: list[tuple[str, str]] = []
    for _ in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["email", "phone", "mention", "full name", "first name", "last name"]))
        if kind == "email":
            planted.append((kind, data.draw(emails)))
        elif kind == "phone":
            planted.append((kind, data.draw(phones())))
        elif kind == "mention":
            planted.append((kind, data.draw(mentions)))
        else:
            name = data.draw(st.sampled_from(names))
            first, last = name.split(" ")
            written = {"full name": name, "first name": first, "last name": last}[kind]
            # As people type names: any case, with or without the accents.
            written = data.draw(st.sampled_from([written, written.upper(), written.lower(), _strip_accents(written)]))
            planted.append((kind, written))
    words = data.draw(st.lists(st.sampled_from(FILLER), min_size=1, max_size=12))
    pieces = list(words)
    for _, text in planted:
        pieces.insert(data.draw(st.integers(0, len(pieces))), text + data.draw(st.sampled_from(["", ",", ".", "!", "'s", ":"])))
    text = " ".join(pieces)
    out = scrubber.scrub(text)
    folded_out_words = re.findall(r"[^\W_]+", fold(out))
    for kind, original in planted:
        assert original not in out, (kind, original, out)
    assert not re.search(r"\d", out), out  # the filler has no digits: every one came from a phone
    assert "@" not in out and "<" not in out and ">" not in out, out
    for name in names:
        for part in fold(name).split():
            assert part not in folded_out_words, (name, out)
    # And it takes out only what it should: every filler word is still there, in order.
    kept = [w for w in re.findall(r"[^\W_]+", out.replace(REMOVED, " ")) if w in FILLER]
    assert kept == [w for w in words], (text, out)


def test_the_scrubber_on_what_people_actually_write():
    scrubber = Scrubber(["José Núñez", "Mary-Jane O'Brien", "Li Na", "Kim Park"])
    assert scrubber.scrub("jose NUÑEZ said so; Nunez again") == "[removed] said so; [removed] again"
    assert scrubber.scrub("Mary-Jane and O'Brien, mary jane") == "[removed] and [removed], [removed]"
    # Parts shorter than three letters go only with the whole name; other words stay whole.
    assert scrubber.scrub("Li Na came; Li and Na left") == "[removed] came; Li and Na left"
    assert scrubber.scrub("the parking lot at Kim's desk, Parker") == "the parking lot at [removed]'s desk, Parker"
    assert scrubber.scrub("Call 555-867-5309 ext. 12 or (555) 867 5309, room 204, 2026-09-14") == "Call [removed] or [removed], room 204, 2026-09-14"
    assert scrubber.scrub("ping <@U024BE7LH|kim> and <!here> in <#C024BE7LR|general>, cc <at>Li Na</at>") == "ping [removed] and [removed] in [removed], cc [removed]"
    assert scrubber.scrub("write to jose.nunez@district.example.") == "write to [removed]."
    assert Scrubber([], replacement="[eliminado]").scrub("+52 55 1234 5678") == "[eliminado]"


def test_excerpts_are_cut_at_a_word_boundary():
    text = " ".join(["word"] * 100)
    short = shorten(text, 200)
    assert len(short) <= 200 and short.endswith("word…")
    assert shorten("a " * 5, 200) == "a a a a a"
    assert len(shorten("x" * 500, 200)) == 200


# --- the digest from the database -------------------------------------------------------------


def _concern(category: str, site: str | None, day: date, text: str = "Something happened.") -> Concern:
    reference = secrets.token_hex(4).upper()
    return Concern(id=secrets.token_hex(16), code_hash=secrets.token_hex(32), reference=f"R-{reference[:4]}-{reference[4:]}",
                   category=category, site=site, text=text, status="open", filed_on=day)


async def _plant(runtime, *concerns: Concern) -> None:
    async with runtime.sessions() as s:
        s.add_all(concerns)
        await s.commit()


async def test_weeks_run_monday_to_sunday_in_the_database(runtime):
    await _plant(
        runtime,
        _concern("safety", "North", date(2026, 9, 6)),  # a Sunday: week 36
        _concern("safety", "North", date(2026, 9, 7)),  # Monday: week 37
        _concern("safety", "North", date(2026, 9, 13)),  # Sunday: week 37
        _concern("safety", None, date(2026, 9, 13)),
        _concern("safety", "North", date(2026, 9, 14)),  # Monday: week 38
    )
    async with runtime.sessions() as s:
        counts = await weekly_counts(s, date(2026, 9, 2), date(2026, 9, 9))
    assert counts == {("safety", "North", date(2026, 8, 31)): 1, ("safety", "North", W37): 2, ("safety", None, W37): 1}


async def test_the_digest_reaches_the_dei_channel_through_the_outbox_once_a_week(district, clock):
    settings_ = replace(district.settings, dei_channel=DEI_CHANNEL)
    assert registry.jobs()["concerns.digest"] is queue_digest
    await _plant(district, *[_concern("harassment", "Jefferson High", date(2026, 9, 8)) for _ in range(6)])
    chicago = settings_.timezone

    async def run(*moment) -> int:
        clock.now = datetime(*moment, tzinfo=chicago).astimezone(timezone.utc)
        async with district.sessions() as s:
            queued = await queue_digest(s, settings_, clock())
            await s.commit()
        return queued

    assert await run(2026, 9, 7, 8, 0) == 1  # last week's, 2026-W36, on its Monday
    assert await run(2026, 9, 13, 12, 0) == 0  # Sunday
    assert await run(2026, 9, 14, 7, 59) == 0  # Monday, a minute early
    assert await run(2026, 9, 14, 8, 0) == 1  # 2026-W37
    assert await run(2026, 9, 14, 8, 0) == 0  # again, as another process would
    assert await run(2026, 9, 16, 15, 0) == 0
    async with district.sessions() as s:
        items = list((await s.execute(select(OutboxItem).order_by(OutboxItem.id))).scalars())
    assert [i.key for i in items] == ["concern-digest:2026-W36", "concern-digest:2026-W37"]
    latest = items[-1]
    assert latest.channel == {"platform": "slack", "tenant": "T0DISTRICT", "conversation_id": "C0DEIOFFICE", "kind": "channel"}
    assert latest.kind == "concern_digest" and latest.state == "queued" and latest.person_id is None
    text = latest.payload["text"]
    assert "Concerns digest, week 2026-W37" in text and "Jefferson High: harassment 6 · total 6" in text
    assert "Week 2026-W37: 2026-09-07 to 2026-09-13" in text and "The last 12 weeks: 2026-06-22 to 2026-09-13" in text
    assert latest.payload["card"]["sections"][0]["fields"], "chat platforms get a card with fields"
    assert "No concerns were filed" in items[0].payload["text"]


async def test_without_a_channel_the_digest_goes_to_each_dei_office_person(district, clock):
    clock.now = datetime(2026, 9, 14, 13, 0, tzinfo=timezone.utc)  # 08:00 in Chicago
    async with district.sessions() as s:
        assert await queue_digest(s, district.settings, clock()) == 1
        await s.commit()
        dana = (await s.execute(select(Person).where(Person.email == "dana.whitfield@district.example"))).scalar_one()
        item = (await s.execute(select(OutboxItem))).scalar_one()
        assert await queue_digest(s, district.settings, clock() + timedelta(hours=2)) == 0
    assert item.person_id == dana.id and item.key == f"concern-digest:2026-W37:{dana.id}"


async def test_with_nowhere_to_send_it_nothing_is_queued(runtime, clock):
    from bot.concerns.digest import run_digest

    await _plant(runtime, *[_concern("safety", "North", W37) for _ in range(5)])
    clock.now = datetime(2026, 9, 14, 13, 0, tzinfo=timezone.utc)
    async with runtime.sessions() as s:
        assert await queue_digest(s, runtime.settings, clock()) == 0
        text, ok = await run_digest(s, runtime.settings, clock(), dry_run=False)
        assert not ok and text.startswith("There is nowhere to send the digest")
        text, ok = await run_digest(s, runtime.settings, clock(), dry_run=True)
        assert ok and "North: safety 5 · total 5" in text
        assert (await s.execute(select(OutboxItem))).first() is None


async def test_dry_run_shows_counts_with_small_ones_hidden(district, speaker):
    week = [date(2026, 9, 7) + timedelta(days=d % 7) for d in range(40)]
    await _plant(
        district,
        *[_concern("harassment", "Jefferson High", week[n]) for n in range(7)],
        *[_concern("workload", "Jefferson High", week[n]) for n in range(2)],
        *[_concern("workload", "Lincoln Elementary", week[n]) for n in range(6)],
        *[_concern("harassment", "Lincoln Elementary", week[n]) for n in range(5)],
        *[_concern("safety", "Roosevelt Middle", week[n]) for n in range(2)],  # one small site, one small category
        _concern("harassment", "Jefferson High", date(2026, 9, 14)),  # this week: not in the digest yet
        _concern("inclusion", "Jefferson High", date(2026, 7, 1)),  # eleven weeks back: only in the 12-week view
    )
    reply = await speaker("dana.whitfield").say("digest --dry-run")
    assert not reply.refused and reply.card is not None
    week_section, trailing_section = reply.card.sections[:2]
    lines = {f.label: f.value for f in week_section.fields}
    # Roosevelt (2 reports) went to "other sites", safety (2) to "other categories"; workload at
    # Jefferson (2) is hidden, and with it what would let it be worked out.
    hidden = "fewer than 5 or held back"
    assert lines == {
        "Jefferson High": f"harassment {hidden} · workload {hidden} · total {hidden}",
        "Lincoln Elementary": f"harassment {hidden} · workload {hidden} · total 11",
        "other sites": f"other categories {hidden} · total {hidden}",
        "All sites": f"harassment 12 · discrimination 0 · inclusion and belonging 0 · workload {hidden} · something else 0 · other categories {hidden} · total 22",
    }
    assert "Roosevelt" not in reply.text and "safety" not in reply.text
    trailing = {f.label: f.value for f in trailing_section.fields}
    assert trailing["All sites"].endswith("total 23")  # the inclusion case of July counts here
    # Every figure as text too, for screen readers and the console.
    assert "Jefferson High: harassment fewer than 5 or held back" in reply.text
    async with district.sessions() as s:
        audited = list((await s.execute(select(AuditEntry.action, AuditEntry.detail))).all())
        assert (await s.execute(select(OutboxItem))).first() is None  # a dry run sends nothing
    assert ("concern_digest_shown", "2026-W37") in audited


async def test_excerpts_only_for_cells_of_at_least_ten_and_scrubbed(district, speaker):
    await _plant(
        district,
        *[_concern("harassment", "Jefferson High", W37 + timedelta(days=n % 5), f"Report {n}: Maria Lopez told me to call 555-123-4567 or write maria.lopez@district.example, see <@U024BE7LH>. " + "It keeps happening in the hallway. " * 8) for n in range(10)],
        *[_concern("workload", "Lincoln Elementary", W37 + timedelta(days=1), "Nine workload reports here.") for _ in range(9)],
    )
    reply = await speaker("dana.whitfield").say("digest --dry-run")
    excerpts = reply.card.sections[2]
    assert excerpts.title == "Excerpts from this week"
    assert len(excerpts.fields) == 3  # at most three for the cell of ten
    assert {f.label for f in excerpts.fields} == {"harassment · Jefferson High"}
    for fact in excerpts.fields:
        assert len(fact.value) <= 200 and fact.value.endswith("…")
        assert fact.value.startswith("Report ") and "told me to call [removed] or write [removed], see [removed]." in fact.value
        assert "Maria" not in fact.value and "Lopez" not in fact.value
    assert "Nine workload reports" not in reply.text  # nine is below excerpt_min
    spanish = render_digest(await _gather(district), Translator("es"))
    assert "[eliminado]" in spanish.text and "[removed]" not in spanish.text


async def _gather(runtime):
    async with runtime.sessions() as s:
        return await gather_digest(s, runtime.settings, W37)


async def test_only_the_dei_office_can_ask_for_the_digest(district, speaker):
    await _plant(district, *[_concern("harassment", "Jefferson High", W37) for _ in range(6)])
    for who in ("maria.lopez", "jordan.reyes", "sam.okafor"):  # a member, a facilitator, the admin
        for words in ("digest --dry-run", "digest"):
            reply = await speaker(who).say(words)
            assert reply.refused and "Only someone with the DEI office role can do that." in reply.text, (who, reply.text)
            assert "Jefferson" not in reply.text
    assert (await speaker("dana.whitfield").say("digest now")).refused
    assert (await speaker("dana.whitfield").say("digest --everything")).refused
    async with district.sessions() as s:
        assert (await s.execute(select(OutboxItem))).first() is None
        assert (await s.execute(select(AuditEntry).where(AuditEntry.action.like("concern_digest%")))).first() is None


async def test_digest_without_dry_run_queues_it_now_once_a_day(district, speaker, clock):
    dana = speaker("dana.whitfield")
    reply = await dana.say("digest")
    assert not reply.refused and reply.text == "The digest for week 2026-W37 is on its way to the DEI office."
    again = await dana.say("digest")
    assert "already sent today" in again.text
    clock.advance(days=1)
    assert "on its way" in (await dana.say("digest")).text
    async with district.sessions() as s:
        keys = list((await s.execute(select(OutboxItem.key).order_by(OutboxItem.id))).scalars())
        dana_id = (await s.execute(select(Person.id).where(Person.email == "dana.whitfield@district.example"))).scalar_one()
    assert keys == [f"concern-digest:2026-W37:manual:2026-09-14:{dana_id}", f"concern-digest:2026-W37:manual:2026-09-15:{dana_id}"]
    # Asking for it on a Monday does not stop the scheduled one.
    async with district.sessions() as s:
        assert await queue_digest(s, district.settings, clock()) == 1


def _identifiers(person: Person, actor_id: str) -> list[str]:
    last = person.name.split(" ", 1)[1]
    return [person.email, person.name, actor_id, f"person:{person.id}", person.email.split("@")[0], last]


async def test_the_digest_names_no_reporter(district, speaker, clock, captured_logs):
    """As tests/unit/test_concern_anonymity.py does for filing: known people file concerns that
    mention themselves, and the digest — shown, and queued to the channel — holds none of them."""
    clock.now = datetime(2026, 9, 8, 15, 0, tzinfo=timezone.utc)
    reporters = ["rosa.martinez", "jordan.reyes", "maria.lopez", "luis.hernandez"]
    for n in range(12):
        who = speaker(reporters[n % 4])
        person_name = who.profile.name
        text = f"I am {person_name} ({who.profile.email}, 555-010-{n:04d}); it happened in the staff room again."
        form = await who.say("concern")
        assert form.card.form.form_id == "concern.file"
        reply = await who.submit("concern.file", {"category": "harassment", "site": "Jefferson High", "what_happened": text})
        assert not reply.refused, reply.text
    clock.now = datetime(2026, 9, 14, 13, 0, tzinfo=timezone.utc)
    shown = await speaker("dana.whitfield").say("digest --dry-run")
    assert "harassment 12" in shown.text and shown.card.sections[2].fields  # counted, and quoted
    async with district.sessions() as s:
        await queue_digest(s, replace(district.settings, dei_channel=DEI_CHANNEL), clock())
        await s.commit()
        people = {r: (await s.execute(select(Person).where(Person.email == f"{r}@district.example"))).scalar_one() for r in reporters}
    queued = [row for table, row in await dump_rows(district) if table == "outbox_item"]
    assert len(queued) == 1
    haystacks = [shown.text.lower(), repr(shown.card).lower(), repr(queued[0]["payload"]).lower()]
    for reporter, person in people.items():
        needles = [n.lower() for n in _identifiers(person, speaker(reporter).actor.user_id)]
        for haystack in haystacks:
            assert not any(n in haystack for n in needles), (reporter, [n for n in needles if n in haystack])
    for record in captured_logs.records:
        line = record.getMessage().lower()
        assert not any(n.lower() in line for p in people.values() for n in (p.email, p.name)), line


def test_the_command_line_prints_the_digest(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    binary = Path(sys.executable).with_name("affinity-bot")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AFFINITY_", "SLACK_", "MICROSOFT_"))}
    seeded = subprocess.run([str(binary), "demo"], cwd=tmp_path, input="", capture_output=True, text=True, timeout=120, env=env)
    assert seeded.returncode == 0, seeded.stderr
    result = subprocess.run([str(binary), "digest", "--dry-run"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Concerns digest, week ") and "The last 12 weeks" in result.stdout
    queued = subprocess.run([str(binary), "digest"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert queued.returncode == 0 and "is on its way to the DEI office" in queued.stdout, queued.stderr

