"""The token check keeps the SDK's verdicts, only for as long as the SDK would give the same one.

A key server on loopback publishes the Bot Framework's OpenID metadata and keys, and can withdraw
a key, fail, or hold its answer; `TokenCheck` runs the SDK's validation against it.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

import pytest
from aiohttp import web
from botframework.connector.auth import ChannelValidation, JwtTokenValidation
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm

from adapters.teams.adapter import activity_from
from adapters.teams.auth import BELIEVE_FOR, TokenCheck, signing_keys
from adapters.teams.connector import Credentials
from tests.adapters.teams.test_auth import APP_ID, KNOWN, STRANGER, token

SERVICE_URL = "https://smba.trafficmanager.net/amer/"


class KeyServer:
    def __init__(self) -> None:
        self.published = {"known": KNOWN}
        self.metadata_requests = 0
        self.failing = False
        self.hold: asyncio.Event | None = None
        self.asked = asyncio.Event()
        self.url = ""

    async def start(self) -> "KeyServer":
        app = web.Application()
        app.router.add_get("/openid", self._metadata)
        app.router.add_get("/keys", self._keys)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        return self

    async def _metadata(self, request: web.Request) -> web.Response:
        self.metadata_requests += 1
        self.asked.set()
        if self.failing:
            return web.Response(status=503)
        if self.hold is not None:
            await self.hold.wait()
        return web.json_response({"issuer": "https://api.botframework.com", "jwks_uri": self.url + "/keys"})

    async def _keys(self, request: web.Request) -> web.Response:
        keys = [
            {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "use": "sig", "endorsements": ["msteams"]}
            for kid, key in self.published.items()
        ]
        return web.json_response({"keys": keys})


@pytest.fixture
async def keys(monkeypatch):
    server = await KeyServer().start()
    url = server.url + "/openid"
    # The SDK's key cache is per process and keyed by URL; a port can come round again.
    JwtTokenExtractor.metadataCache.pop(url, None)
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", url)
    yield server
    JwtTokenExtractor.metadataCache.pop(url, None)
    await server._runner.cleanup()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def activity(service_url: str = SERVICE_URL):
    return activity_from({"type": "message", "channelId": "msteams", "serviceUrl": service_url, "text": "help"})


def checker(start: float):
    """A TokenCheck on an injected clock, counting the SDK validations it runs."""
    runs = []

    async def validate(*args):
        runs.append(args[1])
        return await JwtTokenValidation.authenticate_request(*args)

    clock = Clock(start)
    return TokenCheck(Credentials(APP_ID, "a-client-secret"), clock=clock, validate=validate), clock, runs


def issued(lifetime: int = 3600) -> tuple[str, float]:
    value = token(SERVICE_URL, lifetime=lifetime)
    from jwt import decode

    return f"Bearer {value}", float(decode(value, options={"verify_signature": False})["exp"])


async def test_a_token_accepted_once_is_believed_for_the_same_service_url_and_no_other(keys):
    header, expires = issued()
    check, _, runs = checker(expires - 3000)

    await check(activity(), header)
    await check(activity(), header)
    assert len(runs) == 1

    with pytest.raises(PermissionError):
        await check(activity("https://smba.trafficmanager.net/emea/"), header)
    assert len(runs) == 2


async def test_a_token_is_validated_again_after_the_believing_time(keys):
    header, expires = issued()
    check, clock, runs = checker(expires - 3000)
    await check(activity(), header)

    clock.now += BELIEVE_FOR - 1
    await check(activity(), header)
    assert len(runs) == 1
    clock.now += 2
    await check(activity(), header)
    assert len(runs) == 2


async def test_a_token_is_never_believed_past_its_expiry(keys):
    header, expires = issued(lifetime=300)
    check, clock, runs = checker(expires - 100)
    await check(activity(), header)
    clock.now = expires - 1
    await check(activity(), header)
    assert len(runs) == 1
    clock.now = expires
    await check(activity(), header)  # validated again: the SDK, on the real clock, still accepts it
    assert len(runs) == 2


async def test_a_refused_token_is_validated_every_time_it_comes(keys):
    forged = f"Bearer {token(SERVICE_URL, key=STRANGER)}"
    wrong_audience = f"Bearer {token(SERVICE_URL, audience='11111111-2222-3333-4444-555555555555')}"
    check, _, runs = checker(0.0)
    for header in (forged, forged, wrong_audience, wrong_audience, "", "Bearer not-a-token"):
        with pytest.raises(PermissionError):
            await check(activity(), header)
    assert len(runs) == 6


async def test_a_withdrawn_key_is_refused_once_the_keys_are_fetched_again(keys):
    header, expires = issued()
    check, _, runs = checker(expires - 3000)
    await check(activity(), header)
    assert keys.metadata_requests == 1

    # A day later the SDK fetches the keys again, and the key that signed the token is gone.
    keys.published = {"rotated": STRANGER}
    entry = signing_keys(keys.url + "/openid")
    entry.last_updated -= timedelta(days=1, seconds=1)
    with pytest.raises(PermissionError):
        await check(activity(), header)
    assert keys.metadata_requests == 2 and len(runs) == 2
    with pytest.raises(PermissionError):
        await check(activity(), header)


async def test_requests_waiting_for_the_keys_share_one_fetch_and_the_server_keeps_running(keys):
    keys.hold = asyncio.Event()
    check, _, runs = checker(0.0)
    headers = [f"Bearer {token(SERVICE_URL, lifetime=3600 + i)}" for i in range(5)]
    waiting = [asyncio.create_task(check(activity(), h)) for h in headers]

    # The fetch runs off the event loop: the key server, on this same loop, gets the request.
    await asyncio.wait_for(keys.asked.wait(), 10)
    assert not any(t.done() for t in waiting)
    keys.hold.set()
    await asyncio.gather(*waiting)

    assert keys.metadata_requests == 1 and signing_keys(keys.url + "/openid").fetches == 1
    assert len(runs) == 5


async def test_keys_that_cannot_be_fetched_refuse_the_request_and_are_asked_for_again(keys):
    header, expires = issued()
    check, _, _ = checker(expires - 3000)
    keys.failing = True
    with pytest.raises(PermissionError):
        await check(activity(), header)
    assert signing_keys(keys.url + "/openid").last_updated == datetime.min

    keys.failing = False
    await check(activity(), header)
    assert keys.metadata_requests == 2


async def test_a_valid_token_without_a_service_url_claim_is_refused(keys):
    """The Emulator's Azure AD tokens (and skill tokens) name no service URL: with token checks
    on, an activity's serviceUrl is believed only as a token's claim, so they are refused."""

    class Identity:
        claims = {"iss": "https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0", "aud": APP_ID, "exp": 2**40}

    async def validate(*args):
        return Identity()

    check = TokenCheck(Credentials(APP_ID, "a-client-secret"), clock=Clock(0.0), validate=validate)
    with pytest.raises(PermissionError):
        await check(activity(), "Bearer emulator-token")


async def test_the_check_answers_the_tokens_service_url(keys):
    header, expires = issued()
    check, _, _ = checker(expires - 3000)
    assert await check(activity(), header) == SERVICE_URL
    assert await check(activity(), header) == SERVICE_URL  # believed again, same answer
