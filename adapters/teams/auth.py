"""The token check on /api/messages: the SDK's own JWT validation, without what it redoes.

Every token the bot has not accepted before goes through the SDK's
`JwtTokenValidation.authenticate_request`: signature against the Bot Framework's published keys,
issuer, audience (our app id), the channel's endorsement of the signing key and the service URL
claim against the activity's. Around that validation:

- **The signing keys.** Fetched on the district's network settings (adapters/network.py: proxy,
  SSL_CERT_FILE, timeouts), for every metadata URL the SDK asks about. The SDK keeps the published keys for a day in a process-wide cache, but
  fetches them with blocking `requests` calls on the event loop (stalling every request in
  flight) and rebuilds the RSA key from its JWK on every request. `SigningKeys` takes its place
  in that cache: the fetch is asynchronous, one at a time however many requests wait for it,
  and a parsed key is kept until the next fetch. When to fetch, and what an unknown key id
  means, stay the SDK's.
- **A token accepted once.** The Bot Framework sends the same token with every activity for
  about an hour. A Bot Framework channel token that passed the SDK's validation is believed
  again for the same header, service URL and channel — never after its `exp` claim (the SDK
  would allow five minutes of clock skew beyond it), never longer than `BELIEVE_FOR`, and never
  across a fetch of the signing keys or past the SDK's own day for them. Only acceptances are
  remembered: a token that was refused is validated again every time it comes.
- **The service URL.** The check answers the token's `serviceurl` claim, and refuses a token
  without one (the Emulator's Azure AD tokens carry none) or one naming another service URL
  than the activity: the endpoint trusts an activity's `serviceUrl` only as that claim.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from datetime import datetime
from typing import Any, Awaitable, Callable

import aiohttp
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticationConstants, ChannelValidation, JwtTokenValidation, SimpleCredentialProvider
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata

from adapters import network
from adapters.teams.connector import Credentials

#: The longest a token is believed without validating it again.
BELIEVE_FOR = 600.0
#: The SDK fetches the signing keys again when they are a day old.
KEYS_LAST = 86400.0
#: Tokens remembered at once; the Bot Framework uses a handful, the oldest go first.
CAPACITY = 1000
#: A fetch of the OpenID metadata or the keys that takes longer fails (and is tried again).
FETCH_TIMEOUT = 10.0

Validate = Callable[..., Awaitable[Any]]


class SigningKeys(_OpenIdMetadata):
    """The SDK's OpenID metadata cache entry, fetched without blocking the event loop, its keys parsed once."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.fetches = 0
        self._parsed: dict[Any, Any] = {}
        self._pending: asyncio.Task | None = None

    async def _refresh(self) -> None:
        # Called by the SDK's `get` when the keys are a day old (or none are known yet).
        loop = asyncio.get_running_loop()
        pending = self._pending
        if pending is None or pending.done() or pending.get_loop() is not loop:
            pending = self._pending = loop.create_task(self._fetch())
        # Every request waiting shares the one fetch and its outcome.
        await asyncio.shield(pending)

    async def _fetch(self) -> None:
        self.fetches += 1
        keys = await _published_keys(self.url)
        self.keys, self._parsed, self.last_updated = keys, {}, datetime.now()

    def _find(self, key_id: str):
        found = self._parsed.get(key_id)
        if found is None:
            # The SDK's lookup: None without keys, an error for a key id it does not publish.
            found = super()._find(key_id)
            if found is not None:
                self._parsed[key_id] = found
        return found


async def _published_keys(url: str) -> list:
    """What the SDK's `_OpenIdMetadata._refresh` fetches (the metadata, then its `jwks_uri`)."""
    async with network.session(aiohttp.ClientTimeout(total=FETCH_TIMEOUT, connect=5)) as session:
        async with session.get(url) as response:
            response.raise_for_status()
            metadata = await response.json(content_type=None)
        async with session.get(metadata["jwks_uri"]) as response:
            response.raise_for_status()
            return (await response.json(content_type=None))["keys"]


