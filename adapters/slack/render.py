"""Reply and Card → Block Kit: messages, modals for forms, results shown in a modal, the Home tab.

Pure functions. Every message keeps the reply's full `text` as its fallback (notifications,
screen readers); blocks respect Slack's limits (block counts, text lengths) by trimming the
blocks, never the fallback.
"""

from __future__ import annotations

import json
from typing import Any, Iterator, Mapping

from adapters.slack.inbound import FORM_CALLBACK, RUN_PREFIX
from bot.types import Button, Card, Form, Input, Reply

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
#: The most options a Slack menu (static_select) holds, and a block_suggestion answer too.
MENU_OPTIONS = 100
TEXT_LIMIT = 3000
FIELD_LIMIT = 2000
FIELDS_PER_SECTION = 10
BUTTONS_PER_BLOCK = 25
HEADER_LIMIT = 150
LABEL_LIMIT = 75
TITLE_LIMIT = 24
METADATA_LIMIT = 3000
#: The largest max_length Slack accepts on a plain_text_input.
INPUT_LIMIT = 3000
#: The name shown on a modal whose reply has no title of its own.
APP_NAME = "Affinity Bot"
#: block_id of the sentence shown above a form when a submission was refused.
ERROR_BLOCK = "affinity_error"


def escape(text: str) -> str:
    """Slack's three control characters, so names and descriptions show as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit) or " ", "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _paragraphs(text: str, limit: int = TEXT_LIMIT) -> Iterator[str]:
    """Escaped text in pieces Slack accepts, split at line ends where possible."""
    text = escape(text)
    while text:
        if len(text) <= limit:
            yield text
            return
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        yield text[:cut]
        text = text[cut:].lstrip("\n")


def first_form(card: Card | None) -> Form | None:
    if card is None:
        return None
    if card.form is not None:
        return card.form
    for section in card.sections:
        form = first_form(section)
        if form is not None:
            return form
    return None


def card_blocks(card: Card, limit: int = MESSAGE_BLOCKS) -> list[dict[str, Any]]:
    """A card as blocks: header, body, facts, image text, buttons, then its sections."""
    blocks: list[dict[str, Any]] = []
    counter = [0]
    _card(card, blocks, counter, top=True)
    if len(blocks) > limit:
        # The fallback text still holds everything; say that the blocks stop here.
        blocks = blocks[: limit - 1] + [{"type": "context", "elements": [_mrkdwn("…")]}]
    return blocks


def _card(card: Card, blocks: list[dict[str, Any]], counter: list[int], top: bool) -> None:
    pieces = list(_paragraphs(card.body)) if card.body else []
    if top and card.title:
        blocks.append({"type": "header", "text": _plain(card.title, HEADER_LIMIT)})
    elif card.title:
        # A section's title in bold above its text, the way a list item reads in Slack.
        head = _cut(f"*{escape(card.title)}*", TEXT_LIMIT)
        if pieces and len(head) + 1 + len(pieces[0]) <= TEXT_LIMIT:
            pieces[0] = f"{head}\n{pieces[0]}"
        else:
            pieces.insert(0, head)
    for piece in pieces:
        blocks.append({"type": "section", "text": _mrkdwn(piece)})
    facts = [_mrkdwn(_cut(f"*{escape(f.label)}*\n{escape(f.value)}", FIELD_LIMIT)) for f in card.fields]
    for start in range(0, len(facts), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": facts[start : start + FIELDS_PER_SECTION]})
    if card.image is not None:
        blocks.append({"type": "context", "elements": [_mrkdwn(escape(card.image.alt))]})
    for start in range(0, len(card.actions), BUTTONS_PER_BLOCK):
        blocks.append({"type": "actions", "elements": [_button(b, counter) for b in card.actions[start : start + BUTTONS_PER_BLOCK]]})
    for section in card.sections:
        blocks.append({"type": "divider"})
        _card(section, blocks, counter, top=False)


def _button(button: Button, counter: list[int]) -> dict[str, Any]:
    n = counter[0]
    counter[0] += 1
    action_id = f"{RUN_PREFIX}:{n}" if button.action_id == "run" else f"{button.action_id}:{n}"
    element: dict[str, Any] = {
        "type": "button",
        "text": _plain(button.label, LABEL_LIMIT),
        "action_id": action_id,
        "value": button.value[:2000],
    }
    if button.style:
        element["style"] = button.style
    return element


def message(reply: Reply) -> dict[str, Any]:
    """A chat message (chat.postMessage, response_url or a command's answer): text plus blocks."""
    payload: dict[str, Any] = {"text": escape(reply.text) or " "}
    if reply.card is not None:
        payload["blocks"] = card_blocks(reply.card)
    elif len(reply.text) > TEXT_LIMIT:
        # Long plain answers (help, member lists) read better as sections than one huge text.
        payload["blocks"] = [{"type": "section", "text": _mrkdwn(p)} for p in _paragraphs(reply.text)][:MESSAGE_BLOCKS]
    return payload


def command_answer(reply: Reply) -> dict[str, Any]:
    """The body of a slash command's acknowledgement that shows the answer at once."""
    payload = message(reply)
    payload["response_type"] = "ephemeral" if reply.ephemeral else "in_channel"
    return payload


def home_view(reply: Reply) -> dict[str, Any]:
    """The App Home tab from the core's home card."""
    if reply.card is not None:
        blocks = card_blocks(reply.card, VIEW_BLOCKS)
    else:
        blocks = [{"type": "section", "text": _mrkdwn(p)} for p in _paragraphs(reply.text or " ")][:VIEW_BLOCKS]
    return {"type": "home", "blocks": blocks}


def _metadata(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if len(text) > METADATA_LIMIT:
        raise ValueError("a form's context is too long for a Slack modal")
    return text


def form_view(reply: Reply, form: Form, origin: Mapping[str, Any]) -> dict[str, Any]:
    """A modal for a core Form: what the card says first, then one input block per field.

    `origin` (channel, whether it came from the Home tab) rides in private_metadata with the
    form's id and context, so the submission can be handed back to the core as it was asked.
    """
    intro: list[dict[str, Any]] = []
    if reply.card is not None:
        card = reply.card
        shown = Card(title="", body=card.body, fields=card.fields, image=card.image)
        intro = card_blocks(shown, VIEW_BLOCKS) if (card.body or card.fields or card.image) else []
    if len(form.title) > TITLE_LIMIT:
        # A modal's title holds 24 characters; the whole title goes above the fields.
        intro.insert(0, {"type": "header", "text": _plain(form.title, HEADER_LIMIT)})
    # views.open refuses a select without options (a district with no sites yet); the core
    # decides what a submission without that field means.
    inputs = [_input(field) for field in form.inputs if field.options or field.kind not in ("select", "multiselect")]
    blocks = (intro + inputs)[-VIEW_BLOCKS:] if len(intro) + len(inputs) > VIEW_BLOCKS else intro + inputs
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": _plain(form.title, TITLE_LIMIT),
        "submit": _plain(form.submit_label, TITLE_LIMIT),
        "private_metadata": _metadata({"form": form.form_id, "context": form.context, **origin}),
        "blocks": blocks,
    }


def suggestions(options) -> dict[str, Any]:
    """The answer to a block_suggestion: the core's matching options, as Slack takes them."""
    return {"options": [_option(o.value, o.label) for o in options[:MENU_OPTIONS]]}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label, LABEL_LIMIT), "value": value[:150]}


