"""Scheduled messages in `affinity-bot chat`, and `affinity-bot outbox status`, as an admin runs them."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from bot.bootstrap import open_runtime
from bot.config import Settings
from bot.outbox import enqueue
from bot.types import Reply
from storage.models import Person
from tests.e2e.test_cli import run


def queue_for(workdir: Path, email: str, key: str, text: str, kind: str = "onboarding") -> None:
    async def go() -> None:
        runtime = await open_runtime(Settings(database_url=f"sqlite+aiosqlite:///{workdir / 'affinity.db'}"))
        try:
            async with runtime.sessions() as session:
                person = (await session.execute(select(Person).where(Person.email == email))).scalar_one()
                now = datetime.now(timezone.utc) - timedelta(minutes=1)
                await enqueue(session, key=key, kind=kind, reply=Reply(text=text, ephemeral=False), now=now, person_id=person.id)
                await session.commit()
        finally:
            await runtime.close()

    asyncio.run(go())


def test_a_piped_chat_shows_the_persons_own_messages_and_keeps_the_rest_for_them(tmp_path):
    assert run(["demo"], tmp_path, "").returncode == 0
    queue_for(tmp_path, "maria.lopez@district.example", "e2e:maria", "Your day-7 mentoring offer")
    queue_for(tmp_path, "jordan.reyes@district.example", "e2e:jordan", "Two people asked to join Veteran Educators", kind="join_request")

    maria = run(["chat", "--as", "Maria Lopez"], tmp_path, "help\n")
    assert maria.returncode == 0, maria.stderr
    assert "✉ Your day-7 mentoring offer" in maria.stdout
    assert maria.stdout.index("✉ Your day-7") > maria.stdout.index("help"), "shown after the line was answered"
    assert "Veteran Educators" not in maria.stdout

    status = run(["outbox", "status"], tmp_path)
    assert status.returncode == 0, status.stderr
    assert "join_request" in status.stdout and "no platform link" in status.stdout
    assert "Two people" not in status.stdout and "Jordan" not in status.stdout

    jordan = run(["chat", "--as", "jordan.reyes@district.example"], tmp_path, "groups mine\n")
    assert "✉ Two people asked to join Veteran Educators" in jordan.stdout
    again = run(["chat", "--as", "Maria Lopez"], tmp_path, "help\n")
    assert "✉" not in again.stdout.replace("✉ Two", ""), "each message is shown once"
    final = run(["outbox", "status"], tmp_path).stdout.splitlines()
    problems = [line for line in final if line.startswith("  #")]
    assert not [line for line in problems if "join_request" in line or "onboarding" in line]
    sent = final[0].split().index("sent")
    assert [line.split()[sent] for line in final if line.startswith(("join_request ", "onboarding "))] == ["1", "1"]