class _KeysCache(dict):
    """The SDK's metadata cache, answering a `SigningKeys` for any URL it asks about: none of the
    SDK's own key fetches (blocking `requests`, blind to SSL_CERT_FILE) is ever made."""

    def get(self, url, default=None):  # type: ignore[override]
        found = super().get(url)
        if not isinstance(found, SigningKeys):
            found = self[url] = SigningKeys(url)
        return found


if not isinstance(JwtTokenExtractor.metadataCache, _KeysCache):
    JwtTokenExtractor.metadataCache = _KeysCache(JwtTokenExtractor.metadataCache)


def signing_keys(url: str) -> SigningKeys:
    """The SDK's cache entry for `url`, made a `SigningKeys` if it is not one yet."""
    cache = JwtTokenExtractor.metadataCache
    found = cache.get(url)
    if not isinstance(found, SigningKeys):
        found = cache[url] = SigningKeys(url)
    return found


def channel_keys_url() -> str:
    """Where the SDK reads the Bot Framework channel's keys (a setting the SDK offers)."""
    return ChannelValidation.open_id_metadata_endpoint or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL


SERVICE_URL_CLAIM = AuthenticationConstants.SERVICE_URL_CLAIM


class TokenCheck:
    """`await check(activity, header)` answers the token's service URL claim, which equals the
    activity's; it raises PermissionError unless the request may go on."""

    def __init__(self, credentials: Credentials, clock: Callable[[], float] = time.time, validate: Validate | None = None) -> None:
        self._provider = SimpleCredentialProvider(credentials.app_id, credentials.app_password)
        self._clock = clock
        self._validate = validate or JwtTokenValidation.authenticate_request
        self._accepted: OrderedDict[tuple[str, str, str], tuple[float, SigningKeys, datetime, str]] = OrderedDict()
        # Tokens from the Emulator and Azure AD are checked against these keys; no fetch blocks.
        signing_keys(AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL)

    async def __call__(self, activity: Activity, auth_header: str) -> str:
        keys = signing_keys(channel_keys_url())
        key = (auth_header, activity.service_url or "", activity.channel_id or "")
        now = self._clock()
        entry = self._accepted.get(key)
        if entry is not None:
            until, seen, fetched, claimed = entry
            if now < until and seen is keys and keys.last_updated == fetched:
                return claimed
            del self._accepted[key]
        try:
            identity = await self._validate(activity, auth_header, self._provider)
        except PermissionError:
            raise
        except Exception as exc:
            # A malformed token, an unknown signing key or an unreachable key endpoint: all refusals.
            raise PermissionError(type(exc).__name__) from None
        claims = getattr(identity, "claims", None) or {}
        claimed = claims.get(SERVICE_URL_CLAIM)
        if not isinstance(claimed, str) or not claimed or claimed != (activity.service_url or ""):
            # The SDK compares the two for channel tokens only; here every token must name it.
            raise PermissionError("service URL")
        self._remember(key, claims, keys, now, claimed)
        return claimed

    def _remember(self, key: tuple[str, str, str], claims: dict, keys: SigningKeys, now: float, claimed: str) -> None:
        expires = claims.get("exp")
        if not key[0] or claims.get("iss") != AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER:
            return  # only Bot Framework channel tokens, checked against `keys`
        if not isinstance(expires, (int, float)) or isinstance(expires, bool) or keys.last_updated == datetime.min:
            return
        fetched = keys.last_updated
        until = min(float(expires), now + BELIEVE_FOR, fetched.timestamp() + KEYS_LAST)
        if until <= now:
            return
        self._accepted[key] = (until, keys, fetched, claimed)
        self._accepted.move_to_end(key)
        while len(self._accepted) > CAPACITY:
            self._accepted.popitem(last=False)
