"""The Slack ChatGateway: proactive messages for the dispatcher, and keeping group channels in step.

Nothing here retries. A 429 becomes "retry after N s"; a person Slack says cannot be reached
(deactivated, unknown) is "unreachable"; any other Slack error is "failed" with Slack's own
error code, which the dispatcher records and backs off from. Channel posts keep to Slack's pace of
about one message per second per channel by answering "retry after" instead of sending early.
"""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

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


def _result(exc: SlackApiError) -> DeliveryResult:
    response = exc.response
    status = getattr(response, "status_code", None)
    code = ""
    try:
        code = str(response.get("error") or "")
    except (AttributeError, TypeError, ValueError):
        code = ""
    if status == 429 or code == "ratelimited":
        headers = getattr(response, "headers", {}) or {}
        retry = headers.get("Retry-After") or headers.get("retry-after") or "1"
        try:
            seconds = max(float(retry), 1.0)
        except ValueError:
            seconds = 1.0
        return DeliveryResult.later(seconds, "ratelimited")
    code = code or (f"http_{status}" if status else "slack_error")
    if code in UNREACHABLE:
        return DeliveryResult.unreachable(code)
    return DeliveryResult.failed(code)


class SlackGateway:
    """Sends a Reply to a person (their DM with the bot), a channel, or several people together."""

    platform = PLATFORM

    def __init__(self, client: AsyncWebClient, token_for: TokenFor, monotonic: Monotonic = time.monotonic) -> None:
        self.client = client
        self.token_for = token_for
        self.pacing = _Pacing(CHANNEL_INTERVAL, monotonic)
        self._dms: dict[tuple[str, str], str] = {}

    async def close(self) -> None:
        """Nothing is held open between calls; here for symmetry with the other gateways."""

    async def send(self, to: Destination, reply: Reply) -> DeliveryResult:
        people = to if isinstance(to, tuple) else None
        first = people[0] if people else to
        if first is None or first.platform != PLATFORM:  # type: ignore[union-attr]
            return DeliveryResult.failed("not a Slack destination")
        tenant = first.tenant  # type: ignore[union-attr]
        token = await self.token_for(tenant)
        if not token:
            return DeliveryResult.unreachable("not_installed")
        try:
            if isinstance(to, ConversationRef):
                channel, thread = to.conversation_id, to.thread_id
                wait = self.pacing.reserve(tenant, channel)
                if wait > 0:
                    return DeliveryResult.later(wait, "channel pace")
            else:
                group = people or (to,)
                if len({p.tenant for p in group}) > 1:  # type: ignore[union-attr]
                    return DeliveryResult.failed("people_in_different_workspaces")
                if len(group) > GROUP_DM_LIMIT:
                    return DeliveryResult.failed("too_many_users")
                channel = await self._open(token, tenant, group)  # type: ignore[arg-type]
                thread = None
            return await self._post(token, channel, thread, reply)
        except SlackApiError as exc:
            return _result(exc)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return DeliveryResult.failed(f"connection: {type(exc).__name__}")

    async def _open(self, token: str, tenant: str, people: tuple[UserRef, ...]) -> str:
        key = (tenant, ",".join(sorted(p.user_id for p in people)))
        channel = self._dms.get(key)
        if channel is None:
            answer = await self.client.conversations_open(token=token, users=key[1])
            channel = str(answer["channel"]["id"])
            # DM and group DM ids never change, so one lookup per person is enough.
            self._dms[key] = channel
        return channel

    async def _post(self, token: str, channel: str, thread: str | None, reply: Reply) -> DeliveryResult:
        payload = message(reply)
        answer = await self.client.chat_postMessage(
            token=token, channel=channel, thread_ts=thread, unfurl_links=False, unfurl_media=False, **payload
        )
        ts = str(answer.get("ts") or "")
        posted = str(answer.get("channel") or channel)
        if reply.card is not None and reply.card.image is not None:
            await upload_image(self.client, token, posted, reply.card.image, thread or None)
        return DeliveryResult.sent(f"{posted}:{ts}")

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
