"""Reply → a Teams message: Adaptive Cards (schema 1.5) with Action.Submit buttons and forms.

Every message keeps a text form: a plain reply is sent as text, and a card carries the reply's
text as its `fallbackText` and the first line as the notification `summary`.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from adapters.teams.activity import ACTION_KEY, CONTEXT_KEY, FORM_KEY, INPUT_PREFIX, LISTS_KEY, VALUE_KEY
from adapters.teams.connector import Encoded
from bot.types import Button, Card, Form, Input, Reply

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"

#: Teams refuses bot messages above 40 KB counted as UTF-16, images excepted; keep a margin.
MESSAGE_LIMIT = 36 * 1024
#: A chart larger than this is shown by its description alone.
IMAGE_LIMIT = 256 * 1024

_STYLES = {"primary": "positive", "danger": "destructive"}
_CODE = re.compile(r"`([^`]+)`")
_PICTURE = re.compile(rb"data:image/png;base64,[A-Za-z0-9+/=]+")


def message(reply: Reply) -> dict[str, Any]:
    """The fields of a message activity for `reply` (without addressing).

    A card is encoded once, here, to check its size; the connector sends that same text.
    """
    if reply.card is None:
        return {"type": "message", "text": _markdown(reply.text), "textFormat": "markdown"}
    card = Encoded(adaptive_card(reply.card, reply.text))
    if _size(card.data) > MESSAGE_LIMIT:
        card = Encoded(adaptive_card(reply.card, reply.text, images=False))
        if _size(card.data) > MESSAGE_LIMIT:
            return {"type": "message", "text": _markdown(reply.text), "textFormat": "markdown"}
    return {
        "type": "message",
        "summary": _first_line(reply.text),
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}],
    }


def adaptive_card(card: Card, fallback: str = "", images: bool = True) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    _section(card, body, images, top=True)
    if card.form is not None:
        body.extend(_inputs(card.form))
        actions.append(_form_submit(card.form))
    # Buttons next to a form must not demand that its required fields be filled first.
    actions.extend(_button(b, skip_inputs=card.form is not None) for b in card.actions)
    content: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        content["actions"] = actions
    if fallback:
        content["fallbackText"] = fallback
    return content


def _section(card: Card, body: list[dict[str, Any]], images: bool, top: bool) -> None:
    if card.title:
        body.append({"type": "TextBlock", "text": _card_text(card.title), "weight": "Bolder", "size": "Medium" if top else "Default", "wrap": True})
    for line in card.body.split("\n"):
        if line.strip():
            body.append({"type": "TextBlock", "text": _card_text(line), "wrap": True, "spacing": "Small"})
    if card.fields:
        body.append({"type": "FactSet", "facts": [{"title": f.label, "value": f.value} for f in card.fields]})
    if card.image is not None:
        if images and len(card.image.png) <= IMAGE_LIMIT:
            data = base64.b64encode(card.image.png).decode("ascii")
            body.append({"type": "Image", "url": f"data:image/png;base64,{data}", "altText": card.image.alt, "size": "Stretch"})
        else:
            body.append({"type": "TextBlock", "text": _card_text(card.image.alt), "wrap": True, "isSubtle": True})
    for section in card.sections:
        items: list[dict[str, Any]] = []
        _section(section, items, images, top=False)
        if section.form is not None:
            items.extend(_inputs(section.form))
        buttons = [_button(b) for b in section.actions]
        if section.form is not None:
            buttons.insert(0, _form_submit(section.form))
        if buttons:
            items.append({"type": "ActionSet", "actions": buttons})
        body.append({"type": "Container", "separator": True, "spacing": "Medium", "items": items})


def _button(button: Button, skip_inputs: bool = False) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": button.label,
        "data": {ACTION_KEY: button.action_id, VALUE_KEY: button.value},
    }
    if button.style in _STYLES:
        action["style"] = _STYLES[button.style]
    if skip_inputs:
        action["associatedInputs"] = "none"
    return action


def _form_submit(form: Form) -> dict[str, Any]:
    data: dict[str, Any] = {FORM_KEY: form.form_id, CONTEXT_KEY: form.context}
    lists = [i.name for i in form.inputs if i.kind == "multiselect"]
    if lists:
        data[LISTS_KEY] = lists
    return {"type": "Action.Submit", "title": form.submit_label, "style": "positive", "data": data}


def _inputs(form: Form) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    if form.title:
        elements.append({"type": "TextBlock", "text": _card_text(form.title), "weight": "Bolder", "wrap": True, "separator": True})
    for field in form.inputs:
        elements.append(_input(field))
        if field.hint:
            elements.append({"type": "TextBlock", "text": _card_text(field.hint), "isSubtle": True, "size": "Small", "wrap": True, "spacing": "None"})
    return elements


def _input(field: Input) -> dict[str, Any]:
    element: dict[str, Any] = {"id": INPUT_PREFIX + field.name, "label": field.label, "isRequired": field.required}
    initial = field.initial
    if field.kind in ("select", "multiselect"):
        element.update(
            type="Input.ChoiceSet",
            choices=[{"title": o.label, "value": o.value} for o in field.options],
            style="compact",
        )
        if field.kind == "multiselect":
            element["isMultiSelect"] = True
        if initial:
            element["value"] = ",".join(initial) if isinstance(initial, tuple) else initial
        return element
    kinds = {"number": "Input.Number", "date": "Input.Date", "time": "Input.Time"}
    element["type"] = kinds.get(field.kind, "Input.Text")
    if element["type"] == "Input.Text":
        if field.kind == "textarea":
            element["isMultiline"] = True
        if field.max_length:
            element["maxLength"] = field.max_length
    if isinstance(initial, str) and initial:
        element["value"] = _number(initial) if field.kind == "number" else initial
    return element


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _card_text(text: str) -> str:
    # Adaptive Cards know **bold** but not `code`; commands the person can type stay visible.
    return _CODE.sub(r"**\1**", text) if "`" in text else text


def _markdown(text: str) -> str:
    # Teams' markdown joins single line breaks; every line of a reply is meant to stand alone.
    return re.sub(r"(?<!\n)\n(?!\n)", "\n\n", text)


def _first_line(text: str) -> str:
    return (text.strip().split("\n", 1)[0] if text.strip() else "")[:200]


def _size(data: bytes) -> int:
    # About the UTF-16 size (two bytes a character) of the card's JSON, with picture data left
    # out as Teams leaves it out of its limit.
    if b"data:image/" in data:
        data = _PICTURE.sub(b"", data)
    return 2 * len(data.decode("utf-8"))
