"""The other ways to run Slack: multi-workspace OAuth installs, Socket Mode, and settings checks."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import select

from adapters.slack import gateway
from adapters.slack.settings import slack_settings
from bot.bootstrap import Runtime
from bot.config import ConfigError, Settings
from bot.types import Reply, UserRef
from storage.models import SlackInstallation, SlackOAuthState
from tests.adapters.slack.conftest import BOT_TOKEN, SECRET, serve_slack, sign
from tests.adapters.slack.fake_slack import fixture

CLIENT_ID = "3385217634502.6144127341298"
CLIENT_SECRET = "c7a1e4f0b9d84a2f8e6c3b5a1d9f7e2c"
OTHER_TEAM = "T0OTHERDIST"

# slack-sdk passes the client credentials to aiohttp the older way; nothing of ours to change.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


@pytest.fixture
async def oauth_server(district, fake_slack):
    app, runner, base = await serve_slack(district, fake_slack, slack_signing_secret=SECRET, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET)
    async with aiohttp.ClientSession() as session:
        yield base, session
    await runner.cleanup()


async def install(base: str, session: aiohttp.ClientSession) -> tuple[int, str]:
    async with session.get(base + "/slack/install") as page:
        assert page.status == 200
        html = await page.text()
        cookie = page.headers["Set-Cookie"].split(";")[0]
    state = re.search(r"state=([A-Za-z0-9_-]+)", html).group(1)
    assert "https://slack.com/oauth/v2/authorize" in html and "commands,chat%3Awrite" in html.replace(":", "%3A")
    async with session.get(base + "/slack/oauth_redirect?" + urlencode({"code": "ok-code-123", "state": state}), headers={"Cookie": cookie}) as done:
        return done.status, await done.text()


async def test_a_workspace_installs_through_oauth_and_its_token_lands_in_our_database(oauth_server, district, fake_slack):
    base, session = oauth_server
    status, page = await install(base, session)
    assert status == 200, page
    exchange = fake_slack.of("oauth.v2.access")[0].args
    assert exchange["code"] == "ok-code-123"
    async with district.sessions() as db:
        row = (await db.execute(select(SlackInstallation))).scalar_one()
        states = (await db.execute(select(SlackOAuthState))).scalars().all()
    assert (row.team_id, row.bot_token, row.bot_user_id, row.installer_user_id) == (OTHER_TEAM, BOT_TOKEN, "U0AFFINITYBOT", "U0ITADMIN")
    assert "users:read.email" in row.bot_scopes.split(",")
    assert states == [], "a state is used once"

    # A command from the newly installed workspace is answered with that workspace's token.
    form = fixture("slash_command")
    form.update(team_id=OTHER_TEAM, text="mine", response_url=fake_slack.response_url())
    body = urlencode(form).encode()
    async with session.post(base + "/slack/events", data=body, headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)}) as response:
        assert response.status == 200
        answer = await response.json()
    assert answer["response_type"] == "ephemeral" and answer["text"]
    assert fake_slack.of("users.info")[-1].token == BOT_TOKEN

    # The dispatcher's gateway finds the same token by the workspace.
    settings = replace(district.settings, slack_signing_secret=SECRET, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET, slack_api_url=fake_slack.api_url)
    found = gateway(Runtime(settings, district.engine, district.sessions, district.bot, district.clock))
    assert (await found.send(UserRef("slack", OTHER_TEAM, "U0MARIA"), Reply(text="hi", ephemeral=False))).status == "sent"
    assert fake_slack.of("chat.postMessage")[-1].token == BOT_TOKEN
    assert (await found.send(UserRef("slack", "T0NOTINSTALLED", "U1"), Reply(text="hi"))).error == "not_installed"


async def test_a_reused_or_forged_state_installs_nothing(oauth_server, district, fake_slack):
    base, session = oauth_server
    async with session.get(base + "/slack/oauth_redirect?" + urlencode({"code": "x", "state": "forged-state"}), headers={"Cookie": "slack-app-oauth-state=forged-state"}) as done:
        assert done.status in (400, 401, 403) or "error" in (await done.text()).lower()
    assert not fake_slack.of("oauth.v2.access")
    async with district.sessions() as db:
        assert (await db.execute(select(SlackInstallation))).first() is None


async def test_socket_mode_answers_a_command_over_the_websocket(district, fake_slack):
    app_token = "xapp-1-A0AFFINITY-6144127341298-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    app, runner, base = await serve_slack(district, fake_slack, slack_bot_token=BOT_TOKEN, slack_app_token=app_token)
    try:
        assert fake_slack.of("apps.connections.open")[0].token == app_token
        envelope = fixture("socket_mode_slash_command")
        envelope["payload"]["response_url"] = fake_slack.response_url()
        await fake_slack.socket_messages.put(envelope)
        reply = await asyncio.wait_for(fake_slack.socket_replies.get(), 5)
        assert reply["envelope_id"] == envelope["envelope_id"]
        assert reply["payload"]["response_type"] == "ephemeral" and reply["payload"]["text"]
        # Socket Mode needs no public endpoint, so none is served.
        async with aiohttp.ClientSession() as session:
            async with session.post(base + "/slack/events", data=b"x") as response:
                assert response.status in (404, 405)
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("fields", "names"),
    [
        ({"slack_bot_token": BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
        ({"slack_signing_secret": SECRET}, "SLACK_BOT_TOKEN"),
        ({"slack_client_id": CLIENT_ID, "slack_signing_secret": SECRET}, "SLACK_CLIENT_SECRET"),
        ({"slack_bot_token": "xoxp-user-token", "slack_signing_secret": SECRET}, "xoxb-"),
        ({"slack_app_token": "xapp-1-x"}, "SLACK_BOT_TOKEN"),
        ({"slack_app_token": "xoxb-wrong", "slack_bot_token": BOT_TOKEN}, "xapp-"),
    ],
)
def test_a_half_done_slack_set_up_stops_start_up_naming_what_is_missing(fields, names):
    with pytest.raises(ConfigError, match=re.escape(names)):
        slack_settings(Settings(**fields))


def test_the_modes_the_settings_ask_for():
    assert slack_settings(Settings()) is None
    one = slack_settings(Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET))
    assert (one.http, one.socket, one.oauth) == (True, False, False)
    many = slack_settings(Settings(slack_signing_secret=SECRET, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET))
    assert (many.http, many.socket, many.oauth) == (True, False, True)
    socket = slack_settings(Settings(slack_bot_token=BOT_TOKEN, slack_app_token="xapp-1-x"))
    assert (socket.http, socket.socket, socket.oauth) == (False, True, False)


async def test_uninstalling_removes_the_workspaces_token(oauth_server, district, fake_slack):
    base, session = oauth_server
    assert (await install(base, session))[0] == 200
    event = fixture("event_app_home_opened")
    event.update(team_id=OTHER_TEAM, event_id="Ev0UNINSTALL", event={"type": "app_uninstalled", "event_ts": "1764042600.000100"})
    event["authorizations"][0]["team_id"] = OTHER_TEAM
    body = json.dumps(event).encode()
    async with session.post(base + "/slack/events", data=body, headers={"Content-Type": "application/json", **sign(body)}) as response:
        assert response.status == 200
    # Token revocation runs before the acknowledgement, so it is done by now.
    async with district.sessions() as db:
        assert (await db.execute(select(SlackInstallation))).first() is None


async def test_a_refused_app_token_stops_start_up_with_a_sentence(district, fake_slack):
    fake_slack.fail("apps.connections.open", error="invalid_auth")
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        await serve_slack(district, fake_slack, slack_bot_token=BOT_TOKEN, slack_app_token="xapp-1-refused")


@pytest.mark.parametrize(
    "change",
    [{"user_id": ["U0MARIA"]}, {"team_id": ""}, {"trigger_id": ["x"]}, {"authorizations": "all"}],
    ids=["user id a list", "no workspace", "trigger id a list", "authorizations a string"],
)
async def test_socket_mode_drops_a_payload_of_the_wrong_shape_and_keeps_serving(district, fake_slack, change):
    app_token = "xapp-1-A0AFFINITY-6144127341298-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    app, runner, base = await serve_slack(district, fake_slack, slack_bot_token=BOT_TOKEN, slack_app_token=app_token)
    try:
        from tests.support.fuzz import row_counts

        before = await row_counts(district.engine)
        envelope = fixture("socket_mode_slash_command")
        envelope["payload"].update(change, response_url=fake_slack.response_url())
        await fake_slack.socket_messages.put(envelope)
        reply = await asyncio.wait_for(fake_slack.socket_replies.get(), 5)
        assert reply["envelope_id"] == envelope["envelope_id"] and not reply.get("payload")
        assert await row_counts(district.engine) == before
        # The next, well-formed command is answered as usual.
        envelope = fixture("socket_mode_slash_command")
        envelope["envelope_id"] = "next-" + envelope["envelope_id"]
        envelope["payload"]["response_url"] = fake_slack.response_url()
        await fake_slack.socket_messages.put(envelope)
        reply = await asyncio.wait_for(fake_slack.socket_replies.get(), 5)
        assert reply["payload"]["text"]
    finally:
        await runner.cleanup()


async def test_start_up_prints_no_library_notes_about_its_arguments(district, fake_slack, monkeypatch, caplog):
    import logging

    # A district sets SLACK_BOT_TOKEN in the environment, which slack-bolt also reads by itself.
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    caplog.set_level(logging.INFO)
    app, runner, base = await serve_slack(district, fake_slack, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET)
    await runner.cleanup()
    noise = [r.getMessage() for r in caplog.records if "will be unused" in r.getMessage() or "is unused" in r.getMessage()]
    assert noise == []
