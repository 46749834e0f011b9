"""SCIM Users as people: create, read, list, replace, patch and delete, in the caller's
transaction. A forgotten person is acknowledged and nothing is stored (bot/people/forgotten.py);
`active: false` and DELETE end the person today (memberships end, queued messages go, their
onboarding stops) and keep them for retention figures."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.onboarding.journeys import start_roster_journeys
from bot.people import forgotten as forget_me
from provisioning import resource as scim
from provisioning.errors import ScimError, invalid_value
from storage.models import Membership, OnboardingJourney, OutboxItem, Person, ProvisionedPerson

FORGOTTEN_PREFIX = "forgotten-"
_FILTER = re.compile(r'^\s*(userName|externalId|id|emails\[\s*type\s+eq\s+"work"\s*\]\.value|emails\.value|emails)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


@dataclass(frozen=True)
class Context:
    today: date
    now: datetime
    base_url: str
    site_sources: tuple[str, ...]
    start_attribute: str | None


def _facts(person: Person, row: ProvisionedPerson, ctx: Context) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "userName": row.user_name, "externalId": row.external_id, "displayName": person.name, "title": person.job_role,
        "email": person.email, "preferredLanguage": person.language, "timezone": person.timezone,
        "active": person.end_date is None or person.end_date > ctx.today,
        "manager": str(person.supervisor_id) if person.supervisor_id else None,
        "startDate": person.start_date.isoformat() if person.start_date else None,
    }
    if person.site and ctx.site_sources:
        facts[ctx.site_sources[0]] = person.site
    return facts


def _resource(person: Person, row: ProvisionedPerson, ctx: Context) -> dict:
    return scim.to_resource(person.id, _facts(person, row, ctx), ctx.base_url, None, None, ctx.start_attribute)


async def _load(session: AsyncSession, user_id: str) -> tuple[Person, ProvisionedPerson]:
    if not user_id.isdigit() or len(user_id) > 12:
        raise ScimError(404, "No such user.")
    found = (
        await session.execute(
            select(Person, ProvisionedPerson).join(ProvisionedPerson, ProvisionedPerson.person_id == Person.id)
            .where(Person.id == int(user_id), ProvisionedPerson.deleted_at.is_(None))
        )
    ).first()
    if found is None:
        raise ScimError(404, "No such user.")
    return found[0], found[1]


def _acknowledged(facts: dict, email: str, ctx: Context) -> dict:
    """What a forgotten person's create answers: their own attributes back, an id that names
    nobody, and nothing stored."""
    resource = scim.to_resource(0, facts, ctx.base_url, None, None, ctx.start_attribute)
    resource["id"] = FORGOTTEN_PREFIX + secrets.token_hex(8)  # names nobody; nothing of the e-mail in it
    resource["meta"]["location"] = f"{ctx.base_url}/Users/{resource['id']}"
    return resource


async def create(session: AsyncSession, body: Any, ctx: Context) -> tuple[str, dict]:
    """(outcome, resource): outcome is created or acknowledged (forgotten)."""
    facts = scim.from_resource(body, ctx.start_attribute)
    values = scim.person_values(facts, ctx.site_sources)
    if await forget_me.any_forgotten(session, (values["email"], facts.get("userName"))):
        return "acknowledged", _acknowledged(facts, values["email"], ctx)
    user_name = facts["userName"].lower()
    taken = (await session.execute(select(ProvisionedPerson).where(ProvisionedPerson.user_name == user_name))).scalar_one_or_none()
    if taken is not None and taken.deleted_at is None:
        raise ScimError(409, "A user with this userName exists already.", "uniqueness")
    if facts.get("externalId"):
        other = (await session.execute(select(ProvisionedPerson.person_id, ProvisionedPerson.deleted_at).where(ProvisionedPerson.external_id == facts["externalId"]))).first()
        if other is not None and other[1] is None:
            raise ScimError(409, "A user with this externalId exists already.", "uniqueness")
    person = (await session.execute(select(Person).where(Person.email == values["email"]))).scalar_one_or_none()
    if person is not None:
        linked = (await session.execute(select(ProvisionedPerson).where(ProvisionedPerson.person_id == person.id))).scalar_one_or_none()
        if linked is not None and linked.deleted_at is None:
            raise ScimError(409, "A user with this e-mail exists already.", "uniqueness")
        if linked is not None:
            await session.delete(linked)
            await session.flush()
    if taken is not None and (person is None or taken.person_id != person.id):
        await session.delete(taken)
        await session.flush()
    if person is None:
        person = Person(email=values["email"], name=values["name"], language=values["language"] or "en",
                        timezone=values["timezone"], created_on=ctx.today, dm_ok=True, nudges_ok=True)
        session.add(person)
    _write(person, values, facts, creating=True)
    await session.flush()
    await _supervisor(session, person, values)
    row = ProvisionedPerson(person_id=person.id, user_name=user_name, external_id=facts.get("externalId"))
    session.add(row)
    await _after(session, person, facts, ctx, was_active=True)
    await session.flush()
    return "created", _resource(person, row, ctx)


def _write(person: Person, values: dict, facts: dict, creating: bool) -> None:
    person.email, person.name = values["email"], values["name"]
    person.job_role, person.site, person.start_date = values["job_role"], values["site"], values["start_date"]
    if not creating:
        if values["language"]:
            person.language = values["language"]
        if values["timezone"]:
            person.timezone = values["timezone"]
    if facts.get("active", True):
        person.end_date = None


async def _supervisor(session: AsyncSession, person: Person, values: dict) -> None:
    manager = values["manager"]
    if manager is None or manager == person.id:
        person.supervisor_id = None
        return
    exists = (await session.execute(select(Person.id).where(Person.id == manager))).scalar_one_or_none()
    person.supervisor_id = exists


async def _after(session: AsyncSession, person: Person, facts: dict, ctx: Context, was_active: bool) -> str | None:
    """Start onboarding for a start date, or end the person when they became inactive."""
    if not facts.get("active", True):
        if person.end_date is None or person.end_date > ctx.today:
            person.end_date = ctx.today
            await end(session, person.id, ctx.now)
            return "ended"
        return None
    if person.start_date is not None:
        await session.flush()
        await start_roster_journeys(session, [(person.id, person.start_date)], ctx.today, ctx.now)
    return None


async def end(session: AsyncSession, person_id: int, now: datetime) -> None:
    """A leaver: every membership ends, queued messages to them go, their onboarding stops."""
    await session.execute(
        update(Membership).where(Membership.person_id == person_id, Membership.status != "left").values(status="left", left_at=now)
    )
    await session.execute(delete(OutboxItem).where(OutboxItem.person_id == person_id, OutboxItem.state == "queued"))
    await session.execute(
        update(OnboardingJourney).where(OnboardingJourney.person_id == person_id, OnboardingJourney.stopped_at.is_(None)).values(stopped_at=now)
    )


async def get(session: AsyncSession, user_id: str, ctx: Context) -> dict:
    person, row = await _load(session, user_id)
    return _resource(person, row, ctx)


async def listing(session: AsyncSession, query, ctx: Context) -> dict:
    start = _positive(query.get("startIndex"), "startIndex", 1)
    count = min(_positive(query.get("count"), "count", 100, zero=True), 1000)
    statement = select(Person, ProvisionedPerson).join(ProvisionedPerson, ProvisionedPerson.person_id == Person.id).where(ProvisionedPerson.deleted_at.is_(None))
    text = query.get("filter")
    if text is not None:
        match = _FILTER.match(text) if len(text) <= 1000 else None
        if match is None:
            raise ScimError(400, 'Supported filters: userName eq "…", externalId eq "…", emails[type eq "work"].value eq "…".', "invalidFilter")
        attribute, value = match.group(1).lower(), match.group(2).replace('\\"', '"').replace("\\\\", "\\")
        if attribute == "username":
            statement = statement.where(ProvisionedPerson.user_name == value.strip().lower())
        elif attribute == "externalid":
            statement = statement.where(ProvisionedPerson.external_id == value)
        elif attribute == "id":
            statement = statement.where(Person.id == (int(value) if value.isdigit() and len(value) < 12 else -1))
        else:
            statement = statement.where(Person.email == value.strip().lower())
    total = (await session.execute(select(func.count()).select_from(statement.subquery()))).scalar_one()
    rows = (await session.execute(statement.order_by(Person.id).offset(start - 1).limit(count))).all() if count else []
    return {
        "schemas": [scim.LIST], "totalResults": total, "startIndex": start, "itemsPerPage": len(rows),
        "Resources": [_resource(p, r, ctx) for p, r in rows],
    }


def _positive(text: str | None, name: str, default: int, zero: bool = False) -> int:
    if text is None or text == "":
        return default
    if not text.strip().lstrip("-").isdigit() or len(text) > 9:
        raise invalid_value(f"{name} must be a whole number.")
    value = int(text)
    return max(value, 0 if zero else 1)  # RFC 7644 §3.4.2.4: below 1 is read as 1 (count: 0)


async def replace(session: AsyncSession, user_id: str, body: Any, ctx: Context) -> tuple[str, dict]:
    if user_id.startswith(FORGOTTEN_PREFIX):
        scim.from_resource(body, ctx.start_attribute)
        return "acknowledged", {}
    person, row = await _load(session, user_id)
    facts = scim.from_resource(body, ctx.start_attribute)
    if isinstance(body, dict) and body.get("id") not in (None, user_id):
        raise ScimError(400, "id cannot be changed.", "mutability")
    return await _store(session, person, row, _facts(person, row, ctx), facts, ctx)


async def patch(session: AsyncSession, user_id: str, body: Any, ctx: Context) -> tuple[str, dict]:
    if user_id.startswith(FORGOTTEN_PREFIX):
        scim.apply_patch({}, body, ctx.start_attribute)
        return "acknowledged", {}
    person, row = await _load(session, user_id)
    before = _facts(person, row, ctx)
    after = scim.apply_patch(before, body, ctx.start_attribute)
    return await _store(session, person, row, before, after, ctx)


async def _store(session, person: Person, row: ProvisionedPerson, before: dict, facts: dict, ctx: Context) -> tuple[str, dict]:
    values = scim.person_values(facts, ctx.site_sources)
    user_name = facts["userName"].lower()
    if user_name != row.user_name:
        other = (await session.execute(select(ProvisionedPerson.person_id).where(ProvisionedPerson.user_name == user_name))).scalar_one_or_none()
        if other is not None:
            raise ScimError(409, "A user with this userName exists already.", "uniqueness")
    if facts.get("externalId") and facts["externalId"] != row.external_id:
        other = (await session.execute(select(ProvisionedPerson.person_id).where(ProvisionedPerson.external_id == facts["externalId"]))).scalar_one_or_none()
        if other is not None:
            raise ScimError(409, "A user with this externalId exists already.", "uniqueness")
    if values["email"] != person.email:
        other = (await session.execute(select(Person.id).where(Person.email == values["email"]))).scalar_one_or_none()
        if other is not None or await forget_me.is_forgotten(session, values["email"]):
            raise ScimError(409, "A user with this e-mail exists already.", "uniqueness")
    row.user_name, row.external_id = user_name, facts.get("externalId")
    _write(person, values, facts, creating=False)
    await _supervisor(session, person, values)
    outcome = await _after(session, person, facts, ctx, was_active=bool(before.get("active", True)))
    await session.flush()
    return outcome or "updated", _resource(person, row, ctx)


async def remove(session: AsyncSession, user_id: str, ctx: Context) -> str:
    """DELETE: the resource is gone for SCIM; the person is kept, ended today."""
    if user_id.startswith(FORGOTTEN_PREFIX):
        return "acknowledged"
    person, row = await _load(session, user_id)
    row.deleted_at = ctx.now
    if person.end_date is None or person.end_date > ctx.today:
        person.end_date = ctx.today
    await end(session, person.id, ctx.now)
    await session.flush()
    return "ended"
