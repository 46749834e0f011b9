"""The district's network: every outgoing client goes through the proxy the environment names
(NO_PROXY excepted, credentials in the URL honoured) and trusts the CA in SSL_CERT_FILE, and
nothing else."""

from __future__ import annotations

import asyncio
import ssl

import pytest
import trustme
from aiohttp import web

from adapters import network
from adapters.slack.egress import web_client, webhook_client
from adapters.slack.gateway import SlackGateway
from adapters.teams.auth import _published_keys
from adapters.teams.connector import Connector, Credentials
from adapters.teams.service_urls import ServiceUrls
from bot.types import DeliveryResult, Reply, UserRef
from tests.adapters.slack.conftest import BOT_TOKEN, MARIA, serve_slack
from tests.adapters.slack.fake_slack import TEAM, FakeSlack, fixture
from tests.adapters.teams.fake_connector import FakeConnector
from tests.support.forward_proxy import ForwardProxy

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy", "ALL_PROXY", "all_proxy", "SSL_CERT_FILE")


@pytest.fixture(autouse=True)
def clean_network(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def proxy():
    found = await ForwardProxy().start()
    yield found
    await found.stop()


@pytest.fixture
async def fake_slack():
    fake = await FakeSlack().start()
    fake.add(MARIA)
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_connector():
    fake = await FakeConnector().start()
    yield fake
    await fake.stop()


class KeysServer:
    """The Bot Framework's OpenID metadata and signing keys, over http or over https."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.asked: list[str] = []
        self.url = ""

    async def start(self) -> "KeysServer":
        async def metadata(request: web.Request) -> web.Response:
            self.asked.append(request.path)
            return web.json_response({"jwks_uri": self.url + "/keys"})

        async def keys(request: web.Request) -> web.Response:
            self.asked.append(request.path)
            return web.json_response({"keys": [{"kid": "k1", "kty": "RSA"}]})

        async def activity(request: web.Request) -> web.Response:
            self.asked.append(request.path)
            return web.json_response({"id": "1"}, status=201)

        app = web.Application()
        app.router.add_get("/metadata", metadata)
        app.router.add_get("/keys", keys)
        app.router.add_post("/v3/conversations/{c}/activities", activity)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.tls)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()


# --- one call of each outgoing client ----------------------------------------------------------


async def slack_gateway(fake: FakeSlack, connector: FakeConnector) -> None:
    async def token_for(tenant: str) -> str:
        return BOT_TOKEN

    gateway = SlackGateway(web_client(base_url=fake.api_url, retry_handlers=[]), token_for)
    try:
        found = await gateway.send(UserRef("slack", TEAM, MARIA.user_id), Reply("hello"), key="k-1")
    finally:
        await gateway.close()
    assert found.status == "sent", found


async def slack_web_api(fake: FakeSlack, connector: FakeConnector) -> None:
    answer = await web_client(base_url=fake.api_url, token=BOT_TOKEN).auth_test()
    assert answer["ok"]


async def slack_response_url(fake: FakeSlack, connector: FakeConnector) -> None:
    answer = await webhook_client(fake.response_url()).send_dict({"text": "hi"})
    assert answer.status_code == 200


async def teams_connector_and_token(fake: FakeSlack, connector: FakeConnector) -> None:
    credentials = Credentials("app-id", "app-password", login_url=connector.url + "botframework.com/oauth2/v2.0/token")
    client = Connector(credentials, ServiceUrls(None, loopback_only=True))
    try:
        assert await client.send(connector.url, "a:1conversation", {"type": "message", "text": "hi"})
    finally:
        await client.close()
    assert connector.tokens_issued == 1


async def teams_keys(fake: FakeSlack, connector: FakeConnector) -> None:
    server = await KeysServer().start()
    try:
        assert await _published_keys(server.url + "/metadata")
    finally:
        await server.stop()


CLIENTS = [slack_gateway, slack_web_api, slack_response_url, teams_connector_and_token, teams_keys]


@pytest.mark.parametrize("client", CLIENTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", ["HTTP_PROXY", "http_proxy"])
async def test_every_outgoing_client_goes_through_the_proxy(client, name, proxy, fake_slack, fake_connector, monkeypatch):
    monkeypatch.setenv(name, proxy.url)
    await client(fake_slack, fake_connector)
    assert proxy.seen and all(target.startswith("http://127.0.0.1:") for _, target in proxy.seen)


@pytest.mark.parametrize("client", CLIENTS, ids=lambda c: c.__name__)
async def test_no_proxy_sends_straight_to_the_host(client, proxy, fake_slack, fake_connector, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    await client(fake_slack, fake_connector)
    assert proxy.seen == []


@pytest.mark.parametrize("client", CLIENTS, ids=lambda c: c.__name__)
async def test_a_proxy_asking_for_credentials_gets_those_in_the_url(client, fake_slack, fake_connector, monkeypatch):
    guarded = await ForwardProxy("district", "s3cr:et").start()
    try:
        monkeypatch.setenv("HTTP_PROXY", guarded.url_with("district", "s3cr%3Aet"))
        await client(fake_slack, fake_connector)
        assert guarded.seen and guarded.refused == 0
    finally:
        await guarded.stop()


async def test_a_proxy_refusing_without_credentials_is_named_and_nothing_arrives(fake_slack, monkeypatch):
    guarded = await ForwardProxy("district", "secret").start()
    try:
        monkeypatch.setenv("HTTP_PROXY", guarded.url)

        async def token_for(tenant: str) -> str:
            return BOT_TOKEN

        gateway = SlackGateway(web_client(base_url=fake_slack.api_url, retry_handlers=[]), token_for)
        try:
            found = await gateway.send(UserRef("slack", TEAM, MARIA.user_id), Reply("hello"), key="k-1")
        finally:
            await gateway.close()
        assert found.status == "failed" and "407" in found.error and "HTTPS_PROXY" in found.error
        assert guarded.refused >= 1 and fake_slack.keys["k-1"] == 0
    finally:
        await guarded.stop()


async def test_socket_mode_dials_and_holds_its_websocket_through_the_proxy(district, proxy, fake_slack, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    app_token = "xapp-1-A0AFFINITY-6144127341298-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    app, runner, base = await serve_slack(district, fake_slack, slack_bot_token=BOT_TOKEN, slack_app_token=app_token)
    try:
        envelope = fixture("socket_mode_slash_command")
        envelope["payload"]["response_url"] = fake_slack.response_url()
        await fake_slack.socket_messages.put(envelope)
        reply = await asyncio.wait_for(fake_slack.socket_replies.get(), 10)
        assert reply["envelope_id"] == envelope["envelope_id"]
    finally:
        await runner.cleanup()
    asked = [target for _, target in proxy.seen]
    assert any(t.endswith("/api/apps.connections.open") for t in asked)
    # The WebSocket's upgrade request went through the proxy too.
    assert any(t.endswith("/socket") for t in asked)


# --- the district's CA --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def district_ca():
    return trustme.CA()


@pytest.fixture
async def tls_server(district_ca):
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    district_ca.issue_cert("127.0.0.1").configure_cert(tls)
    server = await KeysServer(tls).start()
    yield server
    await server.stop()


async def tls_keys(server: KeysServer) -> None:
    assert await _published_keys(server.url + "/metadata")


async def tls_connector(server: KeysServer) -> None:
    client = Connector(Credentials(), ServiceUrls(None, loopback_only=True))
    try:
        await client.send(server.url, "a:1c", {"type": "message", "text": "hi"})
    finally:
        await client.close()


async def tls_slack_web_api(server: KeysServer) -> None:
    # Any answer will do: the call must have reached the server, over verified TLS.
    client = web_client(base_url=server.url + "/", token=BOT_TOKEN, retry_handlers=[])
    try:
        await client.api_call("v3/conversations/c/activities", json={})
    except Exception as exc:  # noqa: BLE001 - slack_sdk cannot parse this server's answer
        if isinstance(exc, (OSError, ssl.SSLError)) or "ssl" in type(exc).__name__.lower() or "certificate" in str(exc).lower():
            raise


TLS_CLIENTS = [tls_keys, tls_connector, tls_slack_web_api]


@pytest.mark.parametrize("client", TLS_CLIENTS, ids=lambda c: c.__name__)
async def test_an_https_host_signed_by_the_district_ca_is_trusted_with_ssl_cert_file(client, tls_server, district_ca, tmp_path, proxy, monkeypatch):
    bundle = tmp_path / "district-ca.pem"
    district_ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    await client(tls_server)
    assert tls_server.asked
    # https:// goes through the proxy as a CONNECT tunnel.
    assert proxy.seen and all(method == "CONNECT" for method, _ in proxy.seen)


async def test_without_the_district_ca_a_certificate_failure_is_one_sentence_and_nothing_is_sent(tls_server):
    with pytest.raises(Exception) as caught:
        await _published_keys(tls_server.url + "/metadata")
    sentence = network.explain(caught.value, tls_server.url)
    assert sentence.startswith("Certificate verification failed for 127.0.0.1") and "SSL_CERT_FILE" in sentence
    assert tls_server.asked == []


async def test_the_slack_gateway_names_a_certificate_failure_and_sends_nothing(tls_server):
    async def token_for(tenant: str) -> str:
        return BOT_TOKEN

    gateway = SlackGateway(web_client(base_url=tls_server.url + "/api/", retry_handlers=[]), token_for)
    try:
        found = await gateway.send(UserRef("slack", TEAM, MARIA.user_id), Reply("hello"), key="k-1")
    finally:
        await gateway.close()
    assert isinstance(found, DeliveryResult) and found.status == "failed"
    assert found.error.startswith("Certificate verification failed for 127.0.0.1")
    assert tls_server.asked == []


def test_an_unreadable_ssl_cert_file_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(network.NetworkSettingError, match="SSL_CERT_FILE=.*missing.pem"):
        network.ssl_context()


def test_proxy_for_follows_the_standard_variables(monkeypatch):
    monkeypatch.setenv("https_proxy", "http://u:p@proxy.district.example:3128")
    monkeypatch.setenv("NO_PROXY", ".internal.example")
    assert network.proxy_for("https://slack.com/api/chat.postMessage") == "http://u:p@proxy.district.example:3128"
    assert network.proxy_for("wss://wss-primary.slack.com/link") == "http://u:p@proxy.district.example:3128"
    assert network.proxy_for("https://db.internal.example/") is None
