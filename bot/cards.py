"""Building replies around cards, always with a complete text form (screen readers, the console)."""

from __future__ import annotations

from bot.types import Card, Reply


def as_text(card: Card) -> str:
    lines = [card.title] if card.title else []
    if card.body:
        lines.append(card.body)
    lines.extend(f"{f.label}: {f.value}" for f in card.fields)
    for section in card.sections:
        lines.append("")
        lines.append(as_text(section))
    if card.image is not None:
        lines.append(card.image.alt)
    return "\n".join(lines)


def card_reply(card: Card, *, ephemeral: bool = True) -> Reply:
    return Reply(text=as_text(card), card=card, ephemeral=ephemeral)
