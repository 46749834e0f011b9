"""Where the bot can reach people and channels later: Teams conversation references, stored.

A person's reference lives on their Teams `PlatformLink.reference` (so forget-me removes it with
them); a channel's or group chat's in `teams_conversation`. Both are written the first time they
are seen and again only when they change: an in-process memory of what was last written saves a
database round trip on every message. When a person's reference is first written (or changes),
whatever waited in the outbox as "unreachable until they talk to the bot" is queued again.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.teams.activity import PLATFORM
from bot.types import UserRef
from schedules.dispatcher import requeue_unreachable
from storage.models import PlatformLink, TeamsConversation

#: How long "this reference is already stored" is believed without looking. Short, because a
#: person who used forget-me and comes back within it gets their reference written only after it.
REMEMBER_FOR = 300.0


@dataclass(frozen=True)
class PersonalReference:
    """How to reach one person: their connector id, and their one-to-one chat once it exists."""

    service_url: str
    user_id: str
    bot_id: str
    tenant_id: str
    conversation_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: Any) -> "PersonalReference | None":
        if not isinstance(data, dict) or not data.get("service_url") or not data.get("user_id"):
            return None
        return cls(
            service_url=str(data["service_url"]),
            user_id=str(data["user_id"]),
            bot_id=str(data.get("bot_id") or ""),
            tenant_id=str(data.get("tenant_id") or ""),
            conversation_id=data.get("conversation_id") or None,
        )


@dataclass(frozen=True)
class SharedConversation:
    """A channel or group chat the bot is in."""

    tenant: str
    conversation_id: str
    kind: str
    service_url: str
    bot_id: str
    team_id: str | None = None


class ReferenceBook:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], float] = time.monotonic, now: Callable[[], datetime] | None = None
    ) -> None:
        self.sessions = sessions
        self._clock = clock
        #: The runtime's clock, for requeueing what waited for a person; None: nothing is requeued.
        self._now = now
        self._written: dict[tuple, tuple[float, Any]] = {}

    # --- people ---------------------------------------------------------------------------

    async def remember_person(self, actor: UserRef, reference: PersonalReference) -> None:
        """Store how to reach `actor`; a chat id already known is kept when this one has none."""
        key = ("person", actor)
        if self._fresh(key, reference):
            return
        async with self.sessions() as session:
            link = await _link(session, actor)
            if link is None:
                return
            current = dict(link.reference or {})
            merged = {**current, **reference.to_json()}
            if merged != current:
                link.reference = merged
                if self._now is not None:
                    # They can be reached now: what waited for them goes on the dispatcher's next pass.
                    await requeue_unreachable(session, link.person_id, self._now())
                await session.commit()
        self._note(key, reference)

    async def person(self, actor: UserRef) -> PersonalReference | None:
        async with self.sessions() as session:
            link = await _link(session, actor)
            return PersonalReference.from_json(link.reference) if link is not None else None

    async def remember_personal_chat(self, actor: UserRef, conversation_id: str) -> None:
        async with self.sessions() as session:
            link = await _link(session, actor)
            if link is None or not isinstance(link.reference, dict):
                return
            link.reference = {**link.reference, "conversation_id": conversation_id}
            await session.commit()
        self._written.pop(("person", actor), None)

    # --- channels and group chats ---------------------------------------------------------

    async def remember_conversation(self, conversation: SharedConversation) -> None:
        key = ("conversation", conversation.tenant, conversation.conversation_id)
        if self._fresh(key, conversation):
            return
        async with self.sessions() as session:
            row = await _conversation(session, conversation.tenant, conversation.conversation_id)
            values = asdict(conversation)
            if row is None:
                session.add(TeamsConversation(**values))
            else:
                for name, value in values.items():
                    if getattr(row, name) != value and not (name == "team_id" and value is None):
                        setattr(row, name, value)
            try:
                await session.commit()
            except IntegrityError:
                # Two turns in the same new channel at once: the other one stored it.
                await session.rollback()
        self._note(key, conversation)

    async def conversation(self, tenant: str, conversation_id: str) -> SharedConversation | None:
        async with self.sessions() as session:
            row = await _conversation(session, tenant, conversation_id)
            if row is None:
                return None
            return SharedConversation(row.tenant, row.conversation_id, row.kind, row.service_url, row.bot_id, row.team_id)

    async def tenant_endpoint(self, tenant: str) -> tuple[str, str] | None:
        """Some (service URL, bot id) known for `tenant`, for a channel never seen directly."""
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(TeamsConversation.service_url, TeamsConversation.bot_id).where(TeamsConversation.tenant == tenant).limit(1)
                )
            ).first()
            if row is not None:
                return row[0], row[1]
            references = await session.execute(
                select(PlatformLink.reference).where(PlatformLink.platform == PLATFORM, PlatformLink.tenant == tenant).limit(50)
            )
            for (data,) in references:
                found = PersonalReference.from_json(data)
                if found is not None:
                    return found.service_url, found.bot_id
        return None

    # --- the memory of what was written ---------------------------------------------------

    def _fresh(self, key: tuple, value: Any) -> bool:
        entry = self._written.get(key)
        return entry is not None and entry[0] > self._clock() and entry[1] == value

    def _note(self, key: tuple, value: Any) -> None:
        if len(self._written) > 100_000:
            self._written.clear()
        self._written[key] = (self._clock() + REMEMBER_FOR, value)


async def _link(session: AsyncSession, actor: UserRef) -> PlatformLink | None:
    return (
        await session.execute(
            select(PlatformLink).where(
                PlatformLink.platform == actor.platform, PlatformLink.tenant == actor.tenant, PlatformLink.user_id == actor.user_id
            )
        )
    ).scalar_one_or_none()


async def _conversation(session: AsyncSession, tenant: str, conversation_id: str) -> TeamsConversation | None:
    return (
        await session.execute(
            select(TeamsConversation).where(TeamsConversation.tenant == tenant, TeamsConversation.conversation_id == conversation_id)
        )
    ).scalar_one_or_none()
