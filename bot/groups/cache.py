"""An in-process copy of what `groups` lists and of who is asking, kept correct across processes.

Most requests are a bare `groups`, and its answer is the same for everyone who reads the same
language in the same time zone and may join the same groups (a listing offers only the groups the
person may join: the process keeps the listed groups' eligibility rules, tagged like a listing,
and for each person the roster facts those rules read — job role, site, start date). A process keeps that answer, and for each person it has seen the
few facts the answer depends on, each tagged with the *generation* it was read at: two counters
in the `cache_generation` row that database triggers raise in the transaction of every change to
groups, memberships, meetings and their skips (`listing`), and to what is kept about people —
their e-mail, language and time zone, their platform links, their role grants, their deletion
(`people`) — whoever writes: this process, another one, the CLI or a bulk import
(storage/migrations/versions/0009_cache_generation.py).

A copy is used only while its generation is the current one. The process reads the counters again
at most every `check_every` (the `AFFINITY_CACHE_CHECK_MS` setting) and at once after it has
committed a write of its own, so:

* after one of its own writes, a process never answers from a copy older than that write;
* a change committed by another process is seen by every answer that starts later than
  `check_every` after that commit (a read of the counters that began before the commit may be in
  use until then) — that is the whole staleness a listing can have.

Nothing about one person is ever given to another: the kept answer holds no one's data (it is the
same listing the uncached path builds for any person of that language and zone), and the facts
kept per person are keyed by their platform identity and used only to pick that answer.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Hashable

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.types import Reply, UserRef
from storage.models.groups import GENERATION_COLUMNS, CacheGeneration

#: How often, at most, a process asks the database whether anything changed.
DEFAULT_CHECK_EVERY = timedelta(milliseconds=250)

Generation = tuple[int, int]  # (listing, people)

_READ = select(CacheGeneration.listing, CacheGeneration.people).where(CacheGeneration.id == 1)
__all__ = ["GENERATION_COLUMNS", "Generation", "Generations", "Known", "KeptListing", "ListingCache", "writes_on"]


class _Writes:
    """Counts the transactions this process committed with at least one write on one engine.

    A statement other than SELECT marks its connection; a commit of a marked connection is
    counted once the commit has surely finished — when the connection goes back to the pool or
    runs its next statement, whichever comes first — so a read of the counters that starts after
    the count moved sees the commit's generation.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._statement)
        event.listen(sync, "commit", self._commit)
        event.listen(sync, "rollback", self._rollback)
        event.listen(sync.pool, "checkin", self._checkin)

    def _statement(self, conn, _cursor, statement: str, _params, _context, _many) -> None:
        info = conn.info
        if info.pop("cache_committed", False):
            self.count += 1
        if statement.lstrip()[:6].upper() != "SELECT":
            info["cache_wrote"] = True

    @staticmethod
    def _commit(conn) -> None:
        if conn.info.pop("cache_wrote", False):
            conn.info["cache_committed"] = True

    @staticmethod
    def _rollback(conn) -> None:
        conn.info.pop("cache_wrote", None)

    def _checkin(self, _dbapi_connection, record) -> None:
        if record is not None and record.info.pop("cache_committed", False):
            self.count += 1
        if record is not None:
            record.info.pop("cache_wrote", None)


_WRITES: "weakref.WeakKeyDictionary[object, _Writes]" = weakref.WeakKeyDictionary()


def writes_on(engine: AsyncEngine) -> _Writes:
    found = _WRITES.get(engine.sync_engine)
    if found is None:
        found = _WRITES[engine.sync_engine] = _Writes(engine)
    return found


class Generations:
    """The current generation as this process last read it, read again when it may be old."""

    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime], check_every: timedelta = DEFAULT_CHECK_EVERY) -> None:
        self.engine = engine
        self.clock = clock
        self.check_every = check_every
        self.writes = writes_on(engine)
        self.value: Generation | None = None
        self.read_at: datetime | None = None
        self.read_writes = -1
        self.reads = 0
        self._reading: asyncio.Future | None = None
        self._reading_writes = -1
        #: Called when the `people` counter is seen to move.
        self.on_people_change: Callable[[], None] | None = None

    def fresh(self, now: datetime) -> Generation | None:
        """The generation if it needs no new read at `now`, else None."""
        if self.value is None or self.read_at is None or self.read_writes != self.writes.count:
            return None
        if not self.read_at <= now < self.read_at + self.check_every:
            return None
        return self.value

    async def current(self) -> Generation | None:
        """The current generation, read again if the last read is too old or this process has
        written since; None when there is no counter (caching is then off)."""
        found = self.fresh(self.clock())
        if found is not None:
            return found
        writes = self.writes.count
        if self._reading is not None and self._reading_writes == writes:
            # One read at a time: every request waiting meanwhile takes its answer.
            return await asyncio.shield(self._reading)
        self._reading = asyncio.get_running_loop().create_future()
        self._reading_writes = writes
        reading = self._reading
        began = self.clock()
        try:
            async with self.engine.connect() as conn:
                row = (await conn.execute(_READ)).first()
                await conn.rollback()
        except BaseException as exc:
            if self._reading is reading:
                self._reading = None
            reading.set_exception(exc)
            reading.exception()  # retrieved: no "never retrieved" warning when nobody waited
            raise
        self.reads += 1
        value = (int(row[0]), int(row[1])) if row is not None else None
        if self.read_at is None or began >= self.read_at:
            # The counters only grow: a generation seen with data meanwhile is kept if higher.
            if value is not None and self.value is not None:
                value = (max(value[0], self.value[0]), max(value[1], self.value[1]))
            self._set(value)
            self.read_at, self.read_writes = began, writes
        if self._reading is reading:
            self._reading = None
        reading.set_result(value)
        return value

    def saw(self, generation: Generation | None) -> None:
        """A generation read with data (in the same statement): the counters are at least this."""
        if generation is None or self.value is None:
            return
        self._set((max(self.value[0], generation[0]), max(self.value[1], generation[1])))

    def _set(self, value: Generation | None) -> None:
        moved = self.value is not None and (value is None or value[1] != self.value[1])
        self.value = value
        if moved and self.on_people_change is not None:
            self.on_people_change()


