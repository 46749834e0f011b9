"""The outbox dispatcher: claims what is due, sends each item once through its platform's gateway, records what happened.

One pass (`run_once`) is three short transactions around the sending: claim a batch, read the
recipients' platform links, and write every result back in one statement (SQLite: one prepared
UPDATE run for each row; PostgreSQL: one UPDATE … FROM unnest(arrays)). Nothing is held open while
a platform is being called. `drain` runs passes back to back, claiming the next batch while one is
sent. A batch is sent by at most `concurrency` workers, each taking one conversation at a time.

- *Claiming* marks items `sending` with this dispatcher's random id and a lease. On PostgreSQL
  the rows are picked with `FOR UPDATE SKIP LOCKED`, so several processes share one outbox
  without waiting on each other or taking the same item; on SQLite (one writer at a time) a
  single `UPDATE … RETURNING` picks and marks them. `claim` is the one dialect-specific step.
- *Recording* writes a result only while this dispatcher still holds the claim, so a process that
  lost its lease cannot overwrite what another one found.
- *In doubt*: an item still `sending` after its lease ran out belonged to a process that stopped
  between sending and recording. It is never sent blindly again: a gateway that can look
  (`was_delivered`, Slack) says whether the platform has it; one that cannot (Teams, the console)
  makes the item `dead` with "in doubt: may have been delivered", for an admin to look at.

A person is reached on their first linked platform that has a gateway here, in the order slack,
teams, console (platform links record no "last used", so the order is fixed); "unreachable" moves
on to the next. Several people together get one conversation on a platform they all share, or
else one DM each. Items to the same conversation in one pass go one after another, and a "retry
after" for a conversation holds back the rest of that conversation's items too, never anyone
else's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Collection, Mapping, NamedTuple, Sequence

from sqlalchemy import Text, and_, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.metrics import Metrics
from bot.outbox import channel_from
from bot.ports import ChatGateway
from bot.types import DeliveryResult, Destination, Reply, UserRef
from storage.models import OutboxItem, PlatformLink

log = logging.getLogger("affinity.outbox")

OUTBOX = OutboxItem.__table__

#: The states an outbox item moves through (docs/delivery.md explains each for admins).
QUEUED, SENDING, SENT, DEAD, UNREACHABLE = "queued", "sending", "sent", "dead", "unreachable"
STATES = (QUEUED, SENDING, SENT, DEAD, UNREACHABLE)
#: Seconds to wait after the 1st, 2nd, … failed try; a failure after the last is final (`dead`).
BACKOFF: tuple[float, ...] = (30, 120, 480, 1800, 7200)
#: Which of a person's platforms is tried first.
PLATFORM_ORDER = ("slack", "teams", "console")
BATCH = 200
CONCURRENCY = 32
#: How long a claim lasts. A dispatcher renews its claims while it holds them (every third of
#: the lease), so a process that dies leaves its items to be taken over within this time.
LEASE = timedelta(seconds=60)
#: An item for someone on no platform this process can send on is left for another process
#: (`serve` next to a `chat`, say) this long before this one looks at it again.
ELSEWHERE = timedelta(minutes=5)
#: How many such items a process remembers; beyond that the oldest may be claimed again.
NOT_HERE_KEPT = 10_000
IN_DOUBT = "in doubt: may have been delivered"
#: How long an in-doubt item waits when its platform cannot be asked right now.
RECHECK = 60.0


def dispatcher_id() -> str:
    """A name for one dispatcher run: host and pid for the admin, random so no two runs share it."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(6)}"


class Claimed(NamedTuple):
    """An outbox item this dispatcher holds, as claimed (a tuple: a batch makes hundreds)."""

    id: int
    key: str
    kind: str
    person_id: int | None
    channel: dict[str, Any] | None
    people: list[int] | None
    #: The message as stored (JSON text): items of one fan-out share it, and it is read once.
    payload: str
    attempts: int
    next_attempt_at: datetime
    claimed_until: datetime
    in_doubt: bool = False


