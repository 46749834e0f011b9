"""The Bot Framework adapter: botbuilder-core's BotAdapter over our connector.

Outgoing activities go through `Connector`, which reuses one HTTP session and one token; incoming
requests are checked in `auth.py`, by the SDK's own `JwtTokenValidation`.
"""

from __future__ import annotations

import copy
from typing import Any, Awaitable, Callable, List, Mapping

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.core.conversation_reference_extension import get_continuation_activity
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ResourceResponse,
)

from adapters.teams.connector import Connector, ConnectorError, Encoded

#: Where the inbound activity's JSON, exactly as Teams sent it, is kept for the turn.
RAW_ACTIVITY = "affinity.teams.activity"
INVOKE_RESPONSE = BotAdapter._INVOKE_RESPONSE_KEY
CHANNEL_ID = "msteams"


class TeamsAdapter(BotAdapter):
    """Sends what a turn (or a proactive continuation) says through one shared `Connector`."""

    def __init__(self, connector: Connector) -> None:
        super().__init__()
        self.connector = connector

    async def send_activities(self, context: TurnContext, activities: List[Activity]) -> List[ResourceResponse]:
        responses: list[ResourceResponse] = []
        for activity in activities:
            if activity.type == ActivityTypes.invoke_response:
                # Answered in the HTTP response to the invoke, not as a message.
                context.turn_state[INVOKE_RESPONSE] = activity
                responses.append(ResourceResponse())
                continue
            if activity.type in ("delay", ActivityTypes.trace):
                responses.append(ResourceResponse())
                continue
            new_id = await self.connector.send(
                activity.service_url, activity.conversation.id, wire(activity), reply_to=activity.reply_to_id
            )
            responses.append(ResourceResponse(id=new_id))
        return responses

    async def update_activity(self, context: TurnContext, activity: Activity) -> ResourceResponse:
        await self.connector.update(activity.service_url, activity.conversation.id, activity.id, wire(activity))
        return ResourceResponse(id=activity.id)

    async def delete_activity(self, context: TurnContext, reference: ConversationReference) -> None:
        await self.connector.delete(reference.service_url, reference.conversation.id, reference.activity_id)

    async def continue_conversation(
        self,
        reference: ConversationReference,
        callback: Callable[[TurnContext], Awaitable],
        bot_id: str | None = None,
        claims_identity: Any = None,
        audience: str | None = None,
    ):
        """Run `callback` in an existing conversation, to send there unprompted."""
        context = TurnContext(self, get_continuation_activity(reference))
        # The continuation event gets a made-up id; what the callback sends is a new message,
        # not a reply to it (unless the reference names a message to reply to).
        context.activity.id = reference.activity_id
        return await self.run_pipeline(context, callback)

    async def create_conversation(
        self,
        reference: ConversationReference,
        logic: Callable[[TurnContext], Awaitable] | None = None,
        conversation_parameters: ConversationParameters | None = None,
        channel_id: str | None = None,
        service_url: str | None = None,
        credentials: Any = None,
    ) -> ConversationReference:
        """Open a conversation (a one-to-one chat with a team member), then run `logic` in it."""
        service_url = service_url or reference.service_url
        parameters = _protocol_keys(conversation_parameters.serialize()) if conversation_parameters is not None else {}
        created = await self.connector.create_conversation(service_url, parameters)
        conversation_id = created.get("id")
        if not conversation_id:
            raise ConnectorError(502)
        tenant_id = (conversation_parameters.tenant_id if conversation_parameters else None) or (
            reference.conversation.tenant_id if reference.conversation else None
        )
        opened = ConversationReference(
            channel_id=channel_id or reference.channel_id or CHANNEL_ID,
            # The address asked, not one the answer names: only learned service URLs are called.
            service_url=service_url,
            bot=reference.bot,
            user=reference.user,
            conversation=ConversationAccount(id=conversation_id, conversation_type="personal", is_group=False, tenant_id=tenant_id),
        )
        if logic is not None:
            await self.continue_conversation(opened, logic)
        return opened


def to_activity(fields: Mapping[str, Any]) -> Activity:
    """The fields of one of `cards.messages`, as an SDK Activity for `TurnContext.send_activity`."""
    return _Outgoing(
        type=fields.get("type", ActivityTypes.message),
        text=fields.get("text"),
        text_format=fields.get("textFormat"),
        summary=fields.get("summary"),
        attachments=[Attachment(content_type=a["contentType"], content=_shared(a["content"])) for a in fields.get("attachments", ())] or None,
    )


