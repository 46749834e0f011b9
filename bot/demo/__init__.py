"""The sample district behind `affinity-bot demo`: eight groups and forty staff at five sites."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.demo.mentoring import seed_mentoring
from bot.imports.groups_file import apply_groups, read_groups
from bot.imports.roster_file import import_roster
from bot.people.grants import grant
from storage.models import Group, Membership, Person

GROUPS_FILE = Path(__file__).with_name("groups.yml")
DEMO_PERSON = "maria.lopez@district.example"

SITES = ("Lincoln Elementary", "Roosevelt Middle", "Jefferson High", "Garcia Early Learning Center", "District Office")

# name, job role, site index, days since start, supervisor (first name key), language
PEOPLE = (
    ("Patricia Holloway", "administrator", 4, 4100, None, "en"),
    ("Marcus Green", "principal", 0, 3200, "patricia", "en"),
    ("Denise Washington", "principal", 1, 2900, "patricia", "en"),
    ("Robert Alvarez", "principal", 2, 3500, "patricia", "es"),
    ("Tamika Brooks", "assistant principal", 2, 1500, "robert", "en"),
    ("Helen Park", "principal", 3, 2600, "patricia", "en"),
    ("Maria Lopez", "teacher", 0, 12, "marcus", "en"),
    ("Jordan Reyes", "teacher", 2, 2100, "robert", "en"),
    ("Aisha Bello", "counselor", 1, 1800, "denise", "en"),
    ("Kenji Watanabe", "teacher", 2, 950, "robert", "en"),
    ("Grace Kim", "instructional coach", 4, 2400, "patricia", "en"),
    ("Rosa Martinez", "teacher", 3, 1300, "helen", "es"),
    ("Emily Carter", "teacher", 0, 1700, "marcus", "en"),
    ("David Nguyen", "teacher", 1, 2200, "denise", "en"),
    ("Lena Fischer", "librarian", 2, 3000, "robert", "en"),
    ("Dana Whitfield", "dei coordinator", 4, 1100, "patricia", "en"),
    ("Sam Okafor", "it administrator", 4, 1900, "patricia", "en"),
    ("Luis Hernandez", "teacher", 0, 40, "marcus", "es"),
    ("Priya Shah", "teacher", 1, 75, "denise", "en"),
    ("Tom Becker", "teacher", 2, 5200, "robert", "en"),
    ("Fatima Haddad", "paraprofessional", 3, 300, "helen", "en"),
    ("Chris Johnson", "teacher", 1, 2700, "denise", "en"),
    ("Alex Morgan", "school psychologist", 4, 800, "patricia", "en"),
    ("Noah Williams", "teacher", 2, 20, "robert", "en"),
    ("Sofia Ramirez", "teacher", 3, 500, "helen", "es"),
    ("Jamal Carter", "assistant principal", 1, 1200, "denise", "en"),
    ("Mei Chen", "teacher", 0, 3900, "marcus", "en"),
    ("Olivia Brown", "nurse", 2, 1400, "robert", "en"),
    ("Daniel Cruz", "custodian", 0, 2500, "marcus", "es"),
    ("Hannah Lee", "teacher", 1, 150, "denise", "en"),
    ("Ibrahim Yusuf", "teacher", 2, 600, "robert", "en"),
    ("Carmen Ortiz", "office manager", 3, 3300, "helen", "es"),
    ("Ethan Davis", "teacher", 0, 1000, "marcus", "en"),
    ("Zoe Thompson", "teacher", 1, 5, "denise", "en"),
    ("Gabriel Silva", "teacher", 2, 2300, "robert", "es"),
    ("Nia Jackson", "social worker", 4, 700, "patricia", "en"),
    ("Ryan O'Connor", "coach", 2, 4400, "robert", "en"),
    ("Ana Flores", "teacher", 3, 90, "helen", "es"),
    ("Victor Kowalski", "teacher", 0, 6100, "marcus", "en"),
    ("Keisha Robinson", "teacher", 1, 1600, "denise", "en"),
)

# Members who joined on their own before the demo starts, so counts are realistic: some groups
# have fewer than five members and show it that way.
SEEDED = {
    "lgbtq-educators": ("jordan", "alex", "hannah", "ethan", "mei", "noah", "olivia"),
    "educators-of-color": ("aisha", "kenji", "rosa", "jamal", "ibrahim", "keisha", "nia", "sofia", "gabriel"),
    "black-administrators": ("marcus", "tamika"),
    "new-teachers": ("luis", "priya", "noah", "zoe", "ana", "hannah"),
    "bilingual-staff": ("rosa", "luis", "carmen", "daniel", "sofia", "gabriel"),
    "parents-on-staff": ("emily", "chris", "keisha"),
    "veteran-educators": ("david", "ryan", "tom"),
    "staff-voices": ("lena", "fatima", "tom", "victor", "olivia"),
}


def _email(name: str) -> str:
    first, last = name.lower().replace("'", "").split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@district.example"


def roster_csv(today: date) -> str:
    """The roster as CSV, start dates counted back from today so the demo never ages."""
    by_first = {name.split()[0].lower(): name for name, *_ in PEOPLE}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "role", "site", "start_date", "supervisor_email", "language", "timezone"])
    for name, role, site, days, boss, language in PEOPLE:
        supervisor = _email(by_first[boss]) if boss else ""
        writer.writerow([_email(name), name, role, SITES[site], (today - timedelta(days=days)).isoformat(), supervisor, language, "America/Chicago"])
    return out.getvalue()


async def seed(session: AsyncSession, today: date, now: datetime, workdir: Path) -> bool:
    """Load the sample district once; returns False when it was already there."""
    if (await session.execute(select(func.count()).select_from(Person).where(Person.email == DEMO_PERSON))).scalar():
        return False
    roster = workdir / "demo-roster.csv"
    roster.write_text(roster_csv(today), encoding="utf-8")
    try:
        result = await import_roster(session, roster, today, now)
    finally:
        roster.unlink(missing_ok=True)
    if not result.ok:
        raise RuntimeError("; ".join(map(str, result.problems)))
    entries, problems = read_groups(GROUPS_FILE.read_text(encoding="utf-8"), str(GROUPS_FILE))
    if problems:
        raise RuntimeError("; ".join(map(str, problems)))
    applied = await apply_groups(session, entries, str(GROUPS_FILE), today, now)
    if not applied.ok:
        raise RuntimeError("; ".join(map(str, applied.problems)))
    everyone = list((await session.execute(select(Person))).scalars())
    people = {p.email.split(".")[0]: p.id for p in everyone}
    groups = {g.slug: g.id for g in (await session.execute(select(Group))).scalars()}
    for slug, firsts in SEEDED.items():
        for n, first in enumerate(firsts):
            # Spread over the past year, so the DEI office's monthly report has a history.
            joined = now - timedelta(days=(n * 47 + len(slug) * 13) % 330)
            session.add(Membership(person_id=people[first], group_id=groups[slug], status="active", requested_at=joined, joined_at=joined, dm_ok=True, nudges_ok=True))
        await session.execute(update(Group).where(Group.id == groups[slug]).values(active_count=len(firsts)))
    await grant(session, "dana.whitfield@district.example", "dei_office", None, now, today)
    await grant(session, "sam.okafor@district.example", "admin", None, now, today)
    await seed_mentoring(session, people, groups, {p.id: p.site for p in everyone}, {p.id: p.job_role for p in everyone}, now)
    await session.flush()
    return True
