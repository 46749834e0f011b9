"""Reading what the bot posted to the fake connector: the text form and the Adaptive Card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

ADAPTIVE = "application/vnd.microsoft.card.adaptive"


def card_of(call) -> dict[str, Any] | None:
    for attachment in call.body.get("attachments") or ():
        if attachment.get("contentType") == ADAPTIVE:
            return attachment["content"]
    return None


def text_of(call) -> str:
    """The reply's complete text form: a card's fallbackText, or the message text."""
    card = card_of(call)
    if card is not None:
        return card.get("fallbackText", "")
    return call.body.get("text", "").replace("\n\n", "\n")


def elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every element and action of a card, depth first."""
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for key in ("body", "items", "actions", "columns"):
            for child in node.get(key) or ():
                yield from elements(child)
    elif isinstance(node, list):
        for child in node:
            yield from elements(child)


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Action.Submit buttons by title."""
    return {e["title"]: e for e in elements(card) if e.get("type") == "Action.Submit"}


@dataclass
class Shown:
    """What a dialog shows (an invoke's answer), read like a posted message by card_of/text_of."""

    body: dict[str, Any]
    conversation_id: str | None = None
    method: str = "DIALOG"


def in_dialog(answer: dict[str, Any]) -> Shown:
    """The dialog's next card, or its message, from a task/fetch or task/submit answer."""
    task = answer["task"]
    if task["type"] == "continue":
        card = task["value"]["card"]
        return Shown({"attachments": [{"contentType": card["contentType"], "content": card["content"]}]})
    assert task["type"] == "message", answer
    return Shown({"text": task["value"]})
