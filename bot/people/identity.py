"""Knowing who is talking: one person however many platforms they use, linked by e-mail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalogue import language_for
from bot.config import District
from bot.people import forgotten
from bot.roles import Roles
from bot.types import Option, Profile, UserRef
from storage.models import Group, Membership, Person, PlatformLink, RoleGrant
from storage.models.groups import GENERATION_COLUMNS

Generation = tuple[int, int]  # (listing, people): see bot/groups/cache.py
from storage.search import starts_with


def clean_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email if "@" in email else None


@dataclass(frozen=True)
class Identified:
    """Who is talking, the roles they hold, and whether finding them wrote anything."""

    person: Person
    roles: Roles
    changed: bool
    #: The cache generation read in the same statement as the person (None on a first contact):
    #: what this turn reads is at least as new as this (bot/groups/cache.py).
    generation: Generation | None = None
    #: Someone who ran forget-me, talking again: `person` is not stored (no id) and nothing was
    #: written; the bot asks them whether they want to be known again (bot/people/known_again.py).
    forgotten_email: str | None = None
    #: Slugs of the groups the person is in (active or asked to join) or facilitates: a listing
    #: offers them no Join (read in the same statement as the person).
    own_groups: frozenset[str] = frozenset()


# The groups that are the person's own, as one space-separated string of slugs (slugs hold no
# spaces), in the statement that finds the person: a correlated subquery, no extra round trip.
OWN_GROUPS = (
    select(func.aggregate_strings(Group.slug, " "))
    .where(
        Group.id.in_(select(Membership.group_id).where(Membership.person_id == Person.id, Membership.status.in_(("active", "pending"))).correlate(Person))
        | Group.id.in_(select(RoleGrant.group_id).where(RoleGrant.person_id == Person.id, RoleGrant.role == "facilitator").correlate(Person))
    )
    .correlate(Person)
    .scalar_subquery()
)


def own_groups(text: str | None) -> frozenset[str]:
    return frozenset((text or "").split())


# Someone already known and their role grants, in one round trip: every request starts here.
# Built once, so SQLAlchemy finds its compiled form in the statement cache without rebuilding it.
# The cache generation comes in the same statement, so it is read in the same snapshot.
_KNOWN = (
    select(Person, RoleGrant.role, RoleGrant.group_id, *GENERATION_COLUMNS, OWN_GROUPS)
    .join(PlatformLink, PlatformLink.person_id == Person.id)
    .outerjoin(RoleGrant, RoleGrant.person_id == Person.id)
    .where(
        PlatformLink.platform == bindparam("platform"),
        PlatformLink.tenant == bindparam("tenant"),
        PlatformLink.user_id == bindparam("user_id"),
    )
)
_ROLES = select(RoleGrant.role, RoleGrant.group_id).where(RoleGrant.person_id == bindparam("person_id"))
# What the in-process copy keeps of someone already known (bot/groups/cache.py `Known`), with the
# generation, as plain columns: no ORM object, no roles, no transaction to commit.
KNOWN_FACTS = (
    select(Person.id, Person.language, Person.timezone, Person.email.is_not(None), *GENERATION_COLUMNS, Person.job_role, Person.site, Person.start_date, OWN_GROUPS)
    .join(PlatformLink, PlatformLink.person_id == Person.id)
    .where(
        PlatformLink.platform == bindparam("platform"),
        PlatformLink.tenant == bindparam("tenant"),
        PlatformLink.user_id == bindparam("user_id"),
    )
)


async def identify(session: AsyncSession, actor: UserRef, profile: Profile | None, locale: str | None, today: date) -> Person:
    """The person behind `actor`; linked by verified e-mail, or created on first contact."""
    return (await identify_with_roles(session, actor, profile, locale, today)).person


async def identify_with_roles(session: AsyncSession, actor: UserRef, profile: Profile | None, locale: str | None, today: date) -> Identified:
    """`identify`, with the person's roles, and whether anything was written (to be committed)."""
    rows = (await session.execute(_KNOWN, {"platform": actor.platform, "tenant": actor.tenant, "user_id": actor.user_id})).all()
    if rows:
        person = rows[0][0]
        roles = Roles.from_grants([(role, group_id) for _, role, group_id, _, _, _ in rows if role is not None])
        listing, people = rows[0][3], rows[0][4]
        generation = (int(listing), int(people)) if listing is not None and people is not None else None
        changed = False
        if profile and profile.email and person.email is None:
            email = clean_email(profile.email)
            if email and not await _email_taken(session, email) and not await forgotten.is_forgotten(session, email):
                person.email = email
                await session.flush()
                changed = True
        return Identified(person, roles, changed, generation, own_groups=own_groups(rows[0][5]))
    email = clean_email(profile.email if profile else None)
    if email and await forgotten.is_forgotten(session, email):
        # They asked to be forgotten: nothing is stored until they confirm (see known_again).
        stranger = Person(name="", email=None, language=language_for(locale or (profile.locale if profile else None)), timezone=None, dm_ok=False, nudges_ok=False)
        return Identified(stranger, Roles(), False, None, forgotten_email=email)
    person = await _first_contact(session, actor, profile, locale, today)
    # Someone already on the roster (found by e-mail) may have been given roles before.
    grants = await session.execute(_ROLES, {"person_id": person.id})
    return Identified(person, Roles.from_grants([(role, group_id) for role, group_id in grants]), True)


