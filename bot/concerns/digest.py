"""The DEI office's weekly concern digest: counts by category × site × week, k-anonymous.

How a table is made safe, as statistical disclosure control does it:

1. **Merging.** Sites whose total in the period is below k are counted together as "other
   sites"; then categories whose total is below k as "other categories".
2. **Primary suppression.** Every figure with 0 < count < k is hidden — cells, row and column
   totals and the grand total alike.
3. **Complementary suppression.** A hidden figure must not be recoverable by subtracting shown
   figures from a shown total. Every row and column of the table with its margins (the totals
   row and column included) that hides one figure must hide at least two, so more are hidden,
   smallest counts first. Then, because two per line is not always enough (a hidden figure that
   is the only link between two groups of hidden figures is still determined by the totals), a
   hidden figure that no cycle of hidden figures passes through gets one, along the cheapest
   path. Both repeat until nothing changes. Zeros are never hidden to protect another figure: a
   count cannot go below zero, so a hidden zero could be worked out and would give its
   neighbours away.

A hidden figure reads "fewer than k or held back", never a number: hidden to protect another, a
figure is always at least k, so "fewer than k" alone would mislead. Weeks are ISO weeks,
Monday to Sunday in the district's time zone; a concern stores only the date it was filed on.
The digest shows the last full week and the last 12 full weeks together, never a week in
progress, so two digests asked for on different days of the same week are the same.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, Mapping, Sequence

from sqlalchemy import Date, DateTime, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards import card_reply
from bot.catalogue import DEFAULT_LANGUAGE, Translator, catalogue
from bot.concerns.commands import ShowDigest
from bot.concerns.dei_office import dei_destination, send_to_dei, week_of
from bot.concerns.scrubber import Scrubber, shorten
from bot.config import Settings
from bot.roles import DEI_OFFICE
from bot.turn import Turn
from bot.types import Card, Fact, Reply
from storage.models import Concern, OutboxItem, Person, RoleGrant

TRAILING_WEEKS = 12
EXCERPTS_PER_CELL = 3
EXCERPT_LENGTH = 200
#: Stands for what the scrubber took out until the digest is put in words in one language.
_MARK = "\ufffc"

Position = tuple[int, int]


@dataclass(frozen=True)
class Heading:
    """A row (category) or column (site) of a table: one by name, or what was merged."""

    kind: Literal["named", "not_given", "other"]
    name: str = ""


OTHER = Heading("other")
NOT_GIVEN = Heading("not_given")


@dataclass(frozen=True)
class Table:
    """Counts of one period after merging, and which figures are hidden.

    Positions cover the table with its margins: row `len(categories)` holds the site totals,
    column `len(sites)` the category totals, and their corner the grand total.
    """

    categories: tuple[Heading, ...]
    sites: tuple[Heading, ...]
    counts: tuple[tuple[int, ...], ...]
    hidden: frozenset[Position]
    k: int

    @property
    def total_row(self) -> int:
        return len(self.categories)

    @property
    def total_column(self) -> int:
        return len(self.sites)

    def value(self, row: int, column: int) -> int:
        """The true figure at a position, margins included (for the digest's own use only)."""
        R, C = self.total_row, self.total_column
        if row < R and column < C:
            return self.counts[row][column]
        if row < R:
            return sum(self.counts[row])
        if column < C:
            return sum(r[column] for r in self.counts)
        return sum(map(sum, self.counts))

    def shown(self, row: int, column: int) -> int | None:
        """The figure as the digest shows it: None when hidden."""
        return None if (row, column) in self.hidden else self.value(row, column)

    @property
    def grand_total(self) -> int:
        return self.value(self.total_row, self.total_column)


# --- merging and suppression (pure, so they can be tested on any table) --------------------


def tabulate(counts: Mapping[tuple[str, str | None], int], k: int, categories: Sequence[str] = ()) -> Table:
    """Merge small sites, then small categories, then hide what could single anyone out.

    `counts` maps (category, site or None) to the number of concerns; `categories` are the
    district's own, shown as rows even when nobody filed under them.
    """
    site_totals: dict[str | None, int] = defaultdict(int)
    category_totals: dict[str, int] = defaultdict(int)
    for (category, site), n in counts.items():
        if n:
            site_totals[site] += n
            category_totals[category] += n
    named_sites = sorted((s for s, n in site_totals.items() if n >= k and s is not None))
    site_of: dict[str | None, Heading] = {s: Heading("named", s) for s in named_sites}
    if site_totals.get(None, 0) >= k:
        site_of[None] = NOT_GIVEN
    columns = [Heading("named", s) for s in named_sites] + ([NOT_GIVEN] if None in site_of else [])
    if any(s not in site_of for s in site_totals):
        columns.append(OTHER)
    order = list(dict.fromkeys([*categories, *sorted(category_totals)]))
    named_categories = [c for c in order if category_totals.get(c, 0) == 0 or category_totals[c] >= k]
    rows = [Heading("named", c) for c in named_categories]
    if len(named_categories) < len(order):
        rows.append(OTHER)
    row_index = {h: i for i, h in enumerate(rows)}
    column_index = {h: j for j, h in enumerate(columns)}
    cells = [[0] * len(columns) for _ in rows]
    for (category, site), n in counts.items():
        if not n:
            continue
        i = row_index.get(Heading("named", category), row_index.get(OTHER))
        j = column_index[site_of.get(site, OTHER)]
        cells[i][j] += n
    values = _with_margins(cells)
    return Table(tuple(rows), tuple(columns), tuple(tuple(r) for r in cells), frozenset(suppress(values, k)), k)


def _with_margins(cells: list[list[int]]) -> list[list[int]]:
    columns = len(cells[0]) if cells else 0
    rows = [list(r) + [sum(r)] for r in cells]
    rows.append([sum(r[j] for r in cells) for j in range(columns)] + [sum(map(sum, cells))])
    return rows


def suppress(values: Sequence[Sequence[int]], k: int) -> set[Position]:
    """The positions to hide in a table whose last row and last column are its totals."""
    R, C = len(values) - 1, len(values[0]) - 1
    hidden = {(i, j) for i in range(R + 1) for j in range(C + 1) if 0 < values[i][j] < k}
    lines = [(True, [(i, j) for j in range(C + 1)]) for i in range(R + 1)] + [(False, [(i, j) for i in range(R + 1)]) for j in range(C + 1)]
    while True:
        _hide_in_pairs(values, hidden, lines, R, C)
        if not _close_bridge(values, hidden, R, C):
            return hidden


def _hide_in_pairs(values: Sequence[Sequence[int]], hidden: set[Position], lines: list[tuple[bool, list[Position]]], R: int, C: int) -> None:
    """Until it holds: every line (cells then its margin) hides none of its figures or two or more."""
    changed = True
    while changed:
        changed = False
        for is_row, line in lines:
            if sum(p in hidden for p in line) != 1:
                continue
            cells = [p for p in line[:-1] if p not in hidden and values[p[0]][p[1]] > 0]
            # A margin is hidden only when no cell of its line can be: totals are what people read.
            candidates = cells or [p for p in line[-1:] if p not in hidden and values[p[0]][p[1]] > 0]

            def cost(p: Position) -> tuple[int, int, Position]:
                # Smallest first; of equal counts, one whose other line already hides a figure,
                # since hiding it there settles both lines at once.
                crossing = [(i, p[1]) for i in range(R + 1)] if is_row else [(p[0], j) for j in range(C + 1)]
                return (values[p[0]][p[1]], 0 if any(q in hidden for q in crossing) else 1, p)

            if candidates:  # always, as every positive figure has a positive total; kept finite anyway
                hidden.add(min(candidates, key=cost))
                changed = True


def _close_bridge(values: Sequence[Sequence[int]], hidden: set[Position], R: int, C: int) -> bool:
    """Hide the cheapest path that puts the first determined hidden figure on a cycle; False when none is."""
    bridge = _first_bridge(hidden)
    if bridge is None:
        return False
    row, column = ("r", bridge[0]), ("c", bridge[1])
    others = hidden - {bridge}
    sources = _component(row, others)
    targets = _component(column, others)
    # Dijkstra from one side of the bridge to the other over every figure but the bridge: hidden
    # ones cost nothing, shown ones their count, zeros cannot be used.
    best: dict[tuple[str, int], int] = {v: 0 for v in sources}
    came: dict[tuple[str, int], tuple[tuple[str, int], Position]] = {}
    queue = [(0, v) for v in sorted(sources)]
    heapq.heapify(queue)
    reached = None
    while queue:
        dist, vertex = heapq.heappop(queue)
        if dist > best.get(vertex, dist):
            continue
        if vertex in targets:
            reached = vertex
            break
        kind, index = vertex
        neighbours = [(("c", j), (index, j)) for j in range(C + 1)] if kind == "r" else [(("r", i), (i, index)) for i in range(R + 1)]
        for other, p in neighbours:
            if p == bridge:
                continue
            if p in hidden:
                step = 0
            elif values[p[0]][p[1]] > 0:
                step = values[p[0]][p[1]]
            else:
                continue
            if dist + step < best.get(other, dist + step + 1):
                best[other] = dist + step
                came[other] = (vertex, p)
                heapq.heappush(queue, (dist + step, other))
    if reached is None:  # every line has a positive total, so a path exists; keep the loop finite anyway
        return False
    vertex = reached
    while vertex not in sources:
        vertex, p = came[vertex]
        hidden.add(p)
    return True


def _first_bridge(hidden: set[Position]) -> Position | None:
    """A hidden figure that lies on no cycle of hidden figures, so the totals determine it."""
    adjacency: dict[tuple[str, int], list[tuple[tuple[str, int], Position]]] = defaultdict(list)
    for p in sorted(hidden):
        adjacency[("r", p[0])].append((("c", p[1]), p))
        adjacency[("c", p[1])].append((("r", p[0]), p))
    order: dict[tuple[str, int], int] = {}
    low: dict[tuple[str, int], int] = {}
    bridges: list[Position] = []
    for root in sorted(adjacency):
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack = [(root, None, iter(adjacency[root]))]
        while stack:
            vertex, via, edges = stack[-1]
            step = next(edges, None)
            if step is None:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[vertex])
                    if low[vertex] > order[parent]:
                        bridges.append(via)
                continue
            other, p = step
            if p == via:
                continue
            if other in order:
                low[vertex] = min(low[vertex], order[other])
            else:
                order[other] = low[other] = len(order)
                stack.append((other, p, iter(adjacency[other])))
    return min(bridges) if bridges else None


