"""The Slack ChatGateway: proactive messages for the dispatcher, and keeping group channels in step.

Nothing here retries. A 429 becomes "retry after N s"; a person Slack says cannot be reached
(deactivated, unknown) is "unreachable"; any other Slack error is "failed" with Slack's own
error code, which the dispatcher records and backs off from. Channel posts keep to Slack's pace of
about one message per second per channel by answering "retry after" instead of sending early.

Every outbox message carries its idempotency key as Slack message metadata, so after an
interruption the dispatcher can ask `was_delivered` whether Slack already has it, instead of
sending it again or giving up on it.

`chat.postMessage` and `conversations.open`, one or two calls for every message sent, go straight
through the gateway's aiohttp session with a body encoded once per fan-out; everything else
through slack_sdk's client on the same session.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

import aiohttp
from yarl import URL
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters import network
from adapters.slack.inbound import PLATFORM
from adapters.slack.render import message
from bot.types import ConversationRef, DeliveryResult, Destination, Image, Reply, UserRef

#: Slack error codes that mean this person or conversation cannot be written to at all.
UNREACHABLE = frozenset({"account_inactive", "user_not_found", "user_disabled", "cannot_dm_bot", "is_archived", "user_is_bot"})
#: What a channel-membership change answers when the bot is not in the channel itself.
BOT_NOT_IN_CHANNEL = "bot_not_in_channel"
#: Slack's pace for posting into one channel.
CHANNEL_INTERVAL = 1.0
#: A group DM (conversations.open with several users) holds at most this many people besides the bot.
GROUP_DM_LIMIT = 8
#: The metadata event type that marks the bot's outbox messages; its payload is `{"key": key}`.
OUTBOX_EVENT = "affinity_outbox"
#: How much of a conversation's history `was_delivered` reads before it says it cannot tell.
HISTORY_PAGE = 200
HISTORY_PAGES = 10
#: How far before `since` history is read, for a Slack clock that runs behind ours.
CLOCK_SKEW = timedelta(minutes=2)
#: Errors from Slack's history methods that mean the bot cannot read there (so cannot tell).
CANNOT_READ = frozenset({"missing_scope", "not_in_channel", "channel_not_found", "not_authed", "invalid_auth", "access_denied"})

TokenFor = Callable[[str], Awaitable[str | None]]
Monotonic = Callable[[], float]


class _Pacing:
    """When each channel may next be written to; reserves a slot or says how long to wait."""

    def __init__(self, interval: float, monotonic: Monotonic) -> None:
        self.interval = interval
        self.monotonic = monotonic
        self._next: dict[tuple[str, str], float] = {}

    def reserve(self, tenant: str, channel: str) -> float:
        now = self.monotonic()
        key = (tenant, channel)
        due = self._next.get(key, 0.0)
        if due > now:
            return due - now
        self._next[key] = now + self.interval
        if len(self._next) > 10_000:
            self._next = {k: v for k, v in self._next.items() if v > now}
        return 0.0


class DeliveryInDoubt(Exception):
    """A post was sent but no answer came back (a timeout, a dropped connection): Slack may have it.

    The dispatcher does not send such an item again before `was_delivered` has looked."""


class HistoryUnavailable(Exception):
    """Slack's history cannot be read right now (rate limited, or no connection); ask again later."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"history unavailable, retry after {retry_after:g} s")
        self.retry_after = retry_after


def _code(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or "")
    except (AttributeError, TypeError, ValueError):
        return ""


def _retry_after(exc: SlackApiError) -> float | None:
    """Seconds Slack asked to wait, for a 429 (at least one); None for any other error."""
    response = exc.response
    if getattr(response, "status_code", None) != 429 and _code(exc) != "ratelimited":
        return None
    headers = getattr(response, "headers", {}) or {}
    retry = headers.get("Retry-After") or headers.get("retry-after") or "1"
    try:
        return max(float(retry), 1.0)
    except ValueError:
        return 1.0


def _result(exc: SlackApiError) -> DeliveryResult:
    response = exc.response
    status = getattr(response, "status_code", None)
    code = _code(exc)
    seconds = _retry_after(exc)
    if seconds is not None:
        return DeliveryResult.later(seconds, "ratelimited")
    code = code or (f"http_{status}" if status else "slack_error")
    if code in UNREACHABLE:
        return DeliveryResult.unreachable(code)
    return DeliveryResult.failed(code)


