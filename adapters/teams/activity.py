"""Bot Framework activities from Teams, read as the core's neutral types (pure functions)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Mapping

from bot.types import Action, ConversationRef, FormSubmission, Inbound, Profile, UserRef

PLATFORM = "teams"
#: The tenant of activities that carry none (the Bot Framework Emulator).
NO_TENANT = "local"

#: Keys the rendered Action.Submit buttons and forms put in their `data`.
ACTION_KEY, VALUE_KEY = "action_id", "value"
FORM_KEY, CONTEXT_KEY, LISTS_KEY = "form_id", "context", "lists"
#: A button that opens a dialog (adapters/teams/dialogs.py): its value is the command filling it.
DIALOG_ACTION = "teams.dialog"
#: Prefix of every rendered input's id, so an input name can never collide with the keys above.
INPUT_PREFIX = "in."

_KINDS = {"personal": "dm", "groupChat": "group", "channel": "channel"}
_AT = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Member:
    """Someone in a Teams conversation: the 29: id for the connector, the AAD id for identity."""

    channel_id: str
    aad_object_id: str | None = None
    name: str | None = None


def tenant_of(activity: Mapping[str, Any]) -> str:
    tenant = (_dict(activity.get("channelData")).get("tenant") or {}).get("id")
    return str(tenant or _dict(activity.get("conversation")).get("tenantId") or NO_TENANT)


def member_of(account: Mapping[str, Any] | None) -> Member:
    account = _dict(account)
    return Member(
        channel_id=_str(account.get("id"), 200), aad_object_id=_str(account.get("aadObjectId"), 200) or None, name=_str(account.get("name"), 200) or None
    )


def user_ref(tenant: str, member: Member) -> UserRef:
    """The identity the core keys people by: the AAD object id, stable across chats and devices."""
    return UserRef(PLATFORM, tenant, member.aad_object_id or member.channel_id)


def conversation_kind(activity: Mapping[str, Any]) -> str:
    # The Emulator sends no conversationType: it is a one-to-one chat.
    return _KINDS.get(_dict(activity.get("conversation")).get("conversationType") or "personal", "group")


def where_of(activity: Mapping[str, Any]) -> ConversationRef:
    conversation_id, _, thread = str(_dict(activity.get("conversation")).get("id") or "").partition(";messageid=")
    return ConversationRef(PLATFORM, tenant_of(activity), conversation_id, conversation_kind(activity), thread or None)


def command_text(activity: Mapping[str, Any]) -> str:
    """What the person typed, without the mention of the bot; other mentions become plain names."""
    text = str(activity.get("text") or "")
    recipient = _dict(activity.get("recipient"))
    for entity in activity.get("entities") or ():
        entity = _dict(entity)
        if entity.get("type") == "mention" and _dict(entity.get("mentioned")).get("id") == recipient.get("id") and entity.get("text"):
            text = text.replace(str(entity["text"]), " ")
    if recipient.get("name"):
        # Some clients leave the mention entity out; the tag with the bot's name is still it.
        text = re.sub(rf"<at[^>]*>\s*{re.escape(str(recipient['name']))}\s*</at>", " ", text, flags=re.IGNORECASE)
    text = _AT.sub(lambda m: m.group(1), text)
    text = html.unescape(_TAG.sub(" ", text)).replace("\u00a0", " ")
    return " ".join(text.split())


def submission(data: Any) -> Action | FormSubmission | None:
    """A rendered button or form coming back (Action.Submit's `value`, Action.Execute's `data`)."""
    if not isinstance(data, Mapping):
        return None
    if isinstance(data.get(ACTION_KEY), str):
        return Action(data[ACTION_KEY], str(data.get(VALUE_KEY) or ""))
    if isinstance(data.get(FORM_KEY), str):
        lists = set(data.get(LISTS_KEY) or ())
        values: dict[str, Any] = {}
        for key, value in data.items():
            if not isinstance(key, str) or not key.startswith(INPUT_PREFIX):
                continue
            name = key[len(INPUT_PREFIX) :]
            text = "" if value is None else str(value)
            values[name] = tuple(v for v in text.split(",") if v) if name in lists else text
        return FormSubmission(data[FORM_KEY], values, str(data.get(CONTEXT_KEY) or ""))
    return None


def profile_of(member: Member, info: Mapping[str, Any] | None, activity: Mapping[str, Any] | None = None) -> Profile:
    """Name, e-mail and time zone from the connector's member record and the activity.

    The e-mail links this Teams identity to the same person on Slack, so only an address that
    names the person is used: a guest's `#EXT#` user principal name is not one.
    """
    info = _dict(info)
    email = _str(info.get("email"), 320)
    if not email:
        upn = _str(info.get("userPrincipalName"), 320)
        email = upn if "@" in upn and "#ext#" not in upn.lower() else ""
    activity = _dict(activity)
    return Profile(
        name=_str(info.get("name"), 200) or member.name,
        email=email if "@" in email else None,
        timezone=_str(activity.get("localTimezone"), 64) or _client_timezone(activity),
        locale=_str(activity.get("locale"), 64) or None,
    )


def inbound_from(activity: Mapping[str, Any], profile: Profile | None) -> Inbound | None:
    """A message or a card submission as an Inbound; None when there is nothing to act on."""
    tenant = tenant_of(activity)
    actor = user_ref(tenant, member_of(activity.get("from")))
    common = dict(actor=actor, where=where_of(activity), profile=profile, locale=activity.get("locale") or None)
    kind = activity.get("type")
    if kind == "invoke" and activity.get("name") == "adaptiveCard/action":
        data = _dict(_dict(activity.get("value")).get("action")).get("data")
        found = submission(data)
    elif kind == "message":
        found = submission(activity.get("value")) if activity.get("value") is not None else None
        if found is None:
            text = command_text(activity)
            return Inbound(text=text, **common) if text else None
    else:
        return None
    if isinstance(found, Action):
        return Inbound(action=found, **common)
    if isinstance(found, FormSubmission):
        return Inbound(form=found, **common)
    return None


def _client_timezone(activity: Mapping[str, Any]) -> str | None:
    for entity in activity.get("entities") or ():
        entity = _dict(entity)
        if entity.get("type") == "clientInfo" and entity.get("timezone"):
            return str(entity["timezone"])
    return None


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any, limit: int) -> str:
    """`value` when it is a string of at most `limit` characters without control characters, else ""."""
    if not isinstance(value, str) or len(value) > limit or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return ""
    return value.strip()
