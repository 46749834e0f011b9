"""Proactive messages: through stored references, opening one-to-one chats, and Teams' limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import select

import adapters.teams
from adapters.teams.pacing import PER_CONVERSATION, PER_TENANT, Pacing
from bot.types import Button, Card, ConversationRef, Reply, UserRef
from storage.models import PlatformLink
from tests.adapters.teams.conftest import CHANNEL, PERSONAL_CHAT, TENANT, ZOE
from tests.adapters.teams.replies import card_of, text_of

MARIA_AAD = "6a1f0e2c-7b3d-4c8e-9f10-2a3b4c5d6e7f"
ZOE_AAD = "b7e3d1c9-5a2f-4e8b-9c0d-1e2f3a4b5c6d"
NUDGE = Reply(text="Reminder: LGBTQ+ Educators meets tomorrow at 16:00.")


@pytest.fixture
async def gateway(district):
    gw = adapters.teams.gateway(district)
    yield gw
    await gw.close()


def maria() -> UserRef:
    return UserRef("teams", TENANT, MARIA_AAD)


async def test_someone_who_talked_to_the_bot_is_reached_in_their_chat(teams, gateway):
    await teams.say("help")
    result = await gateway.send(maria(), NUDGE)

    assert result.status == "sent" and result.message_ref
    proactive = teams.connector.sent()[-1]
    assert proactive.conversation_id == PERSONAL_CHAT and proactive.reply_to is None
    assert text_of(proactive) == NUDGE.text


async def test_a_card_goes_out_as_an_adaptive_card(teams, gateway):
    await teams.say("help")
    card = Card(title="RSVP", body="LGBTQ+ Educators, tomorrow 16:00", actions=(Button("Going", "rsvp 12 yes", style="primary"),))
    result = await gateway.send(maria(), Reply(text="RSVP", card=card))
    assert result.status == "sent"
    content = card_of(teams.connector.sent()[-1])
    assert content["actions"][0]["data"] == {"action_id": "run", "value": "rsvp 12 yes"}


async def test_a_team_member_seen_joining_gets_a_one_to_one_chat_opened(teams, gateway, district):
    await teams.post(teams.activity("conversation_update_member_added"))
    zoe = UserRef("teams", TENANT, ZOE_AAD)

    first = await gateway.send(zoe, NUDGE)
    second = await gateway.send(zoe, NUDGE)

    assert (first.status, second.status) == ("sent", "sent")
    opened = [c for c in teams.connector.calls if c.path == "/v3/conversations"]
    assert len(opened) == 1 and opened[0].body["members"] == [{"id": ZOE}]
    chats = {c.conversation_id for c in teams.connector.sent()}
    assert len(chats) == 1 and next(iter(chats)).startswith("a:1new")
    async with district.sessions() as session:
        link = (await session.execute(select(PlatformLink).where(PlatformLink.user_id == ZOE_AAD))).scalar_one()
    assert link.reference["conversation_id"] in chats


async def test_without_an_install_the_person_is_unreachable_not_an_error(teams, gateway):
    await teams.post(teams.activity("conversation_update_member_added"))
    teams.connector.not_installed.add(ZOE)
    result = await gateway.send(UserRef("teams", TENANT, ZOE_AAD), NUDGE)
    assert result.status == "unreachable"
    assert "talk to the bot" in result.error


async def test_someone_never_seen_in_teams_is_unreachable(teams, gateway):
    result = await gateway.send(UserRef("teams", TENANT, "00000000-1111-2222-3333-444444444444"), NUDGE)
    assert result.status == "unreachable"
    assert teams.connector.calls == []


@pytest.mark.parametrize(
    ("status", "retry_after", "expected", "wait"),
    [
        (429, 3, "retry_after", 3.0),
        (429, None, "retry_after", 2.0),
        (412, None, "retry_after", 2.0),
        (502, None, "retry_after", 2.0),
        (503, 7, "retry_after", 7.0),
        (504, None, "retry_after", 2.0),
        (403, None, "unreachable", None),
        (404, None, "unreachable", None),
        (400, None, "failed", None),
    ],
)
async def test_connector_errors_become_delivery_results(teams, gateway, status, retry_after, expected, wait):
    await teams.say("help")
    teams.connector.failures.append((status, retry_after))
    result = await gateway.send(maria(), NUDGE)
    assert result.status == expected
    assert result.retry_after == wait


async def test_a_channel_the_bot_was_in_can_be_posted_to(teams, gateway):
    await teams.post(teams.activity("message_channel_mention"))
    result = await gateway.send(ConversationRef("teams", TENANT, CHANNEL, "channel"), NUDGE)
    assert result.status == "sent"
    assert teams.connector.sent()[-1].conversation_id == CHANNEL


async def test_a_channel_in_a_tenant_never_seen_is_unreachable(gateway):
    result = await gateway.send(ConversationRef("teams", "another-tenant", "19:x@thread.tacv2", "channel"), NUDGE)
    assert result.status == "unreachable"


async def test_several_people_each_get_it_or_nobody_does(teams, gateway):
    await teams.say("help")
    await teams.post(teams.activity("conversation_update_member_added"))
    zoe = UserRef("teams", TENANT, ZOE_AAD)
    stranger = UserRef("teams", TENANT, "00000000-1111-2222-3333-444444444444")

    nobody = await gateway.send((maria(), stranger), NUDGE)
    assert nobody.status == "unreachable"
    assert [c for c in teams.connector.calls if c.path != "/v3/conversations" and "activities" in c.path and c.reply_to is None] == []

    both = await gateway.send((maria(), zoe), NUDGE)
    assert both.status == "sent"
    proactive = [c for c in teams.connector.sent() if c.reply_to is None]
    assert len(proactive) == 2 and proactive[0].conversation_id == PERSONAL_CHAT


async def test_a_burst_to_one_person_waits_instead_of_drawing_429s(teams, district):
    now = [100.0]
    gw = adapters.teams.gateway(district)
    gw.pacing = Pacing(clock=lambda: now[0])
    try:
        await teams.say("help")
        results = [await gw.send(maria(), NUDGE) for _ in range(8)]
    finally:
        await gw.close()
    assert [r.status for r in results] == ["sent"] * 7 + ["retry_after"]
    assert 0 < results[-1].retry_after <= 1.0
    assert len([c for c in teams.connector.sent() if c.reply_to is None]) == 7


async def test_other_platforms_are_not_sent_through_teams(gateway):
    result = await gateway.send(UserRef("slack", "T1", "U1"), NUDGE)
    assert result.status == "failed"


# --- the pacing itself -----------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(min_value=0, max_value=5, allow_nan=False), st.sampled_from(["a", "b", "c"])), min_size=1, max_size=120))
def test_accepted_sends_never_exceed_any_window(steps):
    clock = [0.0]
    pacing = Pacing(clock=lambda: clock[0])
    accepted: list[tuple[float, str]] = []
    for gap, conversation in steps:
        clock[0] += gap
        if pacing.reserve("tenant", conversation) == 0:
            accepted.append((clock[0], conversation))
    for at, conversation in accepted:
        for count, window in PER_CONVERSATION:
            inside = [t for t, c in accepted if c == conversation and at - window < t <= at]
            assert len(inside) <= count
        for count, window in PER_TENANT:
            assert len([t for t, _ in accepted if at - window < t <= at]) <= count


def test_the_wait_is_exactly_until_the_window_frees():
    clock = [10.0]
    pacing = Pacing(clock=lambda: clock[0])
    for _ in range(7):
        assert pacing.reserve("t", "c") == 0
    assert pacing.reserve("t", "c") == pytest.approx(1.0)
    clock[0] += 1.0
    assert pacing.reserve("t", "c") == 0
    # Eight in two seconds is the next limit.
    assert pacing.reserve("t", "c") == pytest.approx(1.0)


async def test_what_waited_as_unreachable_is_queued_again_once_the_person_talks_to_the_bot(teams, gateway, district):
    from bot.outbox import enqueue
    from schedules.dispatcher import Dispatcher
    from storage.models import OutboxItem

    # Zoe joined a team, but the bot is not installed for her: a reminder cannot reach her.
    await teams.post(teams.activity("conversation_update_member_added"))
    teams.connector.not_installed.add(ZOE)
    async with district.sessions() as session:
        zoe_id = (await session.execute(select(PlatformLink.person_id).where(PlatformLink.user_id == ZOE_AAD))).scalar_one()
        await enqueue(session, key="nudge:waiting", kind="nudge", reply=NUDGE, now=district.now(), person_id=zoe_id)
        await session.commit()
    dispatcher = Dispatcher(district.sessions, {"teams": gateway}, district.clock)
    await dispatcher.drain()
    async with district.sessions() as session:
        item = (await session.execute(select(OutboxItem).where(OutboxItem.key == "nudge:waiting"))).scalar_one()
    assert item.state == "unreachable"
    # She installs the bot and says hello in her own chat: the reminder is queued again and goes.
    teams.connector.not_installed.discard(ZOE)
    await teams.say("help", sender=ZOE)
    async with district.sessions() as session:
        item = (await session.execute(select(OutboxItem).where(OutboxItem.key == "nudge:waiting"))).scalar_one()
    assert item.state == "queued"
    await dispatcher.drain()
    assert [text_of(c) for c in teams.connector.sent() if text_of(c) == NUDGE.text] == [NUDGE.text]


async def test_a_connector_that_goes_away_and_returns_is_one_line_each_way_and_shows_in_readiness(teams, gateway, district, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="affinity.network")
    await teams.say("help")
    url = teams.connector.url
    await teams.connector.stop()
    for _ in range(3):
        assert (await gateway.send(maria(), NUDGE)).status == "retry_after"
    state = district.reachability.body()["teams"]
    assert state["reachable"] is False and "127.0.0.1 cannot be reached" in state["reason"]
    # Back on the same address: the next send goes out, with no restart.
    await teams.connector.start_at(url)
    assert (await gateway.send(maria(), NUDGE)).status == "sent"
    assert district.reachability.body()["teams"] == {"reachable": True}
    lines = [r.getMessage() for r in caplog.records if r.name == "affinity.network"]
    assert [line.split(":")[0].split(" is ")[0] for line in lines] == ["Microsoft Teams cannot be reached", "Microsoft Teams"], lines
