"""The outbox dispatcher on SQLite and PostgreSQL: claims, exactly-once delivery, retries, doubt, fallbacks, status."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

import adapters.slack
from adapters.console import ConsoleChat, console_user
from adapters.console.gateway import ConsoleGateway
from bot.bootstrap import Runtime, outbox_status
from bot.clock import FrozenClock
from bot.outbox import enqueue
from bot.types import Button, Card, ConversationRef, DeliveryResult, Profile, Reply, UserRef
from schedules.dispatcher import BACKOFF, IN_DOUBT, LEASE, Dispatcher, claim
from storage.engine import open_engine, session_maker
from storage.models import OutboxItem, Person, PlatformLink
from tests.adapters.slack.fake_slack import TEAM, FakeSlack

BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ANNOUNCE = ConversationRef("slack", TEAM, "C0ANNOUNCE", "channel")


# --- helpers shared with tests/e2e/test_dispatcher_kill.py -----------------------------------


def slack_user_id(n: int) -> str:
    # The fake opens DM "D0" + the last four characters of the id: unique below 10,000 people.
    return f"U{n:07d}"


async def add_people(runtime: Runtime, count: int, *, start: int = 1, slack: bool = True, console: bool = False) -> list[int]:
    """`count` staff members, linked to Slack (and/or the console); returns their ids in order."""
    async with runtime.sessions() as session:
        people = [Person(name=f"Staff Member {n}", email=f"staff{n}@district.example", created_on=date(2026, 9, 1)) for n in range(start, start + count)]
        session.add_all(people)
        await session.flush()
        for n, person in zip(range(start, start + count), people):
            if slack:
                session.add(PlatformLink(person_id=person.id, platform="slack", tenant=TEAM, user_id=slack_user_id(n)))
            if console:
                session.add(PlatformLink(person_id=person.id, platform="console", tenant="local", user_id=f"staff{n}@district.example"))
        await session.commit()
        return [p.id for p in people]


async def queue(runtime: Runtime, now: datetime, *, kind: str = "nudge", text: str = "Reminder", **to) -> str:
    key = f"test:{kind}:{to.get('person_id') or to.get('people') or to['channel'].conversation_id}:{text}"
    async with runtime.sessions() as session:
        assert await enqueue(session, key=key, kind=kind, reply=Reply(text=text, ephemeral=False), now=now, **to)
        await session.commit()
    return key


async def rows(runtime: Runtime) -> dict[str, OutboxItem]:
    async with runtime.sessions() as session:
        return {r.key: r for r in (await session.execute(select(OutboxItem))).scalars()}


def slack_gateway(runtime: Runtime, fake: FakeSlack, clock=None):
    settings = replace(runtime.settings, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET, slack_api_url=fake.api_url)
    gateway = adapters.slack.gateway(Runtime(settings, runtime.engine, runtime.sessions, runtime.bot, runtime.clock))
    assert gateway is not None
    if clock is not None:
        gateway.pacing.monotonic = lambda: clock().timestamp()
    return gateway


@pytest.fixture
async def fake(clock):
    slack = FakeSlack(clock=lambda: clock().timestamp())
    await slack.start()
    yield slack
    slack.release()
    await slack.stop()


@pytest.fixture
async def slack(runtime, fake, clock):
    gateway = slack_gateway(runtime, fake, clock)
    yield gateway
    await gateway.close()


class Terminal:
    """One person at a console, as `affinity-bot chat` sets it up."""

    def __init__(self, runtime: Runtime, email: str) -> None:
        self.out = io.StringIO()
        self.chat = ConsoleChat(runtime.bot.handle, console_user(email), Profile(email=email), out=self.out)
        self.gateway = ConsoleGateway(self.chat)


# --- claiming: the dialect-specific step -----------------------------------------------------


async def test_claim_takes_due_items_in_order_once_and_marks_them(runtime, clock):
    (person,) = await add_people(runtime, 1)
    now = clock()
    keys = [await queue(runtime, now - timedelta(minutes=5 - i), person_id=person, text=f"due {i}") for i in range(3)]
    await queue(runtime, now + timedelta(hours=1), person_id=person, text="later")
    async with runtime.sessions() as session, session.begin():
        first = await claim(session, now, by="a", lease=LEASE, limit=2)
    async with runtime.sessions() as session, session.begin():
        second = await claim(session, now, by="b", lease=LEASE, limit=5)
    assert [c.key for c in first] == keys[:2] and [c.key for c in second] == keys[2:]
    found = await rows(runtime)
    assert [found[k].claimed_by for k in keys] == ["a", "a", "b"]
    assert {found[k].state for k in keys} == {"sending"} and {found[k].claimed_until for k in keys} == {now + LEASE}
    assert found["test:nudge:%d:later" % person].state == "queued"

    async with runtime.sessions() as session, session.begin():
        assert await claim(session, now + LEASE, by="c", lease=LEASE, limit=10, in_doubt=True) == []
    async with runtime.sessions() as session, session.begin():
        doubtful = await claim(session, now + LEASE + timedelta(seconds=1), by="c", lease=LEASE, limit=10, in_doubt=True)
    assert sorted(c.key for c in doubtful) == sorted(keys) and all(c.in_doubt for c in doubtful)


async def test_claims_in_overlapping_transactions_never_share_an_item(runtime, clock):
    (person,) = await add_people(runtime, 1)
    for i in range(6):
        await queue(runtime, clock(), person_id=person, text=f"m{i}")
    first_session = runtime.sessions()
    await first_session.begin()
    first = await claim(first_session, clock(), by="a", lease=LEASE, limit=3)
    # The second claim runs while the first transaction is still open: PostgreSQL skips the
    # locked rows, SQLite waits for the write lock; neither may hand out the same rows.
    second_session = runtime.sessions()
    second_task = asyncio.ensure_future(_claim_and_commit(second_session, clock(), "b"))
    await asyncio.sleep(0)
    await first_session.commit()
    await first_session.close()
    second = await second_task
    assert len(first) == 3 and len(second) == 3
    assert not {c.id for c in first} & {c.id for c in second}


async def _claim_and_commit(session, now, by):
    async with session:
        async with session.begin():
            return await claim(session, now, by=by, lease=LEASE, limit=3)


# --- delivering ------------------------------------------------------------------------------


async def test_a_fan_out_goes_out_once_each_with_its_key_as_slack_metadata(runtime, clock, fake, slack):
    people = await add_people(runtime, 30)
    keys = [await queue(runtime, clock(), person_id=p) for p in people]
    dispatcher = Dispatcher(runtime.sessions, {"slack": slack}, clock, batch=50, concurrency=8)

    assert await dispatcher.run_once(clock()) == 30
    assert await dispatcher.run_once(clock()) == 0

    assert fake.keys == {k: 1 for k in keys}
    posted = fake.of("chat.postMessage")[0].args
    assert posted["metadata"]["event_type"] == "affinity_outbox" and posted["metadata"]["event_payload"]["key"] in keys
    found = await rows(runtime)
    assert {r.state for r in found.values()} == {"sent"}
    assert all(r.sent_at == clock() and r.delivered_ref.startswith("D0") and r.claimed_until is None for r in found.values())
    assert dispatcher.counts["sent"] == 30


async def test_a_429_holds_back_that_channel_only_and_nothing_is_lost(runtime, clock, fake, slack):
    start = clock()
    people = await add_people(runtime, 5)
    dms = [await queue(runtime, start, person_id=p, text="Meeting tomorrow") for p in people]
    posts = [await queue(runtime, start, kind="announcement", channel=ANNOUNCE, text=f"Post {i}") for i in range(3)]
    fake.throttle("C0ANNOUNCE", until=(start + timedelta(seconds=90)).timestamp(), retry_after=30)
    dispatcher = Dispatcher(runtime.sessions, {"slack": slack}, clock)

    await dispatcher.run_once(clock())
    found = await rows(runtime)
    assert all(found[k].state == "sent" and found[k].sent_at == start for k in dms), "the DMs are not held up by the channel"
    assert {found[k].next_attempt_at for k in posts} == {start + timedelta(seconds=30)}, "never earlier than Retry-After"
    assert len(fake.of("chat.postMessage")) == 5 + 1, "one request for the channel, then it waits"

    for _ in range(200):
        found = await rows(runtime)
        if all(r.state == "sent" for r in found.values()):
            break
        clock.advance(seconds=1)
        await dispatcher.run_once(clock())

    assert fake.keys == {k: 1 for k in dms + posts}
    channel_calls = [c for c in fake.of("chat.postMessage") if c.args["channel"] == "C0ANNOUNCE"]
    refused = [c.at for c in channel_calls if c.at < (start + timedelta(seconds=90)).timestamp()]
    assert len(refused) == 3  # at 0, 30 and 60 s
    for at in refused:
        later = [c.at for c in channel_calls if c.at > at]
        assert later and min(later) >= at + 30, "a request came before Retry-After had passed"
    accepted = sorted(c.at for c in channel_calls if c.at >= (start + timedelta(seconds=90)).timestamp())
    assert len(accepted) == 3 and all(b - a >= 1 for a, b in zip(accepted, accepted[1:])), "then Slack's pace of one a second"


async def test_failures_back_off_then_the_item_is_dead_and_visible(runtime, clock, fake, slack):
    (person,) = await add_people(runtime, 1)
    key = await queue(runtime, clock(), person_id=person)
    for _ in range(len(BACKOFF) + 1):
        fake.fail("chat.postMessage", error="invalid_blocks")
    dispatcher = Dispatcher(runtime.sessions, {"slack": slack}, clock)

    for tries, delay in enumerate(BACKOFF, start=1):
        await dispatcher.run_once(clock())
        item = (await rows(runtime))[key]
        assert (item.state, item.attempts) == ("queued", tries)
        assert item.next_attempt_at == clock() + timedelta(seconds=delay) and "invalid_blocks" in item.last_error
        clock.advance(seconds=delay - 1)
        assert await dispatcher.run_once(clock()) == 0, "not tried before its backoff"
        clock.advance(seconds=1)
    await dispatcher.run_once(clock())

    item = (await rows(runtime))[key]
    assert (item.state, item.attempts) == ("dead", len(BACKOFF) + 1)
    assert item.last_error == f"failed {len(BACKOFF) + 1} times, last: invalid_blocks"
    assert len(fake.of("chat.postMessage")) == len(BACKOFF) + 1 and fake.keys == {}
    clock.advance(days=1)
    assert await dispatcher.run_once(clock()) == 0


async def test_unreachable_on_slack_moves_on_to_the_next_platform(runtime, clock, fake, slack):
    both, only_slack = await add_people(runtime, 2, console=False)
    async with runtime.sessions() as session:
        session.add(PlatformLink(person_id=both, platform="console", tenant="local", user_id="staff1@district.example"))
        await session.commit()
    terminal = Terminal(runtime, "staff1@district.example")
    first = await queue(runtime, clock(), person_id=both, text="Welcome to New Teachers Circle")
    second = await queue(runtime, clock(), person_id=only_slack, text="Welcome to New Teachers Circle")
    fake.fail("conversations.open", error="account_inactive")
    fake.fail("conversations.open", error="account_inactive")
    dispatcher = Dispatcher(runtime.sessions, {"slack": slack, "console": terminal.gateway}, clock)

    await dispatcher.run_once(clock())

    found = await rows(runtime)
    assert found[first].state == "sent" and found[first].delivered_ref.startswith("console:")
    assert "✉ Welcome to New Teachers Circle" in terminal.out.getvalue()
    assert found[second].state == "unreachable" and found[second].last_error == "slack: account_inactive"
    assert fake.keys == {}


async def test_someone_with_no_platform_link_is_unreachable(runtime, clock, slack):
    (person,) = await add_people(runtime, 1, slack=False)
    key = await queue(runtime, clock(), person_id=person)
    await Dispatcher(runtime.sessions, {"slack": slack}, clock).run_once(clock())
    item = (await rows(runtime))[key]
    assert (item.state, item.last_error) == ("unreachable", "no platform link")


async def test_several_people_share_one_conversation_or_each_get_their_own(runtime, clock, fake, slack):
    a, b = await add_people(runtime, 2)
    (c,) = await add_people(runtime, 1, start=3, slack=False, console=True)
    terminal = Terminal(runtime, "staff3@district.example")
    together = await queue(runtime, clock(), kind="intro", people=[a, b], text="Meet each other")
    apart = await queue(runtime, clock(), kind="intro", people=[a, c], text="Meet your peer")
    await Dispatcher(runtime.sessions, {"slack": slack, "console": terminal.gateway}, clock).run_once(clock())

    found = await rows(runtime)
    assert found[together].state == found[apart].state == "sent"
    opened = sorted(call.args["users"] for call in fake.of("conversations.open"))
    assert opened == sorted(["U0000001,U0000002", "U0000001"])
    assert fake.keys == {together: 1, apart: 1}
    assert "✉ Meet your peer" in terminal.out.getvalue() and "Meet each other" not in terminal.out.getvalue()


# --- in doubt: a process stopped between sending and recording -------------------------------


async def test_in_doubt_slack_says_whether_it_arrived_so_it_is_sent_exactly_once(runtime, clock, fake, slack):
    arrived, never_sent = await add_people(runtime, 2)
    k_arrived = await queue(runtime, clock(), person_id=arrived)
    k_never = await queue(runtime, clock(), person_id=never_sent)
    # A dispatcher claims both and sends one, then stops before recording anything.
    async with runtime.sessions() as session, session.begin():
        claimed = await claim(session, clock(), by="gone", lease=LEASE, limit=10)
    assert len(claimed) == 2
    result = await slack.send(UserRef("slack", TEAM, slack_user_id(1)), Reply(text="Reminder", ephemeral=False), key=k_arrived)
    assert result.status == "sent"

    restarted = Dispatcher(runtime.sessions, {"slack": slack_gateway(runtime, fake, clock)}, clock)
    assert await restarted.run_once(clock()) == 0, "not touched while the claim lasts"
    clock.advance(seconds=LEASE.total_seconds() + 1)
    await restarted.run_once(clock())

    found = await rows(runtime)
    assert found[k_arrived].state == "sent" and found[k_arrived].last_error == "found delivered after an interruption"
    assert found[k_never].state == "sent" and found[k_never].last_error is None
    assert fake.keys == {k_arrived: 1, k_never: 1}
    history = fake.of("conversations.history")
    assert history and all(h.args["include_all_metadata"] in ("1", "true", True) for h in history)
    assert restarted.counts == {"found": 1, "sent": 1}


async def test_in_doubt_where_the_platform_cannot_tell_is_dead_never_resent(runtime, clock):
    (person,) = await add_people(runtime, 1, slack=False, console=True)
    terminal = Terminal(runtime, "staff1@district.example")
    key = await queue(runtime, clock(), person_id=person)
    async with runtime.sessions() as session, session.begin():
        await claim(session, clock(), by="gone", lease=LEASE, limit=10)
    clock.advance(seconds=LEASE.total_seconds() + 1)

    await Dispatcher(runtime.sessions, {"console": terminal.gateway}, clock).run_once(clock())

    item = (await rows(runtime))[key]
    assert (item.state, item.last_error) == ("dead", IN_DOUBT)
    assert terminal.out.getvalue() == ""


class Gate:
    """A Slack-shaped gateway whose sends wait until the test opens the gate."""

    platform = "slack"

    def __init__(self, delivered: bool) -> None:
        self.entered = asyncio.Event()
        self.open = asyncio.Event()
        self.delivered = delivered
        self.sent: list[str] = []

    async def send(self, to, reply, key=None) -> DeliveryResult:
        self.entered.set()
        await self.open.wait()
        self.sent.append(key)
        return DeliveryResult.sent("late-ref")

    async def was_delivered(self, to, key, since) -> bool | None:
        return self.delivered


async def test_a_dispatcher_that_lost_its_claim_cannot_write_its_result_back(runtime, clock):
    (person,) = await add_people(runtime, 1)
    key = await queue(runtime, clock(), person_id=person)
    slow_gate, checking_gate = Gate(delivered=True), Gate(delivered=True)
    slow = Dispatcher(runtime.sessions, {"slack": slow_gate}, clock, name="slow")
    checker = Dispatcher(runtime.sessions, {"slack": checking_gate}, clock, name="checker")

    pass_of_slow = asyncio.ensure_future(slow.run_once(clock()))
    await asyncio.wait_for(slow_gate.entered.wait(), 10)
    clock.advance(seconds=LEASE.total_seconds() + 1)
    await checker.run_once(clock())
    slow_gate.open.set()
    await pass_of_slow

    item = (await rows(runtime))[key]
    assert item.state == "sent" and item.claimed_by == "checker"
    assert item.last_error == "found delivered after an interruption" and item.delivered_ref is None
    assert checking_gate.sent == []


async def test_two_dispatchers_with_their_own_engines_deliver_each_key_once(runtime, database_url, clock, fake):
    people = await add_people(runtime, 300)
    keys = [await queue(runtime, clock(), person_id=p) for p in people]
    other_engine = open_engine(database_url)
    first_gateway, second_gateway = slack_gateway(runtime, fake, clock), slack_gateway(runtime, fake, clock)
    first = Dispatcher(runtime.sessions, {"slack": first_gateway}, clock, batch=20, concurrency=4)
    second = Dispatcher(session_maker(other_engine), {"slack": second_gateway}, clock, batch=20, concurrency=4)

    async def drain(dispatcher: Dispatcher) -> None:
        while await dispatcher.run_once(clock()):
            pass

    try:
        await asyncio.gather(drain(first), drain(second))
    finally:
        await first_gateway.close()
        await second_gateway.close()
        await other_engine.dispose()

    assert fake.keys == {k: 1 for k in keys}
    assert {r.state for r in (await rows(runtime)).values()} == {"sent"}
    assert first.counts["sent"] > 0 and second.counts["sent"] > 0
    assert first.counts["sent"] + second.counts["sent"] == 300


# --- what admins see --------------------------------------------------------------------------


async def test_outbox_status_counts_by_kind_and_state_and_lists_problems_without_content(runtime, clock, fake, slack):
    reached, gone = await add_people(runtime, 2)
    (unlinked,) = await add_people(runtime, 1, start=3, slack=False)
    dispatcher = Dispatcher(runtime.sessions, {"slack": slack}, clock)
    dead = await queue(runtime, clock(), kind="join_request", person_id=gone, text="Private words about Staff Member 2")
    for _ in range(len(BACKOFF) + 1):
        fake.fail("chat.postMessage", error="channel_not_found")
    for delay in (0, *BACKOFF):
        clock.advance(seconds=delay)
        await dispatcher.run_once(clock())
    await queue(runtime, clock(), person_id=reached, text="Private words about Staff Member 1")
    await queue(runtime, clock(), kind="onboarding", person_id=unlinked, text="Private words about Staff Member 3")
    await queue(runtime, clock() + timedelta(days=2), person_id=reached, text="Later")
    await dispatcher.run_once(clock())
    clock.advance(hours=3)

    health = await outbox_status(runtime)
    text = "\n".join(health.lines())

    assert health.count("nudge", "sent") == 1 and health.count("nudge", "queued") == 1
    assert health.count("join_request", "dead") == 1 and health.count("onboarding", "unreachable") == 1
    assert health.total("sent") == 1 and health.total("dead") == 1
    dead_id = (await rows(runtime))[dead].id
    assert f"#{dead_id}" in text and "failed 6 times, last: channel_not_found" in text
    assert "no platform link" in text and "5 h old" in text and "3 h old" in text
    assert "Private words" not in text and "Staff Member" not in text and "@district" not in text


async def test_draining_overlaps_batches_and_a_stop_leaves_nothing_claimed(runtime, clock, fake, slack):
    people = await add_people(runtime, 120)
    keys = [await queue(runtime, clock(), person_id=p) for p in people]
    dispatcher = Dispatcher(runtime.sessions, {"slack": slack}, clock, batch=10, concurrency=4)

    handled = await dispatcher.drain(lambda: len(fake.keys) >= 35)

    found = await rows(runtime)
    sent = [k for k in keys if found[k].state == "sent"]
    assert handled == len(sent) and handled % 10 == 0 and 35 <= handled < 120
    assert {found[k].state for k in keys} == {"sent", "queued"}, "every batch claimed was sent and recorded"
    assert fake.keys == {k: 1 for k in sent}

    assert await dispatcher.drain() == 120 - handled
    assert fake.keys == {k: 1 for k in keys}


async def test_a_post_whose_answer_never_came_is_in_doubt_and_looked_up_not_resent(runtime, clock, fake, slack):
    (person,) = await add_people(runtime, 1)
    key = await queue(runtime, clock(), person_id=person)
    fake.drop_answers_after(0)
    dispatcher = Dispatcher(runtime.sessions, {"slack": slack}, clock)

    await dispatcher.run_once(clock())
    item = (await rows(runtime))[key]
    assert (item.state, item.last_error) == ("sending", "in doubt: DeliveryInDoubt") and fake.keys == {key: 1}
    fake.drop_answers_after(None)
    assert await dispatcher.run_once(clock()) == 0, "looked up only after a while"
    clock.advance(minutes=2)
    await dispatcher.run_once(clock())

    item = (await rows(runtime))[key]
    assert (item.state, item.last_error) == ("sent", "found delivered after an interruption")
    assert fake.keys == {key: 1} and len(fake.of("chat.postMessage")) == 1
