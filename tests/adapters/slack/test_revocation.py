"""A workspace that revokes the bot token or uninstalls the app: recorded, nothing more is sent
there (its outbox items are parked as unreachable, not retried), `outbox status` says so in one
line, and installing again lifts it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select

from adapters.slack import gateway
from bot.bootstrap import Runtime, delivery_holds
from bot.outbox import enqueue
from bot.types import Reply
from schedules.dispatcher import Dispatcher
from storage.models import OutboxItem, Person, SlackInstallation, SlackRevocation
from tests.adapters.slack.conftest import BOT_TOKEN, MARIA, SECRET, TEAM, sign
from tests.adapters.slack.fake_slack import fixture
from tests.adapters.slack.test_modes import OTHER_TEAM, install, oauth_server  # noqa: F401 - a fixture

SINCE = "2026-09-14 15:00 UTC"

# slack-sdk passes the client credentials to aiohttp the older way; nothing of ours to change.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


def revocation_event(kind: str, team: str = TEAM, bots: tuple[str, ...] = ("U0AFFINITYBOT",), oauth: tuple[str, ...] = ()) -> dict:
    event = fixture("event_app_home_opened")
    event.update(team_id=team, event_id=f"Ev0{kind.upper()}{team}")
    event["authorizations"][0]["team_id"] = team
    event["event"] = {"type": kind, "event_ts": "1764042600.000100"}
    if kind == "tokens_revoked":
        event["event"]["tokens"] = {"oauth": list(oauth), "bot": list(bots)}
    return event


def slack_runtime(district, fake_slack, **settings) -> Runtime:
    changed = replace(district.settings, slack_api_url=fake_slack.api_url, slack_signing_secret=SECRET, **settings)
    return Runtime(changed, district.engine, district.sessions, district.bot, district.clock)


async def queue_for_maria(district, key: str) -> None:
    async with district.sessions() as session:
        person = (await session.execute(select(Person).where(Person.email == MARIA.email))).scalar_one()
        await enqueue(session, key=key, kind="announcement", reply=Reply(text="The potluck is on Friday.", ephemeral=False), now=district.now(), person_id=person.id)
        await session.commit()


async def deliver(runtime: Runtime) -> None:
    slack = gateway(runtime)
    try:
        await Dispatcher(runtime.sessions, {"slack": slack}, runtime.clock).run_once()
    finally:
        await slack.close()


async def item(district, key: str) -> OutboxItem:
    async with district.sessions() as session:
        return (await session.execute(select(OutboxItem).where(OutboxItem.key == key))).scalar_one()


@pytest.mark.parametrize("kind", ["app_uninstalled", "tokens_revoked"])
async def test_a_workspace_that_took_the_app_back_gets_nothing_more_and_status_says_so(workspace, district, fake_slack, captured_logs, kind):
    await workspace.command("/groups", "mine")  # Maria talks to the bot, so she is linked on Slack
    await workspace.idle()
    status, _ = await workspace.event(revocation_event(kind))
    assert status == 200
    assert "Unhandled request" not in captured_logs.text
    async with district.sessions() as session:
        row = (await session.execute(select(SlackRevocation))).scalar_one()
    assert (row.tenant, row.reason) == (TEAM, kind)

    runtime = slack_runtime(district, fake_slack, slack_bot_token=BOT_TOKEN)
    await queue_for_maria(district, "announce:after-revocation")
    fake_slack.calls.clear()
    await deliver(runtime)
    parked = await item(district, "announce:after-revocation")
    assert parked.state == "unreachable", "parked, not retried"
    assert TEAM in parked.last_error and kind in parked.last_error
    assert not fake_slack.of("chat.postMessage") and not fake_slack.of("conversations.open")

    holds = await delivery_holds(runtime)
    assert len(holds) == 1
    assert TEAM in holds[0] and SINCE in holds[0] and kind.replace("_", " ") in holds[0]


async def test_revoking_user_tokens_only_changes_nothing(workspace, district):
    status, _ = await workspace.event(revocation_event("tokens_revoked", bots=(), oauth=("U0MARIA",)))
    assert status == 200
    async with district.sessions() as session:
        assert (await session.execute(select(SlackRevocation))).first() is None


async def test_a_new_bot_token_after_reinstalling_lifts_the_hold(workspace, district, fake_slack):
    await workspace.command("/groups", "mine")
    await workspace.idle()
    await workspace.event(revocation_event("app_uninstalled"))
    old = slack_runtime(district, fake_slack, slack_bot_token=BOT_TOKEN)
    assert len(await delivery_holds(old)) == 1
    reinstalled = slack_runtime(district, fake_slack, slack_bot_token="xoxb-17653672481-19874698323-NEWtokenAfterReinstall")
    assert await delivery_holds(reinstalled) == []
    await queue_for_maria(district, "announce:after-reinstall")
    await deliver(reinstalled)
    assert (await item(district, "announce:after-reinstall")).state == "sent"


async def test_an_oauth_workspace_that_uninstalls_is_held_until_it_installs_again(oauth_server, district, fake_slack):  # noqa: F811
    base, session = oauth_server
    assert (await install(base, session))[0] == 200
    body = json.dumps(revocation_event("app_uninstalled", team=OTHER_TEAM)).encode()
    async with session.post(base + "/slack/events", data=body, headers={"Content-Type": "application/json", **sign(body)}) as response:
        assert response.status == 200
    runtime = slack_runtime(district, fake_slack, slack_client_id="3385217634502.6144127341298", slack_client_secret="c7a1e4f0b9d84a2f8e6c3b5a1d9f7e2c")
    async with district.sessions() as db:
        assert (await db.execute(select(SlackInstallation))).first() is None, "the token is forgotten"
    holds = await delivery_holds(runtime)
    assert len(holds) == 1 and OTHER_TEAM in holds[0] and SINCE in holds[0]
    assert (await install(base, session))[0] == 200
    assert await delivery_holds(runtime) == []
