"""What the Teams adapter keeps about a person leaves with them on forget-me."""

from __future__ import annotations

import adapters.teams
from bot.types import Reply, UserRef
from tests.adapters.teams.conftest import MARIA, PERSONAL_CHAT, TENANT
from tests.support.dump import dump_rows, mentions

MARIA_AAD = "6a1f0e2c-7b3d-4c8e-9f10-2a3b4c5d6e7f"


async def test_forget_me_in_teams_removes_every_teams_identifier(teams, district):
    await teams.say("help")
    await teams.post(teams.activity("message_channel_mention"))
    assert mentions(await dump_rows(district), [MARIA, MARIA_AAD, PERSONAL_CHAT])

    await teams.say("forget-me")
    await teams.say("yes")

    assert mentions(await dump_rows(district), [MARIA, MARIA_AAD, PERSONAL_CHAT, "a:1new"]) == []
    gateway = adapters.teams.gateway(district)
    try:
        result = await gateway.send(UserRef("teams", TENANT, MARIA_AAD), Reply(text="Are you still there?"))
    finally:
        await gateway.close()
    assert result.status == "unreachable"