_CLAIMED_COLUMNS = (
    OUTBOX.c.id,
    OUTBOX.c.key,
    OUTBOX.c.kind,
    OUTBOX.c.person_id,
    # Read as text and decoded only when there is something in them (most items have neither).
    cast(OUTBOX.c.channel, Text).label("channel"),
    cast(OUTBOX.c.people, Text).label("people"),
    cast(OUTBOX.c.payload, Text).label("payload"),
    OUTBOX.c.attempts,
    OUTBOX.c.next_attempt_at,
)


async def claim(
    session: AsyncSession,
    now: datetime,
    *,
    by: str,
    lease: timedelta,
    limit: int,
    in_doubt: bool = False,
    platforms: Collection[str] | None = None,
    skip: Collection[int] = (),
) -> list[Claimed]:
    """Take up to `limit` items for dispatcher `by` until `now + lease`, in the caller's transaction.

    Due items are `queued` ones whose `next_attempt_at` has come; with `in_doubt`, `sending` ones
    whose claim has run out instead. With `platforms`, only items for a channel on one of them or
    for someone linked to one of them (a process that leaves the other platforms to another one);
    `skip` leaves those ids alone. The only dialect-specific code of the dispatcher.
    """
    if limit <= 0:
        return []
    if in_doubt:
        due = and_(OUTBOX.c.state == SENDING, or_(OUTBOX.c.claimed_until < now, OUTBOX.c.claimed_until.is_(None)))
        order = (OUTBOX.c.claimed_until, OUTBOX.c.id)
    else:
        due = and_(OUTBOX.c.state == QUEUED, OUTBOX.c.next_attempt_at <= now)
        order = (OUTBOX.c.next_attempt_at, OUTBOX.c.id)
    if platforms is not None:
        due = and_(due, _deliverable_on(sorted(platforms), session.bind.dialect.name))
    if skip:
        due = and_(due, OUTBOX.c.id.not_in(sorted(skip)))
    until = now + lease
    picked = select(OUTBOX.c.id).where(due).order_by(*order).limit(limit)
    mark = update(OUTBOX).values(state=SENDING, claimed_by=by, claimed_until=until).returning(*_CLAIMED_COLUMNS)
    if session.bind.dialect.name == "postgresql":
        # Rows another dispatcher is claiming right now are skipped, not waited for; the state
        # is checked again on the locked row, so nothing claimed meanwhile is taken twice.
        ids = (await session.execute(picked.with_for_update(skip_locked=True))).scalars().all()
        if not ids:
            return []
        rows = (await session.execute(mark.where(OUTBOX.c.id.in_(ids), due))).all()
    else:
        # SQLite: the UPDATE takes the database's one write lock before it reads, so the rows it
        # picks cannot be picked by another process at the same time.
        rows = (await session.execute(mark.where(OUTBOX.c.id.in_(picked)))).all()
    found = [
        Claimed(id_, key, kind, person_id, _json(channel), _json(people), payload, attempts, next_attempt_at, until, in_doubt)
        for id_, key, kind, person_id, channel, people, payload, attempts, next_attempt_at in rows
    ]
    found.sort(key=lambda c: (c.next_attempt_at, c.id))
    return found


def _deliverable_on(platforms: list[str], dialect: str):
    """Items this process could deliver: a channel on one of `platforms`, or a person (or one of
    several people) with a link on one of them, or a person with no link anywhere."""
    from sqlalchemy import bindparam, exists, text

    linked = exists().where(PlatformLink.person_id == OUTBOX.c.person_id, PlatformLink.platform.in_(platforms))
    # Someone on no platform at all is nobody's to deliver to: any process records it unreachable.
    nowhere = ~exists().where(PlatformLink.person_id == OUTBOX.c.person_id)
    if dialect == "postgresql":
        # A JSON null (no people) has no elements rather than being an error.
        elements = (
            "SELECT CAST(value AS INTEGER) AS id FROM json_array_elements_text("
            "CASE WHEN json_typeof(outbox_item.people) = 'array' THEN outbox_item.people ELSE CAST('[]' AS json) END)"
        )
    else:
        elements = "SELECT CAST(value AS INTEGER) AS id FROM json_each(outbox_item.people)"
    together = text(
        f"EXISTS (SELECT 1 FROM ({elements}) AS member JOIN platform_link ON platform_link.person_id = member.id"
        " WHERE platform_link.platform IN :people_platforms)"
    ).bindparams(bindparam("people_platforms", value=platforms, expanding=True))
    return or_(
        and_(OUTBOX.c.channel.is_not(None), OUTBOX.c.channel["platform"].as_string().in_(platforms)),
        and_(OUTBOX.c.person_id.is_not(None), or_(linked, nowhere)),
        and_(OUTBOX.c.people.is_not(None), together),
    )


