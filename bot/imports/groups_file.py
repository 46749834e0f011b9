"""The groups YAML: what each affinity group is, who may join, who facilitates, where it talks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.groups.directory import ELIGIBILITY_KEYS, JOIN_POLICIES, KINDS, search_text
from bot.imports.plain_yaml import NotPlainYaml, load_plain
from bot.imports.problems import ImportProblem, ImportResult, excerpt, file_refusal
from bot.people import forgotten as forget_me
from bot.people.identity import clean_email
from bot.roles import FACILITATOR
from storage.models import AuditEntry, Group, GroupChannel, Person, RoleGrant

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
KEYS = ("slug", "name", "description", "kind", "tags", "listed", "join", "eligibility", "resources", "facilitators", "channels")
PLATFORMS = ("slack", "teams")
#: The largest groups file accepted (docs/import-formats.md): a district of 500 groups, each with
#: the longest description allowed, is about 1.5 MB.
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class GroupEntry:
    index: int
    slug: str
    name: str
    description: str
    kind: str
    tags: tuple[str, ...]
    listed: bool
    join: str
    eligibility: dict[str, Any]
    resources: tuple[dict[str, str], ...]
    facilitators: tuple[str, ...]
    channels: tuple[tuple[str, str, str], ...] = field(default=())


def read_groups(text: str, file: str) -> tuple[list[GroupEntry], list[ImportProblem]]:
    """Parse and check every group; nothing is written here. Rows are numbered from 1."""
    try:
        data = load_plain(text)
    except NotPlainYaml as exc:
        return [], [ImportProblem(file, None, None, exc.sentence)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" near line {mark.line + 1}" if mark else ""
        return [], [ImportProblem(file, None, None, f"this is not valid YAML{line}.")]
    if isinstance(data, dict) and "groups" in data:
        data = data["groups"]
    if not isinstance(data, list):
        return [], [ImportProblem(file, None, None, "expected a list of groups (or a `groups:` key holding one).")]
    problems: list[ImportProblem] = []
    entries: list[GroupEntry] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data, start=1):
        entry = _read_entry(raw, index, file, problems)
        if entry is None:
            continue
        if entry.slug in seen:
            problems.append(ImportProblem(file, index, "slug", f"{excerpt(entry.slug)} is used again (first by group {seen[entry.slug]})."))
            continue
        seen[entry.slug] = index
        entries.append(entry)
    return entries, problems


def _read_entry(raw: Any, index: int, file: str, problems: list[ImportProblem]) -> GroupEntry | None:
    def problem(field_name: str | None, message: str) -> None:
        problems.append(ImportProblem(file, index, field_name, message))

    if not isinstance(raw, dict):
        problem(None, "each group must be a mapping of fields such as slug, name, description.")
        return None
    before = len(problems)
    for key in raw:
        if key not in KEYS:
            problem(str(key), f"unknown field; fields are {', '.join(KEYS)}.")
    slug = raw.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        problem("slug", "must be 2–63 lower-case letters, digits and hyphens, such as lgbtq-educators.")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        problem("name", "must be text of 1–200 characters.")
    description = raw.get("description", "")
    if not isinstance(description, str) or len(description) > 2000:
        problem("description", "must be text of at most 2,000 characters.")
    kind = raw.get("kind", "identity")
    if kind not in KINDS:
        problem("kind", f"must be one of {', '.join(KINDS)}.")
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() and len(t) <= 50 for t in tags):
        problem("tags", "must be a list of short words.")
    listed = raw.get("listed", True)
    if not isinstance(listed, bool):
        problem("listed", "must be true or false.")
    join = raw.get("join", "open")
    if join not in JOIN_POLICIES:
        problem("join", f"must be one of {', '.join(JOIN_POLICIES)}.")
    eligibility = raw.get("eligibility") or {}
    if not isinstance(eligibility, dict):
        problem("eligibility", f"must be a mapping with some of {', '.join(ELIGIBILITY_KEYS)}.")
        eligibility = {}
    for key, value in eligibility.items():
        if key not in ELIGIBILITY_KEYS:
            problem("eligibility", f"unknown rule {excerpt(key)}; rules are {', '.join(ELIGIBILITY_KEYS)}.")
        elif key == "started_within_days":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problem("eligibility", "started_within_days must be a whole number of days.")
        elif not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            problem("eligibility", f"{key} must be a list of names.")
    resources = raw.get("resources", [])
    if not isinstance(resources, list) or not all(
        isinstance(r, dict) and isinstance(r.get("title"), str) and isinstance(r.get("url"), str) and r["url"].startswith(("https://", "http://"))
        for r in resources
    ):
        problem("resources", "must be a list of {title, url} with http(s) links.")
    facilitators = raw.get("facilitators", [])
    emails: list[str] = []
    if not isinstance(facilitators, list):
        problem("facilitators", "must be a list of e-mail addresses.")
    else:
        for value in facilitators:
            email = clean_email(value if isinstance(value, str) else None)
            if not email or len(email) > 320 or any(c.isspace() for c in email):
                problem("facilitators", f"{excerpt(value)} is not an e-mail address.")
            else:
                emails.append(email)
    channels: list[tuple[str, str, str]] = []
    raw_channels = raw.get("channels", {}) or {}
    if not isinstance(raw_channels, dict):
        problem("channels", "must map slack/teams to {tenant, channel}.")
    else:
        for platform, where in raw_channels.items():
            if platform not in PLATFORMS:
                problem("channels", f"unknown platform {excerpt(platform)}; use slack or teams.")
            elif not isinstance(where, dict) or not isinstance(where.get("channel"), str) or not isinstance(where.get("tenant"), str):
                problem("channels", f"{platform} needs `tenant` (workspace/tenant id) and `channel` (channel id).")
            elif not where["tenant"].strip() or len(where["tenant"]) > 100 or not where["channel"].strip() or len(where["channel"]) > 200:
                problem("channels", f"{platform}: `tenant` must be 1–100 characters and `channel` 1–200.")
            else:
                channels.append((platform, where["tenant"], where["channel"]))
    if _holds_nul(raw):
        problem(None, "a value holds a NUL character (\\0); remove it.")
    if len(problems) > before:
        return None
    return GroupEntry(
        index=index,
        slug=slug,
        name=name.strip(),
        description=description.strip(),
        kind=kind,
        tags=tuple(t.strip() for t in tags),
        listed=listed,
        join=join,
        eligibility=dict(eligibility),
        resources=tuple(dict(title=r["title"], url=r["url"]) for r in resources),
        facilitators=tuple(emails),
        channels=tuple(channels),
    )


def _holds_nul(value: Any) -> bool:
    """Whether a NUL hides in any text of the value (a double-quoted "\\0" in YAML writes one);
    PostgreSQL refuses it in text. The loader already bounded the nesting."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


