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


def test_outbox_status_names_a_slack_workspace_that_uninstalled_the_app(tmp_path):
    from adapters.slack.installations import Revocations

    token = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"

    async def uninstalled() -> None:
        runtime = await open_runtime(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'affinity.db'}"))
        try:
            clock = lambda: datetime(2026, 9, 14, 15, 0, tzinfo=timezone.utc)  # noqa: E731
            await Revocations(runtime.sessions, clock, single_token=token).record("T0DISTRICT", "app_uninstalled", token)
        finally:
            await runtime.close()

    asyncio.run(uninstalled())
    env = {"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5"}
    status = run(["outbox", "status"], tmp_path, env=env)
    assert status.returncode == 0, status.stderr
    held = [line for line in status.stdout.splitlines() if "T0DISTRICT" in line]
    assert held == ["Slack workspace T0DISTRICT: app uninstalled since 2026-09-14 15:00 UTC; nothing is sent there until the app is installed again."]
    # The reinstalled app's new token: nothing is held back any more.
    again = run(["outbox", "status"], tmp_path, env={**env, "SLACK_BOT_TOKEN": "xoxb-17653672481-19874698323-NEWtokenAfterReinstall"})
    assert "T0DISTRICT" not in again.stdout