def _json(text: str | None) -> Any:
    return None if text is None or text == "null" else json.loads(text)


# --- where an item goes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One way to deliver an item: a destination on one platform."""

    platform: str
    to: Destination


@dataclass(frozen=True)
class EachAlone:
    """Several people without a platform in common: each gets the message in their own DM."""

    people: tuple[tuple[Choice, ...], ...]


@dataclass(frozen=True)
class Route:
    choices: tuple[Choice | EachAlone, ...] = ()
    #: Some recipient is on a platform this process has no gateway for.
    elsewhere: bool = False
    #: Why there is no choice at all, when there is none.
    reason: str = ""

    @property
    def lane(self) -> Any:
        return self.choices[0] if self.choices else None


_RANK = {p: i for i, p in enumerate(PLATFORM_ORDER)}


def _ordered(refs: Sequence[UserRef]) -> list[UserRef]:
    return sorted(refs, key=lambda r: _RANK.get(r.platform, len(_RANK)))


class _Directory:
    """The platform links of one batch's recipients, and the routes they give."""

    def __init__(self, links: Mapping[int, list[UserRef]], gateways: Mapping[str, ChatGateway], elsewhere: Collection[str]) -> None:
        self.links = links
        self.gateways = gateways
        self.elsewhere = frozenset(elsewhere) - set(gateways)

    def person(self, person_id: int) -> tuple[tuple[Choice, ...], bool]:
        refs = _ordered(self.links.get(person_id, []))
        return tuple(Choice(r.platform, r) for r in refs if r.platform in self.gateways), any(r.platform in self.elsewhere for r in refs)

    def route(self, item: Claimed) -> Route:
        if item.channel is not None:
            where = channel_from(item.channel)
            if where.platform in self.gateways:
                return Route((Choice(where.platform, where),))
            return Route(elsewhere=where.platform in self.elsewhere, reason=f"no {where.platform} gateway here")
        if item.person_id is not None:
            return self._people([item.person_id])
        return self._people(list(item.people or ()))

    def _people(self, ids: list[int]) -> Route:
        known = [p for p in dict.fromkeys(ids) if self.links.get(p)]
        if not known:
            return Route(reason="no platform link")
        if len(known) == 1:
            choices, elsewhere = self.person(known[0])
            return Route(choices, elsewhere, "" if choices else "no platform this process can send on")
        shared: list[Choice] = []
        first = _ordered(self.links[known[0]])
        for ref in first:
            if ref.platform not in self.gateways:
                continue
            together = [next((r for r in self.links[p] if (r.platform, r.tenant) == (ref.platform, ref.tenant)), None) for p in known]
            if all(together) and Choice(ref.platform, tuple(together)) not in shared:  # type: ignore[arg-type]
                shared.append(Choice(ref.platform, tuple(together)))  # type: ignore[arg-type]
        alone = [self.person(p) for p in known]
        elsewhere = any(e for _, e in alone)
        return Route((*shared, EachAlone(tuple(c for c, _ in alone))), elsewhere)


# --- what happened --------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one pass decided for one item, written back in one statement with the others."""

    id: int
    state: str
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None = None
    delivered_ref: str | None = None
    last_error: str | None = None
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    #: For the pass's counts: sent, found, retry, failed, dead, unreachable, elsewhere, released, recheck.
    label: str = ""
    #: A "retry after" from the platform, which holds back the item's conversation too.
    paced: bool = False


