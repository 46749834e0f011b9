"""New-case notices come in batches at fixed times, never when a case is filed; silent cases escalate."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot import registry
from storage.models import OutboxItem

CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{5}\b")


async def _file(speaker, text: str) -> str:
    await speaker.say("concern")
    reply = await speaker.submit("concern.file", {"category": "workload", "site": "", "what_happened": text})
    assert not reply.refused
    return CODE.search(reply.text).group(0)


async def _run(district, job: str) -> int:
    async with district.sessions() as s:
        queued = await registry.jobs()[job](s, district.settings, district.now())
        await s.commit()
    return queued


async def _notices(district) -> list[OutboxItem]:
    async with district.sessions() as s:
        return list((await s.execute(select(OutboxItem).where(OutboxItem.kind == "concern_notice", OutboxItem.state == "queued"))).scalars())


async def test_a_case_filed_after_a_notice_time_waits_for_the_next_one(district, speaker, clock):
    # Monday 10:00 in the district: the morning notice time, with nothing new yet.
    assert await _run(district, "concerns.notices") == 0
    clock.advance(minutes=5)
    await _file(speaker("rosa.martinez"), "Too many duties this term.")
    # Still inside the morning notice's window, but that notice time was already decided: sending
    # now would tell the DEI office the case came in during the last few minutes.
    clock.advance(minutes=1)
    assert await _run(district, "concerns.notices") == 0 and await _notices(district) == []
    clock.advance(hours=2)
    assert await _run(district, "concerns.notices") == 0 and await _notices(district) == []
    # 15:00: the afternoon notice names the case by its reference, once.
    clock.advance(hours=2, minutes=54)
    assert await _run(district, "concerns.notices") == 1
    [notice] = await _notices(district)
    assert "R-" in notice.payload["text"] and "Too many duties" not in notice.payload["text"]
    clock.advance(minutes=1)
    assert await _run(district, "concerns.notices") == 0
    # A follow-up is noticed at the next notice time too, not at once.
    clock.advance(hours=19)  # Tuesday 10:00
    assert await _run(district, "concerns.notices") == 0


async def test_no_notice_outside_working_days(district, speaker, clock):
    clock.advance(days=5)  # Saturday 10:00
    await _file(speaker("rosa.martinez"), "Weekend.")
    assert await _run(district, "concerns.notices") == 0
    clock.advance(days=2)  # Monday 10:00
    assert await _run(district, "concerns.notices") == 1


async def test_a_case_without_a_reply_is_escalated_once_after_ten_working_days(district, speaker, clock):
    rosa = speaker("rosa.martinez")
    await _file(rosa, "Nobody answers.")
    answered_code = await _file(rosa, "This one gets an answer.")
    dana = speaker("dana.whitfield")
    listed = await dana.say("concern list")
    references = [f.label for f in listed.card.fields]
    assert len(references) == 2
    views = {r: (await dana.say(f"concern view {r}")).text for r in references}
    [answered] = [r for r, text in views.items() if "This one gets an answer." in text]
    await dana.say(f"concern reply {answered} Thank you, we are looking into it.")
    assert answered_code not in str(references)
    # Filed Monday 2026-09-14: ten working days later is Monday 2026-09-28.
    clock.advance(days=11)  # Friday 2026-09-25
    assert await _run(district, "concerns.escalations") == 0
    clock.advance(days=3)  # Monday 2026-09-28
    assert await _run(district, "concerns.escalations") == 1
    async with district.sessions() as s:
        escalations = list((await s.execute(select(OutboxItem).where(OutboxItem.kind == "concern_escalation"))).scalars())
    assert escalations and all(answered not in e.payload["text"] for e in escalations)
    clock.advance(days=1)
    assert await _run(district, "concerns.escalations") == 0