async def _first_contact(session: AsyncSession, actor: UserRef, profile: Profile | None, locale: str | None, today: date) -> Person:
    person = None
    email = clean_email(profile.email if profile else None)
    if email:
        person = (await session.execute(select(Person).where(Person.email == email))).scalar_one_or_none()
    if person is None:
        person = Person(
            name=(profile.name if profile and profile.name else actor.user_id)[:200],
            email=email,
            language=language_for(locale or (profile.locale if profile else None)),
            timezone=profile.timezone if profile else None,
            created_on=today,
            dm_ok=True,
            nudges_ok=True,
        )
        session.add(person)
        await session.flush()
    elif profile and profile.timezone and not person.timezone:
        person.timezone = profile.timezone
    session.add(PlatformLink(person_id=person.id, platform=actor.platform, tenant=actor.tenant, user_id=actor.user_id))
    await session.flush()
    return person


async def _email_taken(session: AsyncSession, email: str) -> bool:
    return bool((await session.execute(select(func.count()).select_from(Person).where(Person.email == email))).scalar())


_MENTION = re.compile(r"^<@([A-Za-z0-9._:-]+)(?:\|[^>]*)?>$")


async def find_people(
    session: AsyncSession, words: str, among: list[int] | None = None, mentioned_on: UserRef | None = None
) -> list[Person]:
    """People matching a platform mention, an e-mail, a whole name, or the start of a name."""
    words = words.strip()
    query = select(Person)
    if among is not None:
        if not among:
            return []
        query = query.where(Person.id.in_(among))
    mention = _MENTION.match(words)
    if mention and mentioned_on is not None:
        query = query.join(PlatformLink, PlatformLink.person_id == Person.id).where(
            PlatformLink.platform == mentioned_on.platform,
            PlatformLink.tenant == mentioned_on.tenant,
            PlatformLink.user_id == mention.group(1),
        )
        return list((await session.execute(query)).scalars())
    words = words.lstrip("@")
    email = clean_email(words)
    if email:
        return list((await session.execute(query.where(Person.email == email))).scalars())
    lowered = words.casefold()
    candidates = list((await session.execute(query.where(starts_with(func.lower(Person.name), lowered)))).scalars())
    exact = [p for p in candidates if p.name.casefold() == lowered]
    return exact or candidates


async def site_options(session: AsyncSession, settings) -> tuple[Option, ...]:
    """The district's sites as a form's options (the site inputs of the concern and mentor forms)."""
    return tuple(Option(site, site) for site in await district_sites(session, settings.district))


async def district_sites(session: AsyncSession, district: District) -> list[str]:
    """The district's sites: as configured, or else every site someone on the roster works at."""
    if district.sites:
        return list(district.sites)
    rows = await session.execute(select(Person.site).where(Person.site.is_not(None)).distinct())
    return sorted(rows.scalars())