def _slack_tenant(to: Destination) -> str | None:
    """The workspace of a Slack destination (the first person's, for several), or None."""
    first = to[0] if isinstance(to, tuple) and to else to
    if not isinstance(first, (UserRef, ConversationRef)) or first.platform != PLATFORM:
        return None
    return first.tenant


def _encoded(rendered: dict[str, Any]) -> bytes:
    """A rendered message as the start of a chat.postMessage body: an open JSON object."""
    head = {k: v for k, v in rendered.items() if k not in ("channel", "thread_ts", "metadata")}
    head.update(unfurl_links=False, unfurl_media=False)
    return json.dumps(head).encode()[:-1]


#: A str as JSON (quoted and escaped, ASCII only).
_escape = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]


def _string(value: str) -> bytes:
    return _escape(value).encode("ascii")


#: Headers aiohttp would add that a JSON call to Slack does without (no compressed answers).
_SKIP = frozenset({"User-Agent", "Accept-Encoding"})


def _api_error(client: AsyncWebClient, method: str, status: int, headers: dict[str, str], data: dict[str, Any]) -> SlackApiError:
    response = AsyncSlackResponse(
        client=client, http_verb="POST", api_url=client.base_url + method, req_args={}, data=data, headers=headers, status_code=status
    )
    return SlackApiError(f"The request to the Slack API failed. (url: {method})", response)


