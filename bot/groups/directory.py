"""Finding groups by what people type, and the rules of who may join and who may see what."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Text, bindparam, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalogue import Translator
from storage.models import Group, Membership, Person
from storage.search import contains

#: Below this many members a count is shown as "fewer than 5": a count of 1 in a small group
#: would say too much about who is in it.
MIN_SHOWN_COUNT = 5

KINDS = ("identity", "interest", "role", "new-staff")
JOIN_POLICIES = ("open", "approval")
ELIGIBILITY_KEYS = ("exclude_job_roles", "job_roles", "sites", "started_within_days")


@dataclass(frozen=True)
class Found:
    group: Group


@dataclass(frozen=True)
class Ambiguous:
    candidates: tuple[Group, ...]


@dataclass(frozen=True)
class NotFound:
    suggestions: tuple[Group, ...]


def fold(text: str) -> str:
    """Case- and accent-insensitive form, so "educadores" finds "Educadores" and "Bilingüe"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_text(group: Group) -> str:
    return fold(" ".join([group.slug, group.name, group.description or "", group.kind, " ".join(group.tags or [])]))


async def resolve(session: AsyncSession, words: str, person_id: int | None = None, include_unlisted: bool = False) -> Found | Ambiguous | NotFound:
    """The group `words` names: exact slug or name, else an unambiguous prefix or word.

    Unlisted groups are found only by their exact slug or name, or by their own members.
    """
    wanted = fold(words.strip().strip("#"))
    # Most people type or press the exact slug: one indexed lookup, not a scan of every group.
    exact = (await session.execute(select(Group).where(Group.slug == wanted))).scalar_one_or_none()
    if exact is not None:
        return Found(exact)
    groups = list((await session.execute(select(Group))).scalars())
    mine: set[int] = set()
    if person_id is not None:
        mine = set(
            (await session.execute(select(Membership.group_id).where(Membership.person_id == person_id, Membership.status != "left"))).scalars()
        )
    for g in groups:
        if fold(g.slug) == wanted or fold(g.name) == wanted:
            return Found(g)
    visible = [g for g in groups if g.listed or g.id in mine or include_unlisted]
    prefix = [g for g in visible if fold(g.slug).startswith(wanted) or fold(g.name).startswith(wanted)]
    if not prefix and wanted:
        prefix = [g for g in visible if any(w.startswith(wanted) for w in fold(g.name).split())]
    if len(prefix) == 1:
        return Found(prefix[0])
    if prefix:
        return Ambiguous(tuple(sorted(prefix, key=lambda g: g.name)))
    import difflib

    close = difflib.get_close_matches(wanted, [fold(g.slug) for g in visible], n=3, cutoff=0.6)
    return NotFound(tuple(g for g in visible if fold(g.slug) in close))


@dataclass(frozen=True)
class Listed:
    """What a listing shows of one group, and no more: no tags, rules or resources to decode."""

    id: int
    slug: str
    name: str
    description: str
    join_policy: str
    active_count: int
    listed: bool


def _listing(*conditions: Any) -> Any:
    """Listed groups meeting `conditions`, by name, each row with the number matching in all.

    The number is an uncorrelated subquery, which both databases work out once per statement
    (a `count(*) OVER ()` window would make SQLite copy every matching row before sorting).
    """
    matching = (_GROUP.listed.is_(True), *conditions)
    total = select(func.count()).select_from(_GROUPS).where(*matching).correlate(None).scalar_subquery()
    return (
        select(_GROUP.id, _GROUP.slug, _GROUP.name, _GROUP.description, _GROUP.join_policy, _GROUP.active_count, _GROUP.listed, total.label("total"))
        .where(*matching)
        .order_by(func.lower(_GROUP.name), _GROUP.name, _GROUP.id)
        .limit(bindparam("limit"))
    )


# The table's own columns, not the mapped class's: a plain Core statement skips the ORM's
# compile and loading steps, which a listing of plain values has no use for.
_GROUPS = Group.__table__
_GROUP = _GROUPS.c
# `groups` with no words is what most people type; its statement is built once.
_EVERY_LISTED = _listing()


