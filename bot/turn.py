"""One request being handled: the person, their roles, the session and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalogue import Translator
from bot.config import Settings
from bot.parsing import Command, line
from bot.roles import Roles
from bot.types import Button, Card, Inbound, Reply
from storage.models import AuditEntry, Person

#: How long a question such as "join this group?" may be answered with a bare "yes".
CONFIRM_WINDOW = timedelta(minutes=15)


@dataclass
class Turn:
    session: AsyncSession
    person: Person
    roles: Roles
    t: Translator
    now: datetime
    settings: Settings
    inbound: Inbound
    memory: dict[str, Any] = field(default_factory=dict)
    #: The cache generation read with the person (bot/groups/cache.py): everything this turn
    #: reads is at least this new. None when unknown (a first contact, or no counter).
    generation: tuple[int, int] | None = None
    #: This process's ListingCache, for handlers whose answer may be kept; None when off.
    cache: Any = None
    #: Slugs of the person's own groups (member, asked to join, facilitating), read with the
    #: person; None on a first contact (then whoever needs them reads them).
    own_groups: frozenset[str] | None = None

    @property
    def today(self):
        return self.now.astimezone(self.settings.timezone).date()

    def reply(self, key: str, card: Card | None = None, **params: Any) -> Reply:
        return Reply(text=self.t(key, **params), card=card)

    def refuse(self, key: str, **params: Any) -> Reply:
        """A sentence for something the person cannot do; the turn's changes are rolled back."""
        return Reply(text=self.t(key, **params), refused=True)

    def needs_role(self, role: str, group_name: str | None = None) -> Reply:
        role_name = self.t(f"roles.{role}")
        if group_name:
            return self.refuse("roles.needed_for_group", role=role_name, group=group_name)
        return self.refuse("roles.needed", role=role_name)

    def audit(self, action: str, *, group_id: int | None = None, subject_id: int | None = None, detail: str = "") -> None:
        """Record a privileged action: ids only, never names, never a concern's reporter."""
        self.session.add(
            AuditEntry(at=self.now, actor_id=self.person.id, action=action, group_id=group_id, subject_id=subject_id, detail=detail)
        )

    def ask(self, command: Command, yes_label: str, no_label: str | None = None) -> tuple[Button, ...]:
        """Remember `command` as the answer to "yes", and give the matching buttons."""
        from bot.people.commands import Answer

        said = line(command)
        self.person.pending_command = said
        self.person.pending_until = self.now + CONFIRM_WINDOW
        return (
            Button(label=yes_label, value=said, style="primary"),
            Button(label=no_label or self.t("common.cancel"), value=line(Answer(False))),
        )
