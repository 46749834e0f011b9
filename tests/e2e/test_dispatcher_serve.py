"""`affinity-bot serve` runs the scheduler: a queued message reaches Slack, and SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import signal
import socket
from datetime import datetime, timedelta, timezone

from bot.bootstrap import open_runtime
from bot.config import Settings
from tests.adapters.slack.fake_slack import FakeSlack
from tests.e2e.test_dispatcher_kill import BIN, environment
from tests.storage.test_dispatcher import add_people, queue, rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_delivers_the_outbox_and_stops_cleanly_on_sigterm(database_url, tmp_path):
    runtime = await open_runtime(Settings(database_url=database_url))
    fake = await FakeSlack().start()
    try:
        (person,) = await add_people(runtime, 1)
        key = await queue(runtime, datetime.now(timezone.utc) - timedelta(minutes=1), kind="join_decision", person_id=person, text="You are now a member")
        arrived = fake.after_posts(1)
        env = environment(database_url, fake)
        env["PORT"] = str(free_port())
        server = await asyncio.create_subprocess_exec(
            str(BIN), "serve", "--host", "127.0.0.1", cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            await asyncio.wait_for(arrived.wait(), timeout=60)
        finally:
            server.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(server.communicate(), timeout=60)
        assert server.returncode == 0, err.decode()
        assert "listening on http://127.0.0.1" in out.decode()
        assert fake.keys == {key: 1}
        assert (await rows(runtime))[key].state == "sent", "recorded before the process ended"
    finally:
        await fake.stop()
        await runtime.close()
