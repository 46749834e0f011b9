"""The staff roster CSV: who works in the district, where, since when, and for whom."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalogue import LANGUAGES
from bot.imports.problems import ImportProblem, ImportResult, excerpt
from bot.onboarding.journeys import start_roster_journeys
from bot.people.identity import clean_email
from storage.models import AuditEntry, Person

REQUIRED = ("email", "name")
COLUMNS = ("email", "name", "role", "site", "start_date", "end_date", "supervisor_email", "language", "timezone")
MAX_ROWS = 500_000
_CHUNK = 5_000


@dataclass(frozen=True)
class RosterRow:
    line: int
    email: str
    name: str
    role: str | None
    site: str | None
    start_date: date | None
    end_date: date | None
    supervisor_email: str | None
    language: str
    timezone: str | None


def read_roster(text: str, file: str) -> tuple[list[RosterRow], list[ImportProblem]]:
    """Parse and check every row; nothing is written here."""
    problems: list[ImportProblem] = []
    rows: list[RosterRow] = []
    if "\x00" in text:
        return [], [ImportProblem(file, None, None, "the file is not text (it contains NUL bytes); save it as CSV (UTF-8).")]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        return [], [ImportProblem(file, 1, None, f"the header line is not valid CSV ({exc}).")]
    if not header:
        return [], [ImportProblem(file, None, None, "the file is empty; the first line must name the columns: " + ", ".join(COLUMNS) + ".")]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [ImportProblem(file, 1, None, f"the header has no {', '.join(missing)} column; columns are {', '.join(COLUMNS)}.")]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        return [], [ImportProblem(file, 1, unknown[0], f"unknown column; columns are {', '.join(COLUMNS)}.")]
    reader.fieldnames = header
    seen: dict[str, int] = {}
    try:
        for raw in reader:
            line = reader.line_num
            if len(rows) >= MAX_ROWS:
                problems.append(ImportProblem(file, line, None, f"the roster has more than {MAX_ROWS:,} rows; split it."))
                break
            if None in raw:
                problems.append(ImportProblem(file, line, None, f"this row has more values than the header has columns ({len(header)})."))
                continue
            row = _read_row(raw, line, file, problems)
            if row is None:
                continue
            if row.email in seen:
                problems.append(ImportProblem(file, line, "email", f"{row.email} appears again (first on row {seen[row.email]})."))
                continue
            seen[row.email] = line
            rows.append(row)
    except csv.Error as exc:
        problems.append(ImportProblem(file, reader.line_num, None, f"this line is not valid CSV ({exc})."))
    for row in rows:
        if row.supervisor_email == row.email:
            problems.append(ImportProblem(file, row.line, "supervisor_email", "a person cannot be their own supervisor."))
    return rows, problems


def _read_row(raw: dict, line: int, file: str, problems: list[ImportProblem]) -> RosterRow | None:
    before = len(problems)
    value = {k: (v or "").strip() for k, v in raw.items()}
    email = clean_email(value.get("email"))
    if not email or " " in email or len(email) > 320:
        problems.append(ImportProblem(file, line, "email", f"{excerpt(value.get('email'))} is not an e-mail address."))
    name = value.get("name", "")
    if not name:
        problems.append(ImportProblem(file, line, "name", "the name is empty."))
    elif len(name) > 200:
        problems.append(ImportProblem(file, line, "name", f"the name is {len(name)} characters; the limit is 200."))
    dates = {}
    for column in ("start_date", "end_date"):
        text = value.get(column, "")
        dates[column] = None
        if text:
            try:
                dates[column] = date.fromisoformat(text)
            except ValueError:
                problems.append(ImportProblem(file, line, column, f"{excerpt(text)} is not a date written as YYYY-MM-DD."))
    if dates["start_date"] and dates["end_date"] and dates["end_date"] < dates["start_date"]:
        problems.append(ImportProblem(file, line, "end_date", "the end date is before the start date."))
    supervisor = value.get("supervisor_email", "")
    supervisor_email = clean_email(supervisor) if supervisor else None
    if supervisor_email and (" " in supervisor_email or len(supervisor_email) > 320):
        supervisor_email = None
    if supervisor and not supervisor_email:
        problems.append(ImportProblem(file, line, "supervisor_email", f"{excerpt(supervisor)} is not an e-mail address."))
    language = (value.get("language") or "en").lower()
    if language not in LANGUAGES:
        problems.append(ImportProblem(file, line, "language", f"{excerpt(language)} is not one of {', '.join(LANGUAGES)}."))
    zone = value.get("timezone") or None
    if zone:
        try:
            # A zone name is at most 64 characters (the column); a longer one would only make
            # the zone database look for a file whose name is too long.
            if len(zone) > 64:
                raise ValueError(zone)
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            problems.append(ImportProblem(file, line, "timezone", f"{excerpt(zone)} is not an IANA time zone such as America/Chicago."))
    for column in ("role", "site"):
        if len(value.get(column, "")) > 100:
            problems.append(ImportProblem(file, line, column, "longer than 100 characters."))
    if len(problems) > before:
        return None
    return RosterRow(
        line=line,
        email=email or "",
        name=name,
        role=value.get("role") or None,
        site=value.get("site") or None,
        start_date=dates["start_date"],
        end_date=dates["end_date"],
        supervisor_email=supervisor_email,
        language=language,
        timezone=zone,
    )


async def import_roster(session: AsyncSession, path: Path, today: date, now) -> ImportResult:
    """Check the whole file, then write all of it in the caller's transaction, or nothing."""
    file = str(path)
    result = ImportResult()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        result.problems.append(ImportProblem(file, None, None, "the file does not exist."))
        return result
    except UnicodeDecodeError:
        result.problems.append(ImportProblem(file, None, None, "the file is not UTF-8 text; save it as CSV (UTF-8)."))
        return result
    rows, problems = read_roster(text, file)
    result.problems.extend(problems)
    if result.problems:
        return result
    existing = dict((await session.execute(select(Person.email, Person.id).where(Person.email.is_not(None)))).all())
    in_file = {r.email for r in rows}
    for row in rows:
        if row.supervisor_email and row.supervisor_email not in in_file and row.supervisor_email not in existing:
            result.problems.append(ImportProblem(file, row.line, "supervisor_email", f"{row.supervisor_email} is neither in this roster nor already known."))
    if result.problems:
        return result
    new_rows = [_values(r, today) for r in rows if r.email not in existing]
    changed = [{"id": existing[r.email], **_values(r, today, new=False)} for r in rows if r.email in existing]
    for start in range(0, len(new_rows), _CHUNK):
        await session.execute(insert(Person), new_rows[start : start + _CHUNK])
    for start in range(0, len(changed), _CHUNK):
        await session.execute(update(Person), changed[start : start + _CHUNK])
    ids = dict((await session.execute(select(Person.email, Person.id).where(Person.email.is_not(None)))).all())
    supervised = [{"id": ids[r.email], "supervisor_id": ids[r.supervisor_email]} for r in rows if r.supervisor_email]
    for start in range(0, len(supervised), _CHUNK):
        await session.execute(update(Person), supervised[start : start + _CHUNK])
    # New staff start their onboarding journey (recent or future start dates only; see
    # bot/onboarding): one bulk statement per chunk, never a query per row.
    await start_roster_journeys(session, [(ids[r.email], r.start_date) for r in rows if r.start_date is not None], today, now)
    result.created, result.updated = len(new_rows), len(changed)
    result.new_people = [ids[r.email] for r in rows if r.email not in existing]
    session.add(AuditEntry(at=now, actor_id=None, action="roster_imported", detail=f"{result.created} new, {result.updated} updated"))
    return result


def _values(row: RosterRow, today: date, new: bool = True) -> dict:
    values = {
        "name": row.name,
        "job_role": row.role,
        "site": row.site,
        "start_date": row.start_date,
        "end_date": row.end_date,
    }
    if new:
        # Language and time zone are only defaults: once a person has chosen their own with
        # `settings`, a later roster does not overwrite the choice.
        values.update(email=row.email, language=row.language, timezone=row.timezone, created_on=today, dm_ok=True, nudges_ok=True)
    return values