def _input(field: Input) -> dict[str, Any]:
    element: dict[str, Any]
    initial = field.initial
    if field.kind in ("select", "multiselect"):
        chosen = (initial,) if isinstance(initial, str) else tuple(initial or ())
        if len(field.options) > MENU_OPTIONS:
            # More than a menu holds: Slack asks for the options matching what the person types
            # (a block_suggestion, answered by the core's `suggest`), so none is cut off.
            element = {"type": "external_select" if field.kind == "select" else "multi_external_select", "min_query_length": 1}
            picked = [_option(o.value, o.label) for o in field.options if o.value in chosen][:MENU_OPTIONS]
        else:
            options = [_option(o.value, o.label) for o in field.options]
            element = {"type": "static_select" if field.kind == "select" else "multi_static_select", "options": options}
            picked = [o for o in options if o["value"] in chosen]
        if picked and field.kind == "select":
            element["initial_option"] = picked[0]
        elif picked:
            element["initial_options"] = picked
    elif field.kind == "number":
        element = {"type": "number_input", "is_decimal_allowed": False}
        if initial:
            element["initial_value"] = str(initial)
    elif field.kind == "date":
        element = {"type": "datepicker"}
        if initial:
            element["initial_date"] = str(initial)
    elif field.kind == "time":
        element = {"type": "timepicker"}
        if initial:
            element["initial_time"] = str(initial)
    else:
        element = {"type": "plain_text_input", "multiline": field.kind == "textarea"}
        # Slack takes a max_length of 3000 at most; a longer limit (a concern's 4000) is left
        # to the core, which refuses longer text with its length, instead of Slack's 3000.
        if field.max_length and field.max_length <= INPUT_LIMIT:
            element["max_length"] = field.max_length
        if initial:
            element["initial_value"] = str(initial)
    element["action_id"] = "value"
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.name,
        "label": _plain(field.label, FIELD_LIMIT),
        "optional": not field.required,
        "element": element,
    }
    if field.hint:
        block["hint"] = _plain(field.hint, FIELD_LIMIT)
    return block


