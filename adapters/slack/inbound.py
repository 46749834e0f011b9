"""Slack payloads → the core's neutral Inbound: slash commands, buttons, modal submissions, events.

Pure functions of the payload. They never decide what words mean: a slash command becomes the
line the person could have typed (`/groups join x` → "groups join x"), and the core parses it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import parse_qsl

from adapters.slack.shapes import problem
from bot.types import Action, ConversationRef, FormSubmission, Inbound, Profile, UserRef

PLATFORM = "slack"
#: The umbrella command, for workspaces where another app already owns a first word.
UMBRELLA = "affinity"
#: action_id prefix of the buttons we render; Slack wants action ids unique within a message.
RUN_PREFIX = "run"
#: callback_id of every modal built from a core Form; the form's own id travels in metadata.
FORM_CALLBACK = "affinity_form"


class Malformed(ValueError):
    """A body or payload that is not what Slack sends."""


# --- bodies ---------------------------------------------------------------------------------


#: The deepest nesting of arrays and objects a body may have. Slack's deepest payloads (a modal's
#: blocks and state, rich text) stay under 20; Python's parser recurses once per level.
MAX_DEPTH = 48
#: The most fields a form-encoded body may have (a slash command has about fifteen).
MAX_FIELDS = 64

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def nesting(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest, counted without parsing it
    (brackets inside strings do not count): a bound checked before the parser recurses."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
        else:
            depth -= 1
    return deepest


def bounded_json(text: str) -> Any:
    """`json.loads`, refusing a text nested deeper than MAX_DEPTH before parsing it."""
    if nesting(text) > MAX_DEPTH:
        raise Malformed("nested too deeply")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Malformed(type(exc).__name__) from None


def parse_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """The request body as Slack meant it: Events API JSON, a `payload=` JSON form, or a form.

    A form is read as a payload only when it has a `payload` field, so a slash command whose
    text mentions the word "payload" stays a slash command. Called only on a body whose
    signature has been checked; JSON is parsed with a bound on its nesting.
    """
    if not raw:
        raise Malformed("empty body")
    if (content_type or "").startswith("application/json") or raw.lstrip().startswith("{"):
        body = bounded_json(raw)
    else:
        try:
            fields = dict(parse_qsl(raw, keep_blank_values=True, strict_parsing=True, max_num_fields=MAX_FIELDS))
        except ValueError as exc:
            raise Malformed(type(exc).__name__) from None
        body = bounded_json(fields["payload"]) if "payload" in fields else fields
    if not isinstance(body, dict) or not body:
        raise Malformed("not an object")
    return body


def shape_problem(body: Mapping[str, Any]) -> str | None:
    """Where a parsed body differs from what Slack sends (adapters/slack/shapes.py), or None."""
    return problem(body)


# --- who and where --------------------------------------------------------------------------


def tenant(enterprise_id: str | None, team_id: str | None) -> str:
    """The tenant of a Slack identity: the Enterprise Grid org when there is one, else the workspace.

    On Enterprise Grid a user id is the same in every workspace of the org, so keying people by
    the org makes one person of them wherever they click.
    """
    return enterprise_id or team_id or ""


def _actor(tenant_id: str, user_id: Any) -> UserRef:
    """The person acting; a Slack identity always has its workspace (or org) and its id."""
    if not tenant_id or not isinstance(user_id, str) or not user_id:
        raise Malformed("no workspace or no user")
    return UserRef(PLATFORM, tenant_id, user_id)


def _conversation(tenant_id: str, channel_id: str | None, channel_name: str | None = None) -> ConversationRef | None:
    if not channel_id:
        return None
    if channel_id.startswith("D") or channel_name == "directmessage":
        kind = "dm"
    elif channel_name == "privategroup" or channel_id.startswith("G") and channel_name in (None, "", "mpdm"):
        kind = "group"
    else:
        kind = "channel"
    return ConversationRef(PLATFORM, tenant_id, channel_id, kind)  # type: ignore[arg-type]


def payload_tenant(body: Mapping[str, Any]) -> str:
    """The tenant of an interactivity payload (block_actions, view_submission)."""
    enterprise = body.get("enterprise") or {}
    team = body.get("team") or {}
    user = body.get("user") or {}
    return tenant(
        enterprise.get("id") if isinstance(enterprise, Mapping) else None,
        (team.get("id") if isinstance(team, Mapping) else None) or user.get("team_id"),
    )


# --- text -----------------------------------------------------------------------------------

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>")
_MAILTO = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|[^>]*)?>")


def typed_text(text: str) -> str:
    """What the person typed, from Slack's escaped form.

    User mentions keep only the id (`<@U123|maria>` → `<@U123>`), which the core resolves on this
    platform; links and e-mail addresses lose their display part; `&amp;`, `&lt;`, `&gt;` are
    turned back into the characters the person typed.
    """
    text = _USER.sub(r"<@\1>", text)
    text = _CHANNEL.sub(r"<#\1>", text)
    text = _MAILTO.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- translations -----------------------------------------------------------------------------


def from_command(body: Mapping[str, Any]) -> Inbound:
    """`/groups join x` (or `/affinity groups join x`) as the typed line "groups join x"."""
    tenant_id = tenant(body.get("enterprise_id") or None, body.get("team_id"))
    # The command's name is the first word; the core's parser drops the umbrella word itself.
    name = str(body.get("command", "")).lstrip("/").strip().lower()
    words = typed_text(str(body.get("text") or "")).strip()
    line = f"{name} {words}".strip()
    return Inbound(
        actor=_actor(tenant_id, body.get("user_id")),
        where=_conversation(tenant_id, body.get("channel_id"), body.get("channel_name")),
        text=line,
    )


def from_action(body: Mapping[str, Any]) -> Inbound:
    """A button press: our `run:<n>` buttons carry a command line the core parses like typing."""
    tenant_id = payload_tenant(body)
    action = body["actions"][0]
    action_id = str(action.get("action_id", ""))
    kind = action_id.split(":", 1)[0]
    value = str(action.get("value") or "")
    channel = body.get("channel") or {}
    container = body.get("container") or {}
    return Inbound(
        actor=_actor(tenant_id, body["user"]["id"]),
        where=_conversation(tenant_id, channel.get("id") or container.get("channel_id"), channel.get("name")),
        action=Action(kind if kind == RUN_PREFIX else action_id, value),
    )


def form_metadata(body: Mapping[str, Any]) -> dict[str, Any]:
    """What we put in a modal's private_metadata: the form's id and context, and where it came from."""
    raw = (body.get("view") or {}).get("private_metadata") or ""
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        raise Malformed("private_metadata") from None
    if not isinstance(data, dict):
        raise Malformed("private_metadata")
    return data


def from_submission(body: Mapping[str, Any]) -> Inbound:
    """A submitted modal: its input values by field name, as the console's form gives them."""
    view = body["view"]
    meta = form_metadata(body)
    if view.get("callback_id") != FORM_CALLBACK or not isinstance(meta.get("form"), str):
        raise Malformed("not one of our forms")
    tenant_id = payload_tenant(body)
    values: dict[str, Any] = {}
    state = ((view.get("state") or {}).get("values")) or {}
    for block_id, elements in state.items():
        if not isinstance(elements, Mapping):
            continue
        for element in elements.values():
            if isinstance(element, Mapping):
                values[block_id] = _value(element)
    return Inbound(
        actor=_actor(tenant_id, body["user"]["id"]),
        where=_conversation(tenant_id, meta.get("channel")) if meta.get("channel") else None,
        form=FormSubmission(meta["form"], values, str(meta.get("context") or "")),
    )