class SlackGateway:
    """Sends a Reply to a person (their DM with the bot), a channel, or several people together."""

    platform = PLATFORM

    def __init__(
        self, client: AsyncWebClient, token_for: TokenFor, monotonic: Monotonic = time.monotonic, revocations: Any = None, reachability: Any = None
    ) -> None:
        self.client = client
        #: Slack's state for the log and /readyz (adapters.network.Reachability), when served.
        self.reachability = reachability
        if reachability is not None:
            reachability.known(PLATFORM)
        self.token_for = token_for
        #: Workspaces that took the app back (installations.Revocations): parked, not retried.
        self.revocations = revocations
        self.pacing = _Pacing(CHANNEL_INTERVAL, monotonic)
        self._dms: dict[tuple[str, str], str] = {}
        self._history_paused: dict[str, float] = {}
        self._owns_session = False
        # The last Reply posted and its message encoded once as JSON, all but the channel, thread
        # and key that differ between a fan-out's items.
        self._rendered: tuple[Reply, bytes] | None = None
        # Parsed once: yarl's parsing and aiohttp's header building are a good part of a call.
        self._urls: dict[str, URL] = {}
        self._headers: dict[str, dict[str, str]] = {}

    def _share_session(self) -> None:
        # Without a session of its own, slack_sdk opens and closes one for every call; one kept
        # for the gateway's life reuses connections, which a fan-out of thousands needs.
        if self.client.session is None or self.client.session.closed:
            self.client.session = network.session(aiohttp.ClientTimeout(total=self.client.timeout, connect=min(5, self.client.timeout)))
            self._owns_session = True

    async def close(self) -> None:
        """Close the HTTP session the gateway opened, if it did."""
        if self._owns_session and self.client.session is not None:
            await self.client.session.close()
            self.client.session = None
            self._owns_session = False

    async def send(self, to: Destination, reply: Reply, key: str | None = None) -> DeliveryResult:
        """Post `reply`; with an outbox `key`, the message carries it as metadata for `was_delivered`."""
        tenant = _slack_tenant(to)
        if tenant is None:
            return DeliveryResult.failed("not a Slack destination")
        if self.revocations is not None:
            revoked = await self.revocations.of(tenant)
            if revoked is not None:
                return DeliveryResult.unreachable(f"Slack workspace {tenant}: {revoked.reason} since {revoked.since:%Y-%m-%d %H:%M} UTC")
        token = await self.token_for(tenant)
        if not token:
            return DeliveryResult.unreachable("not_installed")
        try:
            found = await self._conversation(token, tenant, to)
            if isinstance(found, DeliveryResult):
                return found
            channel, thread = found
        except SlackApiError as exc:
            return _result(exc)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            # Opening a conversation twice does no harm, so any failure here is an ordinary one.
            return self._unreachable(exc)
        if isinstance(to, ConversationRef):
            wait = self.pacing.reserve(tenant, channel)
            if wait > 0:
                return DeliveryResult.later(wait, "channel pace")
        try:
            found = await self._post(token, channel, thread, reply, key)
        except SlackApiError as exc:
            status = getattr(exc.response, "status_code", 200)
            if status >= 500 and self.reachability is not None:
                self.reachability.down(PLATFORM, f"Slack answered HTTP {status}.")
            return _result(exc)
        except (aiohttp.ClientConnectorError, aiohttp.ClientHttpProxyError) as exc:
            # The connection was never made (nor the proxy's tunnel), so nothing reached Slack.
            return self._unreachable(exc)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            if self.reachability is not None:
                self.reachability.down(PLATFORM, network.explain(exc, self.client.base_url))
            raise DeliveryInDoubt(type(exc).__name__) from None
        if self.reachability is not None:
            self.reachability.up(PLATFORM)
        return found

    def _unreachable(self, exc: BaseException) -> DeliveryResult:
        sentence = network.explain(exc, self.client.base_url)
        if self.reachability is not None:
            self.reachability.down(PLATFORM, sentence)
        return DeliveryResult.failed(sentence)

    async def _conversation(self, token: str, tenant: str, to: Destination) -> tuple[str, str | None] | DeliveryResult:
        """The channel (and thread) a destination is written in; a DM or group DM is opened once."""
        if isinstance(to, ConversationRef):
            return to.conversation_id, to.thread_id
        group = to if isinstance(to, tuple) else (to,)
        if len({p.tenant for p in group}) > 1:
            return DeliveryResult.failed("people_in_different_workspaces")
        if len(group) > GROUP_DM_LIMIT:
            return DeliveryResult.failed("too_many_users")
        return await self._open(token, tenant, group), None

    async def _open(self, token: str, tenant: str, people: tuple[UserRef, ...]) -> str:
        key = (tenant, ",".join(sorted(p.user_id for p in people)))
        channel = self._dms.get(key)
        if channel is None:
            answer = await self._call(token, "conversations.open", json.dumps({"users": key[1]}).encode())
            channel = str(answer["channel"]["id"])
            # DM and group DM ids never change, so one lookup per person is enough.
            self._dms[key] = channel
        return channel

    async def _post(self, token: str, channel: str, thread: str | None, reply: Reply, key: str | None = None) -> DeliveryResult:
        # The dispatcher hands every item of a fan-out the same Reply: it is rendered and encoded
        # once, and each item only adds its channel, thread and key.
        if self._rendered is None or self._rendered[0] is not reply:
            self._rendered = (reply, _encoded(message(reply)))
        parts = [self._rendered[1], b', "channel": ', _string(channel)]
        if thread:
            parts += (b', "thread_ts": ', _string(thread))
        if key is not None:
            parts += (b', "metadata": {"event_type": "' + OUTBOX_EVENT.encode() + b'", "event_payload": {"key": ', _string(key), b"}}")
        parts.append(b"}")
        answer = await self._call(token, "chat.postMessage", b"".join(parts))
        ts = str(answer.get("ts") or "")
        posted = str(answer.get("channel") or channel)
        if reply.card is not None and reply.card.image is not None:
            # The message is out: a chart that fails to upload must not make it "failed", which
            # would send the message again.
            self._share_session()
            try:
                await upload_image(self.client, token, posted, reply.card.image, thread or None)
            except SlackApiError as exc:
                return DeliveryResult("sent", error=f"chart not uploaded: {_code(exc) or 'slack_error'}", message_ref=f"{posted}:{ts}")
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                return DeliveryResult("sent", error=f"chart not uploaded: {type(exc).__name__}", message_ref=f"{posted}:{ts}")
        return DeliveryResult.sent(f"{posted}:{ts}")

    async def _call(self, token: str, method: str, body: bytes) -> dict[str, Any]:
        """One Web API call with a JSON body on the gateway's session, raising SlackApiError as
        slack_sdk does. The hot path of a fan-out: slack_sdk's own call costs about twice the CPU."""
        self._share_session()
        assert self.client.session is not None
        url = self._urls.get(method)
        if url is None:
            url = self._urls[method] = URL(self.client.base_url + method)
        headers = self._headers.get(token)
        if headers is None:
            headers = self._headers[token] = {"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=utf-8"}
        async with self.client.session.post(url, data=body, headers=headers, skip_auto_headers=_SKIP) as response:
            raw, status, answer_headers = await response.read(), response.status, dict(response.headers)
            if status == 407:
                # The district's proxy, not Slack, answered (plain http:// goes through it unwrapped).
                raise aiohttp.ClientHttpProxyError(response.request_info, (), status=407, message="Proxy Authentication Required")
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            data = {"ok": False, "error": f"http_{status}"}
        if status == 429 or not data.get("ok"):
            raise _api_error(self.client, method, status, answer_headers, data)
        return data

    async def was_delivered(self, to: Destination, key: str, since: datetime) -> bool | None:
        """Whether Slack has a message with outbox `key` in the conversation `to`, posted after
        `since`: True, False, or None when it cannot tell (no access, or too much to read).

        Raises HistoryUnavailable when Slack asks to wait or cannot be reached.
        """
        tenant = _slack_tenant(to)
        if tenant is None:
            return None
        token = await self.token_for(tenant)
        if not token:
            return None
        paused = self._history_paused.get(tenant, 0.0) - self.pacing.monotonic()
        if paused > 0:
            raise HistoryUnavailable(paused)
        self._share_session()
        try:
            found = await self._conversation(token, tenant, to)
            if isinstance(found, DeliveryResult):
                # Slack would not have taken it either.
                return False
            channel, thread = found
            return await self._find(token, channel, thread, key, since)
        except SlackApiError as exc:
            seconds = _retry_after(exc)
            if seconds is not None:
                self._history_paused[tenant] = self.pacing.monotonic() + seconds
                raise HistoryUnavailable(seconds) from None
            code = _code(exc)
            if code in UNREACHABLE:
                return False
            if code in CANNOT_READ:
                return None
            raise HistoryUnavailable(60.0) from None
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            raise HistoryUnavailable(30.0) from None

    async def _find(self, token: str, channel: str, thread: str | None, key: str, since: datetime) -> bool | None:
        oldest = f"{(since - CLOCK_SKEW).timestamp():.6f}"
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            if thread:
                answer = await self.client.conversations_replies(
                    token=token, channel=channel, ts=thread, oldest=oldest, limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor
                )
            else:
                answer = await self.client.conversations_history(
                    token=token, channel=channel, oldest=oldest, limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor
                )
            for found in answer.get("messages") or ():
                metadata = found.get("metadata") or {}
                if metadata.get("event_type") == OUTBOX_EVENT and (metadata.get("event_payload") or {}).get("key") == key:
                    return True
            cursor = ((answer.get("response_metadata") or {}).get("next_cursor")) or None
            if not answer.get("has_more") or not cursor:
                return False
        return None

    async def add_to_channel(self, channel: ConversationRef, person: UserRef) -> DeliveryResult:
        """Invite a member into their group's private channel; the bot must be in it."""
        token = await self.token_for(channel.tenant)
        if not token:
            return DeliveryResult.unreachable("not_installed")
        try:
            await self.client.conversations_invite(token=token, channel=channel.conversation_id, users=person.user_id)
        except SlackApiError as exc:
            code = str(exc.response.get("error") or "")
            if code == "already_in_channel":
                return DeliveryResult.sent()
            if code in ("not_in_channel", "channel_not_found", "method_not_supported_for_channel_type"):
                return DeliveryResult.unreachable(BOT_NOT_IN_CHANNEL)
            return _result(exc)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return DeliveryResult.failed(f"connection: {type(exc).__name__}")
        return DeliveryResult.sent()

    async def remove_from_channel(self, channel: ConversationRef, person: UserRef) -> DeliveryResult:
        """Take someone who left a group out of its private channel; the bot must be in it."""
        token = await self.token_for(channel.tenant)
        if not token:
            return DeliveryResult.unreachable("not_installed")
        try:
            info = await self.client.conversations_info(token=token, channel=channel.conversation_id)
            if not (info.get("channel") or {}).get("is_member"):
                return DeliveryResult.unreachable(BOT_NOT_IN_CHANNEL)
            await self.client.conversations_kick(token=token, channel=channel.conversation_id, user=person.user_id)
        except SlackApiError as exc:
            code = str(exc.response.get("error") or "")
            if code == "not_in_channel":
                # The bot is in the channel (checked above), so the person already is not.
                return DeliveryResult.sent()
            if code == "channel_not_found":
                return DeliveryResult.unreachable(BOT_NOT_IN_CHANNEL)
            return _result(exc)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return DeliveryResult.failed(f"connection: {type(exc).__name__}")
        return DeliveryResult.sent()


async def upload_image(client: AsyncWebClient, token: str | None, channel: str, image: Image, thread: str | None = None) -> None:
    """A card's picture (a report chart) as a file in the conversation, with its text as alt text."""
    await client.files_upload_v2(
        token=token,
        channel=channel,
        content=image.png,
        filename=image.filename,
        title=image.alt[:250],
        alt_txt=image.alt[:1000],
        thread_ts=thread,
    )
