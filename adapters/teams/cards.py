"""Reply → Teams messages: Adaptive Cards (schema 1.5) with Action.Submit buttons and forms.

Every message keeps a text form: a plain reply is sent as text, and a card carries its complete
text (the reply's text, and a form's labels and hints) as its `fallbackText` and the first line
as the notification `summary`.

Teams refuses a bot message over about 40 KB. Every message built here is measured as the JSON
of its activity, counted as UTF-16, and kept at or under `MESSAGE_LIMIT`; a reply that does not
fit in one is sent as several, in order — a card split between its sections (each part a card
of its own, titled "(1/3)", "(2/3)"…, its buttons and form on the last), a text between its
lines — never cut short and never left without its buttons or inputs.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from typing import Any

import orjson

from adapters.teams.activity import ACTION_KEY, CONTEXT_KEY, DIALOG_ACTION, FORM_KEY, INPUT_PREFIX, LISTS_KEY, VALUE_KEY
from adapters.teams.connector import Encoded, wire_json
from adapters.teams.search import searched_input, spec_of, step_one
from bot.catalogue import Translator
from bot.cards import as_text
from bot.types import Button, Card, Form, Input, Reply

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"

#: The most one message may measure, in bytes of its activity JSON as UTF-16 (two bytes a code
#: unit), pictures excepted as Teams excepts them. Teams' limit is about 40 KB (40,960 bytes);
#: the addressing the SDK adds when it sends (conversation, bot, person, service URL, reply-to
#: ids) is under 2 KB, which leaves more than 10 KB spare.
MESSAGE_LIMIT = 28_000
#: A chart larger than this is shown by its description alone.
IMAGE_LIMIT = 256 * 1024

_STYLES = {"primary": "positive", "danger": "destructive"}
_CODE = re.compile(r"`([^`]+)`")
_PICTURE = re.compile(rb"data:image/png;base64,[A-Za-z0-9+/=]+")
#: Room kept in a part's title for its place, " (12/34)".
_PLACE = " (99/99)"


def messages(reply: Reply, language: str = "en") -> list[dict[str, Any]]:
    """The fields of each message activity for `reply` (without addressing), in order; each
    measures at most MESSAGE_LIMIT. A card is encoded once, here, to measure it; the connector
    sends those same bytes. `language` is for the adapter's own words (a two-step form's)."""
    if reply.card is None:
        return [_text_message(part) for part in _text_parts(reply.text)]
    whole = _card_message(reply.card, fallback_text(reply.card, reply.text))
    if whole is not None:
        return [whole]
    card, form = reply.card, reply.card.form
    long_list = searched_input(form) if form is not None and not card.sections else None
    if long_list is not None:
        # A form too big for one card because of one long list: asked for in two steps.
        first = step_one(spec_of(card, form, long_list.name), Translator(language))
        rendered = _card_message(first, fallback_text(first))
        if rendered is not None:
            return [rendered]
    found: list[dict[str, Any]] = []
    for page in _pages(reply.card):
        rendered = _card_message(page, fallback_text(page))
        if rendered is None:
            # A single line of a section too long for any card: its words, as text.
            found.extend(_text_message(part) for part in _text_parts(fallback_text(page)))
        else:
            found.append(rendered)
    return found


def measure(fields: dict[str, Any]) -> int:
    """A message's size as Teams counts it: its JSON in UTF-16 bytes, picture data left out."""
    data = wire_json(fields)
    if b"data:image/" in data:
        data = _PICTURE.sub(b"", data)
    return len(data.decode("utf-8").encode("utf-16-le"))


def fallback_text(card: Card, text: str | None = None) -> str:
    """The card's complete text: `text` (the reply's own, which has the card's words) or the
    card's, then what only a form shows: its title, and each input's label, hint and (for a
    short list) choices."""
    lines = [as_text(card) if text is None else text]
    for form in _forms(card):
        lines.append("")
        if form.title and form.title not in lines[0]:
            lines.append(form.title)
        for field in form.inputs:
            line = field.label + (f": {field.hint}" if field.hint else "")
            if field.kind in ("select", "multiselect") and 0 < len(field.options) <= 20:
                line += " (" + ", ".join(o.label for o in field.options) + ")"
            lines.append(line)
    return "\n".join(lines).strip("\n")


def _forms(card: Card) -> list[Form]:
    found = [card.form] if card.form is not None else []
    for section in card.sections:
        found.extend(_forms(section))
    return found


def _text_message(text: str) -> dict[str, Any]:
    return {"type": "message", "text": _markdown(text), "textFormat": "markdown"}