def result_view(reply: Reply, close_label: str, origin: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A modal that shows an answer (a button pressed in a modal or on Home, a submitted form).

    The answer lives only in the open modal, not in the person's message history: a case code
    shown here is not left behind in a DM.
    """
    card = reply.card
    if card is not None:
        blocks = card_blocks(Card(title="", body=card.body, fields=card.fields, actions=card.actions, image=card.image, sections=card.sections), VIEW_BLOCKS)
        title = card.title or APP_NAME
        if card.title and len(card.title) > TITLE_LIMIT:
            blocks.insert(0, {"type": "header", "text": _plain(card.title, HEADER_LIMIT)})
        if not blocks:
            blocks = [{"type": "section", "text": _mrkdwn(escape(card.title))}]
    else:
        blocks = [{"type": "section", "text": _mrkdwn(p)} for p in _paragraphs(reply.text or " ")][:VIEW_BLOCKS]
        title = APP_NAME
    view: dict[str, Any] = {
        "type": "modal",
        "title": _plain(title, TITLE_LIMIT),
        "close": _plain(close_label, TITLE_LIMIT),
        "blocks": blocks[:VIEW_BLOCKS],
    }
    if origin:
        view["private_metadata"] = _metadata(origin)
    return view


#: Properties of a submitted view that Slack sets and does not accept back in an update.
_VIEW_KEYS = ("type", "title", "submit", "close", "blocks", "private_metadata", "callback_id", "clear_on_close", "notify_on_close", "external_id")


def refused_submission(view: Mapping[str, Any], text: str) -> dict[str, Any]:
    """The answer to a refused submission: the error under the field it names, else above the form.

    Slack keeps what the person entered when an update keeps the same block and action ids.
    """
    lowered = text.casefold()
    for block in view.get("blocks") or ():
        if block.get("type") == "input" and block.get("block_id"):
            label = str((block.get("label") or {}).get("text") or "").casefold()
            if label and label in lowered:
                return {"response_action": "errors", "errors": {block["block_id"]: _cut(text, FIELD_LIMIT)}}
    updated = {k: view[k] for k in _VIEW_KEYS if k in view and view[k] is not None}
    if updated.get("external_id") == "":
        updated.pop("external_id")
    blocks = [b for b in view.get("blocks") or () if b.get("block_id") != ERROR_BLOCK]
    notice = {"type": "context", "block_id": ERROR_BLOCK, "elements": [_mrkdwn(f":warning: {escape(_cut(text, TEXT_LIMIT - 20))}")]}
    updated["blocks"] = [notice] + blocks[: VIEW_BLOCKS - 1]
    return {"response_action": "update", "view": updated}
