"""What Slack sends, field by field: the type of every field this adapter or slack-bolt reads.

A signed body passes `problem(body)` before anything reads it — slack-bolt's context builder
included, which walks `authorizations`, `team`, `user`, `channel`, `event` and `view` itself — so
a body that is not as Slack sends it is answered 400 and never raises inside a listener. Fields
nobody reads are left alone. Slack's ids have one form (a capital letter for their kind, then
capitals and digits), so an id that is not of that form is refused rather than stored.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

Check = Callable[[Any, str], None]


class Shape(ValueError):
    """Where a body differs from what Slack sends (a path such as `view.state.values`)."""


_IDS = {
    "team": re.compile(r"T[A-Z0-9]{1,40}"),
    "enterprise": re.compile(r"E[A-Z0-9]{1,40}"),
    "team_or_org": re.compile(r"[TE][A-Z0-9]{1,40}"),
    "user": re.compile(r"[UWB][A-Z0-9]{1,40}"),
    "channel": re.compile(r"[CDG][A-Z0-9]{1,40}"),
}


def text(value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise Shape(where)


def flag(value: Any, where: str) -> None:
    # Slash commands send booleans as the words "true" and "false".
    if not isinstance(value, bool) and value not in ("true", "false"):
        raise Shape(where)


def number(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Shape(where)


def ident(kind: str) -> Check:
    pattern = _IDS[kind]

    def check(value: Any, where: str) -> None:
        # An empty id is an absent one; whether it may be absent is the kind's rule below.
        if not isinstance(value, str) or value and not pattern.fullmatch(value):
            raise Shape(where)

    return check


def anything(value: Any, where: str) -> None:
    return None


def not_null(check: Check) -> Check:
    """A field that, when present, may not be null: slack-bolt reads it by its presence."""

    def checked(value: Any, where: str) -> None:
        check(value, where)

    checked.not_null = True  # type: ignore[attr-defined]
    return checked


def obj(fields: Mapping[str, Check] | Callable[[], Mapping[str, Check]], *, values: Check | None = None, required: tuple[str, ...] = ()) -> Check:
    """An object whose listed fields, when present and not null, pass their checks (those named
    in `required` must be present); with `values`, every value (under any key) must pass it instead."""

    def check(value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise Shape(where)
        for key in required:
            if value.get(key) is None:
                raise Shape(f"{where}.{key}")
        if values is not None:
            for key, item in value.items():
                values(item, f"{where}.{key}")
            return
        for key, field_check in (fields() if callable(fields) else fields).items():
            item = value.get(key)
            if item is not None:
                field_check(item, f"{where}.{key}")
            elif key in value and getattr(field_check, "not_null", False):
                raise Shape(f"{where}.{key}")

    return check


def items(each: Check, most: int = 500) -> Check:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, list) or len(value) > most:
            raise Shape(where)
        for n, item in enumerate(value):
            each(item, f"{where}[{n}]")

    return check


def either(*checks: Check) -> Check:
    def check(value: Any, where: str) -> None:
        for one in checks:
            try:
                one(value, where)
                return
            except Shape:
                continue
        raise Shape(where)

    return check


# --- the pieces ------------------------------------------------------------------------------

_LABEL = obj({"type": text, "text": text})
_OPTION = obj({"value": text, "text": _LABEL})
_PROFILE = obj({"real_name": text, "display_name": text, "email": text})
_USER = obj(
    {
        "id": ident("user"),
        "team_id": ident("team"),
        "name": text,
        "username": text,
        "real_name": text,
        "tz": text,
        "locale": text,
        "is_bot": flag,
        "deleted": flag,
        "profile": _PROFILE,
    }
)

#: A submitted input, as `inbound._value` reads it.
_ELEMENT = obj(
    {
        "type": text,
        "value": text,
        "selected_option": _OPTION,
        "selected_options": items(_OPTION),
        "selected_date": text,
        "selected_time": text,
        "selected_user": ident("user"),
        "selected_conversation": ident("channel"),
        "selected_channel": ident("channel"),
    },
    # Slack names the kind of every input it reports; the value is read by it.
    required=("type",),
)
_STATE = obj({"values": obj({}, values=obj({}, values=_ELEMENT))})
_VIEW = obj(
    {
        "id": text,
        "type": text,
        "callback_id": text,
        "private_metadata": text,
        "team_id": ident("team"),
        "app_installed_team_id": ident("team"),
        "hash": text,
        "external_id": text,
        "root_view_id": text,
        "previous_view_id": text,
        "blocks": items(obj({})),
        "state": _STATE,
    }
)
_ACTION = obj({"action_id": text, "block_id": text, "value": text, "type": text, "selected_option": _OPTION})
_CONTAINER = obj({"type": text, "view_id": text, "channel_id": ident("channel"), "message_ts": text, "is_ephemeral": flag})
_TOKENS = obj({"oauth": items(ident("user")), "bot": items(ident("user"))})


def _common() -> dict[str, Check]:
    """What slack-bolt's context builder reads, at the top of a body and again inside
    `event`, `message`, `item` and `authorizations[0]`."""
    nested = obj(_common)
    return {
        "type": text,
        "token": text,
        "api_app_id": text,
        "enterprise": either(ident("enterprise"), obj({"id": ident("enterprise"), "name": text})),
        "team": either(ident("team"), obj({"id": ident("team"), "domain": text, "enterprise_id": ident("enterprise")})),
        "user": either(ident("user"), _USER),
        "channel": either(ident("channel"), obj({"id": ident("channel"), "name": text})),
        "enterprise_id": ident("enterprise"),
        "team_id": ident("team"),
        "user_id": ident("user"),
        "channel_id": ident("channel"),
        "channel_name": text,
        "user_team": ident("team_or_org"),
        "context_team_id": ident("team"),
        "context_enterprise_id": ident("enterprise"),
        "is_enterprise_install": flag,
        "is_ext_shared_channel": flag,
        "is_bot": flag,
        # slack-bolt reads authorizations[0] with the same extractors as the body itself.
        "authorizations": items(nested, most=50),
        "thread_ts": text,
        "function_execution_id": text,
        "bot_access_token": text,
        "function_data": obj({"execution_id": text, "inputs": obj({})}),
        "inputs": obj({}),
        "response_url": text,
        "response_urls": not_null(items(obj({"response_url": text}))),
        "trigger_id": text,
        "event_id": text,
        "event_time": number,
        "message": nested,
        "previous_message": nested,
        "item": nested,
        "assistant_thread": nested,
        "view": _VIEW,
        "container": _CONTAINER,
        "actions": items(_ACTION, most=50),
        "action_id": text,
        "block_id": text,
        "value": text,
        "command": text,
        "text": text,
        "tab": text,
        "tokens": _TOKENS,
        "challenge": text,
        "event": nested,
    }


_BODY = obj(_common)


def _keys_clean(value: Any, where: str = "body") -> None:
    """No key anywhere holds a NUL: Slack never sends one, and a database refuses it."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                if "\x00" in key:
                    raise Shape(f"{where}: a key with a NUL")
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)


