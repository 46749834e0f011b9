"""What a Teams activity must look like before anything reads it: `problem(body)`.

Every field the adapter reads is checked for the type (and a length) Teams sends, before the
turn starts, so a payload Teams would never send gets 400 instead of a 5xx or a half-made row.
An activity of a type the bot does not act on (typing, a reaction…) needs only to be an
activity; it is answered 200 and nothing happens. Nothing about a refused body is logged but the
name of the first field that was wrong.
"""

from __future__ import annotations

from typing import Any, Mapping

#: Activity types the bot acts on; each needs a sender, a recipient and a conversation.
ACTED_ON = frozenset({"message", "invoke", "conversationUpdate", "installationUpdate"})
#: Teams ids are a few dozen characters; the columns they go into hold 100-300.
ID_LENGTH = 200
TENANT_LENGTH = 100
CONVERSATION_LENGTH = 400
NAME_LENGTH = 200
SHORT_LENGTH = 64
URL_LENGTH = 500
#: Typed text: far above what a person types, well below the body limit.
TEXT_LENGTH = 40_000
#: A button's value or a form's context: a command line, or a two-step form's description (search.py).
CONTEXT_LENGTH = 8000
#: Entities, members added or removed, form values: more than Teams sends in one activity.
LIST_LENGTH = 100


def problem(body: Mapping[str, Any]) -> str | None:
    """The first field not as Teams sends it, or None when the activity may be read."""
    kind = body.get("type")
    if not _text(kind, SHORT_LENGTH) or not kind:
        return "type"
    if not _optional_id(body.get("id"), ID_LENGTH):
        return "id"
    for key, limit in (("channelId", SHORT_LENGTH), ("locale", SHORT_LENGTH), ("localTimezone", SHORT_LENGTH),
                       ("name", SHORT_LENGTH), ("action", SHORT_LENGTH), ("replyToId", ID_LENGTH), ("deliveryMode", SHORT_LENGTH)):
        if not _optional_text(body.get(key), limit):
            return key
    if not _optional_text(body.get("text"), TEXT_LENGTH, multiline=True):
        return "text"
    acted_on = kind in ACTED_ON
    service_url = body.get("serviceUrl")
    if not _optional_text(service_url, URL_LENGTH) or (acted_on and not service_url):
        return "serviceUrl"
    for key in ("from", "recipient"):
        found = _account(body.get(key), required=acted_on)
        if found:
            return f"{key}.{found}" if found != "-" else key
    found = _conversation(body.get("conversation"), required=acted_on)
    if found:
        return f"conversation.{found}" if found != "-" else "conversation"
    found = _channel_data(body.get("channelData"))
    if found:
        return f"channelData.{found}" if found != "-" else "channelData"
    for key in ("membersAdded", "membersRemoved"):
        members = body.get(key)
        if members is None:
            continue
        if not isinstance(members, list) or len(members) > LIST_LENGTH or any(_account(m, required=True) for m in members):
            return key
    entities = body.get("entities")
    if entities is not None and (not isinstance(entities, list) or len(entities) > LIST_LENGTH or any(_entity(e) for e in entities)):
        return "entities"
    if kind == "invoke" and body.get("name") == "adaptiveCard/action":
        value = body.get("value")
        action = value.get("action") if isinstance(value, dict) else None
        if not isinstance(action, dict) or not _optional_text(action.get("type"), SHORT_LENGTH) or not _optional_text(action.get("verb"), SHORT_LENGTH):
            return "value.action"
        if _submission(action.get("data")):
            return "value.action.data"
    elif kind == "invoke" and body.get("name") in ("task/fetch", "task/submit"):
        # A dialog: {"data": what the card's Action.Submit carried, "context": the client's theme}.
        value = body.get("value")
        if not isinstance(value, dict):
            return "value"
        data = value.get("data")
        if data is not None and (not isinstance(data, dict) or _submission(data) or not _dialog_keys(data)):
            return "value.data"
    elif kind == "message" and body.get("value") is not None and _submission(body.get("value")):
        return "value"
    return None


def _text(value: Any, limit: int, multiline: bool = False) -> bool:
    """A string of at most `limit` characters, without control characters (or NUL)."""
    if not isinstance(value, str) or len(value) > limit:
        return False
    allowed = "\n\r\t" if multiline else ""
    return not any((ord(ch) < 32 and ch not in allowed) or ord(ch) == 127 for ch in value)


def _optional_text(value: Any, limit: int, multiline: bool = False) -> bool:
    return value is None or _text(value, limit, multiline)


