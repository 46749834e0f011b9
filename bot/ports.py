"""The ports the core offers to the outside: how proactive messages leave the bot."""

from __future__ import annotations

from typing import Protocol

from bot.types import DeliveryResult, Destination, Reply


class ChatGateway(Protocol):
    """Sends one proactive message on one platform; the dispatcher calls it, never the core."""

    platform: str

    async def send(self, to: Destination, reply: Reply) -> DeliveryResult: ...