def _tenant(body: Mapping[str, Any]) -> str:
    """The workspace or org an interactivity payload comes from (as inbound.payload_tenant)."""
    for found in (
        (body.get("enterprise") or {}).get("id") if isinstance(body.get("enterprise"), dict) else None,
        (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) else None,
        (body.get("user") or {}).get("team_id") if isinstance(body.get("user"), dict) else None,
    ):
        if found:
            return found
    return ""


def _require(condition: bool, where: str) -> None:
    if not condition:
        raise Shape(where)


def _kind(body: Mapping[str, Any]) -> None:
    """What each kind of body must carry for us to act on it, on top of the types."""
    kind = body.get("type")
    user = body.get("user")
    if "command" in body:
        _require(str(body["command"]).startswith("/"), "command")
        _require(bool(body.get("user_id")), "user_id")
        # Without a workspace there is nobody to be: an identity needs its tenant.
        _require(bool(body.get("team_id")), "team_id")
        return
    if kind in ("block_actions", "view_submission", "view_closed", "block_suggestion"):
        _require(isinstance(user, dict) and bool(user.get("id")), "user")
        _require(bool(_tenant(body)), "team")
        if kind == "block_actions":
            actions = body.get("actions")
            _require(isinstance(actions, list) and bool(actions) and isinstance(actions[0].get("action_id"), str), "actions")
            container, view = body.get("container"), body.get("view")
            if isinstance(container, dict) and container.get("type") == "view":
                # A button in a modal or on Home: its answer replaces that view, by id.
                _require(isinstance(view, dict) and isinstance(view.get("id"), str) and bool(view["id"]), "view")
        elif kind == "block_suggestion":
            _require(isinstance(body.get("action_id"), str), "action_id")
        else:
            view = body.get("view")
            # slack-bolt reads both as it routes the submission.
            _require(isinstance(view, dict) and isinstance(view.get("type"), str) and isinstance(view.get("callback_id"), str), "view")
        return
    if kind == "event_callback":
        event = body.get("event")
        _require(isinstance(event, dict) and isinstance(event.get("type"), str), "event")
        _require(bool(body.get("team_id") or body.get("enterprise_id")), "team_id")
        return
    if kind == "url_verification":
        _require(isinstance(body.get("challenge"), str), "challenge")
        return
    if kind in ("app_rate_limited", "shortcut", "message_action") or body.get("ssl_check"):
        return
    raise Shape("type")


def problem(body: Any) -> str | None:
    """Where `body` is not as Slack sends it, or None when every field we read has its type."""
    if not isinstance(body, dict) or not body:
        return "body"
    try:
        _keys_clean(body)
        _BODY(body, "body")
        _kind(body)
    except Shape as exc:
        return str(exc)
    return None
