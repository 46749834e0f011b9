"""A dispatcher process killed with SIGKILL in the middle of a fan-out, then restarted: every key delivered exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from bot.bootstrap import open_runtime
from bot.config import Settings
from storage.models import OutboxItem
from tests.adapters.slack.fake_slack import FakeSlack
from tests.storage.test_dispatcher import BOT_TOKEN, SECRET, add_people, queue, rows

BIN = Path(sys.executable).with_name("affinity-bot")
FAN_OUT = 1000
KILL_AT = 300
#: Claims of 64 with 16 sends in flight: the 300th post falls inside the fifth claim (257-320),
#: so when the process dies some of that claim were posted and some were never tried.
BATCH, CONCURRENCY = "64", "16"


def environment(database_url: str, fake: FakeSlack) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AFFINITY_", "SLACK_", "MICROSOFT_"))}
    env.update(DATABASE_URL=database_url, SLACK_API_URL=fake.api_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET)
    return env


async def drain(database_url: str, fake: FakeSlack, cwd: Path) -> asyncio.subprocess.Process:
    # A short lease, so the restarted process may take over the dead one's claims within seconds.
    return await asyncio.create_subprocess_exec(
        str(BIN), "outbox", "drain", "--until-empty", "--lease", "2", "--batch", BATCH, "--concurrency", CONCURRENCY,
        cwd=cwd, env=environment(database_url, fake), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def test_a_killed_dispatcher_restarts_and_every_key_is_delivered_exactly_once(database_url, tmp_path):
    runtime = await open_runtime(Settings(database_url=database_url))
    fake = await FakeSlack().start()
    try:
        now = datetime.now(timezone.utc) - timedelta(minutes=1)
        people = await add_people(runtime, FAN_OUT)
        keys = [await queue(runtime, now, kind="announcement", person_id=p, text="The LGBTQ+ Educators social is on Friday") for p in people]
        # From the 300th on, Slack takes the posts but the process never hears back: it is killed
        # between sending and recording, which is what leaves items in doubt.
        fake.hold_answers_after(KILL_AT - 1)
        reached = fake.after_posts(KILL_AT)

        first = await drain(database_url, fake, tmp_path)
        await asyncio.wait_for(reached.wait(), timeout=120)
        first.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(first.wait(), timeout=30) == -signal.SIGKILL
        fake.release()

        left = await rows(runtime)
        in_doubt = [k for k, r in left.items() if r.state == "sending"]
        delivered_unrecorded = [k for k in in_doubt if fake.keys[k]]
        assert delivered_unrecorded, "some items were posted but not recorded when the process died"
        assert len(in_doubt) > len(delivered_unrecorded), "and some were claimed but never posted"
        assert sum(1 for r in left.values() if r.state == "queued") > 0

        second = await drain(database_url, fake, tmp_path)
        out, err = await asyncio.wait_for(second.communicate(), timeout=180)
        assert second.returncode == 0, err.decode()
        assert "still queued for later" in out.decode()

        assert fake.keys == {k: 1 for k in keys}, "each key reached Slack exactly once"
        async with runtime.sessions() as session:
            states = dict((await session.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state))).all())
        assert states == {"sent": FAN_OUT}
        finished = await rows(runtime)
        assert {finished[k].last_error for k in delivered_unrecorded} == {"found delivered after an interruption"}
        assert fake.of("conversations.history"), "the restarted process asked Slack about the items in doubt"
    finally:
        fake.release()
        await fake.stop()
        await runtime.close()