class _Outgoing(Activity):
    """An activity made for one send. TurnContext deep-copies what it sends before addressing
    it; addressing only replaces top-level fields, so a shallow copy keeps the same promise."""

    def __deepcopy__(self, memo: dict) -> "_Outgoing":
        return copy.copy(self)


def _shared(content: Any) -> Any:
    return content if isinstance(content, Encoded) else _Shared(content)


class _Shared(dict):
    """Card JSON, built for one reply and never changed after: copying it is sharing it.

    TurnContext deep-copies every outgoing activity; for a card of a few hundred elements that
    copy alone costs more than a millisecond.
    """

    def __deepcopy__(self, memo: dict) -> "_Shared":
        return self


def activity_from(body: Mapping[str, Any]) -> Activity:
    """The inbound JSON as an SDK Activity, with the fields the SDK's turn machinery reads.

    The translation to the core reads the JSON itself (kept in the turn state); the SDK's full
    model deserializer would cost more than a millisecond per request for fields nobody reads.
    """
    return Activity(
        type=body.get("type"),
        id=body.get("id"),
        name=body.get("name"),
        action=body.get("action"),
        channel_id=body.get("channelId"),
        service_url=body.get("serviceUrl"),
        locale=body.get("locale"),
        text=body.get("text"),
        value=body.get("value"),
        reply_to_id=body.get("replyToId"),
        delivery_mode=body.get("deliveryMode"),
        channel_data=body.get("channelData"),
        from_property=_account_from(body.get("from")),
        recipient=_account_from(body.get("recipient")),
        conversation=_conversation_from(body.get("conversation")),
        members_added=[_account_from(m) for m in body.get("membersAdded") or () if isinstance(m, dict)] or None,
        members_removed=[_account_from(m) for m in body.get("membersRemoved") or () if isinstance(m, dict)] or None,
    )


def wire(activity: Activity) -> dict[str, Any]:
    """The outgoing activity's JSON, field by field (the SDK's serializer is slow on cards)."""
    body: dict[str, Any] = {"type": activity.type or ActivityTypes.message}
    for attribute, key in _FIELDS:
        value = getattr(activity, attribute, None)
        if value is not None:
            body[key] = value
    if activity.from_property is not None:
        body["from"] = _account_json(activity.from_property)
    if activity.recipient is not None:
        body["recipient"] = _account_json(activity.recipient)
    if activity.conversation is not None:
        conversation = activity.conversation
        body["conversation"] = _drop_none(
            {"id": conversation.id, "conversationType": conversation.conversation_type, "isGroup": conversation.is_group, "tenantId": conversation.tenant_id}
        )
    if activity.attachments:
        body["attachments"] = [
            _drop_none({"contentType": a.content_type, "content": a.content, "contentUrl": a.content_url, "name": a.name}) for a in activity.attachments
        ]
    return body


_FIELDS = (
    ("id", "id"),
    ("text", "text"),
    ("text_format", "textFormat"),
    ("summary", "summary"),
    ("speak", "speak"),
    ("input_hint", "inputHint"),
    ("locale", "locale"),
    ("service_url", "serviceUrl"),
    ("channel_id", "channelId"),
    ("reply_to_id", "replyToId"),
    ("value", "value"),
    ("channel_data", "channelData"),
)


def _account_from(data: Any) -> ChannelAccount | None:
    if not isinstance(data, Mapping):
        return None
    return ChannelAccount(id=data.get("id"), name=data.get("name"), aad_object_id=data.get("aadObjectId"), role=data.get("role"))


def _conversation_from(data: Any) -> ConversationAccount | None:
    if not isinstance(data, Mapping):
        return None
    return ConversationAccount(
        id=data.get("id"),
        name=data.get("name"),
        conversation_type=data.get("conversationType"),
        is_group=data.get("isGroup"),
        tenant_id=data.get("tenantId"),
    )


def _account_json(account: ChannelAccount) -> dict[str, Any]:
    return _drop_none({"id": account.id, "name": account.name, "aadObjectId": account.aad_object_id, "role": account.role})


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _protocol_keys(data: dict[str, Any]) -> dict[str, Any]:
    # The SDK's models write "tenantID"; the Activity protocol and Teams spell it "tenantId".
    if "tenantID" in data:
        data = dict(data)
        data["tenantId"] = data.pop("tenantID")
    return data
