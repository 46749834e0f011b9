"""Granting and revoking roles (an admin's job, from the command line), always audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.groups.directory import Found, resolve
from bot.people.identity import find_people
from bot.roles import FACILITATOR, ROLES
from storage.models import AuditEntry, Group, Person, RoleGrant


@dataclass(frozen=True)
class GrantOutcome:
    ok: bool
    message: str


async def _target(session: AsyncSession, who: str, role: str, group: str | None) -> tuple[Person, Group | None] | GrantOutcome:
    if role not in ROLES:
        return GrantOutcome(False, f"{role!r} is not a role; roles are {', '.join(ROLES)}.")
    if role == FACILITATOR and not group:
        return GrantOutcome(False, "the facilitator role needs a group: add --group <slug>.")
    if role != FACILITATOR and group:
        return GrantOutcome(False, f"the {role} role is district-wide; leave out --group.")
    people = await find_people(session, who)
    if not people:
        return GrantOutcome(False, f"nobody called {who!r} is known; use their e-mail from the roster.")
    if len(people) > 1:
        return GrantOutcome(False, f"{who!r} could be {', '.join(p.name for p in people[:5])}; use their e-mail.")
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