async def import_groups(session: AsyncSession, path: Path, today: date, now) -> ImportResult:
    """Check the whole file, then create or update every group in it, or nothing."""
    file = str(path)
    result = ImportResult()
    refused = file_refusal(path, file, MAX_BYTES, "a groups file")
    if refused:
        result.add(refused)
        return result
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        result.add(ImportProblem(file, None, None, "the file is not UTF-8 text."))
        return result
    except OSError:
        result.add(ImportProblem(file, None, None, "the file cannot be read."))
        return result
    entries, problems = read_groups(text, file)
    for problem in problems:
        result.add(problem)
    # Facilitators are looked up even when some groups had problems: every problem in one run.
    people = await _facilitators(session, entries, file, result)
    if not result.ok:
        return result
    return await apply_groups(session, entries, file, today, now, result, people)


async def _facilitators(session: AsyncSession, entries: list[GroupEntry], file: str, result: ImportResult) -> dict[str, int]:
    """The person id of every facilitator the entries name; a problem for each not on the roster
    (and for each channel another group holds: what the database would refuse, said first)."""
    emails = sorted({e for entry in entries for e in entry.facilitators})
    people: dict[str, int] = {}
    for start in range(0, len(emails), 5_000):
        part = emails[start : start + 5_000]
        people.update((await session.execute(select(Person.email, Person.id).where(Person.email.in_(part)))).all())
    forgotten = await forget_me.keep_out(session)
    for entry in entries:
        for email in entry.facilitators:
            if email in people:
                continue
            if forgotten(email):
                result.left_out += 1  # they ran forget-me: no grant, and nobody named
            else:
                result.add(ImportProblem(file, entry.index, "facilitators", f"{email} is not in the roster; import the roster first."))
    await _check_channels(session, entries, file, result)
    return people


