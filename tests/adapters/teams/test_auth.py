"""With an app id and password, only requests carrying a valid Bot Framework token get through.

The SDK's own validation runs unchanged; its OpenID metadata endpoint (a setting the SDK offers)
points at a local key server, so tokens can be signed here by a known key or by a stranger's.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aiohttp
import jwt
import pytest
from botframework.connector.auth import ChannelValidation
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import func, select

from storage.models import PlatformLink
from tests.adapters.teams.conftest import TeamsClient, serve, teams_app
from tests.adapters.teams.replies import text_of

APP_ID = "0d3f8a6e-1c2b-4d5e-8f90-a1b2c3d4e5f6"
ISSUER = "https://api.botframework.com"


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KNOWN, STRANGER = _key(), _key()


class _Keys(BaseHTTPRequestHandler):
    """The Bot Framework's OpenID configuration and signing keys, as the SDK fetches them."""

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/v1/.well-known/openidconfiguration":
            body = {"issuer": ISSUER, "jwks_uri": f"{base}/v1/.well-known/keys", "id_token_signing_alg_values_supported": ["RS256"]}
        elif self.path == "/v1/.well-known/keys":
            jwk = json.loads(RSAAlgorithm.to_jwk(KNOWN.public_key()))
            body = {"keys": [{**jwk, "kid": "known", "use": "sig", "endorsements": ["msteams"]}]}
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def key_server():
    # A thread of its own: it answers whichever event loop a test runs on.
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/.well-known/openidconfiguration"
    server.shutdown()


@pytest.fixture
async def secured(district, connector, key_server, monkeypatch):
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", key_server)
    settings = dataclasses.replace(district.settings, microsoft_app_id=APP_ID, microsoft_app_password="a-client-secret")
    runtime = dataclasses.replace(district, settings=settings)
    runner, url = await serve(teams_app(runtime, login_url=connector.url + "botframework.com/oauth2/v2.0/token"))
    async with aiohttp.ClientSession() as session:
        yield TeamsClient(url, connector, session)
    await runner.cleanup()


def token(service_url: str, key=KNOWN, kid: str = "known", audience: str = APP_ID, issuer: str = ISSUER, lifetime: int = 3600) -> str:
    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "serviceurl": service_url, "nbf": now - 60, "iat": now - 60, "exp": now + lifetime}
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})


async def _teams_links(runtime) -> int:
    async with runtime.sessions() as session:
        return (await session.execute(select(func.count()).select_from(PlatformLink).where(PlatformLink.platform == "teams"))).scalar()


async def test_a_valid_token_is_accepted_and_the_reply_carries_the_bots_own_token(secured, district):
    activity = secured.activity("message_personal", text="help")
    status, _ = await secured.post(activity, {"Authorization": f"Bearer {token(secured.connector.url)}"})
    assert status == 200
    status, _ = await secured.post(activity, {"Authorization": f"Bearer {token(secured.connector.url)}"})
    assert status == 200

    replies = secured.connector.sent()
    assert len(replies) == 2 and text_of(replies[0]).startswith("Here is what you can do")
    assert {r.authorization for r in replies} == {"Bearer bot-token-1"}
    # One token from the token service serves both replies.
    assert secured.connector.tokens_issued == 1


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer not-a-token",
        "Basic dXNlcjpwYXNz",
        "STRANGER",
        "UNKNOWN_KID",
        "WRONG_AUDIENCE",
        "WRONG_ISSUER",
        "EXPIRED",
        "OTHER_SERVICE_URL",
    ],
)
async def test_a_request_without_a_valid_token_gets_401_and_changes_nothing(secured, district, header):
    url = secured.connector.url
    forged = {
        "STRANGER": token(url, key=STRANGER),
        "UNKNOWN_KID": token(url, key=STRANGER, kid="someone-elses-key"),
        "WRONG_AUDIENCE": token(url, audience="11111111-2222-3333-4444-555555555555"),
        "WRONG_ISSUER": token(url, issuer="https://login.example.com"),
        "EXPIRED": token(url, lifetime=-3600),
        "OTHER_SERVICE_URL": token("https://smba.trafficmanager.net/emea/"),
    }
    headers = {} if header is None else {"Authorization": f"Bearer {forged[header]}" if header in forged else header}
    status, _ = await secured.post(secured.activity("message_personal", text="groups join lgbtq-educators --yes"), headers)

    assert status == 401
    assert secured.connector.calls == []
    assert await _teams_links(district) == 0


async def test_a_token_accepted_once_is_refused_with_another_service_url(secured, district):
    header = {"Authorization": f"Bearer {token(secured.connector.url)}"}
    status, _ = await secured.post(secured.activity("message_personal", text="help"), header)
    assert status == 200

    elsewhere = secured.activity("message_personal", text="groups join lgbtq-educators --yes", serviceUrl="https://smba.trafficmanager.net/emea/")
    status, _ = await secured.post(elsewhere, header)
    assert status == 401
    assert len(secured.connector.sent()) == 1


async def test_another_tenant_is_refused_when_the_bot_belongs_to_one(district, connector, key_server, monkeypatch):
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", key_server)
    settings = dataclasses.replace(
        district.settings, microsoft_app_id=APP_ID, microsoft_app_password="a-client-secret", microsoft_app_tenant_id="00000000-aaaa-bbbb-cccc-000000000000"
    )
    runner, url = await serve(teams_app(dataclasses.replace(district, settings=settings), login_url=connector.url + "botframework.com/oauth2/v2.0/token"))
    try:
        async with aiohttp.ClientSession() as session:
            client = TeamsClient(url, connector, session)
            status, _ = await client.post(client.activity("message_personal", text="help"), {"Authorization": f"Bearer {token(connector.url)}"})
    finally:
        await runner.cleanup()
    assert status == 403
    assert connector.calls == []
    assert await _teams_links(district) == 0
