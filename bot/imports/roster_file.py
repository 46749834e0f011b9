"""The staff roster CSV: who works in the district, where, since when, and for whom.

The file is read as a stream, row by row, so a district's whole staff costs the same memory as a
handful of rows (only the set of e-mails seen is kept, to find repeats). All or nothing holds
across the passes: the first reads every row and collects every problem; only a file without one
is read again and written, in batches inside the caller's one transaction; and a file that
changed between the passes is a problem too, so the caller rolls back.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import IO

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalogue import LANGUAGES
from bot.hours import read_zone
from bot.imports.problems import ImportProblem, ImportResult, excerpt, file_refusal
from bot.onboarding.journeys import start_roster_journeys
from bot.people import forgotten as forget_me
from bot.people.identity import clean_email
from storage.models import AuditEntry, Person

REQUIRED = ("email", "name")
COLUMNS = ("email", "name", "role", "site", "start_date", "end_date", "supervisor_email", "language", "timezone")
MAX_ROWS = 500_000
#: The largest roster accepted (docs/import-formats.md): 150,000 rows fit even at the longest
#: value every column allows (about 1,150 bytes a row, 173 MB), and a typical export of 150,000
#: rows is 15–25 MB. Checked from the file's size before a byte is read.
MAX_BYTES = 200 * 1024 * 1024
#: A longer physical line is not a roster row (the longest legal row is about 1,150 characters):
#: it is refused before it is held whole in memory.
MAX_LINE_CHARS = 100_000
_CHUNK = 5_000
_person = Person.__table__


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


class _Unreadable(Exception):
    """The file cannot be read on as CSV text: `sentence` says why, at physical line `line`."""

    def __init__(self, sentence: str, line: int | None) -> None:
        super().__init__(sentence)
        self.sentence, self.line = sentence, line


class _Lines:
    """The physical lines of an open text file, one at a time, each at most MAX_LINE_CHARS;
    NUL bytes refused; a running digest of what was read, to compare one pass with the next."""

    def __init__(self, source: IO[str]) -> None:
        self.source = source
        self.count = 0
        self.digest = hashlib.sha256()

    def __iter__(self) -> Iterator[str]:
        while True:
            try:
                line = self.source.readline(MAX_LINE_CHARS + 1)
            except UnicodeDecodeError:
                raise _Unreadable("the file is not UTF-8 text; save it as CSV (UTF-8).", self.count + 1) from None
            if not line:
                return
            self.count += 1
            if len(line) > MAX_LINE_CHARS:
                raise _Unreadable(f"this line is longer than {MAX_LINE_CHARS:,} characters; a roster row is far shorter.", self.count)
            if "\x00" in line:
                raise _Unreadable("the file is not text (it contains NUL bytes); save it as CSV (UTF-8).", self.count)
            self.digest.update(line.encode("utf-8"))
            yield line


@dataclass
class _Seen:
    """What the checking pass keeps: the e-mails of the file (to find repeats and supervisors)
    and, per supervisor named, the first row naming them."""

    emails: dict[str, int] = field(default_factory=dict)
    supervisors: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    #: Valid rows of people who ran forget-me, left out (bot/people/forgotten.py).
    left_out: int = 0


def _nobody(email: str) -> bool:
    return False


def _rows(
    lines: Iterable[str], file: str, add: Callable[[ImportProblem], None], seen: _Seen, forgotten: Callable[[str], bool] = _nobody
) -> Iterator[RosterRow]:
    """Every valid row of the file, in order; each problem goes to `add`. Rows of people who ran
    forget-me are counted and left out, and a supervisor who did is no one's. Raises _Unreadable."""
    reader = csv.DictReader(lines)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        add(ImportProblem(file, 1, None, f"the header line is not valid CSV ({exc})."))
        return
    if not header:
        add(ImportProblem(file, None, None, "the file is empty; the first line must name the columns: " + ", ".join(COLUMNS) + "."))
        return
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        add(ImportProblem(file, 1, None, f"the header has no {', '.join(missing)} column; columns are {', '.join(COLUMNS)}."))
        return
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        add(ImportProblem(file, 1, unknown[0], f"unknown column; columns are {', '.join(COLUMNS)}."))
        return
    reader.fieldnames = header
    try:
        for raw in reader:
            line = reader.line_num
            if seen.rows >= MAX_ROWS:
                add(ImportProblem(file, line, None, f"the roster has more than {MAX_ROWS:,} rows; split it."))
                return
            seen.rows += 1
            if None in raw:
                add(ImportProblem(file, line, None, f"this row has more values than the header has columns ({len(header)})."))
                continue
            row = _read_row(raw, line, file, add)
            if row is None:
                continue
            if forgotten(row.email):
                seen.left_out += 1
                continue
            if row.supervisor_email and forgotten(row.supervisor_email):
                row = replace(row, supervisor_email=None)
            first = seen.emails.get(row.email)
            if first is not None:
                add(ImportProblem(file, line, "email", f"{row.email} appears again (first on row {first})."))
                continue
            seen.emails[row.email] = line
            if row.supervisor_email:
                if row.supervisor_email == row.email:
                    add(ImportProblem(file, line, "supervisor_email", "a person cannot be their own supervisor."))
                    continue
                seen.supervisors.setdefault(row.supervisor_email, line)
            yield row
    except csv.Error as exc:
        add(ImportProblem(file, reader.line_num, None, f"this line is not valid CSV ({exc})."))