async def search(session: AsyncSession, query: str, limit: int, leave_out: list[int] | tuple[int, ...] = ()) -> tuple[list[Listed], int]:
    """The first `limit` listed groups, by name, whose name, slug, description, kind or tags
    contain every query word, and how many match in all; groups in `leave_out` (those the person
    may not join) are not among them.

    Ordering, limiting and counting happen in the database, in one statement: a district with
    500 groups does not load 500 rows to show ten, nor ask twice.
    """
    words = fold(query).split()
    conditions = [contains(_GROUP.search_text, word) for word in words]
    if leave_out:
        conditions.append(_GROUP.id.not_in(list(leave_out)))
    statement = _listing(*conditions) if conditions else _EVERY_LISTED
    rows = (await session.execute(statement, {"limit": limit})).all()
    if not rows:
        return [], 0
    return [Listed(*row[:-1]) for row in rows], int(rows[0][-1])


def count_label(t: Translator, count: int) -> str:
    """A public count: "none" for zero (nobody to single out), "fewer than 5" below five."""
    if count <= 0:
        return t("groups.count_none")
    if count < MIN_SHOWN_COUNT:
        return t("groups.count_few")
    return t("groups.count", count=count)


def role_words(text: str) -> tuple[str, ...]:
    """A job role as case- and accent-folded whole words: "IT Administrator" → ("it", "administrator")."""
    return tuple("".join(c if c.isalnum() else " " for c in fold(text)).split())


def role_matches(rule_role: str, job_role: str | None) -> bool:
    """Whether a role named in a group's rule covers a person's job role: its words appear, whole
    and in order, in the job role. "administrator" covers "IT Administrator" and "administrator";
    "principal" covers "Assistant Principal"; "admin" covers neither."""
    wanted, have = role_words(rule_role), role_words(job_role or "")
    if not wanted:
        return False
    return any(have[i : i + len(wanted)] == wanted for i in range(len(have) - len(wanted) + 1))


def ineligible(person: Person, group: Group, today: date) -> tuple[str, dict[str, Any]] | None:
    """Why `person` may not join `group` (a catalogue key and parameters), or None."""
    return ineligible_by(group.eligibility or {}, person.job_role, person.site, person.start_date, today)


def ineligible_by(rule: dict[str, Any], job_role: str | None, site: str | None, start_date: date | None, today: date) -> tuple[str, dict[str, Any]] | None:
    """`ineligible` from the facts themselves (the rule of one group, a person's roster facts)."""
    excluded = rule.get("exclude_job_roles", [])
    if excluded and any(role_matches(r, job_role) for r in excluded):
        return "groups.ineligible_role_excluded", {"role": job_role}
    allowed = rule.get("job_roles", [])
    if allowed and not any(role_matches(r, job_role) for r in allowed):
        return "groups.ineligible_role_required", {"roles": ", ".join(rule["job_roles"])}
    sites = [fold(s) for s in rule.get("sites", [])]
    if sites and fold(site or "") not in sites:
        return "groups.ineligible_site", {"sites": ", ".join(rule["sites"])}
    within = rule.get("started_within_days")
    if within is not None:
        if start_date is None or (today - start_date).days > int(within):
            return "groups.ineligible_new_staff", {"days": within}
    return None


#: The roster facts eligibility reads: (job role, site, start date).
RosterFacts = tuple[str | None, str | None, date | None]
#: The rules of the listed groups that have any: (group id, rule).
Rules = tuple[tuple[int, dict[str, Any]], ...]

_RULED = select(_GROUP.id, _GROUP.eligibility).where(_GROUP.listed.is_(True), func.length(cast(_GROUP.eligibility, Text)) > 2).order_by(_GROUP.id)


async def listed_rules(session: AsyncSession) -> Rules:
    """The rules of listed groups (few groups have rules: only those are read)."""
    return tuple((gid, rule) for gid, rule in (await session.execute(_RULED)).all() if rule)


def not_eligible(rules: Rules, facts: RosterFacts, today: date) -> tuple[int, ...]:
    """The ids of the groups among `rules` a person with these facts may not join today."""
    return tuple(gid for gid, rule in rules if ineligible_by(rule, *facts, today) is not None)


def describe_eligibility(t: Translator, group: Group) -> str:
    rule = group.eligibility or {}
    parts = []
    if rule.get("exclude_job_roles"):
        parts.append(t("groups.rule_exclude_roles", roles=", ".join(rule["exclude_job_roles"])))
    if rule.get("job_roles"):
        parts.append(t("groups.rule_roles", roles=", ".join(rule["job_roles"])))
    if rule.get("sites"):
        parts.append(t("groups.rule_sites", sites=", ".join(rule["sites"])))
    if rule.get("started_within_days") is not None:
        parts.append(t("groups.rule_new_staff", days=rule["started_within_days"]))
    return "; ".join(parts) if parts else t("groups.rule_everyone")
