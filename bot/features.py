"""What a feature contributes to the core: its commands, forms, events and their handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Sequence

from bot.parsing import Command, Spec
from bot.turn import Turn
from bot.types import Option, Reply

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.config import Settings

Handler = Callable[[Any, Turn], Awaitable[Reply]]
FormHandler = Callable[[Mapping[str, Any], str, Turn], Awaitable[Reply]]
EventHandler = Callable[[Turn], Awaitable[Reply | None]]
#: A scheduled job: given the time, it writes what has come due to the outbox, in the session it
#: is handed (the caller commits), and says how many items it queued. It must be safe to run
#: again for the same `now`, by another process too: outbox keys make it so.
Job = Callable[["AsyncSession", "Settings", datetime], Awaitable[int]]
#: Every option of one form input whose list may be longer than a platform's menu shows (the
#: district's sites): searched by `Bot.suggest` as a person types (bot/choices.py).
Choices = Callable[["AsyncSession", "Settings"], Awaitable[Sequence[Option]]]


@dataclass(frozen=True)
class Feature:
    name: str
    specs: tuple[Spec, ...] = ()
    handlers: Mapping[type[Command], Handler] = field(default_factory=dict)
    forms: Mapping[str, FormHandler] = field(default_factory=dict)
    events: Mapping[str, EventHandler] = field(default_factory=dict)
    jobs: Mapping[str, Job] = field(default_factory=dict)
    #: By (form id, input name): the inputs whose options a platform may search for as typed.
    choices: Mapping[tuple[str, str], Choices] = field(default_factory=dict)
    #: Forms whose answers stay out of chat history (Reply.dialog), by form id: the command that
    #: opens the form again. A platform keeping chat history takes them only in a dialog.
    dialog_forms: Mapping[str, str] = field(default_factory=dict)