def _card_message(card: Card, fallback: str) -> dict[str, Any] | None:
    """The card as one message, with its picture if that fits, else without; None if neither fits."""
    for images in (True, False):
        content = Encoded(adaptive_card(card, fallback, images=images))
        fields = {"type": "message", "summary": _first_line(fallback), "attachments": [{"contentType": ADAPTIVE_CARD, "content": content}]}
        if measure(fields) <= MESSAGE_LIMIT:
            return fields
        if card.image is None:
            break
    return None


def fits(card: Card) -> bool:
    """Whether `card` (with its complete text) goes in one message."""
    return _card_message(card, fallback_text(card)) is not None


_fits = fits


def _pages(card: Card) -> list[Card]:
    """`card` as several cards, each of whole parts: its head (title, body, facts, picture),
    each section, and its tail (buttons and form), in order, as many to a card as fit."""
    head = Card(title=card.title, body=card.body, fields=card.fields, image=card.image)
    tail = Card(title="", actions=card.actions, form=card.form) if card.actions or card.form is not None else None
    parts: list[tuple[str, Card]] = [("head", head)]
    for section in card.sections:
        parts.extend(("section", piece) for piece in _pieces(card.title, section))
    if tail is not None:
        parts.append(("tail", tail))
    pages: list[list[tuple[str, Card]]] = []
    current: list[tuple[str, Card]] = []
    for part in parts:
        if current and not _fits(_page(card.title + _PLACE, current + [part])):
            pages.append(current)
            current = []
        current.append(part)
    if current:
        pages.append(current)
    total = len(pages)
    return [_page(f"{card.title} ({n}/{total})" if card.title else f"({n}/{total})", page) for n, page in enumerate(pages, 1)]


def _page(title: str, parts: list[tuple[str, Card]]) -> Card:
    page = Card(title=title)
    sections: list[Card] = []
    for kind, part in parts:
        if kind == "head":
            page = dataclasses.replace(page, body=part.body, fields=part.fields, image=part.image)
        elif kind == "tail":
            page = dataclasses.replace(page, actions=part.actions, form=part.form)
        else:
            sections.append(part)
    return dataclasses.replace(page, sections=tuple(sections))


def _pieces(title: str, section: Card) -> list[Card]:
    """A section too long for a card of its own, as several, split between its body's lines
    (its facts and buttons on the last); one that fits, as itself."""
    if _fits(Card(title=title + _PLACE, sections=(section,))):
        return [section]
    lines = [line for text in section.body.split("\n") for line in _text_parts(text, MESSAGE_LIMIT // 4)]
    pieces: list[Card] = []
    current: list[str] = []
    for line in lines:
        trial = Card(title=section.title, body="\n".join(current + [line]))
        if current and not _fits(Card(title=title + _PLACE, sections=(trial,))):
            pieces.append(Card(title=section.title, body="\n".join(current)))
            current = []
        current.append(line)
    pieces.append(dataclasses.replace(section, body="\n".join(current)))
    return pieces


def _text_parts(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` in as few parts as keep each text message within `limit`, split between lines,
    and a line longer than that between words (or, lacking spaces, characters)."""
    if measure(_text_message(text)) <= limit:
        return [text]
    budget = limit - measure(_text_message(""))
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for line in text.split("\n"):
        for piece in _line_pieces(line, budget):
            cost = _cost(piece)
            if current and used + cost > budget:
                parts.append("\n".join(current))
                current, used = [], 0
            current.append(piece)
            used += cost
    if current:
        parts.append("\n".join(current))
    return parts


def _cost(line: str) -> int:
    # The line as the message's text holds it: JSON-escaped, with the paragraph break after it.
    return _escaped(_markdown(line)) + _escaped("\n\n")


def _escaped(text: str) -> int:
    """UTF-16 bytes of `text` inside a JSON string; the sum of its parts' (escapes are per character)."""
    return len(orjson.dumps(text).decode("utf-8").encode("utf-16-le")) - 4


def _line_pieces(line: str, budget: int) -> list[str]:
    if _cost(line) <= budget:
        return [line]
    budget -= _escaped("\n\n")
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for word in re.split(r"(?<=\s)", line):
        cost = _escaped(word)
        for piece, piece_cost in [(word, cost)] if cost <= budget else [(ch, _escaped(ch)) for ch in word]:
            if current and used + piece_cost > budget:
                pieces.append("".join(current))
                current, used = [], 0
            current.append(piece)
            used += piece_cost
    if current:
        pieces.append("".join(current))
    return pieces


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
    if button.action_id == DIALOG_ACTION:
        # Teams opens a dialog and sends this data in a task/fetch invoke, not a message.
        action["data"]["msteams"] = {"type": "task/fetch"}
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

