"""The core's one entry: an Inbound in, a Reply out, in one transaction."""

from __future__ import annotations

import logging
import traceback
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import registry
from bot.catalogue import Translator
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.help import refusal_reply
from bot.parsing import Command, Refusal, parse
from bot.people.identity import identify, identify_with_roles
from bot.turn import Turn
from bot.types import RUN_COMMAND, Inbound, Profile, Reply, UserRef

log = logging.getLogger("affinity.core")


class Bot:
    """The platform-neutral bot. Adapters hand it Inbounds; it answers with Replies."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock = system_clock) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        # Per-process state that must never reach the database (e.g. the concern throttle).
        self.memory: dict[str, object] = {}

    async def handle(self, inbound: Inbound) -> Reply:
        """Answer one thing a person did. A refusal or a failure changes nothing."""
        async with self.sessions() as session:
            try:
                reply = await self._handle(session, inbound)
                if reply.refused:
                    await session.rollback()
                else:
                    await session.commit()
                return reply
            except Exception as exc:
                await session.rollback()
                # The type and where it happened only: an exception's message can carry what the
                # person wrote, so it is never logged.
                log.error("request failed: %s", type(exc).__name__)
                frames = traceback.extract_tb(exc.__traceback__)
                log.debug("request failed at: %s", " < ".join(f"{f.filename}:{f.lineno} {f.name}" for f in reversed(frames)))
                language = inbound.locale or "en"
                return Reply(text=Translator(language[:2])("errors.internal"), refused=True)

    async def ensure_person(self, actor: UserRef, profile: Profile | None) -> int:
        """The person behind `actor`, created on first contact; returns their id."""
        async with self.sessions() as session:
            today = self.clock().astimezone(self.settings.timezone).date()
            person = await identify(session, actor, profile, profile.locale if profile else None, today)
            await session.commit()
            return person.id

    async def _handle(self, session: AsyncSession, inbound: Inbound) -> Reply:
        now = self.clock()
        today = now.astimezone(self.settings.timezone).date()
        found = await identify_with_roles(session, inbound.actor, inbound.profile, inbound.locale, today)
        person = found.person
        if found.changed:
            # Whatever identifying the person wrote is committed on its own, so the action that
            # follows (an anonymous concern above all) never shares a transaction with it. A
            # person already known wrote nothing, and an empty commit would only cost round trips.
            await session.commit()
        turn = Turn(
            session=session,
            person=person,
            roles=found.roles,
            t=Translator(person.language),
            now=now,
            settings=self.settings,
            inbound=inbound,
            memory=self.memory,
        )
        if inbound.event:
            handler = registry.events().get(inbound.event)
            if handler is None:
                return Reply(text="", refused=True)
            return await handler(turn) or Reply(text="")
        if inbound.form is not None:
            form_handler = registry.forms().get(inbound.form.form_id)
            if form_handler is None:
                return turn.refuse("errors.unknown_form")
            return await form_handler(inbound.form.values, inbound.form.context, turn)
        if inbound.action is not None:
            if inbound.action.action_id != RUN_COMMAND:
                return turn.refuse("errors.unknown_action")
            return await run_text(inbound.action.value, turn)
        return await run_text(inbound.text or "", turn)


async def run_text(text: str, turn: Turn) -> Reply:
    """Parse words and run the command they name, as the person in `turn`."""
    parsed = parse(text, registry.all_specs())
    if isinstance(parsed, Refusal):
        return refusal_reply(parsed, turn)
    return await run_command(parsed, turn)


async def run_command(command: Command, turn: Turn) -> Reply:
    handler = registry.handlers()[type(command)]
    return await handler(command, turn)