def _component(start: tuple[str, int], edges: set[Position]) -> set[tuple[str, int]]:
    adjacency: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for i, j in edges:
        adjacency[("r", i)].append(("c", j))
        adjacency[("c", j)].append(("r", i))
    seen, todo = {start}, [start]
    while todo:
        for other in adjacency[todo.pop()]:
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def excerpt_cells(table: Table, excerpt_min: int) -> list[Position]:
    """Cells that may be quoted: shown, at least `excerpt_min` reports, of a named category and a
    site that was not merged (an excerpt could name one of the small sites "other sites" hides)."""
    return [
        (i, j)
        for i, category in enumerate(table.categories)
        for j, site in enumerate(table.sites)
        if category.kind == "named" and site.kind != "other" and (i, j) not in table.hidden and table.counts[i][j] >= excerpt_min
    ]


# --- weeks ---------------------------------------------------------------------------------


def iso_week(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def last_full_week(today: date) -> date:
    """The Monday of the last week that has ended by `today`."""
    return week_of(today) - timedelta(days=7)


def due_week(now: datetime, settings: Settings) -> date:
    """The Monday of the week the latest scheduled digest (by `now`) reports on.

    The digest is due at the configured weekday and time of each week, district time, and covers
    the full week before the one it is sent in.
    """
    zone = settings.timezone
    local = now.astimezone(zone)
    monday = week_of(local.date())
    slot = datetime.combine(monday + timedelta(days=settings.district.digest_weekday), settings.district.digest_time, tzinfo=zone)
    if now < slot:
        monday -= timedelta(days=7)
    return monday - timedelta(days=7)


# --- gathering from the database -------------------------------------------------------------


@dataclass(frozen=True)
class Excerpt:
    category: str
    site: Heading
    text: str  # scrubbed; what was taken out is marked, to be put in words per language


@dataclass(frozen=True)
class Digest:
    week: date  # its Monday
    this_week: Table
    trailing: Table
    trailing_weeks: int
    excerpts: tuple[Excerpt, ...]
    excerpt_min: int

    @property
    def label(self) -> str:
        return iso_week(self.week)


def _monday(dialect: str):
    """The Monday of a concern's week, computed by the database (ISO weeks start on Monday)."""
    if dialect == "postgresql":
        return cast(func.date_trunc("week", cast(Concern.filed_on, DateTime)), Date)
    # SQLite: forward to Sunday (or stay on it), then back six days.
    return func.date(Concern.filed_on, "weekday 0", "-6 days")


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def weekly_counts(session: AsyncSession, first: date, last: date) -> dict[tuple[str, str | None, date], int]:
    """Concerns by category, site and week filed from the week of `first` to the week of `last`,
    counted by the database (GROUP BY category, site, week)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    week = _monday(dialect).label("week")
    statement = (
        select(Concern.category, Concern.site, week, func.count())
        .where(Concern.filed_on >= week_of(first), Concern.filed_on < week_of(last) + timedelta(days=7))
        .group_by(Concern.category, Concern.site, week)
    )
    return {(category, site, _as_date(monday)): int(n) for category, site, monday, n in (await session.execute(statement)).all()}


async def gather_digest(session: AsyncSession, settings: Settings, week: date, trailing_weeks: int = TRAILING_WEEKS) -> Digest:
    """The digest for the week starting on Monday `week`, with the `trailing_weeks` ending with it."""
    district = settings.district
    first = week - timedelta(days=7 * (trailing_weeks - 1))
    rows = await weekly_counts(session, first, week)
    this_week: dict[tuple[str, str | None], int] = defaultdict(int)
    trailing: dict[tuple[str, str | None], int] = defaultdict(int)
    for (category, site, monday), n in rows.items():
        trailing[(category, site)] += n
        if monday == week:
            this_week[(category, site)] += n
    week_table = tabulate(this_week, district.k, district.concern_categories)
    trailing_table = tabulate(trailing, district.k, district.concern_categories)
    excerpts = await _excerpts(session, week_table, week, district.excerpt_min)
    return Digest(week, week_table, trailing_table, trailing_weeks, excerpts, district.excerpt_min)


async def _excerpts(session: AsyncSession, table: Table, week: date, excerpt_min: int) -> tuple[Excerpt, ...]:
    cells = excerpt_cells(table, excerpt_min)
    if not cells:
        return ()
    wanted = {(table.categories[i].name, None if table.sites[j].kind == "not_given" else table.sites[j].name): table.sites[j] for i, j in cells}
    # References are random, so their order is a fair sample that says nothing of filing order.
    rank = func.row_number().over(partition_by=(Concern.category, Concern.site), order_by=Concern.reference).label("place")
    ranked = (
        select(Concern.category, Concern.site, Concern.text, rank)
        .where(Concern.filed_on >= week, Concern.filed_on < week + timedelta(days=7), Concern.category.in_({c for c, _ in wanted}))
        .subquery()
    )
    chosen = select(ranked.c.category, ranked.c.site, ranked.c.text).where(ranked.c.place <= EXCERPTS_PER_CELL).order_by(ranked.c.place)
    rows = (await session.execute(chosen)).all()
    texts: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for category, site, text in rows:
        if (category, site) in wanted:
            texts[(category, site)].append(text)
    names = (await session.execute(select(Person.name))).scalars()
    scrubber = Scrubber(names, replacement=_MARK)
    return tuple(Excerpt(category, site, scrubber.scrub(text)) for (category, name), site in wanted.items() for text in texts[(category, name)])


# --- putting it in words -----------------------------------------------------------------------


def _category_label(t: Translator, heading: Heading) -> str:
    if heading.kind == "other":
        return t("concerns.digest_other_categories")
    key = f"concerns.category_{heading.name}"
    return t(key) if key in catalogue(DEFAULT_LANGUAGE) else heading.name.replace("_", " ")


def _site_label(t: Translator, heading: Heading) -> str:
    if heading.kind == "other":
        return t("concerns.digest_other_sites")
    if heading.kind == "not_given":
        return t("concerns.digest_no_site")
    return heading.name


def _figure(t: Translator, table: Table, row: int, column: int) -> str:
    shown = table.shown(row, column)
    return t("concerns.digest_fewer", k=table.k) if shown is None else f"{shown:,}"


def _table_section(t: Translator, table: Table, title: str) -> Card:
    if table.grand_total == 0:
        return Card(title=title, body=t("concerns.digest_none"))
    R, C = table.total_row, table.total_column
    fields = []
    # One line per site: the sites are many and the categories few, so this reads down a page.
    for j, site in enumerate(table.sites):
        parts = [
            f"{_category_label(t, category)} {_figure(t, table, i, j)}"
            for i, category in enumerate(table.categories)
            if table.counts[i][j] or (i, j) in table.hidden
        ]
        parts.append(t("concerns.digest_total", count=_figure(t, table, R, j)))
        fields.append(Fact(_site_label(t, site), " · ".join(parts)))
    totals = [f"{_category_label(t, category)} {_figure(t, table, i, C)}" for i, category in enumerate(table.categories)]
    totals.append(t("concerns.digest_total", count=_figure(t, table, R, C)))
    fields.append(Fact(t("concerns.digest_all_sites"), " · ".join(totals)))
    return Card(title=title, fields=tuple(fields))


def render_digest(digest: Digest, t: Translator, *, ephemeral: bool = True) -> Reply:
    """The digest as a card with fields, and its complete text form."""
    week_end = digest.week + timedelta(days=6)
    trailing_start = digest.week - timedelta(days=7 * (digest.trailing_weeks - 1))
    k = digest.this_week.k
    sections = [
        _table_section(t, digest.this_week, t("concerns.digest_week_title", week=digest.label, start=digest.week.isoformat(), end=week_end.isoformat())),
        _table_section(t, digest.trailing, t("concerns.digest_trailing_title", weeks=digest.trailing_weeks, start=trailing_start.isoformat(), end=week_end.isoformat())),
    ]
    if digest.excerpts:
        removed = t("concerns.digest_removed")
        sections.append(
            Card(
                title=t("concerns.digest_excerpts_title"),
                body=t("concerns.digest_excerpts_note", count=EXCERPTS_PER_CELL, minimum=digest.excerpt_min),
                fields=tuple(
                    Fact(
                        t("concerns.digest_excerpt_label", category=_category_label(t, Heading("named", e.category)), site=_site_label(t, e.site)),
                        shorten(e.text.replace(_MARK, removed), EXCERPT_LENGTH),
                    )
                    for e in digest.excerpts
                ),
            )
        )
    card = Card(
        title=t("concerns.digest_title", week=digest.label),
        body=t("concerns.digest_intro", k=k),
        sections=tuple(sections),
    )
    return card_reply(card, ephemeral=ephemeral)


# --- sending ---------------------------------------------------------------------------------


def digest_key(week: date) -> str:
    return f"concern-digest:{iso_week(week)}"


async def has_destination(session: AsyncSession, settings: Settings) -> bool:
    """Whether a digest has somewhere to go: the DEI channel, or someone with the dei_office role."""
    if dei_destination(settings) is not None:
        return True
    return (await session.execute(select(RoleGrant.id).where(RoleGrant.role == DEI_OFFICE).limit(1))).first() is not None


async def _keys_for(session: AsyncSession, settings: Settings, key: str) -> set[str]:
    """The outbox keys `send_to_dei` writes for `key`: the channel's, or one per dei_office person."""
    if dei_destination(settings) is not None:
        return {key}
    people = (await session.execute(select(RoleGrant.person_id).where(RoleGrant.role == DEI_OFFICE))).scalars()
    return {f"{key}:{person_id}" for person_id in people}


async def queue_digest(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """The weekly job: once the configured weekday and time have come, queue last week's digest.

    Its outbox key names the week, so it goes out once however often and wherever this runs.
    """
    week = due_week(now, settings)
    key = digest_key(week)
    keys = await _keys_for(session, settings, key)
    # Looked up by exact keys (the outbox's unique index), so the job costs nothing once it is sent.
    if not keys or keys <= set((await session.execute(select(OutboxItem.key).where(OutboxItem.key.in_(keys)))).scalars()):
        return 0
    digest = await gather_digest(session, settings, week)
    return await send_to_dei(session, settings, now, key, "concern_digest", lambda t: render_digest(digest, t, ephemeral=False))


async def queue_digest_now(session: AsyncSession, settings: Settings, now: datetime) -> tuple[Digest, int]:
    """Queue the digest of the last full week on request; at most once a day, by its key."""
    today = now.astimezone(settings.timezone).date()
    digest = await gather_digest(session, settings, last_full_week(today))
    key = f"{digest_key(digest.week)}:manual:{today.isoformat()}"
    sent = await send_to_dei(session, settings, now, key, "concern_digest", lambda t: render_digest(digest, t, ephemeral=False))
    return digest, sent


async def run_digest(session: AsyncSession, settings: Settings, now: datetime, *, dry_run: bool) -> tuple[str, bool]:
    """`affinity-bot digest [--dry-run]`: the digest's text, or what became of sending it, in
    English; and whether it went well. The caller commits."""
    t = Translator(DEFAULT_LANGUAGE)
    if dry_run:
        return render_digest(await gather_digest(session, settings, last_full_week(now.astimezone(settings.timezone).date())), t).text, True
    if not await has_destination(session, settings):
        return t("concerns.digest_nowhere"), False
    digest, sent = await queue_digest_now(session, settings, now)
    return t("concerns.digest_queued" if sent else "concerns.digest_already_queued", week=digest.label), True


# --- the `digest` command ------------------------------------------------------------------------


async def show_digest(cmd: ShowDigest, turn: Turn) -> Reply:
    """`digest --dry-run` shows the digest of the last full week; `digest` sends it now."""
    if not turn.roles.dei_office:
        return turn.needs_role(DEI_OFFICE)
    if cmd.dry_run:
        digest = await gather_digest(turn.session, turn.settings, last_full_week(turn.today))
        turn.audit("concern_digest_shown", detail=digest.label)
        return render_digest(digest, turn.t)
    if not await has_destination(turn.session, turn.settings):
        return turn.refuse("concerns.digest_nowhere")
    digest, sent = await queue_digest_now(turn.session, turn.settings, turn.now)
    if not sent:
        return turn.reply("concerns.digest_already_queued", week=digest.label)
    turn.audit("concern_digest_sent", detail=digest.label)
    return turn.reply("concerns.digest_queued", week=digest.label)


HANDLERS = {ShowDigest: show_digest}
