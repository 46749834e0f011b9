"""conversationUpdate and installationUpdate: people appearing reach the core, references are kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import registry
from bot.home import PERSON_APPEARED
from storage.models import Person, PlatformLink, TeamsConversation
from tests.adapters.teams.conftest import BOT, GUEST, TENANT, ZOE

ZOE_AAD = "b7e3d1c9-5a2f-4e8b-9c0d-1e2f3a4b5c6d"
ZOE_CHAT = "a:1Rw5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3Vb5Nm7Qw9Er1Ty3Ui5Op7As9Df1Gh3Jk5Lz7"
TEAM = "19:8e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b@thread.tacv2"


@pytest.fixture
def appeared(monkeypatch):
    """Who the core's person_appeared handler was run for (the handler itself still runs)."""
    seen: list[tuple] = []
    original = registry.events()[PERSON_APPEARED]

    async def recording(turn):
        seen.append((turn.inbound.event, turn.inbound.actor, turn.person.email))
        return await original(turn)

    monkeypatch.setitem(registry.events(), PERSON_APPEARED, recording)
    return seen


async def _link(runtime, user_id: str) -> PlatformLink | None:
    async with runtime.sessions() as session:
        return (await session.execute(select(PlatformLink).where(PlatformLink.platform == "teams", PlatformLink.user_id == user_id))).scalar_one_or_none()


async def test_a_new_team_member_reaches_the_core_as_a_person_appearing(teams, district, appeared):
    status, _ = await teams.post(teams.activity("conversation_update_member_added"))

    assert status == 200
    [(event, actor, email)] = appeared
    assert event == PERSON_APPEARED
    assert (actor.platform, actor.tenant, actor.user_id) == ("teams", TENANT, ZOE_AAD)
    # Linked by the e-mail the connector gave to the roster's Zoe Thompson.
    assert email == "zoe.thompson@district.example"
    link = await _link(district, ZOE_AAD)
    assert link.reference == {"service_url": teams.connector.url, "user_id": ZOE, "bot_id": BOT, "tenant_id": TENANT}
    # Nothing is said in the team's channel about who joined.
    assert teams.connector.sent() == []
    async with district.sessions() as session:
        team = (await session.execute(select(TeamsConversation))).scalar_one()
    assert (team.conversation_id, team.team_id, team.kind) == (TEAM, TEAM, "channel")


async def test_installing_the_bot_for_oneself_is_a_person_appearing_with_their_chat(teams, district, appeared):
    status, _ = await teams.post(teams.activity("conversation_update_bot_added_personal"))

    assert status == 200
    assert [(e, a.user_id) for e, a, _ in appeared] == [(PERSON_APPEARED, ZOE_AAD)]
    link = await _link(district, ZOE_AAD)
    assert link.reference["conversation_id"] == ZOE_CHAT


async def test_an_installation_update_is_a_person_appearing_too(teams, district, appeared):
    status, _ = await teams.post(teams.activity("installation_update_personal"))

    assert status == 200
    assert [a.user_id for _, a, _ in appeared] == [ZOE_AAD]
    assert (await _link(district, ZOE_AAD)).reference["conversation_id"] == ZOE_CHAT


async def test_a_guest_is_not_linked_by_their_external_principal_name(teams, district, appeared):
    activity = teams.activity("conversation_update_member_added")
    activity["membersAdded"] = [{"id": GUEST, "aadObjectId": "9c8b7a6f-5e4d-4c3b-8a2f-1e0d9c8b7a6f"}]
    status, _ = await teams.post(activity)

    assert status == 200
    [(_, _, email)] = appeared
    assert email is None
    async with district.sessions() as session:
        person = (
            await session.execute(select(Person).join(PlatformLink).where(PlatformLink.user_id == "9c8b7a6f-5e4d-4c3b-8a2f-1e0d9c8b7a6f"))
        ).scalar_one()
    assert person.name == "Morgan Guest (External)" and person.email is None


async def test_the_bot_added_to_a_team_only_records_the_team(teams, district, appeared):
    activity = teams.activity("conversation_update_member_added")
    activity["membersAdded"] = [{"id": BOT}]
    activity["channelData"]["eventType"] = "teamMemberAdded"
    status, _ = await teams.post(activity)

    assert status == 200
    assert appeared == []
    async with district.sessions() as session:
        assert (await session.execute(select(TeamsConversation.conversation_id))).scalars().all() == [TEAM]