def read_roster(text: str, file: str) -> tuple[list[RosterRow], list[ImportProblem]]:
    """Parse and check every row of a roster held as text; nothing is written here."""
    result = ImportResult()
    lines = _Lines(io.StringIO(text, newline=""))
    try:
        rows = list(_rows(lines, file, result.add, _Seen()))
    except _Unreadable as exc:
        result.add(ImportProblem(file, exc.line, None, exc.sentence))
        rows = []
    return rows, result.problems


def _read_row(raw: dict, line: int, file: str, add: Callable[[ImportProblem], None]) -> RosterRow | None:
    found = 0

    def problem(field_name: str, message: str) -> None:
        nonlocal found
        found += 1
        add(ImportProblem(file, line, field_name, message))

    value = {k: (v or "").strip() for k, v in raw.items()}
    email = clean_email(value.get("email"))
    if not email or " " in email or len(email) > 320:
        problem("email", f"{excerpt(value.get('email'))} is not an e-mail address.")
    name = value.get("name", "")
    if not name:
        problem("name", "the name is empty.")
    elif len(name) > 200:
        problem("name", f"the name is {len(name)} characters; the limit is 200.")
    dates = {}
    for column in ("start_date", "end_date"):
        text = value.get(column, "")
        dates[column] = None
        if text:
            try:
                dates[column] = date.fromisoformat(text)
            except ValueError:
                problem(column, f"{excerpt(text)} is not a date written as YYYY-MM-DD.")
    if dates["start_date"] and dates["end_date"] and dates["end_date"] < dates["start_date"]:
        problem("end_date", "the end date is before the start date.")
    supervisor = value.get("supervisor_email", "")
    supervisor_email = clean_email(supervisor) if supervisor else None
    if supervisor_email and (" " in supervisor_email or len(supervisor_email) > 320):
        supervisor_email = None
    if supervisor and not supervisor_email:
        problem("supervisor_email", f"{excerpt(supervisor)} is not an e-mail address.")
    language = (value.get("language") or "en").lower()
    if language not in LANGUAGES:
        problem("language", f"{excerpt(language)} is not one of {', '.join(LANGUAGES)}.")
    zone = value.get("timezone") or None
    if zone:
        # The same reader as `meeting --tz` and `settings timezone`: any case, stored as IANA spells it.
        named = read_zone(zone)
        if named is None:
            problem("timezone", f"{excerpt(zone)} is not an IANA time zone such as America/Chicago.")
        zone = named
    for column in ("role", "site"):
        if len(value.get(column, "")) > 100:
            problem(column, "longer than 100 characters.")
    if found:
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


def _open(path: Path) -> IO[str]:
    return path.open(encoding="utf-8-sig", newline="")


