"""`affinity-bot serve` itself: /readyz with its scheduler, /metrics on a port of its own, JSON log lines."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.test_dispatcher_serve import free_port

BIN = Path(sys.executable).with_name("affinity-bot")


async def _wait_for(http: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    for _ in range(600):
        try:
            async with http.get(url) as response:
                return response.status, await response.text()
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never answered")


async def test_serve_offers_readyz_and_metrics_on_its_own_port(sqlite_url, tmp_path):
    port, metrics_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AFFINITY_", "SLACK_", "MICROSOFT_"))}
    env.update(DATABASE_URL=sqlite_url, PORT=str(port), AFFINITY_METRICS_PORT=str(metrics_port), AFFINITY_LOG_FORMAT="json")
    server = await asyncio.create_subprocess_exec(
        str(BIN), "serve", "--host", "127.0.0.1", cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with aiohttp.ClientSession() as http:
            status, body = await _wait_for(http, f"http://127.0.0.1:{port}/readyz")
            assert status == 200 and json.loads(body)["ready"] is True, body
            status, body = await _wait_for(http, f"http://127.0.0.1:{metrics_port}/metrics")
            assert status == 200
            names = {family.name for family in text_string_to_metric_families(body)}
            assert {"affinity_requests", "affinity_outbox_items", "affinity_job_runs", "affinity_scheduler_last_tick_timestamp_seconds"} <= names
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 404, "not on the public port when it has its own"
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(server.communicate(), timeout=60)
    assert server.returncode == 0, err.decode()
    assert f"Metrics are on http://127.0.0.1:{metrics_port}/metrics." in out.decode()
    for line in err.decode().splitlines():
        assert {"timestamp", "level", "logger", "event"} <= set(json.loads(line)), line