class Dispatcher:
    """Delivers due outbox items through `gateways` (platform name → ChatGateway).

    A gateway that can tell whether a message arrived offers `async def was_delivered(to, key,
    since) -> bool | None` and takes the item's key on `send(to, reply, key=key)`, to mark the
    message with it; others are called as the plain `ChatGateway.send(to, reply)`.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gateways: Mapping[str, ChatGateway],
        clock: Clock = system_clock,
        *,
        batch: int = BATCH,
        concurrency: int = CONCURRENCY,
        lease: timedelta = LEASE,
        backoff: Sequence[float] = BACKOFF,
        name: str | None = None,
        elsewhere: Collection[str] = (),
        metrics: Metrics | None = None,
    ) -> None:
        if batch < 1 or concurrency < 1:
            raise ValueError("batch and concurrency must be at least 1")
        self.sessions = sessions
        self.gateways = dict(gateways)
        self.clock = clock
        self.batch = batch
        self.concurrency = concurrency
        self.lease = lease
        self.backoff = tuple(backoff)
        self.id = name or dispatcher_id()
        # Platforms another process delivers on (`serve`, beside a `chat` on the same database):
        # an item only they can deliver is left for them, not called unreachable.
        self.elsewhere = frozenset(elsewhere)
        # A send starts only while this much of the lease is left, so it is over (or timed out:
        # Slack's client gives up after 30 s, Teams' after 15 s) before another dispatcher could
        # take the item as in doubt, even if renewing stopped working just then.
        self.margin = min(lease / 2, timedelta(seconds=60))
        #: Until when the last renewal extended every claim this dispatcher held then.
        self._renewed_until: datetime | None = None
        #: Items this process released for another one (id → until when it leaves them alone).
        self._not_here: dict[int, datetime] = {}
        self.counts: Counter[str] = Counter()
        self._replies: dict[str, Reply] = {}
        #: Deliveries and 429s per platform, for `GET /metrics` (bot.metrics), when given.
        self.metrics = metrics

    # --- one pass ---------------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim up to one batch (in-doubt items first), deliver it, record it; returns how many items it handled."""
        now = now if now is not None else self.clock()
        items = await self._claim_batch(now)
        if items:
            async with self._renewing():
                await self._record(await self._send_batch(items, now, {}))
        return len(items)

    @contextlib.asynccontextmanager
    async def _renewing(self):
        """While sending: every third of the lease, extend every claim this dispatcher still holds
        by a lease from then. Only its own (`claimed_by`), only those still `sending`: a claim
        another dispatcher took over is never touched."""

        async def renew() -> None:
            period = self.lease.total_seconds() / 3
            while True:
                await asyncio.sleep(period)
                try:
                    await self.renew()
                except Exception as exc:  # noqa: BLE001 - the next round tries again; the margin covers a miss
                    log.warning("outbox claims not renewed: %s", type(exc).__name__)

        task = asyncio.ensure_future(renew())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def renew(self) -> int:
        """Extend every claim this dispatcher holds to a lease from now; returns how many."""
        now = self.clock()
        until = now + self.lease
        async with self.sessions() as session:
            async with session.begin():
                result = await session.execute(
                    update(OUTBOX).where(OUTBOX.c.claimed_by == self.id, OUTBOX.c.state == SENDING).values(claimed_until=until)
                )
        self._renewed_until = until
        return int(result.rowcount or 0)

    def _held_until(self, item: Claimed) -> datetime:
        """Until when this dispatcher holds `item`: its claim, or the last renewal, if later
        (a renewal extends every claim held when it ran; later claims end later anyway)."""
        renewed = self._renewed_until
        return renewed if renewed is not None and renewed > item.claimed_until else item.claimed_until

    async def drain(self, stopping: Callable[[], bool] = lambda: False) -> int:
        """Passes back to back until one comes back short of a full batch; returns the items handled.

        While a batch is being sent the next one is claimed, and its results are written while
        the next is sent, so the database and the platforms are never waited for in turn. A
        batch claimed is always sent and recorded: `stopping` only prevents claiming more.
        """
        handled = 0
        held: dict[Any, Outcome] = {}
        items = [] if stopping() else await self._claim_batch(self.clock())
        if not items:
            return 0
        async with self._renewing():
            return await self._drain_from(items, held, stopping)

    async def _drain_from(self, items: list[Claimed], held: dict[Any, Outcome], stopping: Callable[[], bool]) -> int:
        handled = 0
        recording: asyncio.Future | None = None
        upcoming: asyncio.Future | None = None
        try:
            while items:
                sending = asyncio.ensure_future(self._send_batch(items, self.clock(), held))
                upcoming = None
                if len(items) >= self.batch and not stopping():
                    upcoming = asyncio.ensure_future(self._claim_batch(self.clock()))
                outcomes = await sending
                if recording is not None:
                    await recording
                recording = asyncio.ensure_future(self._record(outcomes))
                handled += len(items)
                items = await upcoming if upcoming is not None else []
                upcoming = None
        except Exception:
            # The database went away mid-drain, say: a batch claimed but not yet sent goes back
            # to the queue untouched (if it can be written), rather than waiting out its claim.
            if upcoming is not None:
                with contextlib.suppress(Exception):
                    await self._release([i for i in await upcoming if not i.in_doubt])
            raise
        finally:
            if recording is not None:
                await recording
        return handled

    async def _release(self, items: list[Claimed]) -> None:
        if not items:
            return
        async with self.sessions() as session:
            async with session.begin():
                await session.execute(
                    update(OUTBOX)
                    .where(OUTBOX.c.id.in_([i.id for i in items]), OUTBOX.c.claimed_by == self.id, OUTBOX.c.state == SENDING)
                    .values(state=QUEUED, claimed_by=None, claimed_until=None)
                )

    async def _claim_batch(self, now: datetime) -> list[Claimed]:
        # Next to a process that delivers the other platforms, claim only what could go out here.
        platforms = frozenset(self.gateways) if self.elsewhere else None
        skip = self._not_here_ids(now)
        async with self.sessions() as session:
            async with session.begin():
                items = await claim(session, now, by=self.id, lease=self.lease, limit=self.batch, in_doubt=True, platforms=platforms, skip=skip)
                items += await claim(session, now, by=self.id, lease=self.lease, limit=self.batch - len(items), platforms=platforms, skip=skip)
        return items

    def _not_here_ids(self, now: datetime) -> list[int]:
        """Items released to another process lately, not to be claimed here again for a while."""
        for item_id, until in list(self._not_here.items()):
            if until <= now:
                del self._not_here[item_id]
        return list(self._not_here)

    async def _send_batch(self, items: list[Claimed], now: datetime, held: dict[Any, Outcome]) -> list[Outcome]:
        """Deliver a claimed batch: each conversation's items one after another, up to
        `concurrency` sends at once. `held` carries conversations told to wait across batches."""
        directory = await self._directory(items)
        lanes: dict[Any, list[tuple[Claimed, Route]]] = {}
        for item in items:
            route = directory.route(item)
            lanes.setdefault(route.lane if route.lane is not None else ("item", item.id), []).append((item, route))
        for lane, outcome in list(held.items()):
            if outcome.next_attempt_at <= now:
                del held[lane]
        outcomes: list[Outcome] = []
        # One iterator shared by the workers: each takes the next conversation when it is free.
        # A bounded pool rather than a task per conversation, which cost more than the sending.
        waiting_lanes = iter(lanes.items())

        async def worker() -> None:
            for lane, queue in waiting_lanes:
                for item, route in queue:
                    waiting = held.get(lane)
                    if waiting is not None:
                        outcomes.append(self._wait_behind(item, waiting))
                        continue
                    outcome = await self._safely(item, route, now)
                    outcomes.append(outcome)
                    if outcome.paced:
                        held[lane] = outcome

        workers = min(self.concurrency, len(lanes))
        if workers == 1:
            await worker()
        elif workers:
            await asyncio.gather(*(worker() for _ in range(workers)))
        return outcomes

    async def pending(self) -> datetime | None:
        """The earliest moment something queued falls due or an in-doubt claim runs out, if any."""
        async with self.sessions() as session:
            queued = (await session.execute(select(func.min(OUTBOX.c.next_attempt_at)).where(OUTBOX.c.state == QUEUED))).scalar()
            sending = (await session.execute(select(func.min(OUTBOX.c.claimed_until)).where(OUTBOX.c.state == SENDING))).scalar()
        moments = [m for m in (queued, sending) if m is not None]
        if not moments:
            return None
        # MIN() over SQLite text comes back as text, not through the column's type.
        return min(_instant(m) for m in moments)

    async def _directory(self, items: list[Claimed]) -> _Directory:
        ids: set[int] = set()
        for item in items:
            if item.person_id is not None:
                ids.add(item.person_id)
            ids.update(item.people or ())
        links: dict[int, list[UserRef]] = {}
        if ids:
            async with self.sessions() as session:
                rows = await session.execute(
                    select(PlatformLink.person_id, PlatformLink.platform, PlatformLink.tenant, PlatformLink.user_id)
                    .where(PlatformLink.person_id.in_(sorted(ids)))
                    .order_by(PlatformLink.id)
                )
                for person_id, platform, tenant, user_id in rows:
                    links.setdefault(person_id, []).append(UserRef(platform, tenant, user_id))
        return _Directory(links, self.gateways, self.elsewhere)

    async def _safely(self, item: Claimed, route: Route, now: datetime) -> Outcome:
        try:
            return await self._deliver(item, route, now)
        except Exception as exc:
            # A gateway broke mid-send (a bug, or an answer that never came): whether the platform
            # has the message is unknown, so the item is handled as in doubt on the next pass.
            log.warning("outbox item %d: %s while sending; it is in doubt", item.id, type(exc).__name__)
            # Asked only after a while: a platform may still be acting on a request that timed out.
            return self._outcome(item, SENDING, now, label="recheck", claimed_until=self._at(now) + timedelta(seconds=RECHECK), last_error=f"in doubt: {type(exc).__name__}")

    async def _deliver(self, item: Claimed, route: Route, now: datetime) -> Outcome:
        try:
            reply = self._reply(item.payload)
        except (KeyError, TypeError, ValueError) as exc:
            return self._outcome(item, DEAD, now, label="dead", last_error=f"unreadable payload ({type(exc).__name__})")
        if item.in_doubt:
            settled = await self._settle(item, route, now)
            if settled is not None:
                return settled
        if not route.choices:
            if route.elsewhere:
                return self._elsewhere(item, now)
            return self._outcome(item, UNREACHABLE, now, label="unreachable", last_error=route.reason)
        if self.clock() >= self._held_until(item) - self.margin:
            # Too little of the claim is left to send safely: back in the queue, untouched.
            return self._outcome(item, QUEUED, now, label="released")
        reasons: list[str] = []
        for choice in route.choices:
            result = await self._send(choice, item.key, reply)
            if result.status != "unreachable":
                return self._result(item, result, now)
            reasons.append(f"{_platforms(choice)}: {result.error or 'unreachable'}")
        if route.elsewhere:
            return self._elsewhere(item, now)
        return self._outcome(item, UNREACHABLE, now, label="unreachable", last_error="; ".join(reasons))

    def _reply(self, payload: str) -> Reply:
        # A fan-out's items carry the same text: one Reply for all of them, which also lets a
        # gateway render it once.
        reply = self._replies.get(payload)
        if reply is None:
            if len(self._replies) >= 64:
                self._replies.clear()
            reply = self._replies[payload] = Reply.from_payload(json.loads(payload))
        return reply

    async def _send(self, choice: Choice | EachAlone, key: str, reply: Reply) -> DeliveryResult:
        if isinstance(choice, EachAlone):
            return await self._send_each(choice, key, reply)
        gateway = self.gateways[choice.platform]
        if callable(getattr(gateway, "was_delivered", None)):
            result = await gateway.send(choice.to, reply, key=key)  # type: ignore[call-arg]
        else:
            result = await gateway.send(choice.to, reply)
        if self.metrics is not None:
            self.metrics.delivery(choice.platform, result.status)
        return result

    async def _send_each(self, each: EachAlone, key: str, reply: Reply) -> DeliveryResult:
        """One DM each. Until one is sent, a "retry" or "failed" is the item's; after that, the
        item is sent and who was missed is noted, since trying again would repeat the others."""
        delivered: list[str] = []
        missed = 0
        first_problem: DeliveryResult | None = None
        for choices in each.people:
            result = DeliveryResult.unreachable("no platform this process can send on")
            for choice in choices:
                result = await self._send(choice, key, reply)
                if result.status != "unreachable":
                    break
            if result.status == "sent":
                delivered.append(result.message_ref or "")
                continue
            if result.status != "unreachable" and not delivered:
                return result
            missed += 1
            first_problem = first_problem or result
        if not delivered:
            return first_problem or DeliveryResult.unreachable("nobody to send to")
        note = f"reached {len(delivered)} of {len(each.people)}" if missed else None
        return DeliveryResult("sent", error=note, message_ref=delivered[0] or None)

    async def _settle(self, item: Claimed, route: Route, now: datetime) -> Outcome | None:
        """For an in-doubt item: sent, dead, or asked again later; None when every platform it
        could have gone to says it did not arrive, so it is sent now."""
        if route.elsewhere:
            # A dispatcher elsewhere may have sent it on a platform this one cannot ask: left in
            # doubt for a process that can, at once (its claim ends now), and not claimed here again.
            self._leave_alone(item, now)
            return self._outcome(item, SENDING, now, label="recheck", claimed_until=self._at(now), last_error="in doubt: waiting for a process that can check")
        choices = _flat(route.choices)
        if not choices:
            # Nowhere it could have gone can be asked.
            return self._dead_in_doubt(item, now)
        for choice in choices:
            check = getattr(self.gateways[choice.platform], "was_delivered", None)
            if not callable(check):
                return self._dead_in_doubt(item, now)
            try:
                answer = await check(choice.to, item.key, item.next_attempt_at)
            except Exception as exc:
                wait = float(getattr(exc, "retry_after", None) or RECHECK)
                return self._outcome(item, SENDING, now, label="recheck", claimed_until=self._at(now) + timedelta(seconds=wait), last_error=f"in doubt: {choice.platform} could not be asked yet")
            if answer is None:
                return self._dead_in_doubt(item, now)
            if answer:
                return self._outcome(item, SENT, now, label="found", sent_at=self._at(now), last_error="found delivered after an interruption", claimed_by=self.id)
        return None

    # --- outcomes ---------------------------------------------------------------------------

    def _at(self, now: datetime) -> datetime:
        # Results are timed when they come in, never before the pass began.
        return max(now, self.clock())

    def _outcome(self, item: Claimed, state: str, now: datetime, *, label: str, **values: Any) -> Outcome:
        return Outcome(id=item.id, state=state, attempts=values.pop("attempts", item.attempts), next_attempt_at=values.pop("next_attempt_at", item.next_attempt_at), label=label, **values)

    def _dead_in_doubt(self, item: Claimed, now: datetime) -> Outcome:
        return self._outcome(item, DEAD, now, label="dead", last_error=IN_DOUBT)

    def _elsewhere(self, item: Claimed, now: datetime) -> Outcome:
        # Released at once, as it was, for the process that can send it; this one leaves it
        # alone for a while (in memory: the few items of people on both its platforms and others).
        self._leave_alone(item, now)
        return self._outcome(item, QUEUED, now, label="elsewhere")

    def _leave_alone(self, item: Claimed, now: datetime) -> None:
        if len(self._not_here) >= NOT_HERE_KEPT:
            self._not_here.pop(next(iter(self._not_here)))
        self._not_here[item.id] = self._at(now) + ELSEWHERE

    def _wait_behind(self, item: Claimed, held: Outcome) -> Outcome:
        return Outcome(
            id=item.id, state=QUEUED, attempts=item.attempts, next_attempt_at=max(item.next_attempt_at, held.next_attempt_at), last_error=held.last_error, label="retry"
        )

    def _result(self, item: Claimed, result: DeliveryResult, now: datetime) -> Outcome:
        at = self._at(now)
        if result.status == "sent":
            ref = (result.message_ref or "")[:200] or None
            return self._outcome(item, SENT, now, label="sent", sent_at=at, delivered_ref=ref, last_error=result.error, claimed_by=self.id)
        if result.status == "retry_after":
            seconds = max(float(result.retry_after or 0.0), 0.0)
            return self._outcome(
                item, QUEUED, now, label="retry", paced=True, next_attempt_at=at + timedelta(seconds=seconds), last_error=f"retry after {seconds:g} s: {result.error or 'asked to wait'}"
            )
        attempts = item.attempts + 1
        error = result.error or result.status
        if attempts > len(self.backoff):
            log.warning("outbox item %d (%s) is dead after %d tries: %s", item.id, item.kind, attempts, error)
            return self._outcome(item, DEAD, now, label="dead", attempts=attempts, last_error=f"failed {attempts} times, last: {error}")
        delay = timedelta(seconds=self.backoff[attempts - 1])
        return self._outcome(item, QUEUED, now, label="failed", attempts=attempts, next_attempt_at=at + delay, last_error=f"failed (try {attempts}): {error}")

    async def _record(self, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        async with self.sessions() as session:
            async with session.begin():
                await _write_outcomes(await session.connection(), outcomes, self.id)
        self.counts.update(o.label for o in outcomes)


_UPDATE_SQLITE = (
    "UPDATE outbox_item SET state = ?, attempts = ?, next_attempt_at = ?, sent_at = ?, delivered_ref = ?, last_error = ?, claimed_by = ?, claimed_until = ?"
    " WHERE id = ? AND claimed_by = ?"
)
_UPDATE_PG = (
    "UPDATE outbox_item AS o SET state = v.state, attempts = v.attempts, next_attempt_at = v.next_attempt_at, sent_at = v.sent_at,"
    " delivered_ref = v.delivered_ref, last_error = v.last_error, claimed_by = v.claimed_by, claimed_until = v.claimed_until"
    " FROM unnest($1::int[], $2::text[], $3::int[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])"
    "  AS v(id, state, attempts, next_attempt_at, sent_at, delivered_ref, last_error, claimed_by, claimed_until)"
    " WHERE o.id = v.id AND o.claimed_by = $10"
)


async def _write_outcomes(connection: Any, outcomes: Sequence[Outcome], holder: str) -> None:
    """Write a pass's results in one statement, each only where `holder` still has the claim.

    Values go to the driver encoded as the columns' own types would encode them (SQLite keeps
    instants as text, so the text must be exactly what every other query compares with)."""
    if connection.dialect.name == "postgresql":
        utc = timezone.utc
        columns: list[list[Any]] = [[] for _ in range(9)]
        for o in outcomes:
            for column, value in zip(
                columns,
                (
                    o.id,
                    o.state,
                    o.attempts,
                    o.next_attempt_at.astimezone(utc),
                    o.sent_at and o.sent_at.astimezone(utc),
                    o.delivered_ref,
                    o.last_error,
                    o.claimed_by,
                    o.claimed_until and o.claimed_until.astimezone(utc),
                ),
            ):
                column.append(value)
        await connection.exec_driver_sql(_UPDATE_PG, (*columns, holder))
        return
    instant = OUTBOX.c.next_attempt_at.type.bind_processor(connection.dialect) or (lambda v: v)
    await connection.exec_driver_sql(
        _UPDATE_SQLITE,
        [
            (
                o.state,
                o.attempts,
                instant(o.next_attempt_at),
                None if o.sent_at is None else instant(o.sent_at),
                o.delivered_ref,
                o.last_error,
                o.claimed_by,
                None if o.claimed_until is None else instant(o.claimed_until),
                o.id,
                holder,
            )
            for o in outcomes
        ],
    )


def _flat(choices: Sequence[Choice | EachAlone]) -> list[Choice]:
    flat: list[Choice] = []
    for choice in choices:
        if isinstance(choice, EachAlone):
            flat.extend(c for person in choice.people for c in person)
        else:
            flat.append(choice)
    return flat


def _platforms(choice: Choice | EachAlone) -> str:
    if isinstance(choice, EachAlone):
        return "one DM each"
    return choice.platform


def _instant(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


async def requeue_unreachable(session: AsyncSession, person_id: int, now: datetime) -> int:
    """Give a person's `unreachable` items another try, now that they can be reached (they opened
    a console, say); the caller commits. Returns how many."""
    result = await session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.person_id == person_id, OUTBOX.c.state == UNREACHABLE)
        .values(state=QUEUED, next_attempt_at=now, last_error=None, claimed_by=None, claimed_until=None)
    )
    return int(result.rowcount or 0)


__all__ = [
    "BACKOFF",
    "DEAD",
    "IN_DOUBT",
    "PLATFORM_ORDER",
    "QUEUED",
    "SENDING",
    "SENT",
    "STATES",
    "UNREACHABLE",
    "Claimed",
    "Dispatcher",
    "claim",
    "dispatcher_id",
    "requeue_unreachable",
]
