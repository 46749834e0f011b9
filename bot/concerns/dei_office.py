"""What reaches the DEI office unprompted: batched notices of new cases, escalations, digests.

New cases are never announced when they are filed: notices go out at fixed times of working days
(default 10:00 and 15:00 district time), so the time a message arrives says nothing about who
filed. A case with no DEI reply after N working days (default 10) is escalated once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.catalogue import Translator
from bot.config import Settings
from bot.hours import WORKDAYS, add_working_days
from bot.roles import DEI_OFFICE
from bot.types import ConversationRef, Reply
from storage.models import Concern, ConcernMessage, OutboxItem, Person, RoleGrant

def dei_destination(settings: Settings) -> ConversationRef | None:
    """The DEI office's channel from AFFINITY_DEI_CHANNEL (platform:tenant:channel), if set."""
    if not settings.dei_channel:
        return None
    platform, tenant, channel = settings.dei_channel.split(":", 2)
    return ConversationRef(platform, tenant, channel, kind="channel")


async def send_to_dei(session: AsyncSession, settings: Settings, now: datetime, key: str, kind: str, make_reply) -> int:
    """Queue one message for the DEI office: to its channel, or else to each dei_office person."""
    channel = dei_destination(settings)
    if channel is not None:
        return int(await outbox.enqueue(session, key=key, kind=kind, reply=make_reply(Translator("en")), now=now, channel=channel))
    people = (await session.execute(select(Person).join(RoleGrant, RoleGrant.person_id == Person.id).where(RoleGrant.role == DEI_OFFICE))).scalars()
    sent = 0
    for person in people:
        sent += int(await outbox.enqueue(session, key=f"{key}:{person.id}", kind=kind, reply=make_reply(Translator(person.language)), now=now, person_id=person.id))
    return sent


#: How long after a notice time its notice may still go out (the scheduler ticks every minute; a
#: bot that was down longer leaves the cases for the next notice time).
NOTICE_WINDOW = timedelta(minutes=15)


def _slot(now: datetime, settings: Settings) -> tuple[date, time] | None:
    """The notice time whose window `now` is in, on a working day, in district time."""
    local = now.astimezone(settings.timezone)
    if local.weekday() not in WORKDAYS:
        return None
    for at in sorted(settings.district.notice_times):
        begins = datetime.combine(local.date(), at, tzinfo=settings.timezone)
        if begins <= local < begins + NOTICE_WINDOW:
            return local.date(), at
    return None


async def _slot_taken(session: AsyncSession, key: str) -> bool:
    found = await session.execute(select(OutboxItem.id).where(or_(OutboxItem.key == key, OutboxItem.key.like(f"{key}:%"))).limit(1))
    return found.first() is not None


async def queue_notices(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """At a notice time, tell the DEI office of cases and follow-ups not yet noticed.

    Each notice time is decided once: a notice time with nothing new leaves a `skipped` marker
    under its key, so a case filed a minute later waits for the next notice time instead of
    going out at once (which would tell the DEI office roughly when it was filed).
    """
    slot = _slot(now, settings)
    if slot is None:
        return 0
    today, at = slot
    key = f"concern-notice:{today.isoformat()}:{at.strftime('%H%M')}"
    if await _slot_taken(session, key):
        return 0
    new_cases = list((await session.execute(select(Concern).where(Concern.noticed_on.is_(None)).order_by(Concern.reference))).scalars())
    followups = list(
        (
            await session.execute(
                select(Concern.reference)
                .join(ConcernMessage, ConcernMessage.concern_id == Concern.id)
                .where(ConcernMessage.author == "reporter", ConcernMessage.noticed_on.is_(None))
                .distinct()
            )
        ).scalars()
    )
    if not new_cases and not followups:
        session.add(
            OutboxItem(key=key, kind="concern_notice", payload={}, state="skipped", attempts=0, not_before=now, next_attempt_at=now, created_at=now, last_error="nothing new at this notice time")
        )
        return 0

    def make(t: Translator) -> Reply:
        lines = [t("concerns.notice_title", count=len(new_cases))]
        lines += [t("concerns.notice_case", reference=c.reference, category=c.category, site=c.site or t("concerns.site_not_given"), filed=c.filed_on.isoformat()) for c in new_cases]
        if followups:
            lines.append(t("concerns.notice_followups", references=", ".join(sorted(followups))))
        lines.append(t("concerns.notice_how"))
        return Reply(text="\n".join(lines), ephemeral=False)

    sent = await send_to_dei(session, settings, now, key, "concern_notice", make)
    if not sent:
        return 0  # nowhere to send it: the cases stay un-noticed for when the DEI office exists
    await session.execute(update(Concern).where(Concern.noticed_on.is_(None)).values(noticed_on=today))
    await session.execute(update(ConcernMessage).where(ConcernMessage.author == "reporter", ConcernMessage.noticed_on.is_(None)).values(noticed_on=today))
    return sent


async def queue_escalations(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Escalate, once, each open case that has had no DEI reply for N working days."""
    today = now.astimezone(settings.timezone).date()
    if today.weekday() not in WORKDAYS:
        return 0
    n = settings.district.escalate_after_working_days
    open_cases = (await session.execute(select(Concern).where(Concern.status == "open", Concern.last_dei_on.is_(None), Concern.escalated_on.is_(None)))).scalars()
    due = [c for c in open_cases if add_working_days(c.filed_on, n, WORKDAYS, frozenset()) <= today]
    for case in due:

        def make(t: Translator, case=case) -> Reply:
            return Reply(text=t("concerns.escalation", reference=case.reference, days=n, filed=case.filed_on.isoformat()), ephemeral=False)

        await send_to_dei(session, settings, now, f"concern-escalation:{case.reference}", "concern_escalation", make)
        case.escalated_on = today
    return len(due)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
