"""Who is served at /api/messages, and which addresses the bot will ever call for Teams.

Teams is served only when it is configured (an app id and password), or for the Emulator with
AFFINITY_TEAMS_UNAUTHENTICATED=1 — and then only to loopback peers naming loopback service URLs.
With token checks on, a service URL is believed only as a validated token's `serviceurl` claim,
and the connector calls no address it has not learned that way.
"""

from __future__ import annotations

import dataclasses
import socket

import aiohttp
import pytest
from aiohttp import web
from botframework.connector.auth import ChannelValidation
from sqlalchemy import func, select

import adapters.teams
from adapters.teams.service_urls import is_loopback_url
from bot.bootstrap import Runtime, build_web_app
from bot.config import ConfigError, Settings
from bot.types import Reply, UserRef
from storage.models import PlatformLink, TeamsServiceUrl
from tests.adapters.teams.conftest import MARIA, TENANT, TeamsClient, serve, teams_app
from tests.adapters.teams.fake_connector import FakeConnector
from tests.adapters.teams.test_auth import APP_ID, key_server, token  # noqa: F401 (a fixture)
from tests.support.fuzz import grown, row_counts

MARIA_AAD = "6a1f0e2c-7b3d-4c8e-9f10-2a3b4c5d6e7f"


def _own_address() -> str | None:
    """One of this machine's own non-loopback IPv4 addresses (never a public host's)."""
    candidates: set[str] = set()
    try:
        candidates |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    except OSError:
        pass
    try:
        # No packet is sent: connecting a UDP socket only picks the address a route would use.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 9))
            candidates.add(probe.getsockname()[0])
    except OSError:
        pass
    for address in sorted(candidates):
        if not address.startswith("127.") and address != "0.0.0.0":
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    s.bind((address, 0))
            except OSError:
                continue
            return address
    return None


OWN_ADDRESS = _own_address()
needs_own_address = pytest.mark.skipif(OWN_ADDRESS is None, reason="this machine has no non-loopback address to stand in for another host")


def _with(runtime: Runtime, **settings) -> Runtime:
    return dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, **settings))


async def _rows(runtime: Runtime) -> dict[str, int]:
    return await row_counts(runtime.engine)


# --- configured or not ------------------------------------------------------------------------


async def test_a_slack_only_install_answers_404_at_api_messages(district, connector):
    slack_only = _with(district, teams_unauthenticated=False, slack_bot_token="xoxb-1-2-3", slack_signing_secret="a-signing-secret")
    runner, url = await serve(build_web_app(slack_only))
    before = await _rows(district)
    try:
        async with aiohttp.ClientSession() as session:
            client = TeamsClient(url, connector, session)
            status, _ = await client.post(client.activity("message_personal", sender=MARIA, text="groups members lgbtq-educators"))
    finally:
        await runner.cleanup()
    assert status == 404
    assert connector.calls == []
    assert grown(before, await _rows(district)) == {}
    assert adapters.teams.gateway(slack_only) is None


def test_serve_answers_teams_only_when_configured(sqlite_runtime):
    def routes(runtime):
        return {(r.method, r.resource.canonical) for r in build_web_app(runtime).router.routes()}

    assert ("POST", "/api/messages") not in routes(sqlite_runtime)
    assert ("POST", "/api/messages") in routes(_with(sqlite_runtime, teams_unauthenticated=True))
    assert ("POST", "/api/messages") in routes(_with(sqlite_runtime, microsoft_app_id=APP_ID, microsoft_app_password="a-secret"))


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MICROSOFT_APP_ID": APP_ID}, "MICROSOFT_APP_PASSWORD"),
        ({"MICROSOFT_APP_PASSWORD": "secret"}, "MICROSOFT_APP_ID"),
        ({"MICROSOFT_APP_ID": "my-bot", "MICROSOFT_APP_PASSWORD": "secret"}, "MICROSOFT_APP_ID"),
        ({"MICROSOFT_APP_TENANT_ID": "c5b8f2d4-3a71-4e0b-9d2f-6a8e1b7c9f03"}, "MICROSOFT_APP_TENANT_ID"),
        ({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "secret", "MICROSOFT_APP_TENANT_ID": "contoso"}, "MICROSOFT_APP_TENANT_ID"),
        ({"AFFINITY_TEAMS_UNAUTHENTICATED": "yes"}, "AFFINITY_TEAMS_UNAUTHENTICATED"),
        ({"AFFINITY_TEAMS_UNAUTHENTICATED": "1", "MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "secret"}, "AFFINITY_TEAMS_UNAUTHENTICATED"),
    ],
)
def test_a_missing_or_malformed_teams_setting_stops_start_up_naming_it(env, named):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env)
    message = str(refused.value)
    assert named in message and message.count(".") >= 1 and "\n" not in message


