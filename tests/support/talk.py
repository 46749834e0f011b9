"""People who talk to the bot through the console adapter, as a person at a terminal would."""

from __future__ import annotations

import io

from adapters.console import ConsoleChat, console_user
from bot.bootstrap import Runtime
from bot.types import Action, FormSubmission, Inbound, Profile, Reply, UserRef


class Speaker:
    """One person: `say` types a line, `press` pushes a button of the last reply."""

    def __init__(self, runtime: Runtime, email: str, name: str | None = None) -> None:
        self.runtime = runtime
        self.profile = Profile(name=name or email.split("@")[0].replace(".", " ").title(), email=email)
        self.actor: UserRef = console_user(email)
        self.out = io.StringIO()
        self.console = ConsoleChat(self.runtime.bot.handle, self.actor, self.profile, out=self.out)
        self.last: Reply | None = None

    async def say(self, text: str) -> Reply:
        self.last = await self.runtime.bot.handle(Inbound(actor=self.actor, text=text, profile=self.profile))
        return self.last

    async def press(self, label: str, reply: Reply | None = None) -> Reply:
        reply = reply or self.last
        assert reply is not None and reply.card is not None, "the last reply has no buttons"
        buttons = [b for b in _buttons(reply.card) if b.label == label]
        assert buttons, f"no button {label!r} in {[b.label for b in _buttons(reply.card)]}"
        self.last = await self.runtime.bot.handle(Inbound(actor=self.actor, action=Action(buttons[0].action_id, buttons[0].value), profile=self.profile))
        return self.last

    async def submit(self, form_id: str, values: dict, context: str = "") -> Reply:
        self.last = await self.runtime.bot.handle(Inbound(actor=self.actor, form=FormSubmission(form_id, values, context), profile=self.profile))
        return self.last

    async def console_lines(self, *lines: str) -> str:
        """Type lines at the console adapter and return everything it printed."""

        async def source():
            for line in lines:
                yield line

        start = self.out.tell()
        await self.console.run(source())
        return self.out.getvalue()[start:]


def _buttons(card):
    yield from card.actions
    for section in card.sections:
        yield from _buttons(section)
