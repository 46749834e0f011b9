"""What reaches the DEI office unprompted: batched notices of new cases, escalations, digests.

New cases are never announced when they are filed: notices go out at fixed times of working days
(default 10:00 and 15:00 district time), so the time a message arrives says nothing about who
filed. A case with no DEI reply after N working days (default 10) is escalated once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.catalogue import Translator
from bot.config import Settings
from bot.hours import WORKDAYS, add_working_days
from bot.roles import DEI_OFFICE
from bot.types import ConversationRef, Reply
from storage.models import Concern, ConcernMessage, Person, RoleGrant

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


def _slot(now: datetime, settings: Settings) -> tuple[date, time] | None:
    """The latest notice time that has passed today, on a working day, in district time."""
    local = now.astimezone(settings.timezone)
    if local.weekday() not in WORKDAYS:
        return None
    passed = [t for t in sorted(settings.district.notice_times) if local.time() >= t]
    return (local.date(), passed[-1]) if passed else None


async def queue_notices(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """At a notice time, tell the DEI office of cases and follow-ups not yet noticed."""
    slot = _slot(now, settings)
    if slot is None:
        return 0
    today, at = slot
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
        return 0

    def make(t: Translator) -> Reply:
        lines = [t("concerns.notice_title", count=len(new_cases))]
        lines += [t("concerns.notice_case", reference=c.reference, category=c.category, site=c.site or t("concerns.site_not_given"), filed=c.filed_on.isoformat()) for c in new_cases]
        if followups:
            lines.append(t("concerns.notice_followups", references=", ".join(sorted(followups))))
        lines.append(t("concerns.notice_how"))
        return Reply(text="\n".join(lines), ephemeral=False)

    sent = await send_to_dei(session, settings, now, f"concern-notice:{today.isoformat()}:{at.strftime('%H%M')}", "concern_notice", make)
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
