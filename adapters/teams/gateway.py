"""The Teams ChatGateway: proactive messages through `continue_conversation`, for the dispatcher.

Teams lets a bot write to someone only in a conversation it already shares with them. A person
who has talked to the bot (or was seen joining a team the bot is in) can be reached: their chat
is reused, or opened as a one-to-one chat. Anyone else is "unreachable until they talk to the
bot" - a normal answer, not an error. Nothing here retries: a 429 (or 412/502/503/504) becomes
"retry after" for the dispatcher, and sends over Teams' limits wait without being tried.
"""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationParameters, ConversationReference

from adapters.teams.activity import PLATFORM
from adapters.teams.adapter import CHANNEL_ID, TeamsAdapter, to_activity
from adapters.teams.cards import messages
from adapters.teams.connector import DEFAULT_RETRY_AFTER, ConnectorError, UntrustedServiceUrl
from adapters.teams.pacing import Pacing
from adapters.teams.references import PersonalReference, ReferenceBook
from bot.types import ConversationRef, DeliveryResult, Destination, Reply, UserRef

NOT_MET = "unreachable until they talk to the bot in Teams"
NOT_IN_CHANNEL = "the bot has not been added to that Teams channel"
NOT_CONFIRMED = "its Teams service URL has not been confirmed by a Bot Framework token yet"


class TeamsGateway:
    platform = PLATFORM

    def __init__(self, adapter: TeamsAdapter, book: ReferenceBook, pacing: Pacing | None = None) -> None:
        self.adapter = adapter
        self.book = book
        self.pacing = pacing or Pacing()

    async def close(self) -> None:
        await self.adapter.connector.close()

    async def send(self, to: Destination, reply: Reply) -> DeliveryResult:
        if isinstance(to, tuple):
            return await self._send_each(to, reply)
        if to.platform != PLATFORM:
            return DeliveryResult.failed(f"{to.platform} is not Teams")
        try:
            if isinstance(to, UserRef):
                return await self._send_person(to, reply)
            return await self._send_channel(to, reply)
        except ConnectorError as exc:
            return _result(exc)

    async def _send_person(self, user: UserRef, reply: Reply) -> DeliveryResult:
        stored = await self.book.person(user)
        if stored is None:
            return DeliveryResult.unreachable(NOT_MET)
        reference = _personal(stored, user.tenant)
        if stored.conversation_id is None:
            wait = self.pacing.reserve(user.tenant, f"open:{stored.user_id}")
            if wait > 0:
                return DeliveryResult.later(wait, "Teams send limit")
            try:
                reference = await self.adapter.create_conversation(reference, None, _one_to_one(stored, user.tenant))
            except ConnectorError as exc:
                if exc.transient or isinstance(exc, UntrustedServiceUrl):
                    raise
                # Teams opens a chat only where the app is installed for the person.
                return DeliveryResult.unreachable(NOT_MET)
            await self.book.remember_personal_chat(user, reference.conversation.id)
        return await self._deliver(reference, user.tenant, reply)

    async def _send_channel(self, where: ConversationRef, reply: Reply) -> DeliveryResult:
        shared = await self.book.conversation(where.tenant, where.conversation_id)
        if shared is not None:
            service_url, bot_id, kind = shared.service_url, shared.bot_id, shared.kind
        else:
            endpoint = await self.book.tenant_endpoint(where.tenant)
            if endpoint is None:
                return DeliveryResult.unreachable(NOT_IN_CHANNEL)
            (service_url, bot_id), kind = endpoint, where.kind
        conversation_id = where.conversation_id + (f";messageid={where.thread_id}" if where.thread_id else "")
        reference = ConversationReference(
            channel_id=CHANNEL_ID,
            service_url=service_url,
            bot=ChannelAccount(id=bot_id),
            conversation=ConversationAccount(
                id=conversation_id, is_group=True, conversation_type="channel" if kind == "channel" else "groupChat", tenant_id=where.tenant
            ),
        )
        return await self._deliver(reference, where.tenant, reply, pace_as=where.conversation_id)

    async def _send_each(self, people: tuple[UserRef, ...], reply: Reply) -> DeliveryResult:
        """Several people together: a bot cannot open a Teams group chat, so each gets it alone.

        Nothing is sent unless everyone can be reached; after the first send, a later failure
        is reported with what was delivered rather than as "retry", which would repeat it.
        """
        if not people:
            return DeliveryResult.failed("nobody to send to")
        stored = [await self.book.person(p) if p.platform == PLATFORM else None for p in people]
        if any(s is None for s in stored):
            return DeliveryResult.unreachable(NOT_MET)
        delivered: list[str] = []
        for person in people:
            try:
                result = await self._send_person(person, reply)
            except ConnectorError as exc:
                result = _result(exc)
            if result.status != "sent":
                if not delivered:
                    return result
                return DeliveryResult("sent", error=f"reached {len(delivered)} of {len(people)}: {result.error or result.status}", message_ref=delivered[0])
            delivered.append(result.message_ref or "")
        return DeliveryResult.sent(delivered[0] or None)

    async def _deliver(self, reference: ConversationReference, tenant: str, reply: Reply, pace_as: str | None = None) -> DeliveryResult:
        wait = self.pacing.reserve(tenant, pace_as or reference.conversation.id)
        if wait > 0:
            return DeliveryResult.later(wait, "Teams send limit")
        outgoing = [to_activity(fields) for fields in messages(reply)]
        for _ in outgoing[1:]:
            # A reply too long for one message goes as several; each counts against the limits.
            self.pacing.reserve(tenant, pace_as or reference.conversation.id)
        sent: list[str | None] = []

        async def send(context: TurnContext) -> None:
            for activity in outgoing:
                response = await context.send_activity(activity)
                sent.append(response.id if response else None)

        try:
            await self.adapter.continue_conversation(reference, send)
        except ConnectorError as exc:
            if not sent:
                raise
            # Trying again would repeat the parts already delivered.
            return DeliveryResult("sent", error=f"sent {len(sent)} of {len(outgoing)} parts: Teams answered HTTP {exc.status}", message_ref=sent[0])
        return DeliveryResult.sent(sent[0] if sent else None)


def _personal(stored: PersonalReference, tenant: str) -> ConversationReference:
    return ConversationReference(
        channel_id=CHANNEL_ID,
        service_url=stored.service_url,
        bot=ChannelAccount(id=stored.bot_id),
        user=ChannelAccount(id=stored.user_id),
        conversation=ConversationAccount(
            id=stored.conversation_id, conversation_type="personal", is_group=False, tenant_id=stored.tenant_id or tenant
        ),
    )


def _one_to_one(stored: PersonalReference, tenant: str) -> ConversationParameters:
    tenant_id = stored.tenant_id or tenant
    return ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=stored.bot_id),
        members=[ChannelAccount(id=stored.user_id)],
        tenant_id=tenant_id,
        channel_data={"tenant": {"id": tenant_id}},
    )


def _result(exc: ConnectorError) -> DeliveryResult:
    if isinstance(exc, UntrustedServiceUrl):
        # Nothing was sent: the address was never named by a validated token.
        return DeliveryResult.unreachable(NOT_CONFIRMED)
    if exc.transient:
        return DeliveryResult.later(exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_AFTER, f"Teams answered HTTP {exc.status}")
    if exc.status in (403, 404):
        # Removed the app, blocked the bot, or left the team.
        return DeliveryResult.unreachable(f"Teams answered HTTP {exc.status}")
    return DeliveryResult.failed(f"Teams answered HTTP {exc.status}")
