"""The console's ChatGateway: proactive messages for the person at this terminal, printed as they come due.

A terminal belongs to one person, so only their messages are shown here. A message for anyone
else on the console is "unreachable" (it waits, and is tried again when that person opens a
console of their own: `affinity-bot chat --as …`), and so is anything for a channel or a group
conversation, which the console does not have. One person's messages are never shown to another.
The console cannot tell afterwards what it printed, so it offers no `was_delivered`.
"""

from __future__ import annotations

import itertools

from adapters.console.chat import PLATFORM, ConsoleChat
from adapters.console.render import render
from bot.types import DeliveryResult, Destination, Reply, UserRef

#: Marks a message the bot sent on its own, as against the answer to what was just typed.
MARK = "✉ "
NOT_HERE = "not at this console"
NO_CHANNELS = "the console has no channels or group conversations"


class ConsoleGateway:
    platform = PLATFORM

    def __init__(self, chat: ConsoleChat) -> None:
        self.chat = chat
        self._shown = itertools.count(1)

    async def close(self) -> None:
        """Nothing is held open."""

    async def send(self, to: Destination, reply: Reply) -> DeliveryResult:
        if not isinstance(to, UserRef):
            return DeliveryResult.unreachable(NO_CHANNELS)
        if to.platform != PLATFORM:
            return DeliveryResult.failed(f"{to.platform} is not the console")
        if to != self.chat.actor:
            return DeliveryResult.unreachable(NOT_HERE)
        shown = render(reply)
        async with self.chat.lock:
            if shown.choices:
                # Its buttons are what the person sees last, so their numbers now pick these.
                self.chat.choices = shown.choices
            self.chat.show(MARK + shown.text)
            if self.chat.prompt:
                self.chat.out.write(self.chat.prompt)
                self.chat.out.flush()
        return DeliveryResult.sent(f"console:{next(self._shown)}")


__all__ = ["ConsoleGateway"]