@dataclass(frozen=True)
class Known:
    """What a listing needs of the person asking: never more."""

    person_id: int
    language: str
    timezone: str | None
    has_email: bool
    #: The roster facts eligibility reads (job role, site, start date): which groups a listing
    #: may offer them (bot/groups/directory.py `not_eligible`).
    roster: tuple
    people: int  # the `people` generation these were read at
    #: Slugs of their own groups (member, asked to join, facilitating): the kept listing shows
    #: them no Join. Memberships move the `listing` generation, so these hold only at `listing`.
    own_groups: frozenset[str] = frozenset()
    listing: int = -1  # the `listing` generation `own_groups` was read at


@dataclass(frozen=True)
class KeptListing:
    reply: Reply
    listing: int  # the `listing` generation it was read at
    until: datetime  # when a shown next meeting takes place (and the answer would change)


class _Bounded(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def keep(self, key: Hashable, value: object) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class ListingCache:
    """This process's copies: people by platform identity, listings by what was asked."""

    def __init__(self, generations: Generations, people: int = 50_000, listings: int = 512) -> None:
        self.generations = generations
        generations.on_people_change = self._people_changed
        self.people: _Bounded = _Bounded(people)
        self.listings: _Bounded = _Bounded(listings)
        self._queries: set[str] = set()  # the words of the kept listings (a superset, never fewer)
        self.rules: tuple | None = None  # (listing generation, the listed groups' eligibility rules)
        self._personal: _Bounded = _Bounded(listings * 4)  # kept listings without some Join buttons
        self.hits = 0

    @staticmethod
    def person_key(actor: UserRef) -> tuple[str, str, str]:
        return (actor.platform, actor.tenant, actor.user_id)

    @staticmethod
    def listing_key(query: str, language: str, timezone: str | None, offered: tuple) -> tuple:
        """`offered` is `offered(...)`: the rules' generation and the groups left out for the person."""
        return (query, language, timezone, offered)

    def remember_rules(self, listing: int, rules: tuple) -> None:
        """The eligibility rules of the listed groups, as read at `listing` generation."""
        if self.rules is None or self.rules[0] <= listing:
            self.rules = (listing, rules)

    def offered(self, roster: tuple, today) -> tuple | None:
        """Which groups a listing leaves out for someone with these roster facts today, by the kept
        rules and tagged with their generation (a listing kept at another one never matches);
        None when no rules are kept."""
        from bot.groups.directory import not_eligible

        if self.rules is None:
            return None
        listing, rules = self.rules
        return (listing, today, not_eligible(rules, roster, today))

    def remember_person(self, actor: UserRef, known: Known) -> None:
        self.people.keep(self.person_key(actor), known)

    def remember_listing(self, key: tuple, kept: KeptListing) -> None:
        self.listings.keep(key, kept)
        self._queries.add(key[0])
        if len(self._queries) > 2 * self.listings.size:
            self._queries = {k[0] for k in self.listings}

    def any_listing(self, query: str) -> bool:
        """Whether a listing for these words is kept in some language and zone."""
        return query in self._queries

    def person(self, actor: UserRef) -> Known | None:
        return self.people.get(self.person_key(actor))

    def _people_changed(self) -> None:
        # Someone's facts changed (or someone was forgotten): every copy read before is stale,
        # and none is kept a moment longer than it takes this process to notice.
        self.people.clear()

    def listing(self, key: tuple) -> KeptListing | None:
        return self.listings.get(key)

    def personal(self, reply: Reply, own_groups: frozenset[str]) -> Reply:
        """The kept listing as this person sees it: no Join on a group of their own. Most people
        are in none of the listed groups and get the kept reply itself; the few variants are
        kept too (by reply and slugs), so a repeated request makes nothing new."""
        if not own_groups:
            return reply
        key = (id(reply), own_groups)
        found = self._personal.get(key)
        if found is not None and found[0] is reply:
            self._personal.move_to_end(key)
            return found[1]
        shown = without_join(reply, own_groups)
        self._personal.keep(key, (reply, shown))
        return shown


def without_join(reply: Reply, own_groups: frozenset[str]) -> Reply:
    """`reply` (a listing) without the Join button of each group in `own_groups` (by slug)."""
    from dataclasses import replace

    from bot.cards import card_reply
    from bot.groups.commands import JoinGroup
    from bot.parsing import line

    if reply.card is None or not own_groups:
        return reply
    joins = {line(JoinGroup(slug)) for slug in own_groups}
    sections = tuple(
        replace(section, actions=tuple(b for b in section.actions if b.value not in joins)) if any(b.value in joins for b in section.actions) else section
        for section in reply.card.sections
    )
    if sections == reply.card.sections:
        return reply
    return replace(card_reply(replace(reply.card, sections=sections), ephemeral=reply.ephemeral), refused=reply.refused, dialog=reply.dialog)
