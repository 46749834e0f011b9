"""The Bot Framework connector's v3 REST API over one shared aiohttp session, with a cached token.

The SDK's own clients build a new connector client, credentials and retry policy for every turn
and send through `requests` in a thread pool. Here one session (its connection pool keyed by
service URL) and one bot token (refreshed before it expires) serve every conversation.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import quote

import aiohttp
import orjson
from botframework.connector.auth import AuthenticationConstants

from adapters import network
from adapters.teams.service_urls import ServiceUrls

#: Statuses Teams asks bots to retry later rather than treat as failures.
RETRY_LATER = frozenset({412, 429, 502, 503, 504})
#: When Teams asks for patience without saying how long.
DEFAULT_RETRY_AFTER = 2.0
_TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)
#: A token is renewed this long before Azure AD says it expires.
_TOKEN_MARGIN = 300.0


class ConnectorError(Exception):
    """The connector (or the token service) answered with an error; no body text is kept."""

    def __init__(self, status: int, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.status in RETRY_LATER or self.status == 0


class UntrustedServiceUrl(ConnectorError):
    """A call to a service URL no validated token named (or, without token checks, not on
    loopback): refused before any connection is made."""

    def __init__(self) -> None:
        super().__init__(0)

    @property
    def transient(self) -> bool:
        return False


@dataclass(frozen=True)
class Credentials:
    """The bot's Azure app registration; empty id and password mean no tokens (served only with
    AFFINITY_TEAMS_UNAUTHENTICATED=1, on loopback: see service_urls.py)."""

    app_id: str = ""
    app_password: str = ""
    tenant_id: str = ""
    #: The token endpoint; None means Azure AD's, for the tenant or for botframework.com.
    login_url: str | None = None

    @property
    def local(self) -> bool:
        return not (self.app_id and self.app_password)

    def token_url(self) -> str:
        if self.login_url:
            return self.login_url
        tenant = self.tenant_id or AuthenticationConstants.DEFAULT_CHANNEL_AUTH_TENANT
        return (
            AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
            + tenant
            + AuthenticationConstants.TO_CHANNEL_FROM_BOT_TOKEN_ENDPOINT_PATH
        )


class Connector:
    """Sends activities, opens conversations and reads members, at the service URLs `service_urls` allows."""

    def __init__(self, credentials: Credentials, service_urls: ServiceUrls, clock: Callable[[], float] = time.monotonic, reachability: Any = None) -> None:
        self.credentials = credentials
        #: Teams' state for the log and /readyz (adapters.network.Reachability), when served.
        self.reachability = reachability
        if reachability is not None:
            reachability.known("teams")
        self.service_urls = service_urls
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- the v3 conversation API ---------------------------------------------------------

    async def send(self, service_url: str, conversation_id: str, activity: Mapping[str, Any], reply_to: str | None = None) -> str | None:
        """POST an activity (as a reply when `reply_to` is given); returns the new activity's id."""
        path = f"v3/conversations/{_segment(conversation_id)}/activities"
        if reply_to:
            path += f"/{_segment(reply_to)}"
        answer = await self._call("POST", service_url, path, activity)
        return answer.get("id") if isinstance(answer, dict) else None

    async def update(self, service_url: str, conversation_id: str, activity_id: str, activity: Mapping[str, Any]) -> None:
        await self._call("PUT", service_url, f"v3/conversations/{_segment(conversation_id)}/activities/{_segment(activity_id)}", activity)

    async def delete(self, service_url: str, conversation_id: str, activity_id: str) -> None:
        await self._call("DELETE", service_url, f"v3/conversations/{_segment(conversation_id)}/activities/{_segment(activity_id)}", None)

    async def create_conversation(self, service_url: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
        answer = await self._call("POST", service_url, "v3/conversations", parameters)
        return answer if isinstance(answer, dict) else {}

    async def member(self, service_url: str, conversation_id: str, member_id: str) -> dict[str, Any] | None:
        """The connector's record of one member (name, e-mail, UPN, AAD id), or None if unknown."""
        try:
            answer = await self._call("GET", service_url, f"v3/conversations/{_segment(conversation_id)}/members/{_segment(member_id)}", None)
        except ConnectorError as exc:
            if exc.status in (403, 404):
                return None
            raise
        return answer if isinstance(answer, dict) else None

    # --- plumbing -----------------------------------------------------------------------

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = network.session(_TIMEOUT, raise_for_status=False)
        return self._session

    async def _call(self, method: str, service_url: str, path: str, body: Mapping[str, Any] | None) -> Any:
        if not isinstance(service_url, str) or not await self.service_urls.allows(service_url):
            raise UntrustedServiceUrl()
        url = service_url.rstrip("/") + "/" + path
        headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else {}
        data = wire_json(body) if body is not None else None
        if not self.credentials.local:
            headers["Authorization"] = f"Bearer {await self._bearer()}"
        try:
            async with self._http().request(method, url, data=data, headers=headers) as response:
                if response.status == 401 and not self.credentials.local:
                    # A token revoked early: the next call fetches a new one.
                    self._token = None
                if response.status >= 500 and self.reachability is not None:
                    self.reachability.down("teams", f"the Teams connector at {service_url} answered HTTP {response.status}.")
                elif self.reachability is not None:
                    self.reachability.up("teams")
                if response.status >= 400:
                    raise ConnectorError(response.status, _retry_after(response.headers.get("Retry-After")))
                if response.content_type == "application/json":
                    raw = await response.read()
                    return orjson.loads(raw) if raw.strip() else None
                await response.read()
                return None
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            # Status 0: no answer at all, which is worth trying again later.
            if self.reachability is not None:
                self.reachability.down("teams", network.explain(exc, url))
            raise ConnectorError(0, DEFAULT_RETRY_AFTER) from None

    async def _bearer(self) -> str:
        if self._token and self._clock() < self._token_expires:
            return self._token
        async with self._token_lock:
            if self._token and self._clock() < self._token_expires:
                return self._token
            form = {
                "grant_type": "client_credentials",
                "client_id": self.credentials.app_id,
                "client_secret": self.credentials.app_password,
                "scope": AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE + "/.default",
            }
            try:
                async with self._http().post(self.credentials.token_url(), data=form) as response:
                    if response.status >= 400:
                        raise ConnectorError(response.status, _retry_after(response.headers.get("Retry-After")))
                    answer = await response.json(content_type=None)
            except (aiohttp.ClientError, asyncio.TimeoutError):
                raise ConnectorError(0, DEFAULT_RETRY_AFTER) from None
            self._token = str(answer["access_token"])
            lifetime = float(answer.get("expires_in") or 3600)
            self._token_expires = self._clock() + max(lifetime - _TOKEN_MARGIN, lifetime / 2)
            return self._token


def encode(value: Any) -> bytes:
    """Compact UTF-8 JSON: what is sent, and what a card's size is measured on.

    orjson, because an Adaptive Card of a few kilobytes takes the standard library's encoder
    over 100 µs, a tenth of what the adapter spends on a request.
    """
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


class Encoded(dict):
    """A JSON object encoded once, when it is made, and sent as those bytes.

    For values that do not change after they are made (an Adaptive Card built for one message,
    whose size is checked on the same bytes): its own keys cannot be set again. TurnContext
    deep-copies what it sends; copying this is sharing it.
    """

    __slots__ = ("data",)

    def __init__(self, value: Mapping[str, Any]) -> None:
        super().__init__(value)
        self.data = encode(self)

    def __copy__(self) -> "Encoded":
        return self

    def __deepcopy__(self, memo: dict) -> "Encoded":
        return self

    def _unchanged(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("an Encoded JSON object does not change")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = __ior__ = _unchanged  # type: ignore[assignment]


def wire_json(body: Mapping[str, Any]) -> bytes:
    """`encode(body)`, with an attachment's `Encoded` content spliced in as the bytes it has."""
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or not any(isinstance(a, Mapping) and isinstance(a.get("content"), Encoded) for a in attachments):
        return encode(body)
    parts = []
    for attachment in attachments:
        content = attachment.get("content") if isinstance(attachment, Mapping) else None
        if isinstance(content, Encoded):
            parts.append(_with_member(encode({k: v for k, v in attachment.items() if k != "content"}), b"content", content.data))
        else:
            parts.append(encode(attachment))
    return _with_member(encode({k: v for k, v in body.items() if k != "attachments"}), b"attachments", b"[" + b",".join(parts) + b"]")


def _with_member(obj: bytes, key: bytes, value: bytes) -> bytes:
    # `obj` is an encoded object ("{}" or "{...}"); the member is added last.
    return (obj[:-1] + b"," if obj != b"{}" else b"{") + b'"' + key + b'":' + value + b"}"


def _segment(value: str) -> str:
    # Conversation ids hold ':', ';' and '@'; each is one path segment.
    return quote(value, safe="")


def _retry_after(header: str | None) -> float | None:
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        return DEFAULT_RETRY_AFTER
