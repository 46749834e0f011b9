"""Claims are renewed while sending: a send longer than the lease is not taken over, and the lease is a minute."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from bot.bootstrap import open_runtime
from bot.config import Settings
from schedules.dispatcher import LEASE, Dispatcher
from tests.adapters.slack.fake_slack import FakeSlack
from tests.storage.test_dispatcher import add_people, queue, rows, slack_gateway


def test_a_claim_lasts_at_most_a_minute():
    assert LEASE <= timedelta(seconds=60)


async def test_a_send_that_outlasts_the_lease_keeps_its_claim_and_is_delivered_once(database_url):
    runtime = await open_runtime(Settings(database_url=database_url))
    fake = await FakeSlack().start()
    gateways = []
    try:
        (person,) = await add_people(runtime, 1)
        key = await queue(runtime, datetime.now(timezone.utc) - timedelta(minutes=1), kind="announcement", person_id=person, text="Social on Friday")
        fake.hold_answers_after(0)  # Slack takes the post and answers only when released
        posted = fake.after_posts(1)
        gateways = [slack_gateway(runtime, fake), slack_gateway(runtime, fake)]
        lease = timedelta(seconds=1.5)
        first = Dispatcher(runtime.sessions, {"slack": gateways[0]}, lease=lease)
        sending = asyncio.ensure_future(first.run_once())
        await asyncio.wait_for(posted.wait(), timeout=30)
        claimed_until = (await rows(runtime))[key].claimed_until

        async def renewed_past_the_first_claim() -> None:
            while not ((await rows(runtime))[key].claimed_until > claimed_until and datetime.now(timezone.utc) > claimed_until):
                await asyncio.sleep(0.05)

        await asyncio.wait_for(renewed_past_the_first_claim(), timeout=30)
        row = (await rows(runtime))[key]
        assert row.state == "sending" and row.claimed_by == first.id
        # The first claim has run out by the clock; without renewal the item would be in doubt now.
        second = Dispatcher(runtime.sessions, {"slack": gateways[1]}, lease=lease)
        assert await second.run_once() == 0, "a renewed claim is not taken over"
        fake.release()
        assert await asyncio.wait_for(sending, timeout=30) == 1
        assert fake.keys == {key: 1}
        row = (await rows(runtime))[key]
        assert row.state == "sent" and row.last_error is None
    finally:
        fake.release()
        for gateway in gateways:
            await gateway.close()
        await fake.stop()
        await runtime.close()


async def test_renewal_never_touches_a_claim_another_dispatcher_holds(database_url):
    runtime = await open_runtime(Settings(database_url=database_url))
    try:
        (person,) = await add_people(runtime, 1)
        key = await queue(runtime, datetime.now(timezone.utc) - timedelta(minutes=1), person_id=person)
        holder = Dispatcher(runtime.sessions, {}, lease=timedelta(seconds=30))
        other = Dispatcher(runtime.sessions, {}, lease=timedelta(seconds=30))
        from schedules.dispatcher import claim

        async with runtime.sessions() as session:
            async with session.begin():
                (item,) = await claim(session, datetime.now(timezone.utc), by=holder.id, lease=holder.lease, limit=10)
        assert await other.renew() == 0
        assert (await rows(runtime))[key].claimed_until == item.claimed_until
        assert await holder.renew() == 1
        assert (await rows(runtime))[key].claimed_until >= item.claimed_until
    finally:
        await runtime.close()