def _optional_id(value: Any, limit: int) -> bool:
    """Absent, or an id as Teams writes them: never empty or blank."""
    return value is None or (_text(value, limit) and bool(value.strip()))


def _account(value: Any, required: bool) -> str | None:
    """'-' when the account itself is wrong, a field's name when one of its fields is."""
    if value is None:
        return "-" if required else None
    if not isinstance(value, dict):
        return "-"
    if not _text(value.get("id"), ID_LENGTH) or not value.get("id", "").strip():
        return "id"
    if not _optional_id(value.get("aadObjectId"), ID_LENGTH):
        return "aadObjectId"
    for key, limit in (("name", NAME_LENGTH), ("role", SHORT_LENGTH)):
        if not _optional_text(value.get(key), limit):
            return key
    return None


def _conversation(value: Any, required: bool) -> str | None:
    if value is None:
        return "-" if required else None
    if not isinstance(value, dict):
        return "-"
    conversation_id = value.get("id")
    if not _text(conversation_id, CONVERSATION_LENGTH) or not conversation_id.strip():
        return "id"
    if not _optional_id(value.get("tenantId"), TENANT_LENGTH):
        return "tenantId"
    for key, limit in (("conversationType", SHORT_LENGTH), ("name", NAME_LENGTH)):
        if not _optional_text(value.get(key), limit):
            return key
    if value.get("isGroup") is not None and not isinstance(value.get("isGroup"), bool):
        return "isGroup"
    return None


def _channel_data(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return "-"
    for key, limit in (("tenant", TENANT_LENGTH), ("team", CONVERSATION_LENGTH), ("channel", CONVERSATION_LENGTH)):
        part = value.get(key)
        if part is None:
            continue
        if not isinstance(part, dict) or not _optional_id(part.get("id"), limit) or not _optional_text(part.get("name"), NAME_LENGTH):
            return key
    return None


def _entity(value: Any) -> bool:
    """True when an entity the adapter reads (a mention, the client's info) is not as Teams sends it."""
    if not isinstance(value, dict) or not _optional_text(value.get("type"), SHORT_LENGTH):
        return True
    if value.get("type") == "mention":
        mentioned = value.get("mentioned")
        return not _optional_text(value.get("text"), NAME_LENGTH * 2) or (mentioned is not None and _account(mentioned, required=True) is not None)
    if value.get("type") == "clientInfo":
        return not _optional_text(value.get("timezone"), SHORT_LENGTH) or not _optional_text(value.get("locale"), SHORT_LENGTH)
    return False


def _submission(data: Any) -> bool:
    """True when a card's data is not what the rendered buttons and forms send back.

    What the adapter reads (adapters/teams/activity.py `submission`): a button's `action_id` and
    `value`, or a form's `form_id`, `context`, `lists` and its `in.` inputs, each a string (a
    toggle or number may come back as one, and Teams sends inputs left empty as nothing).
    Anything else in the data is not read. Data that is not an object is no submission at all.
    """
    if not isinstance(data, dict):
        return False
    from adapters.teams.activity import ACTION_KEY, CONTEXT_KEY, FORM_KEY, INPUT_PREFIX, LISTS_KEY, VALUE_KEY

    if ACTION_KEY in data:
        return not _text(data[ACTION_KEY], SHORT_LENGTH) or not _optional_text(data.get(VALUE_KEY), CONTEXT_LENGTH)
    if FORM_KEY not in data:
        return False
    if not _text(data[FORM_KEY], SHORT_LENGTH) or not _optional_text(data.get(CONTEXT_KEY), CONTEXT_LENGTH):
        return True
    lists = data.get(LISTS_KEY)
    if lists is not None and (not isinstance(lists, list) or len(lists) > LIST_LENGTH or not all(_text(v, SHORT_LENGTH) for v in lists)):
        return True
    inputs = [k for k in data if isinstance(k, str) and k.startswith(INPUT_PREFIX)]
    if len(inputs) > LIST_LENGTH:
        return True
    for key in inputs:
        value = data[key]
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            if not abs(value) < 1e15:
                return True
            continue
        if not _text(value, TEXT_LENGTH, multiline=True) or not _text(key, SHORT_LENGTH):
            return True
    return False


def _dialog_keys(data: dict) -> bool:
    """Teams' own key in a dialog's data is `msteams`, an object of short strings."""
    marker = data.get("msteams")
    if marker is None:
        return True
    return isinstance(marker, dict) and len(marker) <= 10 and all(isinstance(k, str) and _optional_text(v, SHORT_LENGTH) for k, v in marker.items())
