"""kill -9 of `serve` mid-fan-out: after a restart every key reaches Slack exactly once, the dead
process's claims running out within a minute of its death (they were renewed while it sent)."""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.bootstrap import open_runtime
from bot.config import Settings
from schedules.dispatcher import LEASE
from storage.models import OutboxItem
from tests.adapters.slack.fake_slack import FakeSlack
from tests.e2e.test_dispatcher_kill import BIN, environment
from tests.e2e.test_dispatcher_serve import free_port
from tests.storage.test_dispatcher import add_people, queue, rows

FAN_OUT = 400
KILL_AT = 150


async def _serve(database_url: str, fake: FakeSlack, cwd) -> asyncio.subprocess.Process:
    env = environment(database_url, fake)
    env["PORT"] = str(free_port())
    return await asyncio.create_subprocess_exec(
        str(BIN), "serve", "--host", "127.0.0.1", cwd=cwd, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )


async def test_serve_killed_mid_fan_out_delivers_everything_exactly_once_after_restart(database_url, tmp_path):
    runtime = await open_runtime(Settings(database_url=database_url))
    fake = await FakeSlack().start()
    second = None
    try:
        now = datetime.now(timezone.utc) - timedelta(minutes=1)
        people = await add_people(runtime, FAN_OUT)
        keys = [await queue(runtime, now, kind="announcement", person_id=p, text="Family night at Lincoln") for p in people]
        # From the 150th on Slack takes the posts and never answers: killed between sending and recording.
        fake.hold_answers_after(KILL_AT - 1)
        reached = fake.after_posts(KILL_AT)
        first = await _serve(database_url, fake, tmp_path)
        await asyncio.wait_for(reached.wait(), timeout=120)
        first.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(first.wait(), timeout=30) == -signal.SIGKILL
        killed_at = datetime.now(timezone.utc)
        fake.release()

        left = await rows(runtime)
        in_doubt = [r for r in left.values() if r.state == "sending"]
        assert in_doubt and any(fake.keys[r.key] for r in in_doubt), "some were posted but not recorded"
        assert max(r.claimed_until for r in in_doubt) <= killed_at + LEASE, "free for another process within a minute of the kill"

        second = await _serve(database_url, fake, tmp_path)

        async def all_sent() -> None:
            while True:
                async with runtime.sessions() as session:
                    states = dict((await session.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state))).all())
                if states == {"sent": FAN_OUT}:
                    return
                await asyncio.sleep(0.5)

        await asyncio.wait_for(all_sent(), timeout=300)
        assert fake.keys == {k: 1 for k in keys}, "each key reached Slack exactly once"
    finally:
        fake.release()
        if second is not None and second.returncode is None:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.communicate(), timeout=60)
        await fake.stop()
        await runtime.close()