def test_the_teams_settings_that_start():
    assert Settings.from_env({"AFFINITY_TEAMS_UNAUTHENTICATED": "1"}).teams_unauthenticated
    assert not Settings.from_env({}).teams_unauthenticated
    single = Settings.from_env({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "s", "MICROSOFT_APP_TENANT_ID": TENANT})
    assert single.microsoft_app_tenant_id == TENANT


def test_unauthenticated_mode_warns_once_at_start(district, captured_logs):
    app = web.Application()
    adapters.teams.attach(app, district)
    warnings = [r for r in captured_logs.records if r.levelname == "WARNING" and "AFFINITY_TEAMS_UNAUTHENTICATED" in r.getMessage()]
    assert len(warnings) == 1


# --- unauthenticated: loopback only -------------------------------------------------------------


@pytest.mark.parametrize(
    "service_url",
    [
        "https://smba.trafficmanager.net/amer/",
        "http://10.0.0.8:3978/",
        "http://127.0.0.1.example.com/",
        "http://user@127.0.0.1/",
        "ftp://127.0.0.1/",
        "",
    ],
)
async def test_unauthenticated_mode_refuses_a_service_url_off_this_machine(teams, district, service_url):
    before = await _rows(district)
    status, _ = await teams.post(teams.activity("message_personal", sender=MARIA, text="help", serviceUrl=service_url))
    assert status in (400, 403)
    assert teams.connector.calls == []
    assert grown(before, await _rows(district)) == {}


@needs_own_address
async def test_unauthenticated_mode_fetches_nothing_from_a_server_elsewhere(teams, district):
    elsewhere = FakeConnector()  # its record of calls, served on this machine's other address
    elsewhere_runner = None
    try:
        elsewhere_app = web.Application()
        elsewhere_app.router.add_route("*", "/{tail:.*}", _recording(elsewhere))
        elsewhere_runner = web.AppRunner(elsewhere_app, access_log=None)
        await elsewhere_runner.setup()
        site = web.TCPSite(elsewhere_runner, OWN_ADDRESS, 0)
        await site.start()
        url = f"http://{OWN_ADDRESS}:{site._server.sockets[0].getsockname()[1]}/"
        assert not is_loopback_url(url)
        before = await _rows(district)
        for text in ("help", "groups members lgbtq-educators", "concern list"):
            status, _ = await teams.post(teams.activity("message_personal", sender=MARIA, text=text, serviceUrl=url))
            assert status == 403
        assert elsewhere.calls == [] and teams.connector.calls == []
        assert grown(before, await _rows(district)) == {}
    finally:
        if elsewhere_runner is not None:
            await elsewhere_runner.cleanup()


def _recording(fake: FakeConnector):
    from tests.adapters.teams.fake_connector import Call

    async def record(request: web.Request) -> web.Response:
        fake.calls.append(Call(request.method, request.path, None, await request.read(), request.headers.get("Authorization")))
        return web.json_response(fake.members.get(MARIA, {}))

    return record


