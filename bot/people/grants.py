"""Granting and revoking roles (an admin's job, from the command line), always audited.

The person is named by their e-mail from the roster, nothing looser (issue 12, item 6)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.groups.directory import Found, resolve
from bot.catalogue import Translator
from bot.people.identity import clean_email
from bot.roles import FACILITATOR, ROLES
from storage.models import AuditEntry, Group, Person, RoleGrant


@dataclass(frozen=True)
class GrantOutcome:
    ok: bool
    message: str


_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

#: Role grants are the district's own sentences, said at the command line (in English).
t = Translator("en")


async def named_by_email(session: AsyncSession, who: str) -> list[Person] | None:
    """The person an e-mail names (a list of at most one), or None when `who` is not an e-mail.
    Privileged grants take nothing looser: a bare name could grant admin to the wrong Maria."""
    email = clean_email(who.strip().strip("<>"))
    if not email or not _EMAIL.match(email):
        return None
    return list((await session.execute(select(Person).where(Person.email == email))).scalars())


async def _target(session: AsyncSession, who: str, role: str, group: str | None, person_id: int | None = None) -> tuple[Person, Group | None] | GrantOutcome:
    if role not in ROLES:
        return GrantOutcome(False, f"{role!r} is not a role; roles are {', '.join(ROLES)}.")
    if role == FACILITATOR and not group:
        return GrantOutcome(False, "the facilitator role needs a group: add --group <slug>.")
    if role != FACILITATOR and group:
        return GrantOutcome(False, f"the {role} role is district-wide; leave out --group.")
    people = [await session.get(Person, person_id)] if person_id is not None else await named_by_email(session, who)
    if people is None:
        # A name, a first name, anything else: refused the same way whether it names nobody, one
        # person or several, so the answer never confirms or denies who exists.
        return GrantOutcome(False, t("roles.grant_by_email", given=who[:80]))
    if not people:
        return GrantOutcome(False, t("roles.grant_unknown_email", email=clean_email(who.strip().strip("<>"))))
    target_group = None
    if group:
        found = await resolve(session, group, include_unlisted=True)
        if not isinstance(found, Found):
            return GrantOutcome(False, f"there is no single group called {group!r}.")
        target_group = found.group
    return people[0], target_group


async def grant(session: AsyncSession, who: str, role: str, group: str | None, now: datetime, today: date, actor_id: int | None = None) -> GrantOutcome:
    target = await _target(session, who, role, group)
    if isinstance(target, GrantOutcome):
        return target
    person, target_group = target
    return await _grant(session, person, role, target_group, now, today, actor_id)


async def grant_to(session: AsyncSession, person_id: int, role: str, group: str | None, now: datetime, today: date) -> GrantOutcome:
    """A role for someone already identified (the console's `--role` for the person at the
    terminal, who may have no e-mail)."""
    target = await _target(session, "", role, group, person_id=person_id)
    if isinstance(target, GrantOutcome):
        return target
    person, target_group = target
    return await _grant(session, person, role, target_group, now, today, None)


async def _grant(session: AsyncSession, person: Person, role: str, target_group: Group | None, now: datetime, today: date, actor_id: int | None) -> GrantOutcome:
    group_id = target_group.id if target_group else None
    exists = (
        await session.execute(select(RoleGrant.id).where(RoleGrant.person_id == person.id, RoleGrant.role == role, RoleGrant.group_id.is_(group_id) if group_id is None else RoleGrant.group_id == group_id))
    ).first()
    where = f" of {target_group.name}" if target_group else ""
    if exists:
        return GrantOutcome(True, f"{person.name} already has the {role} role{where}.")
    session.add(RoleGrant(person_id=person.id, role=role, group_id=group_id, granted_on=today))
    session.add(AuditEntry(at=now, actor_id=actor_id, action="role_granted", group_id=group_id, subject_id=person.id, detail=role))
    return GrantOutcome(True, f"{person.name} now has the {role} role{where}.")


async def revoke(session: AsyncSession, who: str, role: str, group: str | None, now: datetime, actor_id: int | None = None) -> GrantOutcome:
    target = await _target(session, who, role, group)
    if isinstance(target, GrantOutcome):
        return target
    person, target_group = target
    group_id = target_group.id if target_group else None
    condition = RoleGrant.group_id.is_(None) if group_id is None else RoleGrant.group_id == group_id
    result = await session.execute(delete(RoleGrant).where(RoleGrant.person_id == person.id, RoleGrant.role == role, condition))
    where = f" of {target_group.name}" if target_group else ""
    if not result.rowcount:
        return GrantOutcome(False, f"{person.name} does not have the {role} role{where}.")
    session.add(AuditEntry(at=now, actor_id=actor_id, action="role_revoked", group_id=group_id, subject_id=person.id, detail=role))
    return GrantOutcome(True, f"{person.name} no longer has the {role} role{where}.")


async def list_grants(session: AsyncSession) -> list[tuple[str, str, str, str]]:
    rows = await session.execute(
        select(Person.name, Person.email, RoleGrant.role, Group.slug)
        .join(RoleGrant, RoleGrant.person_id == Person.id)
        .outerjoin(Group, Group.id == RoleGrant.group_id)
        .order_by(RoleGrant.role, Group.slug, Person.name)
    )
    return [(name, email or "", role, slug or "") for name, email, role, slug in rows]
