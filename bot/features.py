"""What a feature contributes to the core: its commands, forms, events and their handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping

from bot.parsing import Command, Spec
from bot.turn import Turn
from bot.types import Reply

Handler = Callable[[Any, Turn], Awaitable[Reply]]
FormHandler = Callable[[Mapping[str, Any], str, Turn], Awaitable[Reply]]
EventHandler = Callable[[Turn], Awaitable[Reply | None]]


@dataclass(frozen=True)
class Feature:
    name: str
    specs: tuple[Spec, ...] = ()
    handlers: Mapping[type[Command], Handler] = field(default_factory=dict)
    forms: Mapping[str, FormHandler] = field(default_factory=dict)
    events: Mapping[str, EventHandler] = field(default_factory=dict)
