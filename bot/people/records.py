"""Every kind of record the bot keeps about a person: what `privacy` lists and `privacy export` gives.

Each row of a table that points at a person (a foreign key to `person`) is one of the `KINDS`
below, read by that column — or, where the row is someone else's record that merely names the
person, one of `WITHHELD`, with the reason it is not shown. `tests/unit/test_privacy_records.py`
reads the storage metadata and fails when a table gains a person column that is in neither, so a
new feature cannot keep something about people that `privacy` does not tell them.

An export gives the person their own rows, never anyone else's: columns that point at another
person, and what a row holds about them (a match's score and reasons, which name groups; the text
of a message to someone else), are left out.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, Person


@dataclass(frozen=True)
class Kind:
    """One kind of record: the rows of `table` whose `column` is the person."""

    name: str  # catalogue key privacy.record_<name>; the export's section name
    table: str
    column: str
    #: Only these columns are given (None: every column except `drop`).
    keep: tuple[str, ...] | None = None
    #: Columns never given: they point at someone else or say something about them.
    drop: tuple[str, ...] = ()


KINDS: tuple[Kind, ...] = (
    Kind("profile", "person", "id", drop=("supervisor_id",)),
    Kind("chat_accounts", "platform_link", "person_id", drop=("reference",)),
    Kind("memberships", "membership", "person_id"),
    Kind("roles", "role_grant", "person_id"),
    Kind("meeting_answers", "meeting_rsvp", "person_id"),
    Kind("meetings_scheduled", "meeting", "created_by"),
    Kind("announcements", "announcement", "author_id"),
    Kind("welcome_messages", "onboarding_journey", "person_id"),
    Kind("mentoring_profile", "mentor_profile", "person_id"),
    Kind("mentoring_as_mentee", "mentor_match", "mentee_id", drop=("mentor_id", "mentor_answer", "score", "reasons")),
    Kind("mentoring_as_mentor", "mentor_match", "mentor_id", drop=("mentee_id", "mentee_answer", "score", "reasons")),
    Kind("intro_opt_ins", "intro_opt_in", "person_id"),
    Kind("do_not_pair", "intro_avoid", "person_id"),
    Kind("intro_pairs", "intro_pair_member", "person_id"),
    Kind("messages_to_you", "outbox_item", "person_id", keep=("kind", "state", "created_at", "sent_at", "group_id", "payload")),
    Kind("messages_about_you", "outbox_item", "about_id", keep=("kind", "state", "created_at", "sent_at")),
    Kind("audit_by_you", "audit_entry", "actor_id", drop=("subject_id",)),
    Kind("audit_about_you", "audit_entry", "subject_id", drop=("actor_id",)),
    Kind("identity_system", "provisioned_person", "person_id"),
)

#: Rows that name the person but are someone else's record: not shown, not even counted.
WITHHELD: dict[tuple[str, str], str] = {
    ("person", "supervisor_id"): "the roster records of the people one supervises are theirs",
    ("intro_avoid", "avoid_id"): "another person's do-not-pair list is theirs alone",
}


def person_columns() -> list[tuple[str, str]]:
    """Every (table, column) of the schema that points at a person."""
    found = [("person", "id")]
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "person" for fk in column.foreign_keys):
                found.append((table.name, column.name))
    return found


def _table(name: str):
    return Base.metadata.tables[name]


async def counts(session: AsyncSession, person_id: int) -> dict[str, int]:
    """How many rows of each kind the person has."""
    out = {}
    for kind in KINDS:
        table = _table(kind.table)
        out[kind.name] = int((await session.execute(select(func.count()).select_from(table).where(table.c[kind.column] == person_id))).scalar_one())
    return out


async def export(session: AsyncSession, person: Person) -> dict[str, Any]:
    """The person's own records, kind by kind, as JSON-ready values."""
    data: dict[str, Any] = {}
    for kind in KINDS:
        table = _table(kind.table)
        names = [c.name for c in table.columns if (kind.keep is None or c.name in kind.keep) and c.name not in kind.drop]
        rows = (await session.execute(select(*(table.c[n] for n in names)).where(table.c[kind.column] == person.id).order_by(*table.primary_key.columns))).all()
        data[kind.name] = [{n: _plain(v) for n, v in zip(names, row)} for row in rows]
    if person.supervisor_id is not None:
        supervisor = (await session.execute(select(Person.name).where(Person.id == person.supervisor_id))).scalar_one_or_none()
        data["profile"][0]["supervisor"] = supervisor
    avoided = [r["avoid_id"] for r in data["do_not_pair"]]
    if avoided:
        # One's own list: the names one put on it, not their ids.
        names = dict((await session.execute(select(Person.id, Person.name).where(Person.id.in_(avoided)))).all())
        for row in data["do_not_pair"]:
            row["avoid"] = names.get(row.pop("avoid_id"))
    return data


def export_json(data: dict[str, Any], exported_at: datetime) -> bytes:
    return json.dumps({"exported_at": exported_at.isoformat(), "records": data}, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value