async def import_roster(session: AsyncSession, path: Path, today: date, now) -> ImportResult:
    """Check every row and write the valid ones in batches in the caller's transaction, in one
    read of the file; when the result has problems, the caller rolls back, so the import is all
    or nothing. Writing stops at the first problem, but checking goes on to the end, so every
    problem of the file is reported in one run."""
    file = str(path)
    result = ImportResult()
    refused = file_refusal(path, file, MAX_BYTES, "a roster")
    if refused:
        result.add(refused)
        return result
    seen = _Seen()
    forgotten = await forget_me.keep_out(session)
    try:
        with _open(path) as source:
            lines = _Lines(source)
            batch: list[RosterRow] = []
            for row in _rows(lines, file, result.add, seen, forgotten):
                if not result.ok:
                    continue  # nothing more is written; the caller rolls back what was
                batch.append(row)
                if len(batch) >= _CHUNK:
                    await _write(session, batch, today, now, result)
                    batch = []
            if batch and result.ok:
                await _write(session, batch, today, now, result)
            checked = lines.digest.digest()
    except _Unreadable as exc:
        result.add(ImportProblem(file, exc.line, None, exc.sentence))
        return result
    except OSError:
        result.add(ImportProblem(file, None, None, "the file cannot be read."))
        return result
    # Supervisors named but not in the file must be known already (checked even when rows had
    # problems, so every problem is reported in one run).
    outside = sorted(s for s in seen.supervisors if s not in seen.emails)
    known: set[str] = set()
    for start in range(0, len(outside), _CHUNK):
        part = outside[start : start + _CHUNK]
        known.update((await session.execute(select(Person.email).where(Person.email.in_(part)))).scalars())
    for email in outside:
        if email not in known:
            result.add(ImportProblem(file, seen.supervisors[email], "supervisor_email", f"{email} is neither in this roster nor already known."))
    if not result.ok:
        return result
    result.left_out = seen.left_out
    any_supervisor = bool(seen.supervisors)
    del seen  # linking supervisors needs none of it
    # Once everyone is written, each row's supervisor, reading two cells of each line again.
    if any_supervisor:
        try:
            with _open(path) as source:
                lines = _Lines(source)
                await _link_supervisors(session, lines)
                written = lines.digest.digest()
        except (_Unreadable, OSError):
            written = b""
        if written != checked:
            result.add(ImportProblem(file, None, None, "the file changed while it was being imported; nothing was imported, run the import again."))
            return result
    left_out = f", {result.left_out} left out (forget-me)" if result.left_out else ""
    session.add(AuditEntry(at=now, actor_id=None, action="roster_imported", detail=f"{result.created} new, {result.updated} updated{left_out}"))
    return result


async def _write(session: AsyncSession, batch: list[RosterRow], today: date, now, result: ImportResult) -> None:
    """One batch of valid rows: new people inserted, known ones updated, journeys started."""
    emails = [r.email for r in batch]
    existing = dict((await session.execute(select(Person.email, Person.id).where(Person.email.in_(emails)))).all())
    new_rows = [_values(r, today) for r in batch if r.email not in existing]
    changed = [{"person_id": existing[r.email], **_values(r, today, new=False)} for r in batch if r.email in existing]
    # Core statements, executed many: the ORM's bulk paths cost more per row than the database.
    if new_rows:
        await session.execute(insert(_person), new_rows)
    if changed:
        await session.execute(_UPDATE, changed)
    ids = dict((await session.execute(select(Person.email, Person.id).where(Person.email.in_(emails)))).all()) if new_rows else existing
    # New staff start their onboarding journey (recent or future start dates only; see
    # bot/onboarding): one bulk statement per batch, never a query per row.
    await start_roster_journeys(session, [(ids[r.email], r.start_date) for r in batch if r.start_date is not None], today, now)
    result.created += len(new_rows)
    result.updated += len(changed)
    result.new_people.extend(ids[r.email] for r in batch if r.email not in existing)


_UPDATE = update(_person).where(_person.c.id == bindparam("person_id"))
_SUPERVISOR = _person.alias("supervisor")
_LINK = (
    update(_person)
    .where(_person.c.email == bindparam("row_email"))
    .values(supervisor_id=select(_SUPERVISOR.c.id).where(_SUPERVISOR.c.email == bindparam("supervisor_email")).scalar_subquery())
)


async def _link_supervisors(session: AsyncSession, lines: _Lines) -> None:
    """Third pass, once everyone is written: each row's supervisor, by e-mail, in batches. The
    file was checked whole (and its digest is compared after), so only two cells are read."""
    reader = csv.reader(lines)
    header = [h.strip().lower() for h in next(reader)]
    email_at, supervisor_at = header.index("email"), header.index("supervisor_email")
    batch: list[dict] = []
    for cells in reader:
        if len(cells) <= max(email_at, supervisor_at):
            continue  # a short row (the checked pass read its missing cells as empty): no supervisor
        supervisor = clean_email(cells[supervisor_at])
        if supervisor:
            batch.append({"row_email": clean_email(cells[email_at]), "supervisor_email": supervisor})
            if len(batch) >= _CHUNK:
                await session.execute(_LINK, batch)
                batch = []
    if batch:
        await session.execute(_LINK, batch)


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
