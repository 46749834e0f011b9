"""Reply → terminal text: cards as indented text, buttons as numbered choices."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from bot.types import Button, Card, Form, Reply

WIDTH = 78


@dataclass(frozen=True)
class Rendered:
    text: str
    choices: tuple[Button, ...]
    form: Form | None


def render(reply: Reply) -> Rendered:
    if reply.card is None:
        return Rendered(reply.text, (), None)
    lines: list[str] = []
    choices: list[Button] = []
    _card(reply.card, lines, choices, indent="")
    return Rendered("\n".join(lines).rstrip(), tuple(choices), _first_form(reply.card))


def _first_form(card: Card) -> Form | None:
    if card.form is not None:
        return card.form
    for section in card.sections:
        form = _first_form(section)
        if form is not None:
            return form
    return None


def _card(card: Card, lines: list[str], choices: list[Button], indent: str) -> None:
    if card.title:
        lines.append(f"{indent}{card.title}")
        if not indent:
            lines.append("─" * min(len(card.title), WIDTH))
    if card.body:
        for paragraph in card.body.split("\n"):
            lines.extend(textwrap.wrap(paragraph, WIDTH, initial_indent=indent, subsequent_indent=indent) or [""])
    for fact in card.fields:
        lines.append(f"{indent}  {fact.label}: {fact.value}")
    if card.image is not None:
        lines.append(f"{indent}  [{card.image.alt}]")
    if card.actions:
        labels = []
        for button in card.actions:
            choices.append(button)
            labels.append(f"[{len(choices)}] {button.label}")
        lines.append(indent + "  " + "   ".join(labels))
    for section in card.sections:
        lines.append("")
        _card(section, lines, choices, indent + "  ")