@needs_own_address
async def test_unauthenticated_mode_refuses_a_peer_that_is_not_this_machine(district, connector):
    runner = web.AppRunner(teams_app(district), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, OWN_ADDRESS, 0)
    await site.start()
    url = f"http://{OWN_ADDRESS}:{site._server.sockets[0].getsockname()[1]}"
    before = await _rows(district)
    try:
        # The request comes from this machine's own non-loopback address, as another host's would.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(OWN_ADDRESS, 0))) as session:
            client = TeamsClient(url, connector, session)
            status, _ = await client.post(client.activity("message_personal", sender=MARIA, text="help"))
    finally:
        await runner.cleanup()
    assert status == 403
    assert connector.calls == []
    assert grown(before, await _rows(district)) == {}


# --- authenticated: the token's service URL, and only learned ones ----------------------------


@pytest.fixture
async def authenticated(district, connector, key_server, monkeypatch):  # noqa: F811
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", key_server)
    runtime = _with(district, teams_unauthenticated=False, microsoft_app_id=APP_ID, microsoft_app_password="a-client-secret")
    runner, url = await serve(teams_app(runtime, login_url=connector.url + "botframework.com/oauth2/v2.0/token"))
    async with aiohttp.ClientSession() as session:
        yield runtime, TeamsClient(url, connector, session)
    await runner.cleanup()


async def test_a_token_for_another_service_url_than_the_bodys_is_refused_and_nothing_is_called(authenticated):
    runtime, client = authenticated
    other = await FakeConnector().start()
    try:
        before = await _rows(runtime)
        # Validly signed for the fake connector, but the body sends the answer to another server.
        activity = client.activity("message_personal", sender=MARIA, text="groups members lgbtq-educators", serviceUrl=other.url)
        status, _ = await client.post(activity, {"Authorization": f"Bearer {token(client.connector.url)}"})
        assert status in (401, 403)
        assert other.calls == [] and client.connector.calls == []
        assert grown(before, await _rows(runtime)) == {}
    finally:
        await other.stop()


async def test_the_service_url_of_a_valid_token_is_learned_and_used(authenticated):
    runtime, client = authenticated
    status, _ = await client.post(client.activity("message_personal", sender=MARIA, text="help"), {"Authorization": f"Bearer {token(client.connector.url)}"})
    assert status == 200 and len(client.connector.sent()) == 1
    async with runtime.sessions() as session:
        learned = (await session.execute(select(TeamsServiceUrl.url))).scalars().all()
    assert learned == [client.connector.url]

    gateway = adapters.teams.gateway(runtime, login_url=client.connector.url + "botframework.com/oauth2/v2.0/token")
    try:
        result = await gateway.send(UserRef("teams", TENANT, MARIA_AAD), Reply(text="Reminder: tomorrow at 16:00."))
    finally:
        await gateway.close()
    assert result.status == "sent" and len(client.connector.sent()) == 2


async def test_a_stored_reference_at_an_address_no_token_named_is_never_called(authenticated):
    runtime, client = authenticated
    status, _ = await client.post(client.activity("message_personal", sender=MARIA, text="help"), {"Authorization": f"Bearer {token(client.connector.url)}"})
    assert status == 200
    planted = await FakeConnector().start()
    try:
        # As a reference written before service URLs were checked might be: someone else's server.
        async with runtime.sessions() as session:
            link = (await session.execute(select(PlatformLink).where(PlatformLink.platform == "teams"))).scalar_one()
            link.reference = {**link.reference, "service_url": planted.url}
            await session.commit()
            assert (await session.execute(select(func.count()).select_from(TeamsServiceUrl))).scalar() == 1
        gateway = adapters.teams.gateway(runtime, login_url=client.connector.url + "botframework.com/oauth2/v2.0/token")
        try:
            result = await gateway.send(UserRef("teams", TENANT, MARIA_AAD), Reply(text="Reminder: tomorrow at 16:00."))
        finally:
            await gateway.close()
        assert result.status == "unreachable"
        assert planted.calls == []
    finally:
        await planted.stop()