async def _check_channels(session: AsyncSession, entries: list[GroupEntry], file: str, result: ImportResult) -> None:
    """A channel belongs to one group: not two groups of the file, nor a group the file leaves out."""
    first: dict[tuple[str, str, str], GroupEntry] = {}
    for entry in entries:
        for where in entry.channels:
            if where in first and first[where].slug != entry.slug:
                result.add(ImportProblem(file, entry.index, "channels", f"{where[0]} channel {excerpt(where[2])} is also the channel of group {first[where].index}."))
            first.setdefault(where, entry)
    if not first:
        return
    slugs = {entry.slug for entry in entries}
    taken = await session.execute(
        select(GroupChannel.platform, GroupChannel.tenant, GroupChannel.channel_id, Group.slug)
        .join(Group, Group.id == GroupChannel.group_id)
        .where(GroupChannel.channel_id.in_(sorted({where[2] for where in first})))
    )
    for platform, tenant, channel, slug in taken:
        entry = first.get((platform, tenant, channel))
        if entry is not None and slug not in slugs:
            result.add(ImportProblem(file, entry.index, "channels", f"{platform} channel {excerpt(channel)} is already the channel of {slug}, which this file leaves out."))


async def apply_groups(
    session: AsyncSession, entries: list[GroupEntry], file: str, today: date, now, result: ImportResult | None = None, people: dict[str, int] | None = None
) -> ImportResult:
    result = result or ImportResult()
    if people is None:
        people = await _facilitators(session, entries, file, result)
    if not result.ok:
        return result
    existing = {g.slug: g for g in (await session.execute(select(Group))).scalars()}
    placed: list[tuple[int, tuple[tuple[str, str, str], ...]]] = []
    for entry in entries:
        group = existing.get(entry.slug)
        if group is None:
            group = Group(slug=entry.slug, created_on=today, active_count=0, intros_enabled=False, intros_cadence="biweekly")
            session.add(group)
            result.created += 1
        else:
            result.updated += 1
        group.name, group.description, group.kind = entry.name, entry.description, entry.kind
        group.tags, group.listed, group.join_policy = list(entry.tags), entry.listed, entry.join
        group.eligibility, group.resources = entry.eligibility, list(entry.resources)
        group.search_text = search_text(group)
        await session.flush()
        current = set(
            (await session.execute(select(RoleGrant.person_id).where(RoleGrant.role == FACILITATOR, RoleGrant.group_id == group.id))).scalars()
        )
        wanted = {people[e] for e in entry.facilitators if e in people}
        for person_id in sorted(wanted - current):
            session.add(RoleGrant(person_id=person_id, role=FACILITATOR, group_id=group.id, granted_on=today))
            session.add(AuditEntry(at=now, actor_id=None, action="role_granted", group_id=group.id, subject_id=person_id, detail=f"facilitator via {Path(file).name}"))
        for person_id in sorted(current - wanted):
            await session.execute(delete(RoleGrant).where(RoleGrant.role == FACILITATOR, RoleGrant.group_id == group.id, RoleGrant.person_id == person_id))
            session.add(AuditEntry(at=now, actor_id=None, action="role_revoked", group_id=group.id, subject_id=person_id, detail=f"facilitator via {Path(file).name}"))
        placed.append((group.id, entry.channels))
    # Channels last, every group's old ones out first: a file may move a channel between groups.
    await session.execute(delete(GroupChannel).where(GroupChannel.group_id.in_([group_id for group_id, _ in placed])))
    for group_id, channels in placed:
        for platform, tenant, channel in channels:
            session.add(GroupChannel(group_id=group_id, platform=platform, tenant=tenant, channel_id=channel))
    session.add(AuditEntry(at=now, actor_id=None, action="groups_imported", detail=f"{result.created} new, {result.updated} updated"))
    await session.flush()
    return result