@dataclass(frozen=True)
class Suggestion:
    """A block_suggestion: the person typing into a searchable menu of one of our forms."""

    actor: UserRef
    form_id: str
    input_name: str
    query: str


def from_suggestion(body: Mapping[str, Any]) -> Suggestion:
    """Who is typing, into which input (its block id is the input's name) of which form."""
    view = body.get("view")
    meta = form_metadata(body)
    if not isinstance(view, Mapping) or view.get("callback_id") != FORM_CALLBACK or not isinstance(meta.get("form"), str):
        raise Malformed("not one of our forms")
    name, query = body.get("block_id"), body.get("value")
    if not isinstance(name, str) or not isinstance(query, str):
        raise Malformed("block_suggestion")
    return Suggestion(_actor(payload_tenant(body), body["user"]["id"]), meta["form"], name, query)


def _value(element: Mapping[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = element.get("selected_option") or {}
        return str(option.get("value") or "")
    if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        return tuple(str(o.get("value")) for o in element.get("selected_options") or () if isinstance(o, Mapping))
    if kind == "datepicker":
        return str(element.get("selected_date") or "")
    if kind == "timepicker":
        return str(element.get("selected_time") or "")
    if kind in ("users_select",):
        return str(element.get("selected_user") or "")
    if kind in ("conversations_select", "channels_select"):
        return str(element.get("selected_conversation") or element.get("selected_channel") or "")
    return str(element.get("value") or "")


def profile_from_user(user: Mapping[str, Any]) -> Profile:
    """A Slack user object (users.info, team_join) as what the core may know of the person."""
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user.get("name")
    return Profile(
        name=str(name) if name else None,
        email=str(profile["email"]) if profile.get("email") else None,
        timezone=str(user["tz"]) if user.get("tz") else None,
        locale=str(user["locale"]) if user.get("locale") else None,
    )


def event_tenant(body: Mapping[str, Any]) -> str:
    event = body.get("event") or {}
    user = event.get("user") if isinstance(event.get("user"), Mapping) else {}
    return tenant(body.get("enterprise_id") or None, body.get("team_id") or (user or {}).get("team_id"))


def from_event(body: Mapping[str, Any]) -> Inbound | None:
    """team_join → "person appeared"; app_home_opened on the Home tab → "home opened"; else None."""
    event = body["event"]
    tenant_id = event_tenant(body)
    kind = event.get("type")
    if kind == "team_join":
        user = event.get("user")
        if not isinstance(user, Mapping) or not user.get("id") or user.get("is_bot") or user.get("deleted") or user.get("id") == "USLACKBOT":
            return None
        profile = profile_from_user(user)
        return Inbound(actor=_actor(tenant_id, user["id"]), event="person_appeared", profile=profile, locale=profile.locale)
    if kind == "app_home_opened":
        if event.get("tab") != "home" or not isinstance(event.get("user"), str):
            return None
        return Inbound(actor=_actor(tenant_id, event["user"]), event="home_opened")
    return None
